"""Scale-out on PostgreSQL survives what kills workers (issue 19): `edi-gateway worker`
processes on the job queue; one is SIGKILLed mid-file, or its database connections are
terminated mid-file. Every claim ends stored once and the submission completes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import _run_sync, _truncate_all

CLI = [sys.executable, "-m", "edi_gateway.cli"]
SETS = 4
CLAIMS_PER_SET = 1500


def _big_file(tmp_path: Path, per_set: int = CLAIMS_PER_SET) -> tuple[Path, int]:
    """One interchange of SETS transaction sets, each a generated 837P of its own."""
    sets: list[str] = []
    head = tail = ""
    for n in range(SETS):
        out = tmp_path / f"part{n}.x12"
        subprocess.run(
            [*CLI, "generate", "837p", "--count", str(per_set), "--seed", str(n + 1)],
            check=True,
            stdout=out.open("wb"),
        )
        segments = out.read_text().split("~")
        st = next(i for i, s in enumerate(segments) if s.strip().startswith("ST*"))
        se = next(i for i, s in enumerate(segments) if s.strip().startswith("SE*"))
        body = segments[st : se + 1]
        control = f"{n + 1:04d}"
        body[0] = "\n" + "*".join([*body[0].strip().split("*")[:2], control, "005010X222A1"])
        body[-1] = "\n" + "*".join([*body[-1].strip().split("*")[:2], control])
        # patient control numbers unique across the sets
        body = [
            s.replace("CLM*", f"CLM*S{n}", 1) if s.strip().startswith("CLM*") else s for s in body
        ]
        sets.append("~".join(body))
        if n == 0:
            head = "~".join(segments[:st])
            tail = "~".join(segments[se + 1 :])
    ge = tail.strip().split("~")[0].split("*")
    tail = tail.replace("*".join(ge), "*".join([ge[0], str(SETS), ge[2]]), 1)
    path = tmp_path / "big.x12"
    path.write_text(head + "~" + "~".join(sets) + "~" + tail)
    return path, SETS * per_set


async def _sql(url: str, query: str, **params: Any) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        names = list(params)
        q = query
        for i, name in enumerate(names, 1):
            q = q.replace(f":{name}", f"${i}")
        return list(await conn.fetch(q, *params.values()))
    finally:
        await conn.close()


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_QUEUE": "procrastinate",
        "EDI_GATEWAY_HEARTBEAT_SECONDS": "0.5",
        "EDI_GATEWAY_STALLED_AFTER_SECONDS": "3",
        "EDI_GATEWAY_RECOVERY_INTERVAL_SECONDS": "1",
        "EDI_GATEWAY_RETRY_BASE_SECONDS": "1.5",
    }


async def _fresh_queue(url: str) -> None:
    """The job queue's tables, empty (no jobs, no workers left by an earlier test)."""
    from edi_gateway.jobs import apply_schema

    await apply_schema(url)
    await _sql(url, "DELETE FROM procrastinate_jobs")
    await _sql(url, "DELETE FROM procrastinate_workers")


def _queued(url: str, tmp_path: Path, path: Path, *, fresh: bool = True) -> str:
    """Receive the file as the API does and queue its job; its submission id. ``fresh``
    empties the queue first; without it, workers already started stay registered."""
    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker
    from edi_gateway.jobs import enqueue, job_app
    from edi_gateway.submissions.service import receive, store_path

    settings = Settings(data_dir=tmp_path / "data", database_url=url, queue="procrastinate")

    async def go() -> str:
        if fresh:
            await _fresh_queue(url)
        engine = make_engine(url)
        try:
            stored = store_path(settings, path)
            received = await receive(
                make_sessionmaker(engine),
                settings,
                stored,
                filename=path.name,
                partner_id=None,
                source="cli",
            )
        finally:
            await engine.dispose()
        app = job_app(url)
        async with app.open_async():
            assert await enqueue(app, received.submission.id)
            if fresh:  # (with workers running, the first may be taken already)
                assert not await enqueue(app, received.submission.id)  # one job per submission
        return received.submission.id

    return str(_run_sync(go))


def _state(url: str, sid: str) -> tuple[str, int, int, int]:
    async def go() -> tuple[str, int, int, int]:
        [row] = await _sql(
            url, "SELECT status, sets_done, units_stored FROM submissions WHERE id = :sid", sid=sid
        )
        [count] = await _sql(url, "SELECT count(*) AS n FROM encounters")
        return str(row["status"]), int(row["sets_done"]), int(row["units_stored"]), int(count["n"])

    return _run_sync(go)  # type: ignore[no-any-return]


def _wait(until: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = until()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; the workers said:\n{_worker_logs()}")


#: where the workers started by these tests write their log (a file, never a pipe nobody
#: reads: a worker would block on a full pipe)
_WORKER_LOGS: list[Path] = []


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = Path(tempfile.mkstemp(prefix="edi-test-worker-", suffix=".log")[1])
    _WORKER_LOGS.append(log)
    with log.open("wb") as out:
        return subprocess.Popen([*CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=out)


def _worker_logs(tail: int = 4000) -> str:
    """The end of the log of each of the last three workers started."""
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-tail:]}" for log in _WORKER_LOGS[-3:]
    )


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _distinct_claims(url: str) -> tuple[int, int]:
    async def go() -> tuple[int, int]:
        [row] = await _sql(
            url, "SELECT count(*) AS n, count(DISTINCT claim_id) AS d FROM encounters"
        )
        return int(row["n"]), int(row["d"])

    return _run_sync(go)  # type: ignore[no-any-return]


@pytest.fixture
def pg(postgres_url: str) -> str:
    _run_sync(lambda: _truncate_all(postgres_url))
    return postgres_url


def test_a_killed_worker_s_submission_is_finished_by_another(pg: str, tmp_path: Path) -> None:
    path, claims = _big_file(tmp_path)
    env = _env(pg, tmp_path)
    sid = _queued(pg, tmp_path, path)
    first = _worker(env)
    try:
        _wait(lambda: _state(pg, sid)[1] >= 1, 240, "the first set to be stored")
        first.send_signal(signal.SIGKILL)  # no goodbye: its job stays "doing"
        first.wait(timeout=10)
        status, sets_done, _, _ = _state(pg, sid)
        assert status in ("validating", "storing") and sets_done < SETS
        second = _worker(env)
        try:
            final = _wait(
                lambda: (
                    (s := _state(pg, sid))[0] not in ("received", "validating", "storing") and s
                ),
                240,
                "another worker to finish the submission",
            )
        finally:
            _stop(second)
    finally:
        _stop(first)
    assert final[0] == "completed", final
    assert final[2] == claims
    assert _distinct_claims(pg) == (claims, claims)  # every claim stored once
    jobs = _run_sync(
        lambda: _sql(pg, "SELECT status FROM procrastinate_jobs WHERE queue_name = 'submissions'")
    )
    assert [j["status"] for j in jobs] == ["succeeded"]  # the same job, taken over


def test_a_run_whose_connections_die_is_retried(pg: str, tmp_path: Path) -> None:
    path, claims = _big_file(tmp_path)
    env = _env(pg, tmp_path)
    sid = _queued(pg, tmp_path, path)
    worker = _worker(env)
    try:
        _wait(lambda: _state(pg, sid)[1] >= 1, 240, "the first set to be stored")

        async def cut() -> None:  # as a database fail-over or an admin would
            await _sql(
                pg,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )

        _run_sync(cut)
        final = _wait(
            lambda: (s := _state(pg, sid))[0] in ("completed", "failed") and s,
            240,
            "the submission to end",
        )
    finally:
        _stop(worker)
    assert final[0] == "completed", final
    assert _distinct_claims(pg) == (claims, claims)
    [row] = _run_sync(lambda: _sql(pg, "SELECT error FROM submissions"))
    assert row["error"] is None


#: a worker whose first heartbeat of each procrastinate worker fails, as when the database
#: restarts between two heartbeats (procrastinate then stops that worker)
_FLAKY_HEARTBEAT_WORKER = """
import procrastinate.manager as manager
real = manager.JobManager.update_heartbeat
failed = set()
async def flaky(self, worker_id):
    if worker_id not in failed:
        failed.add(worker_id)
        raise ConnectionResetError("connection to the database lost")
    await real(self, worker_id)
manager.JobManager.update_heartbeat = flaky
from edi_gateway.cli import main
raise SystemExit(main(["worker"]))
"""


def test_a_worker_whose_heartbeat_fails_takes_jobs_again(pg: str, tmp_path: Path) -> None:
    """The heartbeat failing stops procrastinate's worker; the process stays up and takes
    the next submission (it used to exit, leaving work queued with no worker)."""
    env = _env(pg, tmp_path)
    _run_sync(lambda: _fresh_queue(pg))
    log = Path(tempfile.mkstemp(prefix="edi-test-worker-", suffix=".log")[1])
    _WORKER_LOGS.append(log)
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-c", _FLAKY_HEARTBEAT_WORKER],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    try:
        _wait(
            lambda: "job worker stopped after a database error" in log.read_text(),
            60,
            "the heartbeat to fail",
        )
        assert worker.poll() is None  # still running
        sample = Path(__file__).resolve().parents[2] / "sample_edi" / "837p"
        sid = _queued(pg, tmp_path, sample / "837p_valid_basic.x12", fresh=False)
        final = _wait(
            lambda: (s := _state(pg, sid))[0] in ("completed", "failed") and s,
            60,
            "the submission queued after the failure to end",
        )
    finally:
        _stop(worker)
    assert final[0] == "completed" and final[2] == 5, final
    said = log.read_text()
    assert "webhook worker stopped after a database error" in said, said[-2000:]


KILLS = 10
RUNNING = ("validating", "storing")


def _started(url: str, sid: str) -> Any:
    async def go() -> Any:
        [row] = await _sql(url, "SELECT started_at FROM submissions WHERE id = :sid", sid=sid)
        return row["started_at"]

    return _run_sync(go)


def _mask(content: bytes) -> str:
    """An acknowledgment with what differs from run to run masked: the control numbers and
    references we assign (golden_support), our claim numbers (REF*1K: row ids, which
    killed runs use up) and the dates and times we write."""
    from golden_support import _mask_ack

    raw = content.decode("latin-1")
    el, seg = raw[3], raw[105]
    text = _mask_ack(content)
    stamped = {"ISA": (9, 10), "GS": (4, 5), "BHT": (4, 5), "STC": (2,)}
    segments = []
    for segment in text.split(seg):
        parts = segment.split(el)
        for i in stamped.get(parts[0].strip(), ()):
            if i < len(parts):
                parts[i] = "<time>"
        if parts[0].strip() == "REF" and parts[1:2] == ["1K"]:
            parts[2] = "<claim number>"
        segments.append(el.join(parts))
    return seg.join(segments)


def _acks(url: str, sid: str) -> dict[str, str]:
    """The acknowledgments, masked (``_mask``)."""

    async def go() -> list[Any]:
        return await _sql(
            url,
            "SELECT a.kind, p.content FROM acknowledgments a JOIN acknowledgment_parts p "
            "ON p.acknowledgment_id = a.id WHERE a.submission_id = :sid ORDER BY a.kind, p.seq",
            sid=sid,
        )

    whole: dict[str, bytes] = {}
    for row in _run_sync(go):
        whole[str(row["kind"])] = whole.get(str(row["kind"]), b"") + bytes(row["content"])
    return {kind: _mask(content) for kind, content in whole.items()}


def test_killed_at_ten_random_points_the_file_ends_as_if_undisturbed(
    pg: str, tmp_path: Path
) -> None:
    """SIGKILL the worker at 10 seeded random moments of one file's processing, starting
    another each time: every claim is stored once, the submission completes and its
    acknowledgments equal those of an undisturbed run of the same file."""
    path, claims = _big_file(tmp_path, per_set=400)
    env = _env(pg, tmp_path)
    done = ("completed", "partially_accepted", "rejected", "failed", "held")

    sid = _queued(pg, tmp_path, path)
    worker = _worker(env)
    try:
        _wait(lambda: _state(pg, sid)[0] != "received", 240, "the undisturbed run to start")
        begun = time.monotonic()
        _wait(lambda: _state(pg, sid)[0] in done, 240, "the undisturbed run")
        duration = time.monotonic() - begun  # processing only, not the worker's start
    finally:
        _stop(worker)
    assert _state(pg, sid)[0] == "completed"
    undisturbed = _acks(pg, sid)
    assert set(undisturbed) >= {"999", "277ca"}

    _run_sync(lambda: _truncate_all(pg))
    sid = _queued(pg, tmp_path, path)
    rng = random.Random(19)
    killed_mid_run = 0
    started = None
    for _ in range(KILLS):
        worker = _worker(env)
        try:
            # the new worker takes the job (after the killed one is found stalled)
            _wait(
                lambda prev=started: (
                    _state(pg, sid)[0] in done
                    or (_started(pg, sid) not in (None, prev) and _state(pg, sid)[0] in RUNNING)
                ),
                240,
                "a worker to take the submission",
            )
            started = _started(pg, sid)
            if _state(pg, sid)[0] in done:
                break
            # a moment within the first quarter of a whole run: mid-set, sometimes after a
            # set was stored (the next run resumes after the stored sets)
            time.sleep(rng.uniform(0.02, 0.3) * duration)
            if _state(pg, sid)[0] in RUNNING:
                killed_mid_run += 1
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            _stop(worker)
    last = _worker(env)
    try:
        final = _wait(lambda: (s := _state(pg, sid))[0] in done and s, 300, "the last run")
    finally:
        _stop(last)

    assert killed_mid_run >= 5, killed_mid_run  # the kills did land mid-file
    assert final[0] == "completed", final
    assert final[2] == claims
    assert _distinct_claims(pg) == (claims, claims)  # every claim stored once
    assert _acks(pg, sid) == undisturbed
