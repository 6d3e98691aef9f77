"""Work units (issue 19): a large 837 set is stored in claim ranges that any worker takes,
with the same claims, outcomes, findings, 999 and 277CA as one job storing the file; a
set whose guide judges the set or the file as a whole, or that the 999 rejects, stays
whole. On PostgreSQL (units run on the job queue only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Db, _truncate_all
from sqlalchemy import select, text

from edi_gateway.config import Settings
from edi_gateway.db import make_engine, make_sessionmaker
from edi_gateway.models import Submission, TransactionSet, WorkUnit
from edi_gateway.submissions.pipeline import process_submission, start_run
from edi_gateway.submissions.repository import AcknowledgmentRepository
from edi_gateway.submissions.schemas import SubmissionStatus
from edi_gateway.submissions.service import receive, store_path
from edi_gateway.submissions.units import UnitPlanner, advance, run_unit
from parsers.generate import generate_bytes

CLAIMS = 1_200
CLI = [sys.executable, "-m", "edi_gateway.cli"]
UNIT = 300


@pytest.fixture
async def pg(postgres_url: str, tmp_path: Path) -> AsyncIterator[Db]:
    await _truncate_all(postgres_url)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        queue="inprocess",
        unit_claims=UNIT,
        unit_min_workers=0,  # no worker processes here: the units run in the test
    )
    engine = make_engine(postgres_url)
    try:
        yield Db(postgres_url, settings, engine, make_sessionmaker(engine), "postgresql")
    finally:
        await engine.dispose()


def large_837(tmp_path: Path, claims: int, receiver: bytes = b"OTHERPAY", seed: int = 7) -> Path:
    """A generated 837P of one set; OTHERPAY has no plan guide (the base guide judges each
    claim alone), GPHP1EDI has the Medi-Cal plan's (claims per set, unique in the file)."""
    path = tmp_path / f"{receiver.decode()}-{claims}.x12"
    path.write_bytes(generate_bytes("837p", claims, seed=seed).replace(b"GPHP1EDI", receiver))
    return path


async def _received(db: Db, path: Path) -> str:
    got = await receive(
        db.sessionmaker,
        db.settings,
        store_path(db.settings, path),
        filename=path.name,
        partner_id=None,
        source="cli",
    )
    return got.submission.id


async def _in_units(db: Db, sid: str) -> list[int]:
    """Run a submission as the job queue does, its units one after another here; the
    units planned (none when the file is stored in one job)."""
    queued: list[int] = []
    ends: list[str] = []

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    async def queue_submission(submission_id: str) -> None:
        ends.append(submission_id)

    await advance(db.sessionmaker, db.settings, sid, queue_unit)
    async with db.sessionmaker() as s:
        planned = list((await s.execute(select(WorkUnit.id).order_by(WorkUnit.id))).scalars())
    assert set(planned) <= set(queued)
    for unit_id in queued:  # a unit given up (its set stored whole) does nothing
        await run_unit(db.sessionmaker, db.settings, unit_id, queue_submission)
    assert ends == ([sid] if planned else [])  # the last unit, and only it, asks for the end
    if ends:
        await advance(db.sessionmaker, db.settings, sid, queue_unit)
    return planned


async def stored(db: Db, sid: str) -> dict[str, Any]:
    """What a run leaves, without row ids, submission ids and times."""
    queries = {
        "encounters": "SELECT claim_id, total_charge, member_id, billing_npi, status, line, "
        "service_date_from, claim_key FROM encounters WHERE submission_id = :sid "
        "ORDER BY line",
        "lines": "SELECT e.claim_id, l.line_number, l.procedure_code, l.charge, l.line "
        "FROM encounter_lines l JOIN encounters e ON e.id = l.encounter_id "
        "WHERE e.submission_id = :sid ORDER BY l.line",
        "outcomes": "SELECT set_ordinal, st_control_number, claim_id, accepted, charge, line "
        "FROM claim_outcomes WHERE submission_id = :sid ORDER BY line",
        "findings": "SELECT set_ordinal, code, severity, line, segment_position, claim_id, "
        "message FROM findings WHERE submission_id = :sid "
        "ORDER BY line, code, message",
        # in the order reports and work items read them
        "findings in order": "SELECT code, line FROM findings WHERE submission_id = :sid "
        "ORDER BY id",
        "sets": "SELECT ordinal, status, units, units_stored, units_rejected, segments, line "
        "FROM transaction_sets WHERE submission_id = :sid ORDER BY ordinal",
        "submission": "SELECT status, segments, sets_total, sets_accepted, units_total, "
        "units_stored, units_rejected FROM submissions WHERE id = :sid",
    }
    out: dict[str, Any] = {}
    async with db.sessionmaker() as s:
        for name, query in queries.items():
            out[name] = [tuple(r) for r in (await s.execute(text(query), {"sid": sid})).all()]
        acks = AcknowledgmentRepository(s)
        out["acks"] = {
            kind: _masked(await acks.get_content(sid, kind) or b"")
            for kind in await acks.kinds_of(sid)
        }
    return out


def _masked(ack: bytes) -> str:
    """An acknowledgment without what differs from run to run (our control numbers and
    references, claim numbers that are row ids, the dates and times we write)."""
    from test_worker_recovery import _mask

    return _mask(ack)


async def test_a_large_set_in_units_stores_what_one_job_stores(pg: Db, tmp_path: Path) -> None:
    path = large_837(tmp_path, CLAIMS)
    # services after the newest ICD-10-CM release installed: a warning said once per file
    # (R28-ICD10CM-release), which every unit says once
    # (210 days later: 2026-10-03 to 2026-12-03, before the file is received)
    path.write_bytes(
        re.sub(
            rb"DTP\*472\*D8\*(\d{8})",
            lambda m: (
                b"DTP*472*D8*"
                + (dt.datetime.strptime(m.group(1).decode(), "%Y%m%d") + dt.timedelta(days=210))
                .strftime("%Y%m%d")
                .encode()
            ),
            path.read_bytes(),
        )
    )
    sid = await _received(pg, path)
    units = await _in_units(pg, sid)
    assert len(units) == 4  # 1,200 claims in ranges of about 300
    in_units = await stored(pg, sid)
    async with pg.sessionmaker() as s:
        rows = (await s.execute(select(WorkUnit).order_by(WorkUnit.ordinal))).scalars().all()
        submission = await s.get(Submission, sid)
        assert submission is not None
        progress = SubmissionStatus.from_row(submission, "/x").progress
    assert [u.status for u in rows] == ["done"] * 4
    assert sum(u.claims for u in rows) == CLAIMS
    assert sum(u.units_stored + u.units_rejected for u in rows) == CLAIMS
    assert all(u.worker for u in rows)
    assert (progress.units_done, progress.units_total) == (4, 4)
    assert in_units["sets"][0][1] == "stored"
    said = [f for f in in_units["findings"] if f[1] == "R28-ICD10CM-release"]
    assert len(said) == 1 and said[0][3] < in_units["outcomes"][1][5]  # at the first claim

    await _truncate_all(pg.url)
    sid = await _received(pg, path)
    await process_submission(pg.sessionmaker, pg.settings, sid)  # one job, no units
    one_job = await stored(pg, sid)
    assert len(one_job["encounters"]) == CLAIMS
    assert in_units == one_job


async def test_a_unit_run_again_stores_nothing_twice(pg: Db, tmp_path: Path) -> None:
    sid = await _received(pg, large_837(tmp_path, 700))
    queued: list[int] = []
    ends: list[str] = []

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    async def queue_submission(submission_id: str) -> None:
        ends.append(submission_id)

    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    assert len(queued) == 3  # 300, 300 and 100 claims
    await run_unit(pg.sessionmaker, pg.settings, queued[0], queue_submission)
    await run_unit(pg.sessionmaker, pg.settings, queued[0], queue_submission)  # again
    # the submission's job run again before the end queues only the unit not done
    again: list[int] = []

    async def queue_again(unit_id: int) -> None:
        again.append(unit_id)

    await advance(pg.sessionmaker, pg.settings, sid, queue_again)
    assert again == queued[1:]
    for unit_id in again:
        await run_unit(pg.sessionmaker, pg.settings, unit_id, queue_submission)
    assert ends == [sid]
    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    async with pg.sessionmaker() as s:
        count = (
            await s.execute(text("SELECT count(*), count(DISTINCT claim_id) FROM encounters"))
        ).one()
        submission = await s.get(Submission, sid)
        assert submission is not None
    assert tuple(count) == (700, 700)
    assert submission.status == "completed" and submission.units_stored == 700


async def test_a_set_judged_whole_by_its_guide_is_not_split(pg: Db, tmp_path: Path) -> None:
    # the Medi-Cal plan guide limits claims per set (R10) and wants CLM01 unique in the
    # file (R15): verdicts on the whole set, so the set is one unit, stored by one job
    sid = await _received(pg, large_837(tmp_path, 700, receiver=b"GPHP1EDI"))
    assert await _in_units(pg, sid) == []
    async with pg.sessionmaker() as s:
        sets = (await s.execute(select(TransactionSet))).scalars().all()
        submission = await s.get(Submission, sid)
        assert submission is not None
    assert [(t.status, t.units) for t in sets] == [("stored", 700)]
    assert submission.work_units_total == 0
    assert submission.status == "completed"


async def test_a_set_the_999_rejects_is_not_split(pg: Db, tmp_path: Path) -> None:
    path = large_837(tmp_path, 700)
    raw = path.read_bytes()
    se = raw.rindex(b"SE*")
    count = raw[se:].split(b"*")[1]
    path.write_bytes(raw[:se] + b"SE*" + str(int(count) + 1).encode() + raw[se + 3 + len(count) :])
    sid = await _received(pg, path)
    assert await _in_units(pg, sid) == []
    in_one = await stored(pg, sid)
    assert in_one["sets"][0][1:5] == ("rejected", 700, 0, 700)
    assert in_one["submission"][0][0] == "rejected"
    assert in_one["encounters"] == []
    # the claims' own findings are there, as when one job stores it (no unit, no split)
    await _truncate_all(pg.url)
    sid = await _received(pg, path)
    await process_submission(pg.sessionmaker, pg.settings, sid)
    assert await stored(pg, sid) == in_one


async def _stored_at(url: str, tmp_path: Path, sid: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        return await stored(Db(url, settings, engine, make_sessionmaker(engine), "pg"), sid)
    finally:
        await engine.dispose()


async def _one_job(url: str, tmp_path: Path, path: Path) -> dict[str, Any]:
    """What one job (no units) stores of the file, on an emptied database."""
    await _truncate_all(url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, unit_claims=0)
    engine = make_engine(url)
    try:
        db = Db(url, settings, engine, make_sessionmaker(engine), "postgresql")
        sid = await _received(db, path)
        await process_submission(db.sessionmaker, settings, sid)
        return await stored(db, sid)
    finally:
        await engine.dispose()


def test_two_worker_processes_share_one_file(postgres_url: str, tmp_path: Path) -> None:
    """One 5,000-claim set, `edi-gateway worker` processes on the queue: it is split into
    units, both workers store some, the progress moves unit by unit, and what is stored
    and acknowledged equals one job's run of the same file."""
    from test_worker_recovery import _env, _fresh_queue, _queued, _run_sync, _sql, _stop, _wait

    url = postgres_url
    _run_sync(lambda: _truncate_all(url))
    # the queue's schema before the workers start (they prune stalled workers at once)
    _run_sync(lambda: _fresh_queue(url))
    path = large_837(tmp_path, 5_000, seed=11)
    env = {**_env(url, tmp_path), "EDI_GATEWAY_UNIT_CLAIMS": "1000"}
    workers = [
        subprocess.Popen(
            [*CLI, "worker", "--concurrency", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    seen: list[tuple[int, int]] = []

    def progress(sid: str) -> str | None:
        [row] = _run_sync(
            lambda: _sql(
                url,
                "SELECT status, work_units_done, work_units_total FROM submissions WHERE id = :sid",
                sid=sid,
            )
        )
        seen.append((row["work_units_done"], row["work_units_total"]))
        status = str(row["status"])
        return status if status not in ("received", "validating", "storing") else None

    try:
        time.sleep(2)  # both workers up (and registered) before the file is queued
        sid = _queued(url, tmp_path, path, fresh=False)
        final = _wait(lambda: progress(sid), 300, "the file to be stored")
    finally:
        _stop(*workers)
    assert final == "completed"
    units = _run_sync(
        lambda: _sql(url, "SELECT ordinal, claims, worker FROM work_units ORDER BY ordinal")
    )
    assert len(units) == 5 and sum(u["claims"] for u in units) == 5_000
    assert len({u["worker"] for u in units}) == 2  # both workers took units
    totals = {total for _, total in seen if total}
    assert totals == {5}
    done = [d for d, total in seen if total]
    assert done == sorted(done) and done[-1] == 5 and len(set(done)) >= 2  # it moved

    in_units = _run_sync(lambda: _stored_at(url, tmp_path, sid))
    whole = _run_sync(lambda: _one_job(url, tmp_path, path))
    assert len(whole["encounters"]) == 5_000
    assert in_units == whole


def test_a_worker_killed_mid_unit_leaves_nothing_stored_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    """SIGKILL the worker while it stores the units of a 3,000-claim set: another worker
    takes its unit again (found stalled), every claim is stored once, and the submission
    ends as one undisturbed job's run of the file."""
    from test_worker_recovery import _env, _queued, _run_sync, _sql, _stop, _wait, _worker

    url = postgres_url
    _run_sync(lambda: _truncate_all(url))
    path = large_837(tmp_path, 3_000, seed=11)
    env = {
        **_env(url, tmp_path),
        "EDI_GATEWAY_UNIT_CLAIMS": "500",
        "EDI_GATEWAY_UNIT_MIN_WORKERS": "1",  # one worker at a time here
    }

    def state(sid: str) -> tuple[str, int]:
        [row] = _run_sync(
            lambda: _sql(
                url, "SELECT status, work_units_done FROM submissions WHERE id = :sid", sid=sid
            )
        )
        return str(row["status"]), int(row["work_units_done"])

    sid = _queued(url, tmp_path, path)
    first = _worker(env)
    try:
        _wait(lambda: state(sid)[1] >= 1, 240, "a first unit to be stored")
        first.send_signal(signal.SIGKILL)  # mid-unit: its job stays "doing"
        first.wait(timeout=10)
        assert state(sid)[0] == "storing" and state(sid)[1] < 6
        second = _worker(env)

        def jobs() -> list[str]:
            rows = _run_sync(
                lambda: _sql(
                    url, "SELECT status FROM procrastinate_jobs WHERE queue_name = 'submissions'"
                )
            )
            return [str(j["status"]) for j in rows]

        try:
            final = _wait(
                lambda: (s := state(sid))[0] not in ("received", "validating", "storing") and s,
                240,
                "another worker to finish the units",
            )
            # the killed worker's job, left "doing" (killed in its unit, or after the
            # unit committed and before the job was marked done), is found stalled and run
            # again by the live worker: it ends at once when its unit is already stored
            _wait(lambda: "doing" not in jobs() and "todo" not in jobs(), 60, "jobs to end")
        finally:
            _stop(second)
    finally:
        _stop(first)
    assert final == ("completed", 6)
    [count] = _run_sync(
        lambda: _sql(url, "SELECT count(*) AS n, count(DISTINCT claim_id) AS d FROM encounters")
    )
    assert (count["n"], count["d"]) == (3_000, 3_000)  # every claim stored once
    # the plan, six units and the end, the killed unit's job taken over
    assert jobs() == ["succeeded"] * 8
    in_units = _run_sync(lambda: _stored_at(url, tmp_path, sid))
    assert in_units == _run_sync(lambda: _one_job(url, tmp_path, path))


@pytest.mark.parametrize("rejected", [False, True])
async def test_units_run_only_once_their_set_is_judged(
    pg: Db, tmp_path: Path, rejected: bool
) -> None:
    """Units are queued with the planning job's verdict on their set (the 999). A unit
    taken before it (queued by a run stopped after planning) ends at once, storing nothing
    and giving its worker back, and is queued again with the verdict; the units of a set
    the 999 rejects are given up, and the set is stored whole."""
    path = large_837(tmp_path, 700)
    if rejected:
        raw = path.read_bytes()
        se = raw.rindex(b"SE*")
        count = raw[se:].split(b"*")[1]
        path.write_bytes(
            raw[:se] + b"SE*" + str(int(count) + 1).encode() + raw[se + 3 + len(count) :]
        )
    sid = await _received(pg, path)
    queued: list[int] = []
    ends: list[str] = []

    async def queue_submission(submission_id: str) -> None:
        ends.append(submission_id)

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    # a run stopped after planning, before its verdict
    run = await start_run(pg.sessionmaker, pg.settings, sid)
    assert list((await UnitPlanner(pg.settings, queue_unit).split(run))[0]) == [1]
    assert queued == []  # nothing to run before the verdict
    async with pg.sessionmaker() as s:
        planned = (await s.execute(select(WorkUnit.id).order_by(WorkUnit.id))).scalars().all()
    assert len(planned) == 3
    for unit_id in planned:  # taken all the same: it ends at once (before: it waited)
        await asyncio.wait_for(
            run_unit(pg.sessionmaker, pg.settings, unit_id, queue_submission), 60
        )
    async with pg.sessionmaker() as s:
        statuses = (await s.execute(select(WorkUnit.status))).scalars().all()
        assert (await s.execute(text("SELECT count(*) FROM encounters"))).scalar_one() == 0
    assert statuses == ["wait"] * 3 and ends == []

    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)  # takes the plan up
    assert queued == ([] if rejected else list(planned))  # queued with the verdict
    for unit_id in queued:
        await run_unit(pg.sessionmaker, pg.settings, unit_id, queue_submission)
    assert ends == ([] if rejected else [sid])
    if ends:
        await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    got = await stored(pg, sid)
    assert got["sets"][0][1:5] == (
        ("rejected", 700, 0, 700) if rejected else ("stored", 700, 700, 0)
    )
    assert len(got["encounters"]) == (0 if rejected else 700)
    assert got["submission"][0][0] == ("rejected" if rejected else "completed")


async def test_a_unit_failing_for_good_fails_the_file_until_ops_retry_it(
    pg: Db, tmp_path: Path
) -> None:
    """The last attempt of a unit fails the submission (with how to retry it); nothing
    runs it again until ops retry the submission, whose job then queues the units not
    done; a submission whose units are all done but never concluded is found by the
    recovery pass."""
    from edi_gateway.submissions.service import mark_for_retry
    from edi_gateway.submissions.units import unit_failed, units_all_done
    from edi_gateway.submissions.worker import Attempt

    sid = await _received(pg, large_837(tmp_path, 700))
    queued: list[int] = []
    ends: list[str] = []

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    async def queue_submission(submission_id: str) -> None:
        ends.append(submission_id)

    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    first, *rest = queued
    await run_unit(pg.sessionmaker, pg.settings, first, queue_submission)
    with pytest.raises(
        OSError, match="disk away"
    ):  # not the last attempt: raised again for the queue
        await unit_failed(pg.sessionmaker, rest[0], Attempt(1, 2), OSError("disk away"))
    await unit_failed(pg.sessionmaker, rest[0], Attempt(2, 2), OSError("disk away"))
    async with pg.sessionmaker() as s:
        submission = await s.get(Submission, sid)
        assert submission is not None
        assert submission.status == "failed"
        assert submission.error is not None and "retry" in submission.error
    queued.clear()
    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)  # the end, asked too soon
    assert queued == []
    async with pg.sessionmaker() as s, s.begin():
        submission = await s.get(Submission, sid)
        assert submission is not None
        await mark_for_retry(s, None, submission)
    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    assert queued == rest  # only the units not done
    for unit_id in rest:
        await run_unit(pg.sessionmaker, pg.settings, unit_id, queue_submission)
    assert ends == [sid]
    now = dt.datetime.now(dt.UTC)
    assert await units_all_done(pg.sessionmaker, now) == [sid]  # if its worker stopped here
    # the recovery pass leaves it to the last unit's worker for a while (it is queueing
    # the end, which may have run by the time the pass looks for a job)
    just_before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    assert await units_all_done(pg.sessionmaker, just_before) == []
    assert await units_all_done(pg.sessionmaker, dt.datetime.now(dt.UTC)) == [sid]
    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    assert await units_all_done(pg.sessionmaker, dt.datetime.now(dt.UTC)) == []
    async with pg.sessionmaker() as s:
        count = (await s.execute(text("SELECT count(*) FROM encounters"))).scalar_one()
        submission = await s.get(Submission, sid)
        assert submission is not None
    assert (submission.status, count) == ("completed", 700)


async def test_with_one_worker_alive_a_large_set_is_stored_in_one_job(
    pg: Db, tmp_path: Path
) -> None:
    """Units pay only with a second worker to share them: with one worker alive (by the
    job queue's heartbeats) the planning job stores the set itself, as before units."""
    from edi_gateway.jobs import apply_schema

    await apply_schema(pg.url)
    settings = pg.settings.model_copy(update={"unit_min_workers": 2})
    queued: list[int] = []

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    async def workers(n: int) -> None:
        """``n`` worker processes: each runs two procrastinate workers (submissions and
        webhooks), each with its heartbeat row."""
        async with pg.sessionmaker() as s, s.begin():
            await s.execute(text("DELETE FROM procrastinate_workers"))
            for _ in range(2 * n):
                await s.execute(text("INSERT INTO procrastinate_workers DEFAULT VALUES"))

    try:
        await workers(1)
        sid = await _received(pg, large_837(tmp_path, 700))
        await advance(pg.sessionmaker, settings, sid, queue_unit)
        async with pg.sessionmaker() as s:
            submission = await s.get(Submission, sid)
            assert submission is not None
        assert queued == [] and submission.status == "completed"
        assert submission.units_stored == 700

        await workers(2)
        sid = await _received(pg, large_837(tmp_path, 700, seed=8))
        await advance(pg.sessionmaker, settings, sid, queue_unit)
        assert len(queued) == 3
    finally:
        await workers(0)


async def test_a_set_kept_whole_leaves_the_file_s_other_sets_to_units(
    pg: Db, tmp_path: Path
) -> None:
    """A set judged as a whole by its guides (an 835: its balancing rejects the set) is
    stored whole by the planning job while the file's large 837 set is split into units,
    and the file ends as one job's run of it ends."""
    path = large_837(tmp_path, 700)
    raw = path.read_bytes()
    remit = generate_bytes("835", 20, seed=3).replace(b"GPHP1EDI", b"OTHERPAY")
    group = remit[remit.index(b"GS*") : remit.rindex(b"IEA*")]
    iea = raw.rindex(b"IEA*")
    path.write_bytes(raw[:iea] + group + b"IEA*2*" + raw[iea:].split(b"*")[2])
    sid = await _received(pg, path)
    assert len(await _in_units(pg, sid)) == 3  # the 837 set: 300, 300 and 100 claims
    in_units = await stored(pg, sid)
    async with pg.sessionmaker() as s:
        units = (await s.execute(select(WorkUnit.set_ordinal, WorkUnit.status))).all()
    assert [tuple(u) for u in units] == [(1, "done")] * 3
    assert [(o, status, n) for o, status, n, *_ in in_units["sets"]] == [
        (1, "stored", 700),
        (2, "stored", 20),
    ]
    assert in_units["submission"][0][0] == "completed"

    await _truncate_all(pg.url)
    sid = await _received(pg, path)
    await process_submission(pg.sessionmaker, pg.settings, sid)  # one job, no units
    assert await stored(pg, sid) == in_units


async def test_a_claim_repeated_in_another_set_keeps_the_large_set_whole(
    pg: Db, tmp_path: Path
) -> None:
    """The file's second set repeats the first claim of its large set: one job judges the
    second set's copy the duplicate. Units of the large set would commit after the
    planning job stored the small set and make the large set's copy the duplicate, so the
    large set is stored whole and the file ends exactly as one job's run of it."""
    path = large_837(tmp_path, 700)
    segments = path.read_text().split("~")
    at = {s.strip().split("*")[0]: i for i, s in reversed(list(enumerate(segments)))}
    claims = [i for i, s in enumerate(segments) if s.strip().startswith("CLM*")]
    second_hl = next(i for i in range(claims[0], len(segments)) if segments[i].strip()[:3] == "HL*")
    st = segments[at["ST"]].split("*")
    small = ["*".join([*st[:2], "9999", *st[3:]]), *segments[at["ST"] + 1 : second_hl]]
    small.append(f"\nSE*{len(small) + 1}*9999")
    ge = next(i for i, s in enumerate(segments) if s.strip().startswith("GE*"))
    segments[ge] = segments[ge].replace("GE*1*", "GE*2*")
    path.write_text("~".join([*segments[:ge], *small, *segments[ge:]]))

    sid = await _received(pg, path)
    assert await _in_units(pg, sid) == []  # no units: the large set is stored whole
    in_units = await stored(pg, sid)
    clm01 = segments[claims[0]].split("*")[1]
    copies = [e for e in in_units["outcomes"] if e[2] == clm01]
    assert [(o[0], o[3]) for o in copies] == [(1, True), (2, False)]  # the later copy
    assert [(o, status) for o, status, *_ in in_units["sets"]] == [(1, "stored"), (2, "stored")]

    await _truncate_all(pg.url)
    sid = await _received(pg, path)
    await process_submission(pg.sessionmaker, pg.settings, sid)  # one job, no units
    assert await stored(pg, sid) == in_units


def test_workers_killed_at_ten_random_points_of_a_file_in_units(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two workers share a 3,000-claim set in units; one of them, at random, is SIGKILLed
    at 10 seeded random moments (the planning read, a unit, the conclusion) and replaced:
    every claim is stored once, the submission completes and its acknowledgments equal
    those of an undisturbed run of the same file (masked as test_worker_recovery's)."""
    import random

    from test_worker_recovery import (
        _acks,
        _distinct_claims,
        _env,
        _fresh_queue,
        _queued,
        _run_sync,
        _sql,
        _stop,
        _wait,
        _worker,
    )

    url = postgres_url
    path = large_837(tmp_path, 3_000, seed=13)
    env = {
        **_env(url, tmp_path),
        "EDI_GATEWAY_UNIT_CLAIMS": "500",
        # split even when the planning job runs while a killed worker's replacement starts
        "EDI_GATEWAY_UNIT_MIN_WORKERS": "1",
    }
    done = ("completed", "partially_accepted", "rejected", "failed", "held")

    def status(sid: str) -> str:
        [row] = _run_sync(
            lambda: _sql(url, "SELECT status FROM submissions WHERE id = :sid", sid=sid)
        )
        return str(row["status"])

    def start() -> list[subprocess.Popen[bytes]]:
        """An empty database and queue, then two workers (registered before the file is
        queued: the planner counts them)."""
        _run_sync(lambda: _truncate_all(url))
        _run_sync(lambda: _fresh_queue(url))
        workers = [_worker(env), _worker(env)]
        time.sleep(2)
        return workers

    workers = start()
    try:
        sid = _queued(url, tmp_path, path, fresh=False)
        begun = time.monotonic()
        _wait(lambda: status(sid) in done, 240, "the undisturbed run")
        duration = time.monotonic() - begun
    finally:
        _stop(*workers)
    assert status(sid) == "completed"
    [split] = _run_sync(lambda: _sql(url, "SELECT count(*) AS n FROM work_units"))
    assert split["n"] == 6  # it was split
    undisturbed = _acks(url, sid)
    assert set(undisturbed) >= {"999", "277ca"}

    rng = random.Random(19)
    workers = start()
    killed_mid_run = 0
    try:
        sid = _queued(url, tmp_path, path, fresh=False)
        for _ in range(10):
            time.sleep(rng.uniform(0.02, 0.25) * duration)  # within a quarter of a run
            if status(sid) in done:
                break
            killed_mid_run += 1
            victim = workers.pop(rng.randrange(2))
            victim.send_signal(signal.SIGKILL)  # its job stays "doing" until found stalled
            victim.wait(timeout=10)
            workers.append(_worker(env))
        final = _wait(lambda: (s := status(sid)) in done and s, 300, "the file to end")
    finally:
        _stop(*workers)
    assert killed_mid_run >= 5, killed_mid_run  # the kills did land mid-file
    assert final == "completed"
    assert _distinct_claims(url) == (3_000, 3_000)  # every claim stored once
    units = _run_sync(lambda: _sql(url, "SELECT status FROM work_units"))
    assert [u["status"] for u in units] == ["done"] * 6  # stored in units all the same
    assert _acks(url, sid) == undisturbed
