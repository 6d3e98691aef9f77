"""Webhook deliveries on the PostgreSQL job queue: an `edi-gateway worker` process runs
a partner's submission and delivers its events from the `webhooks` queue, signed, retried
with backoff after a receiver's error; a delivery committed without a job (its process
stopped before deferring it) is found by the workers' recovery pass."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, _run_sync, _truncate_all
from test_worker_recovery import _env, _sql, _stop, _wait, _worker
from webhook_support import Receiver

from edi_gateway.config import Settings
from edi_gateway.db import make_engine, make_sessionmaker
from edi_gateway.events import publish
from edi_gateway.jobs import apply_schema, enqueue, job_app
from edi_gateway.models import Webhook
from edi_gateway.partners.service import create_partner
from edi_gateway.statuses import EventType
from edi_gateway.submissions.service import receive, store_path
from edi_gateway.webhooks.signing import new_secret, verify

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"


@pytest.fixture
def pg(postgres_url: str) -> str:
    _run_sync(lambda: _truncate_all(postgres_url))
    return postgres_url


def _setup(url: str, tmp_path: Path, receiver_url: str) -> tuple[int, str]:
    """A partner with a webhook for every event; returns its id and the secret."""
    secret = new_secret()

    async def go() -> int:
        await apply_schema(url)
        await _sql(url, "DELETE FROM procrastinate_jobs")
        await _sql(url, "DELETE FROM procrastinate_workers")
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as s, s.begin():
                partner, _ = await create_partner(
                    s, "clinic-a", "provider", ["SUBMITTER9856"], None
                )
                s.add(
                    Webhook(
                        partner_id=partner.id,
                        url=receiver_url,
                        events=[e.value for e in EventType],
                        secret=secret,
                        secret_prefix=secret[:12],
                    )
                )
                return int(partner.id)
        finally:
            await engine.dispose()

    return int(_run_sync(go)), secret


def _queue_file(url: str, tmp_path: Path, partner_id: int) -> str:
    settings = Settings(data_dir=tmp_path / "data", database_url=url, queue="procrastinate")

    async def go() -> str:
        engine = make_engine(url)
        try:
            received = await receive(
                make_sessionmaker(engine),
                settings,
                store_path(settings, BASIC),
                filename="claims.x12",
                partner_id=partner_id,
                source="api",
            )
        finally:
            await engine.dispose()
        app = job_app(url)
        async with app.open_async():
            assert await enqueue(app, received.submission.id)
        return received.submission.id

    return str(_run_sync(go))


def _deliveries(url: str) -> list[Any]:
    return _run_sync(  # type: ignore[no-any-return]
        lambda: _sql(url, "SELECT id, status, attempts, event FROM webhook_deliveries ORDER BY id")
    )


def _webhook_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **_env(url, tmp_path),
        "EDI_GATEWAY_WEBHOOK_RETRY_SECONDS": "0.5",
        "EDI_GATEWAY_WEBHOOK_ATTEMPTS": "3",
        "EDI_GATEWAY_WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",  # the test receiver
    }


def test_a_worker_delivers_the_submission_s_events_with_retries(pg: str, tmp_path: Path) -> None:
    receiver = Receiver(statuses=[503, 200]).start()
    try:
        partner_id, secret = _setup(pg, tmp_path, receiver.url)
        sid = _queue_file(pg, tmp_path, partner_id)
        worker = _worker(_webhook_env(pg, tmp_path))
        try:
            _wait(lambda: len(receiver.received) >= 2, 120, "a delivery and its retry")
            _wait(
                lambda: all(d["status"] == "delivered" for d in _deliveries(pg)),
                30,
                "the delivery to be marked delivered",
            )
        finally:
            _stop(worker)
    finally:
        receiver.stop()
    first, second = receiver.received
    assert first.body == second.body and second.at - first.at >= 0.5
    for got in (first, second):
        assert verify(secret, got.headers["Edi-Gateway-Signature"], got.body)
    body = json.loads(second.body)
    assert (body["type"], body["data"]["submission_id"], body["data"]["status"]) == (
        "submission.completed",
        sid,
        "completed",
    )
    [d] = _deliveries(pg)
    assert (d["status"], d["attempts"]) == ("delivered", 2)
    attempts = _run_sync(
        lambda: _sql(pg, "SELECT number, status_code, error FROM webhook_attempts ORDER BY number")
    )
    assert [tuple(a) for a in attempts] == [(1, 503, "HTTP 503"), (2, 200, None)]
    jobs = _run_sync(
        lambda: _sql(
            pg, "SELECT status, attempts FROM procrastinate_jobs WHERE queue_name = 'webhooks'"
        )
    )
    assert [tuple(j) for j in jobs] == [("succeeded", 2)]  # one job, run again on the retry


def test_a_delivery_without_a_job_is_found_by_the_recovery_pass(pg: str, tmp_path: Path) -> None:
    receiver = Receiver().start()
    try:
        partner_id, secret = _setup(pg, tmp_path, receiver.url)

        async def orphan() -> None:  # committed, but no process is bound to defer it
            engine = make_engine(pg)
            try:
                async with make_sessionmaker(engine)() as s, s.begin():
                    await publish(s, EventType.REJECTION_CLOSED, partner_id, {"rejection_id": 1})
            finally:
                await engine.dispose()

        _run_sync(orphan)
        started = time.monotonic()
        worker = _worker(_webhook_env(pg, tmp_path))
        try:
            _wait(lambda: receiver.received, 60, "the recovery pass to queue the delivery")
        finally:
            _stop(worker)
    finally:
        receiver.stop()
    [got] = receiver.received
    assert verify(secret, got.headers["Edi-Gateway-Signature"], got.body)
    assert json.loads(got.body)["data"] == {"rejection_id": 1}
    assert got.at - started < 30
