"""``edi-gateway codesets list`` and ``edi-gateway codesets import FILE``: the code lists
the validation uses, and new versions of them between releases (stored in the database,
so the service and every worker judge with them)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from mappings.codesets.catalog import CodeLists, ListInfo, current_lists
from mappings.codesets.importers import LISTS, ImportFormatError, parse_list_file

from ..cli_session import in_session
from ..commands import Subcommands
from ..errors import Problem


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def print_stale(infos: list[ListInfo], today: date) -> None:
    """One warning line on stderr per list past its scheduled update."""
    from mappings.codesets.catalog import stale_lists

    for info in stale_lists(infos, today):
        print(f"warning: {info.warning()}", file=sys.stderr)


def read_imported() -> tuple[CodeLists, list[ListInfo]]:
    """The imported lists and every list's description, from the gateway's database."""
    from .service import list_infos, load_code_lists

    async def both(session: Any) -> tuple[CodeLists, list[ListInfo]]:
        return await load_code_lists(session), await list_infos(session)

    result: tuple[CodeLists, list[ListInfo]] = asyncio.run(in_session(both))
    return result


def _row(info: ListInfo, today: date, current: bool) -> dict[str, Any]:
    due = info.next_update
    return {
        "name": info.name,
        "version": info.version,
        "origin": info.origin,
        "effective_from": info.effective_from.isoformat() if info.effective_from else None,
        "effective_to": info.effective_to.isoformat() if info.effective_to else None,
        "entries": info.entries,
        "source": info.source,
        "next_update": due.isoformat() if due else None,
        "current": current,
        "stale": current and info.stale(today),
    }


def list_command(args: argparse.Namespace) -> int:
    from .service import list_infos

    infos: list[ListInfo] = asyncio.run(in_session(list_infos))
    today = args.today or date.today()
    current = {id(i) for i in current_lists(infos)}
    rows = [_row(i, today, id(i) in current) for i in infos]
    if args.format == "json":
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            span = f"{r['effective_from'] or '-'} to {r['effective_to'] or '-'}"
            flag = " STALE" if r["stale"] else ("" if r["current"] else " (superseded)")
            print(
                f"{r['name']}\t{r['version']}\t{r['origin']}\t{span}\t{r['entries']} entries"
                f"\tnext update {r['next_update'] or 'none scheduled'}{flag}\t{r['source']}"
            )
    print_stale(infos, today)
    return 0


def import_command(args: argparse.Namespace) -> int:
    from .service import import_list

    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    data = path.read_bytes()
    try:
        parsed = parse_list_file(
            path.name, data, list_name=args.list, version=args.version, effective=args.effective
        )
    except ImportFormatError as exc:
        print(f"not imported: {exc}", file=sys.stderr)
        return 2

    async def store(session: Any) -> None:
        await import_list(session, parsed, data, path.name)

    try:
        asyncio.run(in_session(store))
    except Problem as exc:
        print(f"not imported: {exc}", file=sys.stderr)
        return 2
    until = parsed.effective_to.isoformat() if parsed.effective_to else "the next version"
    print(
        f"imported {parsed.name} {parsed.version}: {len(parsed.entries)} "
        f"code{'' if len(parsed.entries) == 1 else 's'}, for services "
        f"from {parsed.effective_from.isoformat()} to {until}"
    )
    return 0


def register(sub: Subcommands) -> None:
    p = sub.add_parser("codesets", help="code lists: list them, import a new version")
    psub = p.add_subparsers(dest="codesets_command", required=True)
    ls = psub.add_parser(
        "list", help="every code list: version, dates, entries, source, next update, STALE"
    )
    ls.add_argument("--format", choices=("text", "json"), default="text")
    ls.add_argument("--today", type=_day, help=argparse.SUPPRESS)
    ls.set_defaults(func=list_command)
    im = psub.add_parser(
        "import",
        help="import a publisher's file: icd10cm_order_YYYY.txt, HCPCYYYY_MON_ANWEB.txt, "
        "or a CARC/RARC CSV (code,description,start,stop)",
    )
    im.add_argument("file", metavar="FILE")
    im.add_argument("--list", choices=LISTS, help="which list (default: from the file name)")
    im.add_argument("--version", help="the version's name (default: from the file)")
    im.add_argument(
        "--effective", type=_day, help="first day of service it applies to (YYYY-MM-DD)"
    )
    im.set_defaults(func=import_command)
