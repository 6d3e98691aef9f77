"""How long does a webhook event take to reach a receiver, and do retries keep their
schedule? (issue 17)

    .venv/bin/python benchmarks/bench_webhooks.py [--events 200] [--burst 1000]
                                                  [--postgres URL]

A receiver on a loopback port (a threaded HTTP server, answering 200 at once). Baseline,
in the same run: the same signed body POSTed straight to it with httpx. Then:

- in-process (SQLite, the embedded default): an event published and committed, one at a
  time, until the receiver has it (the service's sender, told after commit);
- a burst: ``--burst`` events in one transaction (a file with that many rejected claims),
  until the receiver has them all;
- retries: a receiver answering 503 three times, then 200, with
  ``WEBHOOK_RETRY_SECONDS`` 0.2: the gaps between attempts against 0.2, 0.4, 0.8 s;
- with ``--postgres``: the same single events through the job queue, delivered by an
  ``edi-gateway worker`` process (procrastinate), commit to receipt.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pg_support import fresh_database  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_webhooks"


class Receiver:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = statuses or [200]
        self.times: list[float] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.times.append(time.perf_counter())
                    n = len(receiver.times)
                self.send_response(receiver.statuses[min(n, len(receiver.statuses)) - 1])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    async def wait(self, n: int, timeout: float = 120) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                if len(self.times) >= n:
                    return self.times[n - 1]
            await asyncio.sleep(0.0005)
        raise TimeoutError(f"{len(self.times)} of {n} received")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def _partner_with_hook(sessionmaker: Any, url: str) -> tuple[int, str]:
    from edi_gateway.models import Webhook
    from edi_gateway.partners.service import create_partner
    from edi_gateway.statuses import EventType
    from edi_gateway.webhooks.signing import new_secret

    secret = new_secret()
    async with sessionmaker() as s, s.begin():
        partner, _ = await create_partner(s, "clinic", "provider", ["SUBMITTER9856"], None)
        s.add(
            Webhook(
                partner_id=partner.id,
                url=url,
                events=[e.value for e in EventType],
                secret=secret,
                secret_prefix=secret[:12],
            )
        )
    return int(partner.id), secret


async def _baseline(events: int, url: str, secret: str) -> list[float]:
    from edi_gateway.webhooks.delivery import http_client
    from edi_gateway.webhooks.signing import SIGNATURE_HEADER, signature_header

    body = b'{"id":"evt_x","type":"claim.rejected","data":{"claim_id":"C1"}}'
    out = []
    async with http_client(_settings(Path(tempfile.gettempdir()), "sqlite://")) as client:
        for _ in range(events):
            start = time.perf_counter()
            headers = {SIGNATURE_HEADER: signature_header(secret, body)}
            async with client.stream("POST", url, content=body, headers=headers) as r:
                assert r.status_code == 200
            out.append(time.perf_counter() - start)
    return out


def _settings(data: Path, url: str, **extra: Any) -> Any:
    from edi_gateway.config import Settings

    return Settings(data_dir=data, database_url=url, queue="inprocess", **extra)


async def _in_process(data: Path, events: int, burst: int) -> dict[str, Any]:
    from edi_gateway.db import make_engine, make_sessionmaker, upgrade
    from edi_gateway.events import publish, publish_many
    from edi_gateway.statuses import EventType
    from edi_gateway.webhooks.delivery import WebhookSender

    url = f"sqlite+aiosqlite:///{data / 'bench.sqlite'}"
    await asyncio.to_thread(upgrade, url)
    settings = _settings(data, url, webhook_allow_http_loopback=True, webhook_retry_seconds=0.2)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    receiver = Receiver()
    sender = WebhookSender(sessionmaker, settings)
    await sender.start()
    try:
        partner_id, secret = await _partner_with_hook(sessionmaker, receiver.url)
        baseline = await _baseline(events, receiver.url, secret)
        single = []
        for n in range(1, events + 1):
            async with sessionmaker() as s:
                async with s.begin():
                    await publish(s, EventType.CLAIM_REJECTED, partner_id, {"claim_id": f"C{n}"})
                committed = time.perf_counter()
            single.append(await receiver.wait(events + n) - committed)
        await sender.drain()
        before = len(receiver.times)
        async with sessionmaker() as s:
            async with s.begin():
                await publish_many(
                    s,
                    EventType.CLAIM_REJECTED,
                    partner_id,
                    ({"claim_id": f"B{n}"} for n in range(burst)),
                )
            start = time.perf_counter()
        last = await receiver.wait(before + burst, timeout=600)
        burst_seconds = last - start
        await sender.drain()
    finally:
        await sender.stop()
        receiver.stop()
    retries = await _retries(data, settings)
    await engine.dispose()
    return {
        "baseline": baseline,
        "single": single,
        "burst_seconds": burst_seconds,
        "retries": retries,
    }


async def _retries(data: Path, settings: Any) -> list[float]:
    from sqlalchemy import select

    from edi_gateway.db import make_engine, make_sessionmaker
    from edi_gateway.events import publish
    from edi_gateway.models import Webhook
    from edi_gateway.statuses import EventType
    from edi_gateway.webhooks.delivery import WebhookSender

    receiver = Receiver([503, 503, 503, 200])
    engine = make_engine(settings.effective_database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as s, s.begin():
        hook = (await s.execute(select(Webhook))).scalar_one()
        hook.url = receiver.url
        partner_id = hook.partner_id
    sender = WebhookSender(sessionmaker, settings)
    await sender.start()
    try:
        async with sessionmaker() as s, s.begin():
            await publish(s, EventType.CLAIM_REJECTED, partner_id, {"claim_id": "R1"})
        await receiver.wait(4, timeout=60)
        times = receiver.times
        return [b - a for a, b in itertools.pairwise(times)]
    finally:
        await sender.stop()
        receiver.stop()
        await engine.dispose()


async def _job_queue(pg: str, data: Path, events: int) -> list[float]:
    from edi_gateway.db import make_engine, make_sessionmaker, upgrade
    from edi_gateway.events import bind, publish
    from edi_gateway.jobs import apply_schema, job_app
    from edi_gateway.statuses import EventType
    from edi_gateway.webhooks.tasks import job_notifier

    await fresh_database(pg)
    await asyncio.to_thread(upgrade, pg)
    await apply_schema(pg)
    engine = make_engine(pg)
    sessionmaker = make_sessionmaker(engine)
    receiver = Receiver()
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": pg,
        "EDI_GATEWAY_DATA_DIR": str(data),
        "EDI_GATEWAY_QUEUE": "procrastinate",
        "EDI_GATEWAY_LOG_LEVEL": "warning",
        "EDI_GATEWAY_WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "edi_gateway.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data / "worker.log").open("wb"),
    )
    app = job_app(pg)
    try:
        partner_id, _ = await _partner_with_hook(sessionmaker, receiver.url)
        bind(sessionmaker, job_notifier(app))
        async with app.open_async():
            # the worker is up when it has delivered a first event
            async with sessionmaker() as s, s.begin():
                await publish(s, EventType.CLAIM_REJECTED, partner_id, {"claim_id": "W"})
            await receiver.wait(1, timeout=120)
            out = []
            for n in range(1, events + 1):
                async with sessionmaker() as s:
                    async with s.begin():
                        await publish(
                            s, EventType.CLAIM_REJECTED, partner_id, {"claim_id": f"C{n}"}
                        )
                    committed = time.perf_counter()
                out.append(await receiver.wait(n + 1) - committed)
            await asyncio.sleep(0.5)  # let the last job's bookkeeping finish
            return out
    except TimeoutError:
        print((data / "worker.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        receiver.stop()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        found = asyncio.run(_in_process(Path(tmp), args.events, args.burst))
        queued = (
            asyncio.run(_job_queue(args.postgres, Path(tmp), args.events))
            if args.postgres
            else None
        )
    base50, base95 = _ms(found["baseline"])
    print(f"{'case':<52} {'p50 ms':>8} {'p95 ms':>8} {'p95 / baseline':>15}")
    print(f"{'direct httpx POST (baseline)':<52} {base50:8.1f} {base95:8.1f} {1.0:15.1f}")
    p50, p95 = _ms(found["single"])
    label = "in-process: commit -> receiver (SQLite)"
    print(f"{label:<52} {p50:8.1f} {p95:8.1f} {p95 / base95:15.1f}")
    if queued is not None:
        p50, p95 = _ms(queued)
        label = "job queue: commit -> receiver (PostgreSQL, worker)"
        print(f"{label:<52} {p50:8.1f} {p95:8.1f} {p95 / base95:15.1f}")
    rate = args.burst / found["burst_seconds"]
    print(
        f"burst: {args.burst} events in one transaction delivered in "
        f"{found['burst_seconds']:.2f} s ({rate:.0f}/s)"
    )
    gaps = ", ".join(f"{g:.2f}" for g in found["retries"])
    print(f"retries after 503s: gaps {gaps} s (schedule 0.20, 0.40, 0.80)")


if __name__ == "__main__":
    main()
