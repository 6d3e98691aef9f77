"""`edi-gateway webhooks deliver`: ops send every pending delivery now, whatever its
schedule, and give failed ones another try with --failed; exit 1 while any is not
delivered. Through the real command, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import Db
from sqlalchemy import select
from webhook_support import Receiver

from edi_gateway.events import publish
from edi_gateway.models import Webhook, WebhookAttempt, WebhookDelivery
from edi_gateway.partners.service import create_partner
from edi_gateway.statuses import EventType
from edi_gateway.webhooks.delivery import prune_old
from edi_gateway.webhooks.signing import new_secret, verify


async def _cli(db: Db, tmp_path: Path, *args: str, attempts: int = 8) -> tuple[int, str]:
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": db.url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_AUTO_MIGRATE": "false",
        "EDI_GATEWAY_WEBHOOK_ATTEMPTS": str(attempts),
        "EDI_GATEWAY_WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",  # the test receiver
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "edi_gateway.cli", "webhooks", "deliver", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


async def _statuses(db: Db) -> list[tuple[str, int]]:
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(WebhookDelivery.status, WebhookDelivery.attempts).order_by(WebhookDelivery.id)
        )
        return [(status, attempts) for status, attempts in rows.all()]


async def test_deliver_flushes_pending_and_retries_failed(db: Db, tmp_path: Path) -> None:
    receiver = Receiver(statuses=[500, 200, 500, 200]).start()
    secret = new_secret()
    try:
        async with db.sessionmaker() as s, s.begin():
            partner, _ = await create_partner(s, "clinic-a", "provider", ["SUBMITTERA"], None)
            s.add(
                Webhook(
                    partner_id=partner.id,
                    url=receiver.url,
                    events=["claim.rejected"],
                    secret=secret,
                    secret_prefix=secret[:12],
                )
            )
        async with db.sessionmaker() as s, s.begin():
            await publish(s, EventType.CLAIM_REJECTED, partner.id, {"claim_id": "C1"})
        # the first attempt fails: pending, its next attempt 30 s away
        code, out = await _cli(db, tmp_path)
        assert code == 1 and "attempt 1: HTTP 500" in out and "1 to be tried again" in out
        assert await _statuses(db) == [("pending", 1)]
        # sent again now, whatever the schedule
        code, out = await _cli(db, tmp_path)
        assert code == 0 and "attempt 2: HTTP 200" in out and "1 delivered" in out
        assert await _statuses(db) == [("delivered", 2)]
        assert all(
            verify(secret, g.headers["Edi-Gateway-Signature"], g.body) for g in receiver.received
        )
        # a delivery failed for good is left alone, unless asked for
        async with db.sessionmaker() as s, s.begin():
            await publish(s, EventType.CLAIM_REJECTED, partner.id, {"claim_id": "C2"})
        code, out = await _cli(db, tmp_path, attempts=1)
        assert code == 1 and "1 failed" in out
        assert (await _statuses(db))[1] == ("failed", 1)
        code, out = await _cli(db, tmp_path, attempts=1)
        assert (code, out.strip()) == (0, "no deliveries to send")
        code, out = await _cli(db, tmp_path, "--failed", attempts=1)
        assert code == 0 and "attempt 2: HTTP 200" in out
        assert await _statuses(db) == [("delivered", 2), ("delivered", 2)]
        assert len(receiver.received) == 4
    finally:
        receiver.stop()


async def test_finished_deliveries_are_kept_webhook_keep_days(db: Db) -> None:
    async with db.sessionmaker() as s, s.begin():
        partner, _ = await create_partner(s, "clinic-a", "provider", ["SUBMITTERA"], None)
        hook = Webhook(
            partner_id=partner.id,
            url="https://receiver.example/",
            events=["claim.rejected"],
            secret="whsec_x",
            secret_prefix="whsec_x",
        )
        s.add(hook)
    async with db.sessionmaker() as s, s.begin():
        for n in range(4):
            await publish(s, EventType.CLAIM_REJECTED, partner.id, {"claim_id": f"C{n}"})
    now = datetime.now(UTC)
    ages = [("delivered", 40), ("failed", 31), ("delivered", 5), ("pending", 60)]
    async with db.sessionmaker() as s, s.begin():
        rows = list(
            (await s.execute(select(WebhookDelivery).order_by(WebhookDelivery.id))).scalars()
        )
        for row, (status, days) in zip(rows, ages, strict=True):
            row.status = status
            row.created_at = now - timedelta(days=days)
            row.finished_at = None if status == "pending" else now - timedelta(days=days)
            s.add(WebhookAttempt(delivery_id=row.id, number=1, duration_ms=1.0, status_code=200))
    assert await prune_old(db.sessionmaker, db.settings, force=True) == 2
    assert await _statuses(db) == [("delivered", 0), ("pending", 0)]
    async with db.sessionmaker() as s:
        kept = (await s.execute(select(WebhookAttempt.delivery_id))).scalars().all()
    assert sorted(kept) == [rows[2].id, rows[3].id]  # the attempts went with their deliveries
