"""Where a one-process ingest spends its time: the check stream's thread (the pump) against
the event loop that writes the rows, on PostgreSQL (issue 19).

    .venv/bin/python benchmarks/bench_overlap.py [--claims 10000] [--rounds 3] \
        [--depth N] [--gate] [--postgres URL] [--timeline]

Each round, in this one process: the check stream alone over a generated 837P (parse,
claim trees, mapping, the plan guide by receiver; nothing stored: the baseline), then the
ingest of the same file into a fresh database with the pump and the loop timed apart:
the pump's CPU time (``time.thread_time`` in its thread), the loop thread's CPU time, how
long the loop waited for a batch, and the ingest's wall clock. Printed per round: the
ingest's claims/s, its ratio to the check stream alone, and the CPU both threads used
against the wall clock (with one interpreter lock, pump + loop CPU is the floor).

Two variants of the hand-over, for comparison in the same run (``--variants``):
- ``depth``: the pump runs up to N batches ahead in its own thread (the pipeline: one);
- ``gate``: the pump checks its next claim only while the loop waits in its selector
  (the loop first, the pump in its I/O waits); reaches into asyncio's selector, so a
  measurement only, not a design.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import resource
import sys
import tempfile
import threading
import time
from collections.abc import AsyncGenerator, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_support import check_seconds  # noqa: E402
from pg_support import fresh_database  # noqa: E402

from edi_gateway.submissions import pipeline  # noqa: E402
from mappings.check import Checked  # noqa: E402
from parsers.generate import write_file  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_overlap"
#: the pipeline's own, before any probe replaces them
NEXT_BATCH = pipeline.Batches.next_batch


class Probe:
    """The pump's and the loop's time, and the batches' timeline, of one ingest."""

    def __init__(self, depth: int, gate: bool) -> None:
        self.depth = depth
        self.gate = gate
        self.pump_cpu = 0.0
        self.loop_wait = 0.0
        self.events: list[tuple[str, float, float, int]] = []
        self.idle = threading.Event()

    def install(self) -> None:
        probe = self

        def timed(batches: pipeline.Batches) -> list[Checked]:
            if probe.gate and not getattr(batches, "gated", False):
                batches.stream = probe.gated(batches.stream)
                batches.gated = True  # type: ignore[attr-defined]
            c0, w0 = time.thread_time(), time.perf_counter()
            out = NEXT_BATCH(batches)
            probe.pump_cpu += time.thread_time() - c0
            probe.events.append(("pump", w0, time.perf_counter(), len(out)))
            return out

        async def ahead(batches: pipeline.Batches) -> AsyncGenerator[list[Checked], None]:
            async for batch in probe.ahead(batches):
                yield batch

        pipeline.Batches.next_batch = timed  # type: ignore[method-assign,assignment]
        pipeline.Batches.ahead = ahead  # type: ignore[method-assign,assignment]

    async def ahead(self, batches: pipeline.Batches) -> AsyncGenerator[list[Checked], None]:
        """The batches, the pump up to ``depth`` ahead in its own thread."""
        waiting: queue.Queue[list[Checked] | BaseException] = queue.Queue(maxsize=self.depth)

        def produce() -> None:
            try:
                while batch := batches.next_batch():
                    waiting.put(batch)
                waiting.put([])
            except BaseException as exc:  # handed to the loop
                waiting.put(exc)

        producer = asyncio.create_task(asyncio.to_thread(produce))
        while True:
            w0 = time.perf_counter()
            item = await asyncio.to_thread(waiting.get)
            self.loop_wait += time.perf_counter() - w0
            if isinstance(item, BaseException):
                raise item
            self.events.append(("got", w0, time.perf_counter(), len(item)))
            if not item:
                break
            yield item
        await producer

    def watch_selector(self) -> None:
        """Set ``idle`` while the running loop waits in its selector (private asyncio)."""
        selector: Any = asyncio.get_running_loop()._selector  # type: ignore[attr-defined]
        select = selector.select
        idle = self.idle

        def watched(timeout: float | None = None) -> Any:
            if timeout is not None and timeout <= 0:
                return select(timeout)
            idle.set()
            try:
                return select(timeout)
            finally:
                idle.clear()

        selector.select = watched

    def gated(self, stream: Iterator[Checked]) -> Iterator[Checked]:
        for item in stream:
            yield item
            self.idle.wait(0.002)


def ingest(path: Path, url: str, data_dir: Path, probe: Probe) -> dict[str, Any]:
    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker, upgrade
    from edi_gateway.submissions.ingest import ingest_paths

    asyncio.run(fresh_database(url))
    upgrade(url)

    async def run() -> dict[str, Any]:
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        if probe.gate:
            probe.watch_selector()
        c0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
        [outcome] = await ingest_paths(sm, Settings(data_dir=data_dir, database_url=url), [path])
        wall = time.perf_counter() - w0
        loop_cpu, cpu = time.thread_time() - c0, time.process_time() - p0
        await engine.dispose()
        return {
            "stored": outcome.submission.units_stored,
            "wall": wall,
            "loop_cpu": loop_cpu,
            "cpu": cpu,
            "start": w0,
        }

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default="depth=1", help="comma list: depth=N, gate")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--timeline", action="store_true", help="print each batch's times")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-overlap-"))
    path = tmp / "837p.x12"
    write_file(path, "837p", args.claims, seed=5)
    check_seconds(path)  # maps and guides loaded, as in a running worker
    print(f"{'variant':<10}{'check/s':>9}{'ingest/s':>10}{'ratio':>7}{'wall s':>8}"
          f"{'pump CPU':>10}{'loop CPU':>10}{'loop waits':>12}")  # fmt: skip
    for _ in range(args.rounds):
        for variant in args.variants.split(","):
            name, _, value = variant.partition("=")
            probe = Probe(depth=int(value or 1) if name == "depth" else 1, gate=name == "gate")
            probe.install()
            alone = check_seconds(path)
            res = ingest(path, args.postgres, tmp / "data", probe)
            assert res["stored"] == args.claims, res
            rate, base = args.claims / res["wall"], args.claims / alone
            print(
                f"{variant:<10}{base:>9,.0f}{rate:>10,.0f}{rate / base:>7.2f}{res['wall']:>8.2f}"
                f"{probe.pump_cpu:>10.2f}{res['loop_cpu']:>10.2f}{probe.loop_wait:>12.2f}"
            )
            if args.timeline:
                for kind, a, b, n in probe.events:
                    print(f"  {kind:<5}{a - res['start']:6.2f} -> {b - res['start']:6.2f}  {n}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:.0f} MB; seconds and CPU seconds for {args.claims:,} claims")
    print(json.dumps({"claims": args.claims, "rounds": args.rounds}))


if __name__ == "__main__":
    main()
