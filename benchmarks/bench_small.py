"""Small files through a worker's run, against the check stream alone on the same files.

    .venv/bin/python benchmarks/bench_small.py [--files 60] [--min-claims 5] [--claims 50]
        [--postgres [URL]] [--rounds 3]

Most files an MSO receives are a provider office's few dozen claims, and a worker's
throughput on them is set by what each run costs beside its claims: sessions, statements,
acknowledgments. For generated 837Ps of ``--min-claims`` to ``--claims`` claims, received
by an ops partner, this prints per file (median over the files, after 5 warm-up files):

- the check stream alone (parse, SNIP 1-7, mapping, guides; no database): the baseline;
- a worker's run (``worker.run_one`` with ``units.advance``, what the job queue's
  submission job runs, the job queue itself left out): wall clock and the
  process's CPU (the check stream's thread included), and their ratio to the baseline;
- the database work it took: transactions begun, pool check-outs and statements (bulk
  writes by ``COPY`` on PostgreSQL are not statements here).

Each round uses a fresh database built by the migrations (PostgreSQL: the URL's database
is dropped and created).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from check_support import check_seconds  # noqa: E402
from pg_support import fresh_database  # noqa: E402

from parsers.generate import generate_bytes  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_small"
WARM = 5


async def _round(
    url: str, paths: list[Path], data_dir: Path, profile: Path | None = None
) -> dict[str, float]:
    import cProfile

    from sqlalchemy import event

    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker
    from edi_gateway.partners.service import create_partner
    from edi_gateway.submissions.service import receive, store_path
    from edi_gateway.submissions.units import advance
    from edi_gateway.submissions.worker import run_one

    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    settings = Settings(data_dir=data_dir, database_url=url)
    async with sessionmaker() as session, session.begin():
        partner, _key = await create_partner(session, f"bench-small-{time.time_ns()}", "ops", [])
    ids = []
    for path in paths:
        received = await receive(
            sessionmaker,
            settings,
            store_path(settings, path),
            filename=path.name,
            partner_id=partner.id,
            source="api",
        )
        ids.append(received.submission.id)
    counts: Counter[str] = Counter()
    sync = engine.sync_engine

    def statement(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        counts.update(["statements", "sql: " + " ".join(sql.split())[:100]])

    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync, "begin", lambda *a: counts.update(["transactions"]))
    event.listen(sync.pool, "checkout", lambda *a: counts.update(["checkouts"]))
    queued: list[int] = []

    async def job(sessions: Any, settings: Settings, submission_id: str) -> None:
        # what the job queue's submission job runs (``jobs.process_submission_job``)
        await advance(sessions, settings, submission_id, lambda unit: _queue(queued, unit))

    walls, cpus, loops = [], [], []
    profiler = cProfile.Profile() if profile else None
    for i, sid in enumerate(ids):
        if i == WARM:
            counts.clear()
            if profiler:
                profiler.enable()
        wall, cpu, loop = time.perf_counter(), time.process_time(), time.thread_time()
        await run_one(sessionmaker, settings, sid, process=job)
        if i >= WARM:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            loops.append(time.thread_time() - loop)
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    timed = len(ids) - WARM
    out = {k: v / timed for k, v in counts.items()}  # before the statuses below are read
    async with sessionmaker() as session:
        from edi_gateway.submissions.repository import SubmissionRunRepository

        runs = SubmissionRunRepository(session)
        statuses = Counter([(await runs.get_status(sid)) for sid in ids])
    await engine.dispose()
    out.update(
        wall=statistics.median(walls), cpu=statistics.median(cpus), loop=statistics.median(loops)
    )
    if queued:
        raise SystemExit(f"{len(queued)} work units queued for small files")
    if set(statuses) != {"completed"}:
        raise SystemExit(f"not every file completed: {dict(statuses)}")
    return out


async def _queue(queued: list[int], unit_id: int) -> None:
    queued.append(unit_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--min-claims", type=int, default=5)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--statements", action="store_true", help="list the statements a run executes"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="write cProfile statistics of the timed runs (the event loop's thread) here",
    )
    args = parser.parse_args()

    from edi_gateway.db import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="bench-small-"))
    draw = random.Random(7)
    paths = []
    for i in range(args.files + WARM):
        path = tmp / f"small-{i}.837"
        path.write_bytes(
            generate_bytes("837p", draw.randint(args.min_claims, args.claims), seed=5000 + i)
        )
        paths.append(path)
    for path in paths[:WARM]:
        check_seconds(path)
    check = statistics.median(check_seconds(path) for path in paths[WARM:])
    print(
        f"{args.files} files of {args.min_claims}-{args.claims} claims; "
        f"check stream alone: median {check * 1000:.1f} ms a file"
    )
    for r in range(args.rounds):
        if args.postgres:
            url = args.postgres
            asyncio.run(fresh_database(url))
        else:
            url = f"sqlite+aiosqlite:///{tmp}/round-{r}.db"
        upgrade(url)
        got = asyncio.run(_round(url, paths, tmp / f"data-{r}", args.profile))
        print(
            f"round {r + 1} ({'PostgreSQL' if args.postgres else 'SQLite'}): run median "
            f"{got['wall'] * 1000:.1f} ms wall ({got['wall'] / check:.1f}x the check stream), "
            f"{got['cpu'] * 1000:.1f} ms CPU ({got['loop'] * 1000:.1f} in the event loop's "
            f"thread); per file {got.get('transactions', 0):.1f} transactions, "
            f"{got.get('checkouts', 0):.1f} check-outs, "
            f"{got.get('statements', 0):.1f} statements"
        )
        if args.statements:
            for key, per_file in sorted(got.items(), key=lambda kv: -kv[1]):
                if key.startswith("sql: "):
                    print(f"  {per_file:5.2f}  {key[5:]}")


if __name__ == "__main__":
    main()
