"""Webhook deliveries on the PostgreSQL job queue (procrastinate), queue ``webhooks``.

Each delivery is a job: deferred after the commit that wrote it (``job_notifier``, bound
to the sessions of the service and of the workers). A job makes one attempt; when the
receiver fails and attempts remain, it raises ``DeliveryDue`` and procrastinate runs it
again at the time the delivery row says (``WebhookRetry``), so the backoff lives in one
place. The workers' recovery pass queues deliveries that are overdue with no job (the
process stopped between commit and defer) and the jobs of workers that died mid-attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
import procrastinate
from procrastinate.types import JSONDict

from ..config import Settings, get_settings
from ..events import Notify
from ..models.base import utcnow
from .delivery import attempt, http_client, prune_old

__all__ = [
    "QUEUE",
    "TASK",
    "DeliveryDue",
    "WebhookRetry",
    "blueprint",
    "defer_deliveries",
    "job_notifier",
    "recover_deliveries",
    "run_webhook_worker",
]

QUEUE = "webhooks"
TASK = "deliver_webhook"


log = logging.getLogger("edi_gateway.webhooks")

blueprint = procrastinate.Blueprint()


class DeliveryDue(Exception):
    """The delivery's next attempt is due at ``retry_at`` (the job runs again then)."""

    def __init__(self, delivery_id: int, retry_at: datetime) -> None:
        super().__init__(f"webhook delivery {delivery_id}: next attempt at {retry_at:%H:%M:%S}")
        self.retry_at = retry_at


class WebhookRetry(procrastinate.BaseRetryStrategy):
    """Run again when the delivery row says; after an unexpected error (the database
    away) a few more times with backoff, then leave it to the recovery pass."""

    def get_retry_decision(
        self, *, exception: BaseException, job: procrastinate.jobs.Job
    ) -> procrastinate.RetryDecision | None:
        if isinstance(exception, DeliveryDue):
            return procrastinate.RetryDecision(retry_at=exception.retry_at)
        if job.attempts >= 5:
            return None
        return procrastinate.RetryDecision(retry_in={"seconds": 2 ** (job.attempts + 1)})


class _Shared:
    """The database engine and HTTP client of this process's webhook worker, kept for
    all its jobs (a job otherwise opens its own)."""

    sessionmaker: Any = None
    client: httpx.AsyncClient | None = None


@blueprint.task(name=TASK, queue=QUEUE, retry=WebhookRetry())
async def deliver_webhook(delivery_id: int) -> None:
    from ..db import make_engine, make_sessionmaker

    settings = get_settings()
    if _Shared.sessionmaker is not None and _Shared.client is not None:
        outcome = await attempt(_Shared.sessionmaker, settings, _Shared.client, delivery_id)
    else:
        engine = make_engine(settings.effective_database_url)
        try:
            async with http_client(settings) as client:
                outcome = await attempt(make_sessionmaker(engine), settings, client, delivery_id)
        finally:
            await engine.dispose()
    if outcome.next_attempt_at is not None:  # to be tried again, or taken by another now
        raise DeliveryDue(delivery_id, max(outcome.next_attempt_at, utcnow()))


async def defer_deliveries(app: procrastinate.App, ids: Sequence[int]) -> None:
    task = app.configure_task(f"edi:{TASK}")
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        kwargs: list[JSONDict] = [{"delivery_id": i} for i in chunk]
        await task.batch_defer_async(*kwargs)


def job_notifier(app: procrastinate.App) -> Notify:
    """``events.bind`` this: committed deliveries become jobs on the ``webhooks`` queue."""

    async def notify(ids: Sequence[int]) -> None:
        await defer_deliveries(app, list(ids))

    return notify


async def _queued(app: procrastinate.App) -> set[int]:
    rows = await app.connector.execute_query_all_async(
        "SELECT args->>'delivery_id' AS id FROM procrastinate_jobs "
        "WHERE queue_name = %(queue)s AND status IN ('todo', 'doing')",
        queue=QUEUE,
    )
    return {int(r["id"]) for r in rows if r["id"] is not None}


async def recover_deliveries(app: procrastinate.App, settings: Settings) -> tuple[int, int]:
    """Queue again the jobs of dead workers and the deliveries overdue by
    ``stalled_after_seconds`` that have no job; returns (stalled jobs, deliveries queued)."""
    from ..db import make_engine, make_sessionmaker
    from .repository import DeliveryRepository

    stalled = list(
        await app.job_manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=settings.stalled_after_seconds
        )
    )
    for job in stalled:
        await app.job_manager.retry_job(job)  # webhook jobs carry no queueing lock
    engine = make_engine(settings.effective_database_url)
    try:
        await prune_old(make_sessionmaker(engine), settings)
        async with make_sessionmaker(engine)() as session:
            late = utcnow() - timedelta(seconds=settings.stalled_after_seconds)
            overdue = await DeliveryRepository(session).due(late, 10_000)
    finally:
        await engine.dispose()
    waiting = [i for i in overdue if i not in await _queued(app)] if overdue else []
    if waiting:
        await defer_deliveries(app, waiting)
        log.warning("%d overdue webhook deliveries had no job; queued", len(waiting))
    return len(stalled), len(waiting)


async def run_webhook_worker(app: procrastinate.App, settings: Settings) -> None:
    """Run the ``webhooks`` queue beside the submissions (a slow file never holds up a
    delivery), with one engine and one HTTP client for all its jobs; stops when
    cancelled (a database error that stops procrastinate's worker only pauses it)."""
    from ..db import make_engine, make_sessionmaker

    engine = make_engine(settings.effective_database_url)
    _Shared.sessionmaker = make_sessionmaker(engine)
    _Shared.client = http_client(settings)
    options: dict[str, Any] = {
        "queues": [QUEUE],
        "concurrency": max(1, settings.webhook_concurrency),
        "install_signal_handlers": False,
        "update_heartbeat_interval": settings.heartbeat_seconds,
        "stalled_worker_timeout": settings.stalled_after_seconds,
        "name": "webhooks",
    }
    try:
        while True:  # ended by cancelling it
            await app.run_worker_async(**options)
            # returned without being cancelled: procrastinate stopped it because its
            # heartbeat or listener failed (the database restarted, connections cut)
            log.warning(
                "webhook worker stopped after a database error; taking deliveries again in %s s",
                settings.heartbeat_seconds,
            )
            await asyncio.sleep(settings.heartbeat_seconds)
    finally:
        client, _Shared.client, _Shared.sessionmaker = _Shared.client, None, None
        await client.aclose()
        await engine.dispose()
        log.info("webhook worker stopped")
