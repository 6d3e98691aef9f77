"""Scale-out processing on PostgreSQL: submissions are procrastinate jobs that any number
of `edi-gateway worker` processes run. (The embedded SQLite default processes in-process;
see submissions/worker.py.)

Nothing received is lost or run twice at once:

- one job per submission at a time: a job's ``lock`` and ``queueing_lock`` are the
  submission id, so posting the same bytes while they are being processed queues nothing
  new, and a second job never runs beside the first;
- a run that fails is retried with exponential backoff (``RETRIES`` times); after the last
  try the submission is ``failed`` with a message saying how to retry it
  (``POST /v1/submissions/{id}/retry``, ``edi-gateway submissions retry ID``);
- jobs whose worker stopped sending heartbeats (killed, host lost) are found by every
  worker's recovery loop and queued again; so are submissions committed but never queued
  (``serve`` stopped between the two);
- re-running a submission skips the sets it already stored, so nothing is stored twice;
- workers keep the job table's statistics current (``keep_queue_statistics``), so the
  next job is found among a few even with thousands queued where autovacuum is off or
  behind;
- a large set is stored in work units (``submissions/units.py``), a job each (lock and
  queueing lock per unit, the same retries and recovery), so every worker takes part in
  one file; the submission's job plans them, and runs again to conclude after the last.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from .config import Settings, get_settings
from .webhooks import tasks as webhook_tasks

QUEUE = "submissions"
TASK = "process_submission"
#: a work unit of a large file (``submissions/units.py``), in the same queue
UNIT_TASK = "process_unit"
#: scheduled forwarding runs (issue 17): one tick a minute, plans due by their settings
FORWARD_QUEUE = "forwarding"

log = logging.getLogger("edi_gateway.jobs")

blueprint = procrastinate.Blueprint()


def conninfo(url: str) -> str:
    """libpq connection string from the SQLAlchemy URL (drop the +asyncpg driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@cache
def job_app(url: str) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)),
    )
    app.add_tasks_from(blueprint, namespace="edi")
    app.add_tasks_from(webhook_tasks.blueprint, namespace="edi")
    return app


class Backoff(procrastinate.BaseRetryStrategy):
    """Exponential backoff with the settings read when a run fails (``job_retries``,
    ``retry_base_seconds``), so an operator changes them without a release."""

    def get_retry_decision(
        self, *, exception: BaseException, job: procrastinate.jobs.Job
    ) -> procrastinate.RetryDecision | None:
        settings = get_settings()
        if job.attempts >= settings.job_retries:
            return None
        wait = timedelta(seconds=settings.retry_base_seconds ** (job.attempts + 1))
        return procrastinate.RetryDecision(retry_at=datetime.now(UTC) + wait)


#: the worker process's database engine (its pool), shared by its jobs: a job with an
#: engine of its own opened new connections (and read the server's types again) for every
#: file, about 27 ms and 8 ms of CPU a job before its first statement
_worker_engine: Any = None


@asynccontextmanager
async def _engine(settings: Settings) -> AsyncIterator[Any]:
    """The engine a job uses: the worker's (``run_worker``), else one for this job only
    (a job run outside a worker, as in tests), disposed when it ends."""
    from .db import make_engine

    if _worker_engine is not None:
        yield _worker_engine
        return
    engine = make_engine(settings.effective_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def _job_sessions(engine: Any, settings: Settings) -> Any:
    """A job's sessions: the webhook deliveries they commit become jobs of the webhooks
    queue at once."""
    from .db import make_sessionmaker
    from .events import bind

    sessionmaker = make_sessionmaker(engine)
    bind(sessionmaker, webhook_tasks.job_notifier(job_app(settings.effective_database_url)))
    return sessionmaker


@blueprint.task(name=TASK, queue=QUEUE, pass_context=True, retry=Backoff())
async def process_submission_job(context: procrastinate.JobContext, submission_id: str) -> None:
    from .submissions.units import advance
    from .submissions.worker import Attempt, run_one

    settings = get_settings()
    attempt = Attempt(context.job.attempts + 1, settings.job_retries + 1)
    log.info("submission %s: run %d of at most %d", submission_id, attempt.number, attempt.of)
    app = job_app(settings.effective_database_url)

    async def advance_it(sessions: Any, settings: Settings, sid: str) -> None:
        await advance(sessions, settings, sid, lambda unit_id: enqueue_unit(app, unit_id))

    async with _engine(settings) as engine:
        await run_one(_job_sessions(engine, settings), settings, submission_id, attempt, advance_it)


@blueprint.task(name=UNIT_TASK, queue=QUEUE, pass_context=True, retry=Backoff())
async def process_unit_job(context: procrastinate.JobContext, unit_id: int) -> None:
    """One work unit; the last one queues its submission's job to conclude it."""
    from .submissions.units import run_unit, unit_failed
    from .submissions.worker import Attempt

    settings = get_settings()
    attempt = Attempt(context.job.attempts + 1, settings.job_retries + 1)
    app = job_app(settings.effective_database_url)
    async with _engine(settings) as engine:
        sessions = _job_sessions(engine, settings)
        try:
            await run_unit(sessions, settings, unit_id, lambda sid: enqueue(app, sid))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await unit_failed(sessions, unit_id, attempt, exc)


@blueprint.periodic(cron="* * * * *", periodic_id="forward_due_plans")
@blueprint.task(name="forward_due_plans", queue=FORWARD_QUEUE, queueing_lock="forward_due_plans")
async def forward_due_plans_job(timestamp: int) -> None:
    """Forward to every plan whose schedule (``every_minutes``) falls on this minute."""
    from .db import make_engine
    from .forwarding.scheduled import run_due

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        await run_due(
            _job_sessions(engine, settings), settings, datetime.fromtimestamp(timestamp, UTC)
        )
    finally:
        await engine.dispose()


#: Indexes the job queue needs beside procrastinate's own. Its fetch takes the first
#: queued job with no job of the same lock (the submission) running or ahead of it; its
#: indexes on the lock lead with the job id or cover running jobs only, so that look
#: scanned the entry of every queued job, for each job considered. With 8,400 small files
#: queued (50 partners for two minutes), a fetch on the plan PostgreSQL had cached took
#: 3.4 s and two workers finished fewer than one file a second; with this index, 35 ms on
#: that plan and 0.3 ms once the table's statistics are current.
QUEUE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS edi_procrastinate_jobs_lock_idx ON procrastinate_jobs (lock) "
    "WHERE status IN ('todo', 'doing')",
)


async def apply_schema(url: str) -> bool:
    """Create procrastinate's tables if they are not there yet (True when created), and
    the queue's own indexes (``QUEUE_INDEXES``) if missing."""
    from .db import make_engine

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            exists = (await conn.execute(text("SELECT to_regclass('procrastinate_jobs')"))).scalar()
        if not exists:
            app = job_app(url)
            async with app.open_async():
                await app.schema_manager.apply_schema_async()
        async with engine.begin() as conn:
            for ddl in QUEUE_INDEXES:
                await conn.execute(text(ddl))
    finally:
        await engine.dispose()
    return not exists


_DEFER_IN_TRANSACTION = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[CAST(ROW("
    "CAST(:queue AS varchar), CAST(:task AS varchar), CAST(:priority AS integer), "
    "CAST(:lock AS text), CAST(:lock AS text), CAST(:args AS jsonb), "
    "CAST(NULL AS timestamptz)) AS procrastinate_job_to_defer_v1)])"
)


class JobQueueDispatcher:
    """Defers a job per submission (after its row is committed); workers run them."""

    def __init__(self, settings: Settings) -> None:
        self.app = job_app(settings.effective_database_url)
        self._opened: Any = None

    async def start(self) -> None:
        self._opened = self.app.open_async()
        await self._opened.__aenter__()

    async def enqueue(self, submission_id: str) -> None:
        await enqueue(self.app, submission_id)

    async def enqueue_with(self, session: AsyncSession, submission_id: str) -> bool:
        """Queue a new submission's job in the session's transaction: committed with the
        submission (never one without the other), on the connection the request already
        holds. It is procrastinate's own function (what ``defer_async`` runs) with what
        ``enqueue`` sets: the task's queue and priority, the submission id as the lock and
        the queueing lock. Only for a submission created in this transaction (no job can
        hold its queueing lock yet)."""
        task = self.app.tasks[f"edi:{TASK}"]
        await session.execute(
            _DEFER_IN_TRANSACTION,
            {
                "queue": task.queue,
                "task": task.name,
                "priority": task.priority,
                "lock": submission_id,
                "args": json.dumps({"submission_id": submission_id}),
            },
        )
        return True

    async def depth(self) -> int:
        rows = await self.app.connector.execute_query_all_async(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
            "AND queue_name = %(queue)s",
            queue=QUEUE,
        )
        return int(rows[0]["n"])

    async def drain(self) -> None:
        while await self.depth():
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        if self._opened is not None:
            await self._opened.__aexit__(None, None, None)


async def enqueue(app: procrastinate.App, submission_id: str) -> bool:
    """Queue a submission's job; False when one is already waiting for it."""
    try:
        await app.configure_task(
            f"edi:{TASK}", lock=submission_id, queueing_lock=submission_id
        ).defer_async(submission_id=submission_id)
    except AlreadyEnqueued:
        return False
    return True


async def enqueue_unit(app: procrastinate.App, unit_id: int) -> bool:
    """Queue a work unit's job; False when one is already waiting for it."""
    key = f"unit:{unit_id}"
    try:
        await app.configure_task(f"edi:{UNIT_TASK}", lock=key, queueing_lock=key).defer_async(
            unit_id=unit_id
        )
    except AlreadyEnqueued:
        return False
    return True


async def recover(app: procrastinate.App, settings: Settings) -> tuple[int, int]:
    """Queue again the jobs of workers that stopped sending heartbeats, and the
    submissions received but never queued (older than a minute, so that a submission
    being queued right now is left alone). Returns (stalled jobs, submissions queued)."""
    from .db import make_engine, make_sessionmaker
    from .submissions.units import units_all_done
    from .submissions.worker import unqueued

    stalled = list(
        await app.job_manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=settings.stalled_after_seconds
        )
    )
    for job in stalled:
        log.warning("job %s (%s) stalled: its worker stopped; queued again", job.id, job.lock)
        try:
            await app.job_manager.retry_job(job)
        except AlreadyEnqueued:  # the same submission is already waiting in another job
            assert job.id is not None
            await app.job_manager.cancel_job_by_id_async(job.id, delete_job=False)
    engine = make_engine(settings.effective_database_url)
    try:
        waiting = await unqueued(
            make_sessionmaker(engine), datetime.now(UTC) - timedelta(seconds=60)
        )
        # every unit stored, but the last one's worker stopped before it queued the end:
        # not one whose last unit was stored just now (its worker is queueing the end, and
        # the end may even have run by the time the job look-up below is made)
        waiting += await units_all_done(
            make_sessionmaker(engine),
            datetime.now(UTC) - timedelta(seconds=settings.stalled_after_seconds),
        )
    finally:
        await engine.dispose()
    queued = 0
    for submission_id in waiting:
        if await _has_job(app, submission_id):
            continue
        if await enqueue(app, submission_id):
            log.warning("submission %s was left unqueued; queued", submission_id)
            queued += 1
    return len(stalled), queued


async def _has_job(app: procrastinate.App, submission_id: str) -> bool:
    rows = await app.connector.execute_query_all_async(
        "SELECT 1 AS x FROM procrastinate_jobs WHERE lock = %(lock)s "
        "AND status IN ('todo', 'doing') LIMIT 1",
        lock=submission_id,
    )
    return bool(rows)


#: changes to the job table (jobs queued, taken, ended) since PostgreSQL last analysed it
#: after which a worker analyses it (``keep_queue_statistics``)
QUEUE_STATISTICS_CHANGES = 1_000


async def keep_queue_statistics(app: procrastinate.App) -> bool:
    """Analyse the job table when many jobs were queued, taken or ended since it was last
    analysed (True when it did). A worker's next job is chosen by a plan PostgreSQL makes
    from the table's statistics; without current ones (a table never analysed, autovacuum
    off or not round yet) that plan weighs every queued job at each fetch: 21,210 pages
    and 20 ms with 7,000 queued on an idle server, against 34 pages and 0.1 ms analysed,
    and two workers drained a queue of 7,800 files at 2.4 a second instead of 27.

    Only the table's owner, the database's owner or a superuser may analyse it: a worker
    connecting as another role says so once (autovacuum is then left to do it) instead of
    asking PostgreSQL every heartbeat."""
    global _analyse_refused
    rows = await app.connector.execute_query_all_async(
        "SELECT s.n_mod_since_analyze AS changed, "
        "(pg_has_role(current_user, c.relowner, 'USAGE') OR pg_has_role(current_user, "
        "(SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')) "
        "AS allowed FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.relid = to_regclass('procrastinate_jobs')"
    )
    if not rows or rows[0]["changed"] < QUEUE_STATISTICS_CHANGES:
        return False
    if not rows[0]["allowed"]:
        if not _analyse_refused:
            _analyse_refused = True
            log.warning(
                "the job table's statistics are left to autovacuum: this worker's database "
                "role may not analyse procrastinate_jobs (its owner, the database's owner "
                "or a superuser may)"
            )
        return False
    await app.connector.execute_query_async("ANALYZE procrastinate_jobs")
    return True


#: whether this process was refused the job table's analysis (said once)
_analyse_refused = False


async def _statistics_loop(app: procrastinate.App, settings: Settings) -> None:
    while True:
        try:
            await keep_queue_statistics(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a moment; try again
            log.error("job table statistics pass failed: %s", type(exc).__name__)
        await asyncio.sleep(settings.heartbeat_seconds)


async def _recovery_loop(app: procrastinate.App, settings: Settings) -> None:
    while True:
        try:
            await recover(app, settings)
            await webhook_tasks.recover_deliveries(app, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a moment; try again
            log.error("recovery pass failed: %s", type(exc).__name__)
        await asyncio.sleep(settings.recovery_interval_seconds)


class _SideTaskFailures(logging.Handler):
    """Notices procrastinate stopping its worker because a side task (heartbeats, the
    LISTEN connection) failed, as opposed to a stop the operator asked for."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        # the job worker's own (the webhook worker beside it logs as ...worker.webhooks)
        if record.name == _JOB_WORKER_LOGGER and getattr(record, "action", None) == (
            "side_task_failed"
        ):
            self.seen = True


_JOB_WORKER_LOGGER = "procrastinate.worker.worker"


async def run_worker(settings: Settings, concurrency: int) -> None:
    global _worker_engine
    from .db import make_engine
    from .submissions.filestore import FileStore

    removed = FileStore(settings.data_dir).remove_stale_incoming()
    if removed:
        log.info("removed %d interrupted upload(s) from the data directory", removed)
    app = job_app(settings.effective_database_url)
    # a job holds up to three connections at once (its set's transaction, the history
    # look-ups written behind it, the check stream's roster look-ups), beside the others
    _worker_engine = make_engine(
        settings.effective_database_url, pool_size=max(5, 4 * concurrency), max_overflow=10
    )
    try:
        await _run_worker(app, settings, concurrency)
    finally:
        engine, _worker_engine = _worker_engine, None
        await engine.dispose()


async def _run_worker(app: procrastinate.App, settings: Settings, concurrency: int) -> None:
    async with app.open_async():
        log.info(
            "worker started (pid %d): queue %s, concurrency %d, data directory %s, "
            "work units of %d claims",
            os.getpid(),
            QUEUE,
            concurrency,
            settings.data_dir,
            settings.unit_claims,
        )
        recovery = asyncio.create_task(_recovery_loop(app, settings))
        statistics = asyncio.create_task(_statistics_loop(app, settings))
        # a second procrastinate worker (units.PROCRASTINATE_WORKERS_PER_PROCESS counts it)
        webhooks = asyncio.create_task(webhook_tasks.run_webhook_worker(app, settings))
        lost = _SideTaskFailures()
        logging.getLogger("procrastinate").addHandler(lost)
        try:
            while True:
                lost.seen = False
                await app.run_worker_async(
                    queues=[QUEUE, FORWARD_QUEUE],
                    concurrency=concurrency,
                    install_signal_handlers=True,
                    update_heartbeat_interval=settings.heartbeat_seconds,
                    stalled_worker_timeout=settings.stalled_after_seconds,
                )
                if not lost.seen:
                    break  # asked to stop (SIGTERM, SIGINT)
                # procrastinate stops a worker whose heartbeat or listener fails (the
                # database restarted, a fail-over, connections cut): take jobs again
                log.warning(
                    "job worker stopped after a database error; taking jobs again in %s s",
                    settings.heartbeat_seconds,
                )
                await asyncio.sleep(settings.heartbeat_seconds)
        finally:
            logging.getLogger("procrastinate").removeHandler(lost)
            recovery.cancel()
            statistics.cancel()
            webhooks.cancel()
            await asyncio.gather(recovery, statistics, webhooks, return_exceptions=True)
            log.info("worker stopped")
