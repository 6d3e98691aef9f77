"""Scheduled forwarding: the job queue's minute tick (``jobs.forward_due_plans_job``) runs
every plan whose outbound settings say ``every_minutes`` when the minute is due (minutes
since the epoch divisible by it), then delivers what the run wrote and what earlier
deliveries left undelivered. Each plan runs in its own transaction; one plan's failure
does not stop the others."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Settings
from ..errors import Problem
from ..models import OutboundSettings, Partner
from .delivery import deliver, undelivered
from .service import ForwardResult, forward

__all__ = ["due_plans", "run_due"]

log = logging.getLogger("edi_gateway.forwarding")


async def due_plans(session: AsyncSession, minute: int) -> list[str]:
    """The plans scheduled for the ``minute``-th minute since the epoch."""
    rows = await session.execute(
        select(Partner.name, OutboundSettings.every_minutes)
        .join(Partner, Partner.id == OutboundSettings.partner_id)
        .where(OutboundSettings.every_minutes.is_not(None))
        .order_by(Partner.name)
    )
    return [name for name, every in rows.all() if every and minute % every == 0]


async def run_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    at: datetime | None = None,
) -> list[ForwardResult]:
    minute = int((at or datetime.now(UTC)).timestamp()) // 60
    async with sessionmaker() as session:
        plans = await due_plans(session, minute)
    results: list[ForwardResult] = []
    for plan in plans:
        try:
            async with sessionmaker() as session, session.begin():
                result = await forward(session, settings, plan)
                waiting = await undelivered(session, result.plan_partner_id)
        except Problem as exc:
            log.error("scheduled forwarding to a plan failed: %s", type(exc).__name__)
            continue
        for batch_id in sorted(set(waiting) | set(result.batch_ids)):
            await deliver(sessionmaker, settings, batch_id)
        log.info(
            "scheduled forwarding: %d claim(s) in %d file(s)", result.claims, len(result.files)
        )
        results.append(result)
    return results
