"""End-to-end ingest speed against validation alone, on SQLite and PostgreSQL, in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--claims 10000] [--postgres URL]

For a generated 837P (claims) and 834 (members) it prints, per database:
claims/s for validate-only (the parser, SNIP 1-2) and for the whole ingest (store the
bytes, validate, map, write every row, acknowledge), and their ratio. Target: ingest at
least half the speed of validation alone. Each ingest runs in a fresh process on an empty
database built by the migrations, and its peak RSS is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers import validate  # noqa: E402
from parsers.generate import write_file  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _child(path: str, url: str, data_dir: str) -> None:
    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker, upgrade
    from edi_gateway.submissions.ingest import ingest_paths

    upgrade(url)
    from parsers import load_map

    for key in ("837P", "834"):
        load_map(key)

    async def run() -> dict[str, object]:
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        start = time.perf_counter()
        [outcome] = await ingest_paths(
            sm, Settings(data_dir=Path(data_dir), database_url=url), [Path(path)]
        )
        seconds = time.perf_counter() - start
        await engine.dispose()
        s = outcome.submission
        return {"seconds": seconds, "stored": s.units_stored, "status": s.status}

    result = asyncio.run(run())
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _reset_postgres(url: str) -> bool:
    import asyncpg

    async def reset() -> None:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=3)
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await conn.close()

    try:
        asyncio.run(reset())
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"  PostgreSQL not reachable ({exc}); skipped")
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-ingest-"))
    header = (
        f"{'file':<14}{'database':<12}{'validate/s':>12}{'ingest/s':>10}"
        f"{'ingest/validate':>17}{'peak RSS MB':>13}"
    )
    print(header)
    print("-" * len(header))
    for kind in ("837p", "834"):
        path = tmp / f"{kind}.x12"
        write_file(path, kind, args.claims, seed=5)
        start = time.perf_counter()
        validate(path)
        validate_seconds = time.perf_counter() - start
        start = time.perf_counter()
        validate(path)
        validate_seconds = min(validate_seconds, time.perf_counter() - start)
        v_rate = args.claims / validate_seconds
        for db in ("sqlite", "postgresql"):
            if db == "sqlite":
                url = f"sqlite+aiosqlite:///{tmp / (kind + '.sqlite')}"
            else:
                url = args.postgres
                if not _reset_postgres(url):
                    continue
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), url, str(tmp / f"data-{db}")],
                check=True,
                capture_output=True,
                text=True,
            )
            res = json.loads(out.stdout.strip().splitlines()[-1])
            assert res["stored"] == args.claims, res
            i_rate = args.claims / res["seconds"]
            print(
                f"{kind + ' ' + str(args.claims):<14}{db:<12}{v_rate:>12,.0f}{i_rate:>10,.0f}"
                f"{i_rate / v_rate:>17.2f}{res['peak_rss_mb']:>13.1f}"
            )
    print("\ntarget: ingest/validate >= 0.50 (storing costs no more than validating)")


if __name__ == "__main__":
    main()
