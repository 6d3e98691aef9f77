"""Running a submission, and the in-process worker pool (the embedded default).

Submissions are queued only after their row is committed. At start-up, submissions left
unfinished by a stopped process are queued again, so nothing received is lost. A run that
fails is retried (the job queue's backoff, see ``jobs.py``); after the last try the
submission is ``failed`` and says how ops retry it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Settings
from ..errors import StorageError
from ..logsafe import describe
from ..statuses import SubmissionStatus
from .interchanges import release_all
from .pipeline import process_submission
from .repository import SubmissionRunRepository
from .service import FINISHED

log = logging.getLogger("edi_gateway.worker")

RETRY_HINT = (
    "ops can run it again with POST /v1/submissions/{id}/retry or "
    "`edi-gateway submissions retry {id}`; what was already stored is kept, not stored twice"
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """Which run of a submission this is (1-based) and how many runs it may get."""

    number: int = 1
    of: int = 1

    @property
    def last(self) -> bool:
        return self.number >= self.of


#: what runs a submission (the job queue's: ``units.advance`` with its queue)
Process = Callable[[async_sessionmaker[AsyncSession], Settings, str], Awaitable[object]]


async def run_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
    attempt: Attempt = Attempt(),
    process: Process | None = None,
) -> None:
    """Process one submission (nothing, when it is already finished: a ``process`` given,
    the job queue's ``units.advance``, sees to that itself, as it reads the submission).

    A failure is recorded on the submission (no PHI). Before the last attempt it is raised
    again, so the job queue retries the run later (its interchange control numbers stay
    held); after the last one the submission is ``failed``, its control numbers are let go
    (a corrected file may reuse them) and the error is not raised."""
    if process is None:
        async with sessionmaker() as session:
            status = await SubmissionRunRepository(session).get_status(submission_id)
        if not runnable(status):
            return  # finished by an earlier job, or gone
    try:
        await (process or process_submission)(sessionmaker, settings, submission_id)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        await record_failure(sessionmaker, submission_id, attempt, exc, SubmissionStatus.RECEIVED)


def runnable(status: str | None) -> bool:
    """Whether a submission in this status (None: gone) is to be run."""
    return status is not None and status not in FINISHED and status != SubmissionStatus.DUPLICATE


async def record_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
    submission_id: str,
    attempt: Attempt,
    exc: Exception,
    retry_status: SubmissionStatus,
    what_ran: str = "run",
) -> None:
    """Say on the submission why a run (or one of its work units) failed; raise again
    unless it was the last attempt, after which the submission is ``failed``."""
    log.error(
        "submission %s: %s %d of %d failed: %s",
        submission_id,
        what_ran,
        attempt.number,
        attempt.of,
        describe(exc),
    )
    what = (
        "processing failed (" + (str(exc) if isinstance(exc, StorageError) else describe(exc)) + ")"
    )
    if attempt.last:
        tries = f" after {attempt.of} attempts" if attempt.of > 1 else ""
        new_status = SubmissionStatus.FAILED
        error = f"{what}{tries}; " + RETRY_HINT.format(id=submission_id)
    else:
        new_status = retry_status
        error = f"{what} on attempt {attempt.number} of {attempt.of}; it is retried automatically"
    async with sessionmaker() as session, session.begin():
        await SubmissionRunRepository(session).set_status(submission_id, new_status, error)
        if attempt.last:
            await release_all(session, submission_id)
    if not attempt.last:
        raise exc


async def unfinished(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return await SubmissionRunRepository(session).get_ids_not_in(
            (*FINISHED, SubmissionStatus.FAILED, SubmissionStatus.DUPLICATE)
        )


async def unqueued(
    sessionmaker: async_sessionmaker[AsyncSession], received_before: datetime
) -> list[str]:
    """Submissions still ``received`` (never started) since before this time."""
    async with sessionmaker() as session:
        return await SubmissionRunRepository(session).get_ids_received_before(received_before)


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
        self.tasks: list[asyncio.Task[None]] = []
        self.busy = 0
        #: queued or running: a submission is never queued twice at once
        self.pending: set[str] = set()

    async def depth(self) -> int:
        return self.queue.qsize() + self.busy

    async def start(self) -> None:
        for submission_id in await unfinished(self.sessionmaker):
            await self.enqueue(submission_id)
        self.tasks = [asyncio.create_task(self._loop()) for _ in range(self.concurrency)]

    async def enqueue_with(self, session: AsyncSession, submission_id: str) -> bool:
        """Not in a transaction: the in-process queue takes a submission once committed."""
        return False

    async def enqueue(self, submission_id: str) -> None:
        if submission_id in self.pending:
            return  # the same bytes again while the first run is queued or running
        self.pending.add(submission_id)
        self.queue.put_nowait(submission_id)

    async def _loop(self) -> None:
        while True:
            submission_id = await self.queue.get()
            self.busy += 1
            try:
                await run_one(self.sessionmaker, self.settings, submission_id)
            finally:
                self.pending.discard(submission_id)
                self.busy -= 1
                self.queue.task_done()

    async def drain(self) -> None:
        """Wait until everything queued so far is processed (tests, shutdown)."""
        await self.queue.join()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
