"""``edi-gateway control-numbers show|start N``: the interchange control number (ISA13)
the next TA1, 999 or 277CA gets, and starting them above the last one the previous
system sent (partners reject an interchange number they have seen)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..cli_session import run_in_session
from ..commands import Subcommands

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def show(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        from .control_numbers import next_control_number

        print(f"next acknowledgment ISA13: {await next_control_number(session):09d}")
        return 0

    return run_in_session(go)


def start(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        from ..audit import audit
        from .control_numbers import start_control_numbers_at

        before = await start_control_numbers_at(session, args.number, lower=args.lower)
        await audit(session, None, "update", "control_numbers", "ack", "cli")
        print(f"next acknowledgment ISA13: {args.number:09d} (was {before:09d})")
        return 0

    return run_in_session(go)


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "control-numbers",
        help="the ISA13 of our next acknowledgment: show it, or start above another system's",
    )
    psub = p.add_subparsers(dest="control_command", required=True)
    s = psub.add_parser("show", help="the ISA13 the next TA1, 999 or 277CA gets")
    s.set_defaults(func=show)
    st = psub.add_parser(
        "start",
        help="acknowledgments number from N on (above the last number your previous system "
        "sent: partners reject an interchange control number they have seen)",
    )
    st.add_argument("number", type=int, metavar="N")
    st.add_argument(
        "--lower",
        action="store_true",
        help="allow N below the next number (numbers already sent are sent again)",
    )
    st.set_defaults(func=start)
