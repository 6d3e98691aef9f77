"""Does ingest slow down as the stored roster grows? (issue 19, problem 4)

    .venv/bin/python benchmarks/bench_roster.py [--claims 5000] [--members 200000]
                                                [--postgres URL]

On PostgreSQL, ingests the same generated 837P twice in fresh processes: once with a
roster holding only the claims' own members, once with ``--members`` more members (each
with an identifier and a coverage span) from the same plan. Every claim asks the
eligibility rule (R46) about its member, so each run makes one look-up per member. Prints
claims/s for both and their ratio (target: at least 0.8).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.generate import write_file  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_roster"


def _admin(url: str) -> str:
    base, _, _name = url.replace("+asyncpg", "").rpartition("/")
    return base + "/postgres"


async def _fresh_database(url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(_admin(url))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()


async def _load_roster(url: str, plan: str, claim_members: list[str], extra: int) -> None:
    """Members of the plan ``plan`` (its ISA06): the claims' members and ``extra`` others,
    each with a CIN identifier and one open coverage span from 2020-01-01."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    await conn.execute("CREATE TEMP TABLE ids AS SELECT unnest($1::text[]) AS v", claim_members)
    await conn.execute(
        "INSERT INTO ids SELECT 'X' || lpad(g::text, 9, '0') FROM generate_series(1, $1) g",
        extra,
    )
    await conn.execute(
        "INSERT INTO members (plan_sender_id, subscriber_id, member_key, is_subscriber, "
        "status, created_at, updated_at) SELECT $1, v, v, true, 'active', now(), now() "
        "FROM ids",
        plan,
    )
    await conn.execute(
        "INSERT INTO member_identifiers (member_id, qualifier, value) "
        "SELECT id, '0F', subscriber_id FROM members"
    )
    await conn.execute(
        "INSERT INTO coverage_spans (member_id, submission_id, insurance_line, begin_date, "
        "recorded_at, line) SELECT id, 'bench', 'HLT', DATE '2020-01-01', now(), 0 "
        "FROM members"
    )
    for table in ("members", "member_identifiers", "coverage_spans"):
        await conn.execute(f"ANALYZE {table}")
    await conn.close()


def _child(path: str, url: str, data_dir: str) -> None:
    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker
    from edi_gateway.submissions.ingest import ingest_paths
    from parsers import load_map

    load_map("837P")

    async def run() -> dict[str, object]:
        engine = make_engine(url)
        start = time.perf_counter()
        [outcome] = await ingest_paths(
            make_sessionmaker(engine),
            Settings(data_dir=Path(data_dir), database_url=url, queue="inprocess"),
            [Path(path)],
        )
        seconds = time.perf_counter() - start
        await engine.dispose()
        s = outcome.submission
        return {"seconds": seconds, "stored": s.units_stored, "status": s.status}

    print(json.dumps(asyncio.run(run())))


def _members_of(path: Path) -> tuple[str, list[str]]:
    segments = path.read_text().split("~")
    receiver = segments[0].split("*")[8].strip()
    members = sorted({s.split("*")[9] for s in segments if s.strip().startswith("NM1*IL")})
    return receiver, members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    from edi_gateway.db import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-roster-"))
    path = tmp / "claims.x12"
    write_file(path, "837p", args.claims, seed=7)
    plan, members = _members_of(path)
    print(f"{args.claims:,}-claim 837P, {len(members):,} distinct members, plan {plan}")
    rates = {}
    for label, extra in (("claims' members only", 0), (f"+{args.members:,} members", args.members)):
        asyncio.run(_fresh_database(args.postgres))
        upgrade(args.postgres)
        start = time.perf_counter()
        asyncio.run(_load_roster(args.postgres, plan, members, extra))
        loaded = time.perf_counter() - start
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path), args.postgres, str(tmp / label)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rate = result["stored"] / result["seconds"]
        rates[label] = rate
        print(
            f"  roster {label:<24} loaded in {loaded:6.1f} s; ingest {result['seconds']:6.2f} s,"
            f" {result['stored']:,} stored ({result['status']}), {rate:8,.0f} claims/s"
        )
    small, large = rates.values()
    print(f"large roster / small roster: {large / small:.2f} (target at least 0.8)")


if __name__ == "__main__":
    main()
