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
from sqlalchemy import func, select

CLI = [sys.executable, "-m", "edi_gateway.cli"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``edi-gateway ARGS`` as a separate process, its output as text."""
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        for _ in range(100):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the service did not become ready")
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
