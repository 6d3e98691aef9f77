"""Does ingest slow down as the stored roster and claim history grow? (issue 19, problem 4)

    .venv/bin/python benchmarks/bench_roster.py [--claims 10000] [--members 1000000]
                                                [--prior-claims 1000000] [--postgres URL]

On PostgreSQL, ingests the same generated 837P twice in fresh processes: once with a
roster holding only the claims' own members and no claims on file, once with
``--members`` more members (each with an identifier and a coverage span) from the same
plan and ``--prior-claims`` claims already stored (one line each, spread over all the
members, the file's own members included, from the same billing provider). Every claim
asks the eligibility rule (R46) about its member and the duplicate checks look up its
CLM01 and its member's lines, so each run makes those look-ups against the history.
Prints claims/s for both and their ratio (target: at least 0.8).
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

from pg_support import fresh_database  # noqa: E402

from parsers.generate import write_file  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_roster"


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


async def _load_claims(url: str, billing_npi: str, count: int) -> None:
    """``count`` active claims already on file (other CLM01s, dates in 2025), one service
    line each, over every member of the roster in turn."""
    if not count:
        return
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    await conn.execute(
        "INSERT INTO stored_files (sha256, size, path, created_at) "
        "VALUES ('prior', 0, 'prior', now())"
    )
    await conn.execute(
        "INSERT INTO submissions (id, sha256, source, status, received_at, size, segments, "
        "sets_total, sets_accepted, sets_rejected, units_total, units_stored, "
        "units_rejected, sets_done, segments_done) "
        "VALUES ('prior', 'prior', 'cli', 'completed', now(), 0, 0, 1, 1, 0, $1, $1, 0, 1, 0)",
        count,
    )
    set_id = await conn.fetchval(
        "INSERT INTO transaction_sets (submission_id, ordinal, isa_control_number, "
        "gs_control_number, st_control_number, sender_id, receiver_id, gs_sender_id, "
        "gs_receiver_id, transaction_type, version, status, units, units_stored, "
        "units_rejected, segments, line) VALUES ('prior', 1, '1', '1', '1', 'PRIOR', "
        "'PRIOR', 'PRIOR', 'PRIOR', '837P', '005010X222A1', 'stored', $1, $1, 0, 0, 0) "
        "RETURNING id",
        count,
    )
    await conn.execute(
        "CREATE TEMP TABLE m AS SELECT row_number() OVER () - 1 AS n, subscriber_id FROM members"
    )
    members = await conn.fetchval("SELECT count(*) FROM m")
    await conn.execute(
        "INSERT INTO encounters (submission_id, transaction_set_id, sender_id, receiver_id, "
        "guide, claim_id, total_charge, frequency_code, service_date_from, billing_npi, "
        "member_id, status, claim_key, line, created_at) "
        "SELECT 'prior', $1, 'PRIOR', 'PRIOR', '837P', 'PRIOR' || g, 100, '1', "
        "DATE '2025-01-01' + (g % 300), $2::text, m.subscriber_id, 'active', "
        "'local|' || $2::text || '|PRIOR' || g, 0, now() "
        "FROM generate_series(1, $3) g JOIN m ON m.n = g % $4",
        set_id,
        billing_npi,
        count,
        members,
    )
    await conn.execute(
        "INSERT INTO encounter_lines (encounter_id, line_number, procedure_qualifier, "
        "procedure_code, modifiers, charge, units, diagnosis_pointers, service_date_from, "
        "tooth_numbers, line) SELECT id, 1, 'HC', '99213', '', 100, 1, '1', "
        "service_date_from, '', 0 FROM encounters WHERE submission_id = 'prior'"
    )
    for table in ("encounters", "encounter_lines"):
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


def _members_of(path: Path) -> tuple[str, list[str], str]:
    """The plan (ISA08), the claims' members and the first billing provider's NPI."""
    segments = path.read_text().split("~")
    receiver = segments[0].split("*")[8].strip()
    members = sorted({s.split("*")[9] for s in segments if s.strip().startswith("NM1*IL")})
    billing = next(s.split("*")[9] for s in segments if s.strip().startswith("NM1*85"))
    return receiver, members, billing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--prior-claims", type=int, default=1_000_000)
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
    plan, members, billing = _members_of(path)
    print(f"{args.claims:,}-claim 837P, {len(members):,} distinct members, plan {plan}")
    rates = {}
    big = f"+{args.members:,} members, {args.prior_claims:,} claims"
    for label, extra, prior in (
        ("claims' members only", 0, 0),
        (big, args.members, args.prior_claims),
    ):
        asyncio.run(fresh_database(args.postgres))
        upgrade(args.postgres)
        start = time.perf_counter()
        asyncio.run(_load_roster(args.postgres, plan, members, extra))
        asyncio.run(_load_claims(args.postgres, billing, prior))
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
            f"  history {label:<40} loaded in {loaded:6.1f} s; ingest {result['seconds']:6.2f} s,"
            f" {result['stored']:,} stored ({result['status']}), {rate:8,.0f} claims/s"
        )
    small, large = rates.values()
    print(f"large history / none: {large / small:.2f} (target at least 0.8)")


if __name__ == "__main__":
    main()
