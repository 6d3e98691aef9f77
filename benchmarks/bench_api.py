"""The HTTP service under load: 200 files of 50 claims from 8 concurrent clients.

    .venv/bin/python benchmarks/bench_api.py [--files 200] [--claims 50] [--clients 8]
                                             [--postgres URL [--workers N]
                                              [--serve-processes N]]
    .venv/bin/python benchmarks/bench_api.py --postgres URL --clients 50 --duration 120 \
        --min-claims 5 --claims 50 --background-claims 100000

The second form is the scale-out case of issue 19: 50 clients post files of 5 to 50
claims (sizes drawn at random, every file new bytes) for two minutes while a
100,000-claim file posted first is processed; it prints upload latency, how every
submission ended and whether any failed or is still unfinished.

With --postgres the database at the URL is dropped and created empty first. Starts
`edi-gateway serve` as a real process on loopback (SQLite with in-process workers
by default; with --postgres, PostgreSQL with one `edi-gateway worker` process), submits
the files, and prints files/s, p50/p99 latency of POST /v1/submissions and of
GET /v1/submissions/{id}, and the ratio of claims/s through the API (upload to every
submission completed) to validation alone (`parsers.validate`) on the same files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pg_support import fresh_database  # noqa: E402

from parsers import validate  # noqa: E402
from parsers.generate import generate_bytes  # noqa: E402

CLI = [sys.executable, "-m", "edi_gateway.cli"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


FINAL = ("completed", "partially_accepted", "rejected", "held", "failed", "duplicate")


async def _load(
    url: str,
    key: str,
    files: list[bytes],
    clients: int,
    make: Callable[[], bytes | None] | None = None,
    duration: float = 0.0,
    background: bytes | None = None,
    wait: bool = True,
    database: str | None = None,
) -> dict[str, object]:
    """Post ``files`` (or, for ``duration`` seconds, what ``make`` returns) from
    ``clients`` clients, after ``background`` when given; wait for every submission
    (unless ``wait`` is false: no worker runs). With ``database`` (PostgreSQL), the wait
    reads the submissions' statuses there, a query a second, instead of asking the API for
    each one (thousands of requests a sweep, which took CPU from the workers)."""
    post_times: list[float] = []
    get_times: list[float] = []
    ids: list[str] = []
    errors: list[str] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in files:
        queue.put_nowait(body)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/edi-x12"}
    big: list[str] = []
    if background is not None:
        async with httpx.AsyncClient(base_url=url, timeout=600) as c:
            response = await c.post("/v1/submissions", content=background, headers=headers)
            response.raise_for_status()
            big.append(response.json()["id"])

    def more() -> bytes | None:
        if make is not None:
            return make() if time.perf_counter() - start < duration else None
        return None if queue.empty() else queue.get_nowait()

    def uploads_so_far() -> None:
        print(
            f"posted {len(ids)} files in {posted:.1f} s ({len(ids) / posted:.1f}/s): POST "
            f"p50 {_pct(post_times, 0.5):.1f} ms, p99 {_pct(post_times, 0.99):.1f} ms; "
            + ("waiting for every submission to end" if wait else "no worker runs"),
            flush=True,
        )

    async def client(c: httpx.AsyncClient) -> None:
        async with c:
            while (body := more()) is not None:
                t = time.perf_counter()
                try:
                    response = await c.post("/v1/submissions", content=body, headers=headers)
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                post_times.append(time.perf_counter() - t)
                if response.status_code >= 400:
                    errors.append(str(response.status_code))
                    continue
                ids.append(response.json()["id"])

    # made before the clock starts: an AsyncClient takes about 35 ms of CPU to make (its
    # TLS context), and 50 made at once held the loop 1.8 s, which the first uploads'
    # latency counted as the server's
    made = [httpx.AsyncClient(base_url=url, timeout=120) for _ in range(clients)]
    start = time.perf_counter()
    await asyncio.gather(*(client(c) for c in made))
    posted = time.perf_counter() - start
    if post_times:
        uploads_so_far()
    pending = set(ids) | set(big) if wait else set()
    ended: dict[str, str] = {}
    if database is not None:
        import asyncpg

        conn = await asyncpg.connect(database.replace("+asyncpg", ""))
        try:
            while pending and time.perf_counter() - start < max(1800.0, 10 * posted):
                rows = await conn.fetch(
                    "SELECT id, status FROM submissions WHERE id = ANY($1::varchar[])",
                    list(pending),
                )
                for sid, status in rows:
                    if status in FINAL:
                        ended[sid] = status
                        pending.discard(sid)
                await asyncio.sleep(1.0)
        finally:
            await conn.close()
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        while pending and time.perf_counter() - start < max(1800.0, 10 * posted):
            for sid in list(pending):
                t = time.perf_counter()
                status = (await c.get(f"/v1/submissions/{sid}", headers=headers)).json()
                get_times.append(time.perf_counter() - t)
                if status["status"] in FINAL:
                    ended[sid] = status["status"]
                    pending.discard(sid)
            await asyncio.sleep(0.05 if len(pending) < 50 else 0.5)
    elapsed = time.perf_counter() - start
    return {
        "elapsed": elapsed,
        "posted": posted,
        "post": post_times,
        "get": get_times,
        "ended": ended,
        "unfinished": len(pending),
        "errors": errors,
        "files": len(ids),
        "big": big[0] if big else None,
    }


def _print_posts(post: list[float]) -> None:
    print(
        f"POST /v1/submissions   p50 {_pct(post, 0.5):7.1f} ms   p99 {_pct(post, 0.99):7.1f} ms"
        f"   mean {statistics.mean(post) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", help="PostgreSQL URL (default: embedded SQLite)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (PostgreSQL; 0: the uploads alone, left queued)",
    )
    parser.add_argument(
        "--serve-processes", type=int, default=1, help="`serve --processes N` (PostgreSQL)"
    )
    parser.add_argument("--duration", type=float, default=0.0, help="post for this long (s)")
    parser.add_argument("--min-claims", type=int, help="files of --min-claims to --claims")
    parser.add_argument("--background-claims", type=int, default=0)
    parser.add_argument(
        "--pool", type=int, default=0, help="files generated for --duration (200 a second)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-api-"))
    files = [generate_bytes("837p", args.claims, seed=1000 + i) for i in range(args.files)]
    start = time.perf_counter()
    for body in files:
        validate(body)
    validate_rate = args.files * args.claims / (time.perf_counter() - start)
    make = None
    if args.duration:
        # every file new bytes, generated before the clock starts: generating one on the
        # clients' loop (1.3 ms) would hold up the other clients' responses and count in
        # their latency; posting stops early (and says so) if the pool runs out
        draw = random.Random(7)
        low = args.min_claims or args.claims
        pool = args.pool or int(args.duration * 200)
        files = []
        ready = [
            generate_bytes("837p", draw.randint(low, args.claims), seed=10_000 + i)
            for i in range(pool)
        ]
        ready.reverse()

        def make() -> bytes | None:
            return ready.pop() if ready else None

    background = (
        generate_bytes("837p", args.background_claims, seed=99) if args.background_claims else None
    )

    env = {
        **os.environ,
        "EDI_GATEWAY_DATA_DIR": str(tmp / "data"),
        "EDI_GATEWAY_LOG_LEVEL": "warning",
    }
    if args.postgres:
        # empty, like the other PostgreSQL benchmarks: submissions and jobs left queued by
        # an interrupted run would be processed by this run's workers
        asyncio.run(fresh_database(args.postgres))
        env["EDI_GATEWAY_DATABASE_URL"] = args.postgres
        env["EDI_GATEWAY_QUEUE"] = "procrastinate"
    else:
        env["EDI_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*CLI, "partners", "create", f"bench-{os.getpid()}", "--role", "ops"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key = out.rsplit(": ", 1)[1].strip()
    port = _port()
    procs = [
        subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--processes", str(args.serve_processes)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    if args.postgres:
        procs.extend(
            subprocess.Popen(
                [*CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(args.workers)
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        # --workers 0 measures the uploads alone: nothing processes them, so no waiting
        wait = not args.postgres or args.workers > 0
        res = asyncio.run(
            _load(
                url,
                key,
                files,
                args.clients,
                make,
                args.duration,
                background,
                wait,
                args.postgres if args.duration else None,
            )
        )
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
    elapsed = float(res["elapsed"])  # type: ignore[arg-type]
    post, get = res["post"], res["get"]
    ended: dict[str, str] = res["ended"]  # type: ignore[assignment]
    errors: list[str] = res["errors"]  # type: ignore[assignment]
    count = int(res["files"])  # type: ignore[call-overload]
    where = (
        f"PostgreSQL, {args.serve_processes} serve process(es) + {args.workers} worker(s)"
        if args.postgres
        else "SQLite, in-process"
    )
    if not wait:
        posted = float(res["posted"])  # type: ignore[arg-type]
        print(
            f"{count} files posted in {posted:.1f} s ({count / posted:.1f}/s) by "
            f"{args.clients} clients, {where}: "
            f"uploads alone, left queued; upload errors {len(errors)} {dict(Counter(errors))}"
        )
        _print_posts(post)  # type: ignore[arg-type]
        return
    if args.duration:
        print(
            f"{count} files of {args.min_claims or args.claims}-{args.claims} claims from "
            f"{args.clients} clients in {args.duration:.0f} s, {where}"
            + (f", while a {args.background_claims:,}-claim file runs" if background else "")
        )
    else:
        print(f"{args.files} files x {args.claims} claims, {args.clients} clients, {where}")
        print(f"files/s (upload to all completed): {args.files / elapsed:.1f}")
    _print_posts(post)  # type: ignore[arg-type]
    gets: list[float] = get  # type: ignore[assignment]
    if gets:  # none when the wait read the database
        print(
            f"GET  /v1/submissions/id p50 {_pct(gets, 0.5):7.1f} ms   "
            f"p99 {_pct(gets, 0.99):7.1f} ms"
        )
    print(
        f"ended: {dict(Counter(ended.values()))}; unfinished {res['unfinished']}; "
        f"upload errors {len(errors)} {dict(Counter(errors))}"
    )
    if res["big"]:
        print(f"the large file ended {ended.get(str(res['big']), 'unfinished')}")
    if args.duration and not res["unfinished"]:
        drained = elapsed - float(res["posted"])  # type: ignore[arg-type]
        print(f"every file ended {drained:.0f} s after posting stopped")
    if args.duration and not ready:
        print(f"the {pool} files generated ran out before {args.duration:.0f} s: use --pool")
    if not args.duration:
        api_rate = args.files * args.claims / elapsed
        print(
            f"claims/s through the API {api_rate:,.0f}; validate alone {validate_rate:,.0f}; "
            f"ratio {api_rate / validate_rate:.2f}"
        )


if __name__ == "__main__":
    main()
