"""End-to-end ingest speed against validation alone, on SQLite and PostgreSQL, in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--claims 10000] [--postgres URL]

For a generated 837P (claims) and 834 (members) it prints, per database, claims/s for:
- validate-only: the parser alone, SNIP 1-2 (`validate`), the issue's baseline;
- validate+guides: what `edi-gateway validate --guide NAME` does, SNIP 1-7 with the same
  companion guides the ingest applies (the plan guide picked by the receiver id);
- no database: everything the ingest does before storing (parse, claim trees, map to
  records, the guides), in one thread, with the ingest's garbage-collection setting;
- ingest: the whole path (store the bytes, validate, map, write every row, acknowledge),
and the ratios of ingest to the first two. Target: ingest at least half the speed of
validate-only. Each ingest runs in a fresh process on an empty database built by the
migrations, and its peak RSS is printed too.
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
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edi_gateway.submissions.gctune import fewer_collections  # noqa: E402
from edi_gateway.validation.service import validate_with_guide  # noqa: E402
from mappings.check import GuideSelection, check  # noqa: E402
from mappings.guides import guide_for_receiver  # noqa: E402
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


def _best(run: Callable[[], object], times: int = 2) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _plan_guide(path: Path, transaction: str) -> str | None:
    """The plan guide the ingest applies to this generated file (by its ISA08 receiver)."""
    with path.open("rb") as f:
        receiver = f.read(106)[54:69].decode().strip()
    plan = guide_for_receiver(receiver, transaction)
    return plan.name if plan is not None else None


def _no_database(path: Path) -> None:
    """The check stream as the ingest runs it (parse, claim trees, map, guides chosen by
    receiver), storing nothing."""
    guides = GuideSelection(None, datetime.now(UTC).date(), by_receiver=True)
    with fewer_collections():
        for _ in check(str(path), guides):
            pass


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
        f"{'file':<14}{'database':<12}{'validate':>10}{'+guides':>9}{'no DB':>8}{'ingest/s':>10}"
        f"{'/validate':>11}{'/+guides':>10}{'peak RSS MB':>13}"
    )
    print(header)
    print("-" * len(header))
    for kind in ("837p", "834"):
        path = tmp / f"{kind}.x12"
        write_file(path, kind, args.claims, seed=5)
        guide = _plan_guide(path, "837P" if kind == "837p" else "834")
        v_rate = args.claims / _best(partial(validate, path))
        g_rate = args.claims / _best(partial(validate_with_guide, str(path), guide))
        n_rate = args.claims / _best(partial(_no_database, path))
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
                f"{kind + ' ' + str(args.claims):<14}{db:<12}{v_rate:>10,.0f}{g_rate:>9,.0f}"
                f"{n_rate:>8,.0f}{i_rate:>10,.0f}{i_rate / v_rate:>11.2f}{i_rate / g_rate:>10.2f}"
                f"{res['peak_rss_mb']:>13.1f}"
            )
    print("\nclaims (members) per second; guides applied: the plan guide for the receiver id")
    print("target: ingest / validate >= 0.50 (storing costs no more than validating)")


if __name__ == "__main__":
    main()
