"""``edi-gateway audit export``: the audit trail as CSV, for reviews and delegation audits."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli_session import in_session
from ..commands import Subcommands

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


async def _export(args: argparse.Namespace) -> str:
    from .service import AuditFilters, audit_csv, search_audit

    filters = AuditFilters(
        args.actor, args.action, args.object_type, args.object_id, args.since, args.until
    )

    async def rows(session: AsyncSession) -> str:
        found, _ = await search_audit(session, filters, args.limit)
        return audit_csv(found)

    return await in_session(rows)


def export(args: argparse.Namespace) -> int:
    text = asyncio.run(_export(args))
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {text.count(chr(10)) - 1} audit events to {args.output}", file=sys.stderr)
    return 0


def register(sub: Subcommands) -> None:
    p = sub.add_parser("audit", help="the audit trail: export it as CSV")
    psub = p.add_subparsers(dest="audit_command", required=True)
    e = psub.add_parser("export", help="write the audit trail as CSV, newest first")
    e.add_argument("--actor", help="partner name, or gateway (the command line)")
    e.add_argument("--action", help="read, search, export, submit, create, update...")
    e.add_argument("--object-type", help="encounter, member, work_item, partner, api_key...")
    e.add_argument("--object-id")
    e.add_argument("--since", type=_day, help="from this day (YYYY-MM-DD)")
    e.add_argument("--until", type=_day, help="to this day (YYYY-MM-DD)")
    e.add_argument("--limit", type=int, default=1_000_000)
    e.add_argument("-o", "--output", help="file to write (default: standard output)")
    e.set_defaults(func=export)
