"""Delivery of forwarded files by HTTPS POST (here to a loopback receiver, the one place
plain http is allowed) with retries and backoff, and the scheduled run that forwards what
is due and delivers what an earlier delivery left undelivered; on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import SAMPLES, Db
from sqlalchemy import select

from edi_gateway.forwarding import delivery
from edi_gateway.forwarding.scheduled import run_due
from edi_gateway.forwarding.settings import OutboundChange, set_outbound
from edi_gateway.jobs import FORWARD_QUEUE, blueprint
from edi_gateway.models import ForwardingBatch, StoredFile
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.filestore import FileStore
from edi_gateway.submissions.ingest import ingest_paths


class Receiver:
    def __init__(self) -> None:
        self.answers: list[int] = []  # status codes to give, in order (then 200)
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.bodies.append(body)
            state.headers.append(dict(self.headers))
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/inbound"
    finally:
        server.shutdown()
        server.server_close()


async def _setup(db: Db, url: str) -> None:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", ["SUBMITTER9856", "SUBMITTER1289"], None)
        await create_partner(s, "goldplan", "plan", ["GPHP1EDI"], None)
        await set_outbound(
            s,
            "goldplan",
            OutboundChange(
                receiver_id="GPHP1EDI",
                sender_id="OURMSO",
                payer_ids=["GPHP1"],
                url=url,
                every_minutes=5,
            ),
        )


async def _batches(db: Db) -> list[ForwardingBatch]:
    async with db.sessionmaker() as s:
        rows = await s.execute(select(ForwardingBatch).order_by(ForwardingBatch.id))
        return list(rows.scalars())


async def test_https_delivery_retries_then_the_schedule_catches_up(
    db: Db, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    state, url = receiver
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.01)
    await _setup(db, url)
    await ingest_paths(
        db.sessionmaker, db.settings, [SAMPLES / "837p" / "837p_valid_basic.x12"], "clinic"
    )

    # a minute off the schedule does nothing; the due minute forwards and delivers
    off = await run_due(db.sessionmaker, db.settings, datetime.fromtimestamp(61 * 60, UTC))
    assert off == [] and await _batches(db) == []
    state.answers = [503, 502]  # two failures, then accepted
    [result] = await run_due(db.sessionmaker, db.settings, datetime.fromtimestamp(60 * 60, UTC))
    assert result.claims == 5
    [batch] = await _batches(db)
    assert (batch.status, batch.attempts, batch.last_error) == ("delivered", 3, None)
    async with db.sessionmaker() as s:
        stored = await s.get(StoredFile, batch.sha256)
    assert stored is not None
    data = FileStore(db.settings.data_dir).path(stored.path).read_bytes()
    assert state.bodies == [data, data, data]
    assert state.headers[-1]["Content-Type"] == "application/edi-x12"
    assert state.headers[-1]["X-Interchange-Control-Number"] == "000000001"

    # the plan refuses the next file (4xx: no retry); the next due run delivers it again
    await ingest_paths(
        db.sessionmaker, db.settings, [SAMPLES / "837p" / "837p_valid_multi_st.x12"], "clinic"
    )
    state.answers = [400]
    [second] = await run_due(db.sessionmaker, db.settings, datetime.fromtimestamp(65 * 60, UTC))
    assert second.claims > 0
    failed = (await _batches(db))[-1]
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "HTTP 400")
    [third] = await run_due(db.sessionmaker, db.settings, datetime.fromtimestamp(70 * 60, UTC))
    assert third.claims == 0  # nothing new to forward, but the failed file is sent again
    again = (await _batches(db))[-1]
    assert (again.id, again.status, again.attempts) == (failed.id, "delivered", 2)
    assert len(await _batches(db)) == 2


def test_the_minute_tick_is_a_periodic_job_of_the_worker() -> None:
    task = blueprint.tasks["forward_due_plans"]
    assert task.queue == FORWARD_QUEUE
    assert any(
        p.task is task and p.cron == "* * * * *"
        for p in blueprint.periodic_registry.periodic_tasks.values()
    )
