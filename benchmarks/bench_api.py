"""The HTTP service under load: 200 files of 50 claims from 8 concurrent clients.

    .venv/bin/python benchmarks/bench_api.py [--files 200] [--claims 50] [--clients 8]
                                             [--postgres URL]

Starts `edi-gateway serve` as a real process on loopback (SQLite with in-process workers
by default; with --postgres, PostgreSQL with one `edi-gateway worker` process), submits
the files, and prints files/s, p50/p99 latency of POST /v1/submissions and of
GET /v1/submissions/{id}, and the ratio of claims/s through the API (upload to every
submission completed) to validation alone (`parsers.validate`) on the same files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


async def _load(url: str, key: str, files: list[bytes], clients: int) -> dict[str, object]:
    post_times: list[float] = []
    get_times: list[float] = []
    ids: list[str] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in files:
        queue.put_nowait(body)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/edi-x12"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as c:
            while not queue.empty():
                body = queue.get_nowait()
                start = time.perf_counter()
                response = await c.post("/v1/submissions", content=body, headers=headers)
                post_times.append(time.perf_counter() - start)
                response.raise_for_status()
                ids.append(response.json()["id"])

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    pending = set(ids)
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        while pending:
            for sid in list(pending):
                t = time.perf_counter()
                status = (await c.get(f"/v1/submissions/{sid}", headers=headers)).json()
                get_times.append(time.perf_counter() - t)
                if status["status"] in ("completed", "rejected", "held", "failed"):
                    assert status["status"] == "completed", status
                    pending.discard(sid)
            await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "post": post_times, "get": get_times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", help="PostgreSQL URL (default: embedded SQLite)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-api-"))
    files = [generate_bytes("837p", args.claims, seed=1000 + i) for i in range(args.files)]
    start = time.perf_counter()
    for body in files:
        validate(body)
    validate_rate = args.files * args.claims / (time.perf_counter() - start)

    env = {
        **os.environ,
        "EDI_GATEWAY_DATA_DIR": str(tmp / "data"),
        "EDI_GATEWAY_LOG_LEVEL": "warning",
    }
    if args.postgres:
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
            [*CLI, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    if args.postgres:
        procs.append(
            subprocess.Popen(
                [*CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
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
        res = asyncio.run(_load(url, key, files, args.clients))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
    elapsed = float(res["elapsed"])  # type: ignore[arg-type]
    post, get = res["post"], res["get"]
    api_rate = args.files * args.claims / elapsed
    print(
        f"{args.files} files x {args.claims} claims, {args.clients} clients, "
        f"{'PostgreSQL + worker' if args.postgres else 'SQLite, in-process worker'}"
    )
    print(f"files/s (upload to all completed): {args.files / elapsed:.1f}")
    print(
        f"POST /v1/submissions   p50 {_pct(post, 0.5):7.1f} ms   p99 {_pct(post, 0.99):7.1f} ms"  # type: ignore[arg-type]
        f"   mean {statistics.mean(post) * 1000:.1f} ms"
    )  # type: ignore[arg-type]
    print(f"GET  /v1/submissions/id p50 {_pct(get, 0.5):7.1f} ms   p99 {_pct(get, 0.99):7.1f} ms")  # type: ignore[arg-type]
    print(
        f"claims/s through the API {api_rate:,.0f}; validate alone {validate_rate:,.0f}; "
        f"ratio {api_rate / validate_rate:.2f}"
    )


if __name__ == "__main__":
    main()
