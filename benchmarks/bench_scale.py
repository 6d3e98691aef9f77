"""Scale-out on PostgreSQL: one and two `edi-gateway worker` processes (issue 19).

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000] [--files 8]
                                               [--file-claims 5000] [--postgres URL]

For each size, a generated 837P is received and queued as the API does, then processed by
one, then two worker processes (each ``--concurrency 1``) on a fresh database; and
``--files`` files of ``--file-claims`` claims each (other claims in every file) are queued
at once for one, then two workers. Prints claims/s, the speed-up of two workers over one,
each worker's peak RSS (VmHWM) and seconds per 100,000 claims; the baseline measured in
the same run is the check stream alone (`edi-gateway validate`'s work) on the same file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from check_support import check_seconds  # noqa: E402
from pg_support import fresh_database  # noqa: E402

from parsers.generate import write_file  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_scale"
CLI = [sys.executable, "-m", "edi_gateway.cli"]
DONE = ("completed", "partially_accepted", "rejected", "failed", "held")


async def _queue(url: str, data_dir: Path, paths: list[Path]) -> list[str]:
    """Receive the files as the API does and queue one job each."""
    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker
    from edi_gateway.jobs import enqueue, job_app
    from edi_gateway.submissions.service import receive, store_path

    settings = Settings(data_dir=data_dir, database_url=url, queue="procrastinate")
    engine = make_engine(url)
    ids = []
    try:
        for path in paths:
            got = await receive(
                make_sessionmaker(engine),
                settings,
                store_path(settings, path),
                filename=path.name,
                partner_id=None,
                source="cli",
            )
            ids.append(got.submission.id)
    finally:
        await engine.dispose()
    app = job_app(url)
    async with app.open_async():
        for sid in ids:
            await enqueue(app, sid)
    return ids


async def _states(url: str, ids: list[str]) -> list[tuple[str, int, int]]:
    """(status, units stored, segments done) of each submission."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT status, units_stored, segments_done FROM submissions "
            "WHERE id = ANY($1::text[])",
            ids,
        )
    finally:
        await conn.close()
    return [(r["status"], r["units_stored"] or 0, r["segments_done"] or 0) for r in rows]


def _peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _run(
    url: str, tmp: Path, paths: list[Path], workers: int, unit_claims: int, log_level: str
) -> tuple[float, int, list[float]]:
    """Seconds from queueing to the last submission done, claims stored, peak RSS (MB)."""
    asyncio.run(fresh_database(url))
    from edi_gateway.db import upgrade
    from edi_gateway.jobs import apply_schema

    upgrade(url)
    asyncio.run(apply_schema(url))  # before the workers start
    data_dir = tmp / f"data-{workers}-{len(paths)}"
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": url,
        "EDI_GATEWAY_DATA_DIR": str(data_dir),
        "EDI_GATEWAY_QUEUE": "procrastinate",
        "EDI_GATEWAY_LOG_LEVEL": log_level,
        "EDI_GATEWAY_UNIT_CLAIMS": str(unit_claims),
    }
    procs = [
        subprocess.Popen(
            [*CLI, "worker", "--concurrency", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / f"worker-{workers}-{n}.log").open("wb"),
        )
        for n in range(workers)
    ]
    try:
        time.sleep(2.0)  # let the workers connect and import
        start = time.perf_counter()
        ids = asyncio.run(_queue(url, data_dir, paths))
        # the first worker's RSS against the segments done, to see what grows with the file
        samples = (tmp / f"rss-{workers}-{len(paths)}-{paths[0].stem}.csv").open("w")
        samples.write("seconds,segments_done,rss_mb\n")
        while True:
            states = asyncio.run(_states(url, ids))
            if all(status in DONE for status, _, _ in states):
                break
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker stopped; its log is in {tmp}")
            samples.write(
                f"{time.perf_counter() - start:.1f},{sum(s for _, _, s in states)},"
                f"{_peak_rss_mb(procs[0].pid, 'VmRSS'):.1f}\n"
            )
            time.sleep(1.0)
        samples.close()
        seconds = time.perf_counter() - start
        rss = [_peak_rss_mb(p.pid) for p in procs]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)
    bad = [status for status, _, _ in states if status != "completed"]
    if bad:
        raise SystemExit(f"submissions ended {bad}")
    return seconds, sum(stored for _, stored, _ in states), rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--file-claims", type=int, default=5_000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1")
    parser.add_argument(
        "--unit-claims",
        type=int,
        default=2000,
        help="work units of about this many claims (0: one job per file, as before units)",
    )
    parser.add_argument(
        "--receiver",
        default="GPHP1EDI",
        help="ISA08/GS03 of the files (8 characters): GPHP1EDI brings the Medi-Cal plan "
        "guide, whose set and file rules keep a set whole; e.g. OTHERPAY: base guides only",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        help="the workers' log level (INFO: each unit's start and end, to see where the "
        "time goes; the logs are in the temp directory printed)",
    )
    parser.add_argument(
        "--no-check", action="store_true", help="skip the check-stream baseline (vs check 0)"
    )
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers.split(",")]
    if len(args.receiver) != len("GPHP1EDI"):
        raise SystemExit("--receiver must be 8 characters (the ISA is fixed width)")
    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-scale-"))
    print(
        f"load average {os.getloadavg()}; receiver {args.receiver}, work units of "
        f"{args.unit_claims} claims; worker logs and RSS samples in {tmp}"
    )
    print(
        f"{'case':<26}{'workers':>8}{'seconds':>9}{'claims/s':>10}{'s/100k':>8}"
        f"{'speed-up':>9}{'peak RSS MB':>14}{'vs check':>9}"
    )
    cases: list[tuple[str, list[Path], int]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        path = tmp / f"one-{size}.x12"
        write_file(path, "837p", size, seed=11)
        path.write_text(path.read_text().replace("GPHP1EDI", args.receiver))
        cases.append((f"one file, {size:,} claims", [path], size))
    many = []
    for n in range(args.files):  # --files 0: no many-files case
        path = tmp / f"many-{n}.x12"
        write_file(path, "837p", args.file_claims, seed=100 + n)
        path.write_text(
            path.read_text().replace("CLM*", f"CLM*F{n}").replace("GPHP1EDI", args.receiver)
        )
        many.append(path)
    if many:
        cases.append(
            (f"{args.files} files x {args.file_claims:,}", many, args.files * args.file_claims)
        )
    for label, paths, claims in cases:
        check_time = 0.0 if args.no_check else sum(check_seconds(p) for p in paths)
        one = None
        for workers in worker_counts:
            seconds, stored, rss = _run(
                args.postgres, tmp, paths, workers, args.unit_claims, args.log_level
            )
            assert stored == claims, (stored, claims)
            rate = claims / seconds
            one = one or rate
            print(
                f"{label:<26}{workers:>8}{seconds:>9.1f}{rate:>10,.0f}"
                f"{seconds / claims * 100_000:>8.1f}{rate / one:>9.2f}"
                f"{' / '.join(f'{r:.0f}' for r in rss):>14}{check_time / seconds:>9.2f}"
                f"  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
