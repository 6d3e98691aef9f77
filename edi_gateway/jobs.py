"""Scale-out processing on PostgreSQL: submissions are procrastinate jobs that any number
of `edi-gateway worker` processes run. (The embedded SQLite default processes in-process;
see submissions/worker.py.)"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .config import Settings, get_settings

QUEUE = "submissions"
TASK = "process_submission"

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
    return app


@blueprint.task(name=TASK, queue=QUEUE, retry=2)
async def process_submission_job(submission_id: str) -> None:
    from .db import make_engine, make_sessionmaker
    from .submissions.worker import run_one

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        await run_one(make_sessionmaker(engine), settings, submission_id)
    finally:
        await engine.dispose()


async def apply_schema(url: str) -> bool:
    """Create procrastinate's tables if they are not there yet; True when created."""
    from .db import make_engine

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            exists = (await conn.execute(text("SELECT to_regclass('procrastinate_jobs')"))).scalar()
    finally:
        await engine.dispose()
    if exists:
        return False
    app = job_app(url)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
    return True


class JobQueueDispatcher:
    """Defers a job per submission (after its row is committed); workers run them."""

    def __init__(self, settings: Settings) -> None:
        self.app = job_app(settings.effective_database_url)
        self._opened: Any = None

    async def start(self) -> None:
        self._opened = self.app.open_async()
        await self._opened.__aenter__()

    async def enqueue(self, submission_id: str) -> None:
        await self.app.configure_task(f"edi:{TASK}").defer_async(submission_id=submission_id)

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


async def run_worker(settings: Settings, concurrency: int) -> None:
    app = job_app(settings.effective_database_url)
    async with app.open_async():
        await app.run_worker_async(
            queues=[QUEUE], concurrency=concurrency, install_signal_handlers=True
        )
