"""Processing off the request: an in-process worker pool (the embedded default).

Submissions are queued only after their row is committed. At start-up, submissions left
unfinished by a stopped process are queued again, so nothing received is lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Settings
from ..logsafe import describe
from ..models import Submission
from .pipeline import process_submission
from .service import FINISHED

log = logging.getLogger("edi_gateway.worker")


async def run_one(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, submission_id: str
) -> None:
    """Process one submission; a failure is recorded on it (no PHI), never raised."""
    try:
        await process_submission(sessionmaker, settings, submission_id)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("submission %s failed: %s", submission_id, describe(exc))
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Submission)
                .where(Submission.id == submission_id)
                .values(
                    status="failed",
                    error=f"processing failed ({type(exc).__name__}); it can be retried",
                )
            )


async def unfinished(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Submission.id)
            .where(Submission.status.not_in((*FINISHED, "failed", "duplicate")))
            .order_by(Submission.received_at)
        )
        return list(rows.scalars())


class InProcessWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        concurrency: int = 1,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.concurrency = concurrency
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.tasks: list[asyncio.Task[Any]] = []
        self.busy = 0

    async def depth(self) -> int:
        return self.queue.qsize() + self.busy

    async def start(self) -> None:
        for submission_id in await unfinished(self.sessionmaker):
            self.queue.put_nowait(submission_id)
        self.tasks = [asyncio.create_task(self._loop()) for _ in range(self.concurrency)]

    async def enqueue(self, submission_id: str) -> None:
        self.queue.put_nowait(submission_id)

    async def _loop(self) -> None:
        while True:
            submission_id = await self.queue.get()
            self.busy += 1
            try:
                await run_one(self.sessionmaker, self.settings, submission_id)
            finally:
                self.busy -= 1
                self.queue.task_done()

    async def drain(self) -> None:
        """Wait until everything queued so far is processed (tests, shutdown)."""
        await self.queue.join()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
