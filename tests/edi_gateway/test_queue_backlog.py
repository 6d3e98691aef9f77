"""The job queue with thousands of files waiting (PostgreSQL): when a worker fetches its
next job, each job it considers costs a look-up of that job's lock, not a scan of every
queued job's entry (which made two workers finish fewer than one file a second with
8,400 files queued)."""

from __future__ import annotations

import json
import logging
from typing import Any

import asyncpg
import procrastinate
import pytest

from edi_gateway.jobs import apply_schema

QUEUED = 3_000


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


async def test_fetching_a_job_looks_up_locks_with_thousands_queued(postgres_url: str) -> None:
    await apply_schema(postgres_url)
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        await conn.execute("DELETE FROM procrastinate_jobs")
        # as the API queues them: one job per submission, locked by the submission id; the
        # first one running
        await conn.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, "
            "status) SELECT 'submissions', 'edi:process_submission', md5(n::text), "
            "md5(n::text), '{}'::jsonb, (CASE WHEN n = 1 THEN 'doing' ELSE 'todo' END)"
            "::procrastinate_job_status FROM generate_series(1, $1) AS n",
            QUEUED,
        )
        # procrastinate's own fetch: the oldest waiting job whose submission is not running
        fetched = await conn.fetchrow(
            "SELECT id, lock FROM procrastinate_fetch_job_v2(ARRAY['submissions'], NULL)"
        )
        assert fetched is not None and fetched["lock"] == await conn.fetchval("SELECT md5('2')")

        lookup = await _lock_lookup(conn, "candidate")
    finally:
        await conn.close()
    loops = lookup["Actual Loops"]
    blocks = lookup["Shared Hit Blocks"] + lookup["Shared Read Blocks"]
    # either one pass over the queue, or a look-up of a few index pages per job considered
    assert loops == 1 or blocks / loops <= 4, (lookup.get("Index Name"), loops, blocks)


async def test_a_worker_keeps_the_queue_statistics_current(postgres_url: str) -> None:
    """A burst of files on a job table PostgreSQL has not analysed (never, or autovacuum off
    or not round yet): the worker's statistics pass analyses it, and the next job is then
    chosen among a few, not by weighing every queued job at each fetch (two workers
    drained 7,800 queued files at 2.4 a second so, 27 a second once analysed)."""
    from edi_gateway.jobs import job_app, keep_queue_statistics

    await apply_schema(postgres_url)
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    app = job_app(postgres_url)
    try:
        await conn.execute("DELETE FROM procrastinate_jobs")
        await conn.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, "
            "status) SELECT 'submissions', 'edi:process_submission', md5(n::text), "
            "md5(n::text), '{}'::jsonb, 'todo' FROM generate_series(1, $1) AS n",
            8_000,
        )
        # the first thousand already run, as while a queue drains
        await conn.execute(
            "UPDATE procrastinate_jobs SET status = 'succeeded', queueing_lock = NULL "
            "WHERE id < (SELECT min(id) + 1000 FROM procrastinate_jobs)"
        )
        # what the table's statistics are before its first analysis
        await conn.execute(
            "DELETE FROM pg_statistic WHERE starelid = 'procrastinate_jobs'::regclass"
        )
        await conn.execute(
            "UPDATE pg_class SET reltuples = -1, relpages = 0 "
            "WHERE oid = 'procrastinate_jobs'::regclass"
        )
        await conn.execute("SELECT pg_stat_force_next_flush()")
        await conn.execute("SELECT 1")  # the counts of changes above are now reported

        before = await _jobs_weighed(conn, "before")
        assert before >= 7_000  # every queued job, at every fetch
        async with app.open_async():
            assert await keep_queue_statistics(app)
            # nothing changed since: not analysed again
            assert not await keep_queue_statistics(app)
        assert await _jobs_weighed(conn, "after") <= 10
    finally:
        await conn.close()


async def _jobs_weighed(conn: asyncpg.Connection, name: str) -> int:
    """How many queued jobs the fetch's cached (generic) plan looks at to choose one."""
    return int((await _lock_lookup(conn, name))["Actual Loops"])


async def _lock_lookup(conn: asyncpg.Connection, name: str) -> dict[str, Any]:
    """The look-up of other jobs of the same lock, in the plan PostgreSQL caches for the
    fetch function's choice of a job (generic: made without the queue names, as after a
    few fetches), run: its loops are the jobs weighed."""
    source = await conn.fetchval(
        "SELECT prosrc FROM pg_proc WHERE proname = 'procrastinate_fetch_job_v2'"
    )
    start = source.index("SELECT jobs.*")
    end = source.index("SKIP LOCKED") + len("SKIP LOCKED")
    candidate = source[start:end].replace("target_queue_names", "$1")
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    await conn.execute(f"PREPARE {name}(varchar[]) AS {candidate}")
    explained = await conn.fetchval(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name}('{{submissions}}')"
    )
    [root] = json.loads(explained)
    [lookup] = [n for n in _nodes(root["Plan"]) if n.get("Alias") == "other_jobs"]
    return dict(lookup)


async def test_a_worker_that_may_not_analyse_says_so_once(
    postgres_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers connecting as a role that does not own the job table (nor the database)
    leave its statistics to autovacuum: no ANALYZE refused by PostgreSQL every heartbeat,
    one warning in the worker's log."""
    from edi_gateway import jobs

    monkeypatch.setattr(jobs, "_analyse_refused", False)
    await apply_schema(postgres_url)
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    role = "edi_test_queue_reader"
    try:
        await conn.execute(
            f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        await conn.execute("DELETE FROM procrastinate_jobs")
        await conn.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, "
            "status) SELECT 'submissions', 'edi:process_submission', md5(n::text), "
            "md5(n::text), '{}'::jsonb, 'todo' FROM generate_series(1, $1) AS n",
            2 * jobs.QUEUE_STATISTICS_CHANGES,
        )
        await conn.execute("SELECT pg_stat_force_next_flush()")
        await conn.execute("SELECT 1")
        analysed = await conn.fetchval(
            "SELECT last_analyze FROM pg_stat_user_tables "
            "WHERE relid = 'procrastinate_jobs'::regclass"
        )
        # a connector of its own: ``job_app`` would bind the job tasks to this app
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=jobs.conninfo(postgres_url.replace("://postgres@", f"://{role}@"))
            )
        )
        with caplog.at_level(logging.WARNING, logger="edi_gateway.jobs"):
            async with app.open_async():
                assert not await jobs.keep_queue_statistics(app)
                assert not await jobs.keep_queue_statistics(app)
        said = [r.getMessage() for r in caplog.records if "statistics" in r.getMessage()]
        assert len(said) == 1 and "may not analyse procrastinate_jobs" in said[0]
        assert (
            await conn.fetchval(
                "SELECT last_analyze FROM pg_stat_user_tables "
                "WHERE relid = 'procrastinate_jobs'::regclass"
            )
            == analysed
        )
    finally:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        await conn.execute(f"DROP ROLE IF EXISTS {role}")
        await conn.close()
