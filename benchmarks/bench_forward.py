"""How fast are accepted encounters forwarded to a plan? (issue 17)

    .venv/bin/python benchmarks/bench_forward.py [--claims 20000] [--postgres URL]

Ingests one generated 837P of ``--claims`` claims (the baseline: claims/s of the inbound
path, parse + check + store, in the same run), then forwards them to the plan with its
companion guide (load the stored records, write the 837s within the plan's limits, check
each file with SNIP 1-2 and the guide, store it, link every claim), and answers them with
a 277CA accepting every claim (matched and applied claim by claim). Prints claims/s of
each step, their ratio to ingest, and the outbound files' sizes. SQLite by default
(a temporary file), or a fresh PostgreSQL database with ``--postgres``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.generate import write_file  # noqa: E402


async def run(claims: int, url: str | None, work: Path) -> dict[str, float]:
    from sqlalchemy import func, select

    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker, upgrade
    from edi_gateway.forwarding.service import forward
    from edi_gateway.forwarding.settings import OutboundChange, set_outbound
    from edi_gateway.jobs import apply_schema
    from edi_gateway.models import ForwardedClaim, ForwardingBatch
    from edi_gateway.partners.service import create_partner
    from edi_gateway.submissions.ingest import ingest_paths
    from parsers.ack277 import ClaimAck, SetAck, build_277ca

    url = url or f"sqlite+aiosqlite:///{work / 'bench.sqlite'}"
    settings = Settings(data_dir=work / "data", database_url=url, queue="inprocess")
    await asyncio.to_thread(upgrade, url)
    if url.startswith("postgresql"):
        await apply_schema(url)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    path = work / "claims.x12"
    write_file(path, "837p", claims, seed=11)
    sender = path.read_bytes()[35:50].decode().strip()
    async with sm() as s, s.begin():
        await create_partner(s, "clinic", "provider", [sender], None)
        await create_partner(s, "goldplan", "plan", ["GPHP1EDI"], None)
        await set_outbound(
            s,
            "goldplan",
            OutboundChange(
                receiver_id="GPHP1EDI",
                sender_id="OURMSO",
                payer_ids=["GPHP1"],
                guide="medi-cal-encounters-837",
            ),
        )
    out: dict[str, float] = {}
    start = time.perf_counter()
    await ingest_paths(sm, settings, [path], "clinic")
    out["ingest_s"] = time.perf_counter() - start

    start = time.perf_counter()
    async with sm() as s, s.begin():
        result = await forward(s, settings, "goldplan")
    out["forward_s"] = time.perf_counter() - start
    out["forwarded"] = result.claims
    out["held_back"] = len(result.held_back)
    out["files"] = len(result.files)
    out["bytes"] = sum(len(f.written.data) for f in result.files)
    out["inbound_bytes"] = path.stat().st_size

    # the plan's 277CA accepting every claim, through the same pipeline as any file
    async with sm() as s:
        rows = (
            await s.execute(
                select(ForwardedClaim.st_control, ForwardedClaim.claim_id, ForwardedClaim.charge)
            )
        ).all()
    sets: dict[str, list[ClaimAck]] = {}
    for st, claim_id, charge in rows:
        sets.setdefault(st, []).append(
            ClaimAck(claim_id, True, str(charge), dt.date(2026, 9, 1), None, "A", "B",
                     "90000000A", "1234567893", "CLINIC", "PLN" + claim_id[-12:])
        )  # fmt: skip
    now = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    answer = build_277ca(
        [SetAck(st, "OURMSO", "MSO", "GPHP1EDI", "PLAN", now.date(), now.date(), tuple(c))
         for st, c in sets.items()],
        sender_qualifier="ZZ", sender_id="GPHP1EDI", receiver_qualifier="ZZ",
        receiver_id="OURMSO", control_number=77, now=now, usage="T",
    )  # fmt: skip
    answer_path = work / "answer.x12"
    answer_path.write_bytes(answer)
    start = time.perf_counter()
    await ingest_paths(sm, settings, [answer_path], "goldplan")
    out["answer_s"] = time.perf_counter() - start
    async with sm() as s:
        out["accepted_by_plan"] = (
            await s.execute(
                select(func.count())
                .select_from(ForwardedClaim)
                .where(ForwardedClaim.state == "accepted_by_plan")
            )
        ).scalar_one()
        out["batches"] = (
            await s.execute(select(func.count()).select_from(ForwardingBatch))
        ).scalar_one()
    await engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL URL (a fresh database)")
    args = parser.parse_args()
    url = None
    if args.postgres:
        from pg_support import fresh_database

        asyncio.run(fresh_database(args.postgres))
        url = args.postgres
    with tempfile.TemporaryDirectory() as tmp:
        r = asyncio.run(run(args.claims, url, Path(tmp)))
    n = args.claims
    ingest = n / r["ingest_s"]
    for label, key in (("ingest (baseline)", "ingest_s"), ("forward", "forward_s"),
                       ("277CA answer", "answer_s")):  # fmt: skip
        rate = n / r[key]
        print(f"{label:18} {r[key]:8.2f} s {rate:9.0f} claims/s  x{rate / ingest:.2f} of ingest")
    print(
        f"forwarded {int(r['forwarded'])} claims ({int(r['held_back'])} held back) in "
        f"{int(r['files'])} file(s), {int(r['bytes'])} bytes ({r['bytes'] / n:.0f} per claim; "
        f"inbound {r['inbound_bytes'] / n:.0f} per claim); {int(r['accepted_by_plan'])} "
        f"accepted by the plan's 277CA"
    )


if __name__ == "__main__":
    main()
