"""``edi-gateway report SUBMISSION_ID|FILE``: the correction report as HTML, CSV or JSON.

A path to an existing file is checked on its own (no database, like ``validate --guide``);
anything else is a submission id looked up in the configured database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from ..cli_session import in_session
from ..commands import Subcommands
from .model import Report
from .render import render_csv, render_html, render_json

FORMATS = ("html", "csv", "json")
_BY_SUFFIX = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


async def _from_database(submission_id: str) -> Report:
    from ..config import get_settings
    from .service import build_report

    return await in_session(lambda session: build_report(session, get_settings(), submission_id))


def _render(report: Report, fmt: str) -> str:
    if fmt == "html":
        return render_html(report)
    if fmt == "csv":
        return render_csv(report)
    return json.dumps(render_json(report), indent=2, ensure_ascii=False) + "\n"


def report(args: argparse.Namespace) -> int:
    from mappings.guides import GuideError

    from .service import ReportNotFound, report_for_file

    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = _BY_SUFFIX.get(suffix, "json")
    target = Path(args.target)
    try:
        if target.is_file():
            lists = None
            if args.imported_lists:
                from ..codesets.cli import read_imported

                lists, _ = read_imported()
            result = report_for_file(target, args.guide, code_lists=lists)
        else:
            if args.guide:
                print(
                    f"{args.target}: no such file; --guide applies to files only (a stored "
                    "submission is reported with the guides it was checked with)",
                    file=sys.stderr,
                )
                return 2
            result = asyncio.run(_from_database(args.target))
    except GuideError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except ReportNotFound:
        print(f"{args.target}: no such file, and no submission with that id", file=sys.stderr)
        return 2
    text = _render(result, fmt)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        print(f"wrote the {fmt.upper()} report to {args.output}", file=sys.stderr)
    return 0


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "report",
        help="the error-correction report of a submission or a file (HTML, CSV or JSON)",
        description=(
            "Write the correction report a billing office uses to fix and resubmit claims. "
            "TARGET is a file (checked on its own, without the database) or the id of a "
            "stored submission."
        ),
    )
    p.add_argument("target", metavar="SUBMISSION_ID|FILE")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the -o suffix, else json)",
    )
    p.add_argument(
        "--guide",
        metavar="NAME",
        help="file mode: also apply this companion guide (the base guides always apply)",
    )
    p.add_argument(
        "--imported-lists",
        action="store_true",
        help="file mode: judge codes with the lists imported into the database "
        "(`codesets import`), not only those shipped",
    )
    p.add_argument("-o", "--output", metavar="OUT", help="write here (default: standard output)")
    p.set_defaults(func=report)
