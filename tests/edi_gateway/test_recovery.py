"""Nothing received is lost, stuck or run twice (issue 19): a failed run is retried and
then left ``failed`` with a way out; ops retry it over HTTP or from the command line
without storing anything twice; the same bytes posted while their first run is queued run
once; uploads cut off by a stop are cleaned up; a full disk is a clear 507."""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SAMPLES, Db
from sqlalchemy import func, select, update

from edi_gateway.app import create_app
from edi_gateway.errors import StorageError
from edi_gateway.models import AuditEvent, Encounter, Submission
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.filestore import FileStore
from edi_gateway.submissions.worker import Attempt, InProcessWorker, run_one

CLAIMS = SAMPLES / "837p" / "837p_valid_basic.x12"  # 5 claims, one transaction set
THREE_SETS = SAMPLES / "837p" / "837p_valid_multi_st.x12"  # 3 + 3 + 1 claims


class Gateway:
    """The app on the test database, its in-process worker and two keys."""

    def __init__(self, db: Db, app: Any, client: httpx.AsyncClient) -> None:
        self.db, self.app, self.client = db, app, client
        self.keys: dict[str, str] = {}

    async def partner(self, name: str, role: str, *senders: str) -> None:
        async with self.db.sessionmaker() as s, s.begin():
            _, self.keys[name] = await create_partner(s, name, role, list(senders), None)

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    async def upload(self, name: str, content: bytes) -> httpx.Response:
        return await self.client.post(
            "/v1/submissions",
            content=content,
            headers={**self.auth(name), "Content-Type": "application/edi-x12"},
        )

    async def submission(self, submission_id: str) -> Submission:
        async with self.db.sessionmaker() as s:
            sub = await s.get(Submission, submission_id)
            assert sub is not None
            return sub

    async def encounters(self) -> list[str]:
        async with self.db.sessionmaker() as s:
            return list((await s.execute(select(Encounter.claim_id))).scalars())


@pytest.fixture
async def gateway(db: Db) -> AsyncIterator[Gateway]:
    # the worker is not started: each test runs (or starts) it when it chooses
    app = create_app(db.settings.model_copy(update={"run_workers": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            gw = Gateway(db, app, client)
            await gw.partner("clinic", "provider", "SUBMITTER9856", "SUBMITTER1289")
            await gw.partner("ops", "ops")
            yield gw


async def _drain(gw: Gateway) -> None:
    await gw.app.state.worker.drain()


def _file_of(gw: Gateway, sub: Submission) -> Path:
    store = FileStore(gw.db.settings.data_dir)
    return store.path(store.relative_for(sub.sha256))


async def test_a_failed_run_is_retried_then_failed_with_a_way_out(gateway: Gateway) -> None:
    gw = gateway
    sent = await gw.upload("clinic", CLAIMS.read_bytes())
    assert sent.status_code == 202, sent.text
    sid = sent.json()["id"]
    # the worker that runs it cannot see the file (another data directory, say)
    stored = _file_of(gw, await gw.submission(sid))
    hidden = stored.with_suffix(".away")
    stored.rename(hidden)

    with pytest.raises(StorageError):
        await run_one(gw.db.sessionmaker, gw.db.settings, sid, Attempt(1, 3))
    sub = await gw.submission(sid)
    assert sub.status == "received"
    assert "attempt 1 of 3" in (sub.error or "") and "retried automatically" in (sub.error or "")

    await run_one(gw.db.sessionmaker, gw.db.settings, sid, Attempt(3, 3))  # the last: no raise
    sub = await gw.submission(sid)
    assert sub.status == "failed"
    assert "data directory" in (sub.error or "") and "after 3 attempts" in (sub.error or "")
    assert f"edi-gateway submissions retry {sid}" in (sub.error or "")
    assert await gw.encounters() == []

    # only ops may retry; then it runs once more and stores every claim once
    refused = await gw.client.post(f"/v1/submissions/{sid}/retry", headers=gw.auth("clinic"))
    assert refused.status_code == 403
    hidden.rename(stored)
    retried = await gw.client.post(f"/v1/submissions/{sid}/retry", headers=gw.auth("ops"))
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "received"
    await run_one(gw.db.sessionmaker, gw.db.settings, sid)
    sub = await gw.submission(sid)
    assert (sub.status, sub.error, sub.units_stored) == ("completed", None, 5)
    assert sorted(await gw.encounters()) == sorted(set(await gw.encounters()))
    again = await gw.client.post(f"/v1/submissions/{sid}/retry", headers=gw.auth("ops"))
    assert again.status_code == 409
    assert "only a failed submission" in again.json()["detail"]
    async with gw.db.sessionmaker() as s:
        actions = (
            await s.execute(select(AuditEvent.action).where(AuditEvent.resource_id == sid))
        ).scalars()
        assert list(actions).count("retry") == 1


async def _retry_stores_the_three_sets_once(gw: Gateway, sid: str) -> None:
    """Ops retry the failed submission of THREE_SETS: every claim stored, none twice."""
    retried = await gw.client.post(f"/v1/submissions/{sid}/retry", headers=gw.auth("ops"))
    assert retried.status_code == 202
    await run_one(gw.db.sessionmaker, gw.db.settings, sid)
    sub = await gw.submission(sid)
    claims = await gw.encounters()
    assert (sub.status, sub.sets_total, sub.units_stored) == ("completed", 3, 7)
    assert len(claims) == len(set(claims)) == 7


async def test_a_retry_after_a_partial_run_stores_nothing_twice(gateway: Gateway) -> None:
    """Three transaction sets; the run dies after the first is stored. The retry skips it."""
    gw = gateway
    sent = await gw.upload("clinic", THREE_SETS.read_bytes())
    sid = sent.json()["id"]

    from edi_gateway.encounters import writer as enc_writer

    real_finish = enc_writer.EncounterSetWriter.finish
    calls = {"n": 0}

    async def dies_on_the_second_set(self: Any, checked: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionResetError("database connection lost")
        return await real_finish(self, checked)

    enc_writer.EncounterSetWriter.finish = dies_on_the_second_set  # type: ignore[method-assign]
    try:
        await run_one(gw.db.sessionmaker, gw.db.settings, sid, Attempt(2, 2))
    finally:
        enc_writer.EncounterSetWriter.finish = real_finish  # type: ignore[method-assign]
    sub = await gw.submission(sid)
    assert sub.status == "failed" and "ConnectionResetError" in (sub.error or "")
    assert len(await gw.encounters()) == 3  # the first set, committed before the failure

    await _retry_stores_the_three_sets_once(gw, sid)


async def test_a_batch_that_fails_while_the_next_is_read_fails_the_run_cleanly(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch's rows are written while the next batch is read and judged:
    an error of that write fails the run like any other, with its set rolled back whole,
    and the retry stores every claim once."""
    gw = gateway
    sent = await gw.upload("clinic", THREE_SETS.read_bytes())
    sid = sent.json()["id"]

    from edi_gateway.encounters import writer as enc_writer

    monkeypatch.setattr(enc_writer.EncounterSetWriter, "flush_every", 1)  # a claim a batch
    real_insert = enc_writer.insert_new
    calls = {"n": 0}

    async def dies_on_the_fifth_claim(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:  # the second set's second claim
            raise ConnectionResetError("database connection lost")
        return await real_insert(*args)

    monkeypatch.setattr(enc_writer, "insert_new", dies_on_the_fifth_claim)
    await run_one(gw.db.sessionmaker, gw.db.settings, sid, Attempt(2, 2))
    sub = await gw.submission(sid)
    assert sub.status == "failed" and "ConnectionResetError" in (sub.error or "")
    assert len(await gw.encounters()) == 3  # the first set; none of the second's claims

    monkeypatch.setattr(enc_writer, "insert_new", real_insert)
    await _retry_stores_the_three_sets_once(gw, sid)


async def test_a_run_stopped_while_a_batch_is_written_leaves_its_set_undone(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run cancelled (a worker shutting down) while a batch's rows are being written:
    the write ends, the set is rolled back whole, and the next run stores every claim
    once."""
    gw = gateway
    sent = await gw.upload("clinic", THREE_SETS.read_bytes())
    sid = sent.json()["id"]

    from edi_gateway.encounters import writer as enc_writer

    monkeypatch.setattr(enc_writer.EncounterSetWriter, "flush_every", 1)
    real_insert = enc_writer.insert_new
    calls = {"n": 0}
    writing, go_on = asyncio.Event(), asyncio.Event()

    async def slow_on_the_fifth_claim(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:  # the second set's second claim
            writing.set()
            await go_on.wait()
        return await real_insert(*args)

    monkeypatch.setattr(enc_writer, "insert_new", slow_on_the_fifth_claim)
    run = asyncio.create_task(run_one(gw.db.sessionmaker, gw.db.settings, sid, Attempt(1, 3)))
    await asyncio.wait_for(writing.wait(), 30)
    run.cancel()
    await asyncio.sleep(0.05)
    go_on.set()  # the write in flight ends; then the set is rolled back
    with pytest.raises(asyncio.CancelledError):
        await run
    assert len(await gw.encounters()) == 3  # the first set only

    monkeypatch.setattr(enc_writer, "insert_new", real_insert)
    await run_one(gw.db.sessionmaker, gw.db.settings, sid)
    sub = await gw.submission(sid)
    claims = await gw.encounters()
    assert (sub.status, sub.units_stored) == ("completed", 7)
    assert len(claims) == len(set(claims)) == 7


async def test_the_same_bytes_posted_during_their_run_run_once(gateway: Gateway) -> None:
    gw = gateway
    worker: InProcessWorker = gw.app.state.worker  # not started: both posts go in first
    first = await gw.upload("clinic", CLAIMS.read_bytes())
    second = await gw.upload("clinic", CLAIMS.read_bytes())
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["repeated"] is True and second.json()["id"] == first.json()["id"]
    assert await worker.depth() == 1  # queued once
    await worker.start()
    await _drain(gw)
    sub = await gw.submission(first.json()["id"])
    assert (sub.status, sub.error, sub.units_stored) == ("completed", None, 5)
    assert len(await gw.encounters()) == 5


async def test_uploads_cut_off_by_a_stop_are_removed_at_start(db: Db) -> None:
    root = FileStore(db.settings.data_dir).root
    root.mkdir(parents=True, exist_ok=True)
    old = root / ".incoming-old"
    old.write_bytes(b"ISA*00*half an upload")
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    recent = root / ".incoming-recent"  # another process may be receiving it right now
    recent.write_bytes(b"ISA*00*")
    app = create_app(db.settings)
    async with app.router.lifespan_context(app):
        assert not old.exists()
        assert recent.exists()


async def test_a_full_disk_is_a_clear_507_and_keeps_nothing(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway

    from edi_gateway.submissions import filestore

    class FullDisk:
        """An upload file on a disk with no space left."""

        def __init__(self, real: Any) -> None:
            self.real = real

        def write(self, chunk: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    class OsWithAFullDisk:
        def __getattr__(self, name: str) -> Any:
            return getattr(os, name)

        def fdopen(self, fd: int, mode: str) -> FullDisk:
            return FullDisk(os.fdopen(fd, mode))

    monkeypatch.setattr(filestore, "os", OsWithAFullDisk())
    sent = await gw.upload("clinic", CLAIMS.read_bytes())
    assert sent.status_code == 507
    assert sent.headers["content-type"].startswith("application/problem+json")
    assert "data directory is full" in sent.json()["detail"]
    assert "nothing of this file was kept" in sent.json()["detail"]
    async with gw.db.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Submission))).scalar_one() == 0
    assert not list(FileStore(gw.db.settings.data_dir).root.glob(".incoming-*"))


def test_submissions_retry_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data")}
    env.pop("EDI_GATEWAY_DATABASE_URL", None)
    cli = [sys.executable, "-m", "edi_gateway.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True, check=False)

    ingested = run("ingest", str(CLAIMS))
    assert ingested.returncode == 0, ingested.stderr
    import sqlite3

    con = sqlite3.connect(tmp_path / "data" / "edi_gateway.db")
    [(sid,)] = con.execute("SELECT id FROM submissions").fetchall()
    refused = run("submissions", "retry", sid)
    assert refused.returncode == 2
    assert "is completed: only a failed submission" in refused.stderr
    con.execute("UPDATE submissions SET status = 'failed', error = 'processing failed'")
    con.commit()
    retried = run("submissions", "retry", sid)
    assert retried.returncode == 0, retried.stderr
    assert f"submission {sid}: completed (5 stored, 0 rejected)" in retried.stdout
    assert con.execute("SELECT count(*), count(DISTINCT claim_id) FROM encounters").fetchone() == (
        5,
        5,
    )
    assert con.execute("SELECT status, error FROM submissions").fetchone() == ("completed", None)
    missing = run("submissions", "retry", "nosuchid")
    assert missing.returncode == 2 and "no submission nosuchid" in missing.stderr
    con.close()


async def test_status_after_retry_is_not_left_in_the_way(gateway: Gateway) -> None:
    """A submission stuck ``received`` (queued by nobody) can be retried by ops too."""
    gw = gateway
    sent = await gw.upload("clinic", CLAIMS.read_bytes())
    sid = sent.json()["id"]
    async with gw.db.sessionmaker() as s, s.begin():
        await s.execute(update(Submission).where(Submission.id == sid).values(status="storing"))
    busy = await gw.client.post(f"/v1/submissions/{sid}/retry", headers=gw.auth("ops"))
    assert busy.status_code == 409 and busy.json()["status_now"] == "storing"
