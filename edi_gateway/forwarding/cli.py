"""`edi-gateway partners outbound set|show NAME` and `edi-gateway forward --plan NAME`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from ..audit import audit
from ..errors import Problem
from .settings import OutboundChange, OutboundView, get_outbound, set_outbound


async def _with_session(fn: Callable[[Any], Awaitable[int]]) -> int:
    from ..config import get_settings
    from ..db import make_engine, make_sessionmaker, upgrade

    settings = get_settings()
    if settings.should_migrate:
        await asyncio.to_thread(upgrade, settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return int(await fn(session))
    finally:
        await engine.dispose()


def run(fn: Callable[[Any], Awaitable[int]]) -> int:
    try:
        return asyncio.run(_with_session(fn))
    except Problem as exc:
        print(str(exc), file=sys.stderr)
        return 2


def describe(view: OutboundView) -> str:
    s = view.settings
    where = {"https": s.url, "directory": s.directory}.get(s.destination) or "kept for download"
    return "\n".join(
        [
            f"plan {view.plan}: outbound 837s",
            f"  ISA05/06 {s.sender_qualifier}/{s.sender_id}  GS02 {s.gs_sender_id}",
            f"  ISA07/08 {s.receiver_qualifier}/{s.receiver_id}  GS03 {s.gs_receiver_id}",
            f"  usage {s.usage}  guide {s.guide or '(base guides only)'}",
            f"  payer ids {', '.join(view.payer_ids) or '-'}",
            f"  limits {s.claims_per_set} claims/ST, {s.sets_per_file} STs/file, "
            f"{s.bytes_per_file} bytes/file",
            f"  destination {s.destination}: {where}",
            f"  scheduled {'every ' + str(s.every_minutes) + ' min' if s.every_minutes else 'no'}",
        ]
    )


def outbound(args: argparse.Namespace) -> int:
    async def go(session: Any) -> int:
        if args.outbound_command == "show":
            print(describe(await get_outbound(session, args.name)))
            return 0
        change = OutboundChange(
            receiver_id=args.receiver_id,
            sender_id=args.sender_id,
            payer_ids=args.payer_id,
            guide=args.guide,
            url=args.url,
            directory=args.dir,
            download=args.download,
            sender_qualifier=args.sender_qualifier,
            receiver_qualifier=args.receiver_qualifier,
            gs_sender_id=args.gs_sender_id,
            gs_receiver_id=args.gs_receiver_id,
            usage=args.usage,
            submitter_name=args.submitter_name,
            contact_name=args.contact_name,
            contact_email=args.contact_email,
            claims_per_set=args.claims_per_set,
            sets_per_file=args.sets_per_file,
            bytes_per_file=args.bytes_per_file,
            every_minutes=args.every_minutes,
        )
        view = await set_outbound(session, args.name, change)
        await audit(
            session, None, "update", "outbound_settings", str(view.settings.partner_id), "cli"
        )
        print(describe(view))
        return 0

    return run(go)


def register_outbound(psub: Any) -> None:
    o = psub.add_parser("outbound", help="a plan's outbound settings (forwarded 837s)")
    osub = o.add_subparsers(dest="outbound_command", required=True)
    show = osub.add_parser("show", help="print a plan's outbound settings")
    show.add_argument("name")
    show.set_defaults(func=outbound)
    s = osub.add_parser("set", help="set how 837s are forwarded to a plan")
    s.add_argument("name", help="the plan partner")
    s.add_argument("--receiver-id", required=True, metavar="ID", help="the plan's ISA08")
    s.add_argument("--sender-id", required=True, metavar="ID", help="our ISA06")
    s.add_argument(
        "--payer-id",
        action="append",
        metavar="ID",
        help="a 2010BB payer id (NM109) whose claims go to this plan (repeatable; "
        "replaces the list)",
    )
    s.add_argument("--guide", metavar="NAME", help="the plan's companion guide for 837s")
    where = s.add_mutually_exclusive_group()
    where.add_argument("--url", help="deliver by HTTPS POST to this URL (with retries)")
    where.add_argument("--dir", metavar="DIR", help="write files into this drop directory")
    where.add_argument("--download", action="store_true", help="keep files for download only")
    s.add_argument("--sender-qualifier", metavar="QQ", help="ISA05 (default ZZ)")
    s.add_argument("--receiver-qualifier", metavar="QQ", help="ISA07 (default ZZ)")
    s.add_argument("--gs-sender-id", metavar="ID", help="GS02 (default: the sender id)")
    s.add_argument("--gs-receiver-id", metavar="ID", help="GS03 (default: the receiver id)")
    s.add_argument("--usage", choices=("T", "P"), help="ISA15 usage indicator (default T)")
    s.add_argument("--submitter-name", help="1000A submitter name (us)")
    s.add_argument("--contact-name", help="1000A PER contact name")
    s.add_argument("--contact-email", help="1000A PER e-mail")
    s.add_argument("--claims-per-set", type=int, metavar="N", help="claims per ST (5000)")
    s.add_argument("--sets-per-file", type=int, metavar="N", help="STs per file (10)")
    s.add_argument("--bytes-per-file", type=int, metavar="N", help="bytes per file (50 MB)")
    s.add_argument(
        "--every-minutes", type=int, metavar="N", help="forward on a schedule every N minutes"
    )
    s.set_defaults(func=outbound)
