"""The work queue and the statistics at scale, on PostgreSQL.

    .venv/bin/python benchmarks/bench_queue.py [--claims 1000000] [--items 50000]
                                               [--postgres URL]

Fills a fresh database (the URL's database is emptied) with synthetic rows written
straight to the tables: 40 providers, 3 plans, 5,000-claim 837P files over a year
(``--claims`` claims in all, 5% rejected; the statistics read the per-set counts), one
835 per file paying each claim (``--claims`` claim payments, 5% denied with a CARC) and
``--items`` open work items (with the per-835 denial counts the remittance writer
keeps); then asks the API in-process (httpx.ASGITransport, no network) for filtered
queue pages, a queue search by a provider and ``/v1/stats`` for ops and for a
provider, then the console's dashboard and queue pages (signed in with a session cookie),
30 times each, and prints p50/p95 against ``/healthz`` measured the same way in the same
run. Target: p95 under 200 ms for the queue page and the statistics.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edi_gateway.config import Settings  # noqa: E402
from edi_gateway.db import bulk_insert, make_engine, table_of, upgrade  # noqa: E402
from edi_gateway.models import (  # noqa: E402
    ClaimPaymentRow,
    Partner,
    Payment,
    PaymentAdjustment,
    PaymentDenialCode,
    StoredFile,
    Submission,
    TransactionSet,
    WorkItem,
)
from edi_gateway.partners.service import create_partner  # noqa: E402

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
RULES = ["R12-npi", "R22-lag-line", "R46-eligible", "DUP", "R31-dx", "R40-pos", "R18-tob"]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def _reset(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=5)
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await conn.close()


async def _fill(url: str, claims: int, items: int) -> tuple[dict[str, str], float]:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    engine = make_engine(url)
    keys: dict[str, str] = {}
    start = time.perf_counter()
    async with async_sessionmaker(engine)() as s, s.begin():
        for i in range(40):
            _, keys[f"clinic{i}"] = await create_partner(
                s, f"clinic{i}", "provider", [f"SUBMIT{i:04d}"], None
            )
        for i in range(3):
            _, keys[f"plan{i}"] = await create_partner(s, f"plan{i}", "plan", [f"PLAN{i}"], None)
        _, keys["ops"] = await create_partner(s, "ops", "ops", [], None)
    async with engine.begin() as conn:
        ids = {
            name: int(pid)
            for name, pid in (
                await conn.execute(Partner.__table__.select().with_only_columns(
                    Partner.name, Partner.id
                ))
            ).all()
        }  # fmt: skip
        rng = random.Random(7)
        per_file = 5000
        files = max(1, claims // per_file)
        now = datetime.now(UTC)
        subs, sets, stored = [], [], []
        for n in range(files):
            sid = uuid.uuid4().hex
            sha = f"{n:064x}"
            clinic = n % 40
            received = now - timedelta(days=rng.randrange(365), seconds=rng.randrange(86400))
            rejected = int(per_file * 0.05)
            stored.append((sha, 1000, f"x/{sha}"))
            subs.append(
                (sid, sha, ids[f"clinic{clinic}"], "api", "completed", received, 1000, "837P",
                 1, 1, 0, per_file, per_file - rejected, rejected)
            )  # fmt: skip
            sets.append(
                (sid, 1, "1", "1", "1", f"SUBMIT{clinic:04d}", f"PLAN{n % 3}",
                 f"SUBMIT{clinic:04d}", f"PLAN{n % 3}", "837P", "005010X222A1", "stored",
                 per_file, per_file - rejected, rejected, 1)
            )  # fmt: skip
        await bulk_insert(conn, table_of(StoredFile), ("sha256", "size", "path"), stored)
        await bulk_insert(
            conn,
            table_of(Submission),
            ("id", "sha256", "partner_id", "source", "status", "received_at", "size",
             "transaction_type", "sets_total", "sets_accepted", "sets_rejected",
             "units_total", "units_stored", "units_rejected"),
            subs,
        )  # fmt: skip
        await bulk_insert(
            conn,
            table_of(TransactionSet),
            ("submission_id", "ordinal", "isa_control_number", "gs_control_number",
             "st_control_number", "sender_id", "receiver_id", "gs_sender_id", "gs_receiver_id",
             "transaction_type", "version",
             "status", "units", "units_stored", "units_rejected", "line"),
            sets,
        )  # fmt: skip
        rows = []
        for n in range(items):
            sub = subs[n % len(subs)]
            created = sub[5] + timedelta(minutes=5)
            rows.append(
                ("rejected_by_gateway", "claim", "open", sub[2], ids[f"plan{n % 3}"], sub[0],
                 "837P", 1, 21, f"CLM{n:08d}", f"9{n:07d}A", "1234567893",
                 date(2026, 1, 1) + timedelta(days=n % 300), Decimal("125.00"), (),
                 RULES[n % len(RULES)], "R", created, created)
            )  # fmt: skip
        await bulk_insert(
            conn,
            table_of(WorkItem),
            ("kind", "subject", "state", "partner_id", "plan_partner_id", "submission_id",
             "transaction_type", "set_ordinal", "line", "claim_id", "member_id", "billing_npi",
             "service_date", "amount", "findings", "rule_id", "code", "created_at",
             "updated_at"),
            rows,
        )  # fmt: skip
        # the plans' 835s: one payment per file, a claim payment per claim, 5% denied
        set_ids = [
            int(i)
            for (i,) in (
                await conn.execute(TransactionSet.__table__.select().with_only_columns(
                    TransactionSet.id
                ).order_by(TransactionSet.id))
            ).all()
        ]  # fmt: skip
        payments = [
            (subs[k][0], set_ids[k], ids[f"plan{k % 3}"], f"PLAN{k % 3}", f"SUBMIT{k % 40:04d}",
             "I", Decimal("1000.00"), subs[k][5].date(), f"Plan {k % 3}")
            for k in range(len(subs))
        ]  # fmt: skip
        await bulk_insert(
            conn,
            table_of(Payment),
            ("submission_id", "transaction_set_id", "partner_id", "sender_id", "receiver_id",
             "handling_code", "total_paid", "payment_date", "payer_name"),
            payments,
        )  # fmt: skip
        pay_ids = [
            int(i)
            for (i,) in (
                await conn.execute(Payment.__table__.select().with_only_columns(Payment.id))
            ).all()
        ]
        paid, adjustments = [], []
        for n in range(claims):
            denied = n % 20 == 0
            paid.append(
                (pay_ids[n // per_file % len(pay_ids)], f"CLM{n:08d}", "4" if denied else "1",
                 Decimal("125.00"), Decimal("0") if denied else Decimal("100.00"))
            )  # fmt: skip
        await bulk_insert(
            conn,
            table_of(ClaimPaymentRow),
            ("payment_id", "claim_id", "status_code", "charge", "paid"),
            paid,
        )
        first = int(
            (
                await conn.execute(
                    ClaimPaymentRow.__table__.select().with_only_columns(ClaimPaymentRow.id)
                    .order_by(ClaimPaymentRow.id).limit(1)
                )
            ).scalar_one()
        )  # fmt: skip
        for n in range(0, claims, 20):
            reason = ("16", "197", "96", "29")[n // 20 % 4]
            adjustments.append((first + n, "CO", reason, Decimal("125.00")))
        await bulk_insert(
            conn,
            table_of(PaymentAdjustment),
            ("claim_payment_id", "group_code", "reason_code", "amount"),
            adjustments,
        )
        # what the remittance writer keeps per 835 (the statistics read these)
        per_payment: dict[int, list[int]] = {}
        codes: dict[tuple[int, str], int] = {}
        for n, (pay, _claim, status, _charge, _paid) in enumerate(paid):
            counts = per_payment.setdefault(pay, [0, 0])
            counts[0] += 1
            if status == "4":
                counts[1] += 1
                key = (pay, "CO-" + ("16", "197", "96", "29")[n // 20 % 4])
                codes[key] = codes.get(key, 0) + 1
        for pay, (count, denied) in per_payment.items():
            await conn.execute(
                Payment.__table__.update()
                .where(Payment.id == pay)
                .values(claims_count=count, claims_denied=denied)
            )
        await bulk_insert(
            conn,
            table_of(PaymentDenialCode),
            ("payment_id", "carc", "claims"),
            [(pay, code, n) for (pay, code), n in codes.items()],
        )
        await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return keys, time.perf_counter() - start


async def _measure(url: str, keys: dict[str, str], runs: int) -> list[tuple[str, float, float]]:
    from edi_gateway.app import create_app

    settings = Settings(database_url=url, queue="inprocess", data_dir=Path("/tmp/bench-queue"))
    app = create_app(settings)
    out = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            ops = {"Authorization": f"Bearer {keys['ops']}"}
            clinic = {"Authorization": f"Bearer {keys['clinic7']}"}
            asks = [
                ("GET /healthz (baseline)", "/healthz", {}, {}),
                ("queue: open, partner, 50", "/v1/rejections",
                 {"state": "open", "partner": "clinic3", "limit": 50}, ops),
                ("queue: rule, age>=30 d", "/v1/rejections",
                 {"rule_id": "R46-eligible", "min_age_days": 30}, ops),
                ("queue: a provider's own", "/v1/rejections", {"state": "open"}, clinic),
                ("queue: claim id", "/v1/rejections", {"claim_id": "CLM00012345"}, ops),
                ("stats: ops, month", "/v1/stats", {}, ops),
                ("stats: provider, week", "/v1/stats", {"period": "week"}, clinic),
            ]  # fmt: skip
            for label, path, params, headers in asks:
                times = []
                for _ in range(runs):
                    t = time.perf_counter()
                    r = await c.get(path, params=params, headers=headers)
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200, (path, r.text[:200])
                out.append((label, _pct(times, 0.5), _pct(times, 0.95)))
        # the console's pages (HTML from the same services), signed in with a cookie
        browsers = {}
        for who in ("ops", "clinic7"):
            browsers[who] = httpx.AsyncClient(transport=transport, base_url="http://bench")
            await _sign_in(browsers[who], keys[who])
        pages = [
            ("console: dashboard, ops", "/console", {}, "ops"),
            ("console: dashboard, provider", "/console", {}, "clinic7"),
            ("console: queue, open, partner", "/console/queue",
             {"state": "open", "partner": "clinic3"}, "ops"),
            ("console: queue, a provider's", "/console/queue", {"open": "1"}, "clinic7"),
        ]  # fmt: skip
        for label, path, params, who in pages:
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                r = await browsers[who].get(path, params=params)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, (path, r.text[:200])
            out.append((label, _pct(times, 0.5), _pct(times, 0.95)))
        for browser in browsers.values():
            await browser.aclose()
    return out


async def _sign_in(client: httpx.AsyncClient, key: str) -> None:
    form = await client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text[:200]
    done = await client.post(
        "/console/sign-in", data={"csrf_token": token.group(1), "api_key": key}
    )
    assert done.status_code == 303, done.text[:200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    args = parser.parse_args()
    asyncio.run(_reset(args.postgres))
    upgrade(args.postgres)
    keys, took = asyncio.run(_fill(args.postgres, args.claims, args.items))
    print(
        f"filled {args.claims:,} claims (as per-set counts) and {args.claims:,} claim payments "
        f"({args.claims // 20:,} denied) and {args.items:,} open items in {took:.1f} s"
    )
    rows = asyncio.run(_measure(args.postgres, keys, args.runs))
    base = rows[0][2]
    print(f"{'request':<30}{'p50 ms':>9}{'p95 ms':>9}{'p95 / baseline':>16}")
    for label, p50, p95 in rows:
        print(f"{label:<30}{p50:>9.1f}{p95:>9.1f}{p95 / base:>16.1f}")
    worst = max(p95 for label, _, p95 in rows[1:])
    print(f"worst p95 {worst:.1f} ms: {'under' if worst < 200 else 'OVER'} the 200 ms target")


if __name__ == "__main__":
    main()
