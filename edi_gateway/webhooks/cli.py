"""``edi-gateway webhooks deliver``: ops' flush of webhook deliveries, now, from any
machine that reaches the database (whatever their schedule; failed ones with --failed)."""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from typing import Any


async def _deliver(ids: list[int], failed: bool) -> int:
    from ..config import get_settings
    from ..db import make_engine, make_sessionmaker, upgrade
    from .delivery import deliver_now

    settings = get_settings()
    if settings.should_migrate:
        await asyncio.to_thread(upgrade, settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        outcomes = await deliver_now(make_sessionmaker(engine), settings, ids or None, failed)
    finally:
        await engine.dispose()
    for o in outcomes:
        if o.status == "skipped":
            print(f"delivery {o.delivery_id}: skipped (being sent by another process)")
            continue
        answer = o.error or f"HTTP {o.status_code}"
        when = (
            f", next attempt {o.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC" if o.next_attempt_at else ""
        )
        print(
            f"delivery {o.delivery_id}: attempt {o.attempt}: {answer} "
            f"in {o.duration_ms:.0f} ms: {o.status}{when}"
        )
    counts = Counter(o.status for o in outcomes)
    if not outcomes:
        print("no deliveries to send")
        return 0
    print(
        f"{counts['delivered']} delivered, {counts['pending']} to be tried again, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )
    return 0 if counts["delivered"] == len(outcomes) else 1


def deliver(args: argparse.Namespace) -> int:
    return asyncio.run(_deliver(args.id or [], args.failed))


def register(sub: Any) -> None:
    p = sub.add_parser("webhooks", help="webhooks: send pending deliveries now, retry failed")
    psub = p.add_subparsers(dest="webhooks_command", required=True)
    d = psub.add_parser(
        "deliver",
        help="one attempt now for every pending delivery, whatever its schedule; exit 1 "
        "when any is not delivered",
    )
    d.add_argument("--failed", action="store_true", help="failed deliveries get one more try")
    d.add_argument("--id", type=int, action="append", metavar="DELIVERY", help="only this delivery")
    d.set_defaults(func=deliver)
