"""The product as it is deployed for scale-out: `edi-gateway serve` and `edi-gateway
worker` as real processes on PostgreSQL, a file sent with `edi-gateway submit --wait`."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import SAMPLES, _run_sync, _truncate_all
from sqlalchemy import func, select, text

CLI = [sys.executable, "-m", "edi_gateway.cli"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``edi-gateway ARGS`` as a separate process, its output as text."""
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, seconds: float) -> None:
    """Until ``GET /readyz`` answers 200 (the service started), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service did not become ready")


def test_serve_worker_and_submit_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    _run_sync(lambda: _truncate_all(postgres_url))
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": postgres_url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_QUEUE": "procrastinate",
    }
    up = _cli(env, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    created = _cli(
        env, "partners", "create", "clinic", "--role", "provider", "--sender-id", "SUBMITTER9856"
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.rsplit(": ", 1)[1].strip()
    assert key.startswith("edi_")
    listed = _cli(env, "partners", "keys", "list", "clinic")
    assert key[:12] in listed.stdout and key not in listed.stdout  # only the prefix is kept

    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    worker = subprocess.Popen(
        [*CLI, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, seconds=20)
        claims = tmp_path / "claims.x12"
        claims.write_bytes((SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes())
        sent = subprocess.run(
            [*CLI, "submit", str(claims), "--url", url, "--key", key, "--wait"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "COMPLETED: 5 accepted, 0 rejected of 5" in sent.stdout
        assert b"AK9*A*1*1*1~" in (tmp_path / "claims.x12.999").read_bytes()
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        assert "edi_http_request_seconds" in metrics and "edi_queue_depth" in metrics
    finally:
        for proc in (server, worker):
            proc.terminate()
        for proc in (server, worker):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    from edi_gateway.db import make_engine
    from edi_gateway.models import Encounter, Submission

    async def rows() -> tuple[int, str]:
        engine = make_engine(postgres_url)
        async with engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(Encounter))).scalar_one()
            status = (await conn.execute(select(Submission.status))).scalar_one()
        await engine.dispose()
        return int(count), str(status)

    assert _run_sync(rows) == (5, "completed")
    assert asyncio.get_event_loop_policy() is not None


def test_partner_commands_are_audited(tmp_path: Path) -> None:
    """Creating, rotating and revoking keys from the command line leaves an audit trail."""
    db = tmp_path / "audit.db"
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    for args in (
        ["partners", "create", "plan1", "--role", "plan", "--sender-id", "PLAN1"],
        ["partners", "keys", "rotate", "plan1"],
        ["partners", "keys", "revoke", "plan1"],
    ):
        done = _cli(env, *args)
        assert done.returncode == 0, done.stderr
    import sqlite3

    rows = (
        sqlite3.connect(db)
        .execute("SELECT action, resource_type FROM audit_events ORDER BY id")
        .fetchall()
    )
    assert rows == [("create", "partner"), ("rotate", "api_key"), ("revoke", "api_key")]
    rotated = _cli(env, "partners", "keys", "list", "plan1").stdout
    assert rotated.count("revoked") == 2  # the first key (rotated) and the second (revoked)


def test_partner_billing_npis_from_the_command_line(tmp_path: Path) -> None:
    """A clearinghouse is created with the billing NPIs it sends for; NPIs are added and
    removed later, a bad NPI is refused with a clear message, and each change is audited."""
    db = tmp_path / "npis.db"
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    made = _cli(env, "partners", "create", "ch1", "--role", "clearinghouse", "--npi", "1234567893")
    assert made.returncode == 0, made.stderr
    added = _cli(env, "partners", "providers", "add", "ch1", "1245319599")
    assert added.returncode == 0, added.stderr
    assert "1234567893, 1245319599" in added.stdout
    bad = _cli(env, "partners", "providers", "add", "ch1", "1234567890")
    assert bad.returncode != 0
    assert "not a valid NPI" in bad.stderr and "Traceback" not in bad.stderr
    removed = _cli(env, "partners", "providers", "remove", "ch1", "1234567893")
    assert removed.returncode == 0, removed.stderr
    assert _cli(env, "partners", "providers", "list", "ch1").stdout.split() == ["1245319599"]
    assert "billing NPIs: 1245319599" in _cli(env, "partners", "list").stdout
    import sqlite3

    rows = (
        sqlite3.connect(db)
        .execute("SELECT action, resource_type FROM audit_events ORDER BY id")
        .fetchall()
    )
    assert rows == [
        ("create", "partner"),
        ("update", "partner_providers"),
        ("update", "partner_providers"),
    ]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue  # ended meanwhile
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(fields["Pid"]))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_serve_in_several_processes_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """`serve --processes 2`: two processes answer on one port (the migrations run once,
    before them), every upload is one submission with one job, and a worker finishes
    them all; stopping the service stops both processes."""
    from edi_gateway.db import make_engine
    from parsers.generate import generate_bytes

    _run_sync(lambda: _truncate_all(postgres_url))
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": postgres_url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_QUEUE": "procrastinate",
        "EDI_GATEWAY_AUTO_MIGRATE": "true",
    }
    up = _cli(env, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    created = _cli(env, "partners", "create", "ops", "--role", "ops")  # (any sender ids)
    key = created.stdout.rsplit(": ", 1)[1].strip()
    port = _free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--processes", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),  # read at the end; a pipe nobody reads would fill and block
    )
    worker: subprocess.Popen[bytes] | None = None
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, seconds=30)
        spawned = [p for p in _children(server.pid) if "spawn_main" in _cmdline(p)]
        assert len(spawned) == 2, [_cmdline(p) for p in _children(server.pid)]
        bodies = [generate_bytes("837p", 3, seed=900 + n) for n in range(16)]

        async def post_all() -> list[httpx.Response]:
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/edi-x12"}
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                return list(
                    await asyncio.gather(
                        *(
                            client.post("/v1/submissions", content=b, headers=headers)
                            for b in bodies
                        )
                    )
                )

        answers = asyncio.run(post_all())
        assert [r.status_code for r in answers] == [202] * len(bodies)
        ids = {r.json()["id"] for r in answers}
        assert len(ids) == len(bodies)
        assert all(p in _children(server.pid) for p in spawned)  # both still answering
        worker = subprocess.Popen(
            [*CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        headers = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + 120
        statuses: dict[str, str] = {}
        while time.monotonic() < deadline:
            statuses = {
                sid: httpx.get(f"{url}/v1/submissions/{sid}", headers=headers, timeout=10).json()[
                    "status"
                ]
                for sid in ids
            }
            if set(statuses.values()) == {"completed"}:
                break
            time.sleep(0.5)
        assert set(statuses.values()) == {"completed"}, statuses
    finally:
        for proc in (server, worker):
            if proc is not None:
                proc.terminate()
        for proc in (server, worker):
            if proc is None:
                continue
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert server.returncode == 0, log.read_text()
    assert not [p for p in spawned if _cmdline(p)]  # the processes ended with the service

    async def jobs() -> list[tuple[str, int]]:
        engine = make_engine(postgres_url)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT lock, count(*) FROM procrastinate_jobs "
                    "WHERE task_name = 'edi:process_submission' GROUP BY lock"
                )
            )
            found = [(str(lock), int(n)) for lock, n in rows.all()]
        await engine.dispose()
        return found

    # (the queue's table is not emptied between tests: only this test's submissions)
    assert sorted(j for j in _run_sync(jobs) if j[0] in ids) == sorted((sid, 1) for sid in ids)


def test_several_serve_processes_need_postgresql(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'one.db'}",
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    refused = _cli(env, "serve", "--processes", "2", "--port", str(_free_port()))
    assert refused.returncode == 2
    assert "several serve processes need PostgreSQL" in refused.stderr
