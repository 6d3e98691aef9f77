"""The ``edi-gateway`` command line: validate, generate and serve."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from parsers import FileResult

if TYPE_CHECKING:
    from mappings.codesets.catalog import CodeLists

from .commands import Subcommands
from .validation.service import (
    acknowledgments,
    exit_code,
    result_dict,
    text_report,
    validate_file,
    validate_with_guide,
)


def _validate(args: argparse.Namespace) -> int:
    results: list[FileResult] = []
    verdicts: list[bool] = []
    if args.guide:
        from mappings.guides import GuideError, load_guide

        try:
            load_guide(args.guide)
        except GuideError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    lists = _code_lists(args.imported_lists)
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            return 2
        guided = (
            validate_with_guide(str(path), args.guide, code_lists=lists) if args.guide else None
        )
        result = guided.result if guided else validate_file(str(path))
        results.append(result)
        verdicts.append(guided.accepted if guided else result.accepted)
        if args.format == "json":
            print(json.dumps(result_dict(result, name, guided)))
        else:
            print(text_report(result, name, guided))
        if args.ack_out:
            out = Path(args.ack_out)
            out.mkdir(parents=True, exist_ok=True)
            acks = acknowledgments(result)
            if acks.ta1:
                (out / f"{path.name}.ta1").write_bytes(acks.ta1)
            if acks.x999:
                (out / f"{path.name}.999").write_bytes(acks.x999)
    return exit_code(results, verdicts)


def _code_lists(imported: bool) -> CodeLists | None:
    """The lists imported into the gateway's database (``--imported-lists``; else only the
    lists shipped with the release), with a warning line per list past its update."""
    from datetime import date

    from mappings.codesets.catalog import shipped_lists, stale_lists

    lists, infos = None, shipped_lists(count=False)  # dates only: no code is read
    if imported:
        from .codesets.cli import read_imported

        lists, infos = read_imported()
    for info in stale_lists(infos, date.today()):
        print(f"warning: {info.warning()}", file=sys.stderr)
    return lists


def _generate(args: argparse.Namespace) -> int:
    from parsers.generate import generate

    out = sys.stdout.buffer if args.output in (None, "-") else open(args.output, "wb")  # noqa: SIM115
    try:
        for chunk in generate(args.kind, args.count, args.seed):
            out.write(chunk)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from .config import get_settings
    from .db import upgrade

    url = get_settings().effective_database_url
    upgrade(url)
    print(f"database at the latest schema ({_safe_url(url)})")
    if not url.startswith("sqlite"):
        import asyncio

        from .jobs import apply_schema

        if asyncio.run(apply_schema(url)):
            print("job queue (procrastinate) tables created")
    return 0


def _worker(args: argparse.Namespace) -> int:
    import asyncio

    from .config import get_settings
    from .jobs import run_worker

    settings = get_settings()
    if settings.effective_database_url.startswith("sqlite"):
        print(
            "the worker needs PostgreSQL (EDI_GATEWAY_DATABASE_URL); with the embedded "
            "SQLite database, `edi-gateway serve` processes submissions itself",
            file=sys.stderr,
        )
        return 2
    import logging.config

    from .logsafe import log_config

    logging.config.dictConfig(log_config(settings.log_level))  # as `serve`: no tracebacks
    asyncio.run(run_worker(settings, args.concurrency))
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _ingest(args: argparse.Namespace) -> int:
    import asyncio

    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    return asyncio.run(_ingest_async(args, paths))


async def _ingest_async(args: argparse.Namespace, paths: list[Path]) -> int:
    import anyio

    from .config import get_settings
    from .db import make_engine, make_sessionmaker, upgrade
    from .submissions.ingest import UnknownPartner, ingest_paths, write_acknowledgments

    settings = get_settings()
    url = settings.effective_database_url
    await anyio.to_thread.run_sync(upgrade, url)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    try:
        outcomes = await ingest_paths(sessionmaker, settings, paths, args.partner)
    except UnknownPartner as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    code = 0
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    try:
        for o in outcomes:
            s = o.submission
            note = (
                " (already received; not stored again)"
                if o.repeated and not o.resumed
                else (" (resumed an unfinished run)" if o.resumed else "")
            )
            if args.format == "json":
                print(
                    json.dumps(
                        {
                            "file": str(o.path),
                            "submission_id": s.id,
                            "status": s.status,
                            "sha256": s.sha256,
                            "repeated": o.repeated,
                            "resumed": o.resumed,
                            "transaction_sets": {
                                "total": s.sets_total,
                                "accepted": s.sets_accepted,
                                "rejected": s.sets_rejected,
                            },
                            "units": {
                                "total": s.units_total,
                                "stored": s.units_stored,
                                "rejected": s.units_rejected,
                            },
                            "errors": o.errors,
                        }
                    )
                )
            else:
                print(
                    f"{o.path}: submission {s.id} {s.status.upper()}{note}: "
                    f"{s.sets_accepted}/{s.sets_total} transaction sets accepted, "
                    f"{s.units_stored} stored and {s.units_rejected} rejected of "
                    f"{s.units_total} claims/members/payments, {o.errors} errors"
                )
            if args.ack_out:
                out = Path(args.ack_out)
                out.mkdir(parents=True, exist_ok=True)
                await write_acknowledgments(sessionmaker, s.id, out, o.path.name)
            if s.status in ("rejected", "held") or s.units_rejected or o.errors:
                code = max(code, 1)
            if s.segments == 0 and s.status == "rejected":
                code = 2
    finally:
        await engine.dispose()
    return code


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .config import get_settings
    from .logsafe import log_config

    settings = get_settings()
    processes = args.processes or settings.serve_processes
    options = {
        "host": args.host or settings.host,
        "port": args.port or settings.port,
        # our own access log (no paths, no query strings) and levels; see logsafe
        "log_config": log_config(settings.log_level),
        "log_level": None,
        "access_log": False,
        "ssl_certfile": str(settings.tls_cert) if settings.tls_cert else None,
        "ssl_keyfile": str(settings.tls_key) if settings.tls_key else None,
    }
    if processes <= 1:
        from .app import create_app

        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return 0
    if settings.effective_queue != "procrastinate":
        print(
            "several serve processes need PostgreSQL and its job queue "
            "(EDI_GATEWAY_DATABASE_URL); with SQLite, submissions are processed inside the "
            "one serve process",
            file=sys.stderr,
        )
        return 2
    if settings.should_migrate:
        # once, before the processes start, not by each of them at the same time
        from .db import upgrade

        upgrade(settings.effective_database_url)
    os.environ["EDI_GATEWAY_AUTO_MIGRATE"] = "false"  # read by each process's settings
    # each process builds its app (its own pools, key cache and failed-attempt counts)
    uvicorn.run("edi_gateway.app:create_app", factory=True, workers=processes, **options)  # type: ignore[arg-type]
    return 0


def _submit(args: argparse.Namespace) -> int:
    from .submissions.client import submit

    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    verify: bool | str = args.ca_cert or not args.insecure
    return submit(path, args.url, args.key, args.wait, verify=verify)


def _guides(args: argparse.Namespace) -> int:
    from mappings.guides import GuideError, check_guide_file, list_guides, load_guide

    if args.guides_command in ("show", "check") and not args.target:
        what = "a guide name" if args.guides_command == "show" else "a guide YAML file"
        print(f"guides {args.guides_command} needs {what}", file=sys.stderr)
        return 2
    try:
        if args.guides_command == "list":
            for name in list_guides():
                g = load_guide(name)
                kind = (
                    "base (every partner)"
                    if g.base
                    else ("receivers " + ", ".join(g.receiver_ids) if g.receiver_ids else "plan")
                )
                print(
                    f"{name}\tv{g.version}\t{'/'.join(g.transactions)}\t{len(g.rules)} rules"
                    f"\t{kind}\t{g.title}"
                )
        elif args.guides_command == "show":
            g = load_guide(args.target)
            print(f"{g.name} v{g.version}: {g.title}")
            print(
                f"transactions: {', '.join(g.transactions)}; effective "
                f"{g.effective_from or '-'} to {g.effective_to or '-'}"
            )
            if g.acceptance_threshold:
                print(f"file acceptance threshold: {g.acceptance_threshold:.0%} of claims")
            for r in g.rules:
                where = r.applies_to.text if r.applies_to else r.scope
                print(f"  {r.id}  SNIP {r.snip}  {r.severity:<18} {where:<22} {r.title}")
        else:
            g = check_guide_file(Path(args.target))
            print(f"{args.target}: valid guide {g.name} v{g.version} with {len(g.rules)} rules")
    except GuideError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


def _guides_parser(sub: Subcommands) -> None:
    g = sub.add_parser("guides", help="companion guides: list, show, check")
    g.add_argument("guides_command", choices=("list", "show", "check"))
    g.add_argument("target", nargs="?", help="guide name (show) or YAML file (check)")
    g.set_defaults(func=_guides)


#: commands whose parsers live with their feature and import the database layer: built
#: only when that command is run, so ``--help``, ``validate``, ``generate`` and ``guides``
#: start without importing the web, database or queue libraries
_LAZY_COMMANDS = {
    "partners": ("edi_gateway.partners.cli", "trading partners and their API keys"),
    "forward": (
        "edi_gateway.forwarding.cli",
        "forward accepted encounters to a plan as 837 files",
    ),
    "answers": (
        "edi_gateway.forwarding.answers_cli",
        "plans' answers that matched nothing: list, re-match, release",
    ),
    "audit": ("edi_gateway.audit.cli", "the audit trail: export it as CSV"),
    "submissions": ("edi_gateway.submissions.cli", "submissions: run a failed one again"),
    "control-numbers": (
        "edi_gateway.submissions.control_numbers_cli",
        "the ISA13 of our next acknowledgment: show it, or start above another system's",
    ),
    "webhooks": (
        "edi_gateway.webhooks.cli",
        "webhooks: send pending deliveries now, retry failed",
    ),
    "codesets": (
        "edi_gateway.codesets.cli",
        "code lists: list them (version, dates, next update), import a new version",
    ),
    "report": (
        "edi_gateway.reports.cli",
        "the error-correction report of a submission or a file (HTML, CSV or JSON)",
    ),
}


def _lazy_command(sub: Subcommands, name: str, wanted: str | None) -> None:
    module, help_text = _LAZY_COMMANDS[name]
    if wanted is None or wanted == name:
        import importlib

        importlib.import_module(module).register(sub)
    else:
        sub.add_parser(name, help=help_text, add_help=False)


def _command_of(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; ``command`` (the one being run) decides which feature parsers
    are imported (every one when None, e.g. for documentation)."""
    parser = argparse.ArgumentParser(
        prog="edi-gateway",
        description="X12 5010 exchange for Medi-Cal managed care (834, 835, 837P/I/D).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate X12 files (SNIP 1-2) and write TA1/999")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.add_argument("--ack-out", metavar="DIR", help="write TA1 and 999 acknowledgments here")
    v.add_argument(
        "--guide",
        metavar="NAME",
        help="also apply this companion guide (and the base SNIP 3-6 guides)",
    )
    v.add_argument(
        "--imported-lists",
        action="store_true",
        help="judge with the code lists imported into the gateway's database "
        "(`codesets import`), not only those shipped",
    )
    v.set_defaults(func=_validate)

    g = sub.add_parser("generate", help="write a valid synthetic X12 file")
    g.add_argument("kind", choices=("834", "835", "837p", "837i", "837d"))
    g.add_argument("--count", type=int, default=10, help="claims, members or claim payments")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("-o", "--output", help="output file (default: standard output)")
    g.set_defaults(func=_generate)

    i = sub.add_parser("ingest", help="validate, store and acknowledge X12 files")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--partner", help="the trading partner the files come from")
    i.add_argument("--format", choices=("text", "json"), default="text")
    i.add_argument("--ack-out", metavar="DIR", help="also write the TA1/999 here")
    i.set_defaults(func=_ingest)

    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="run the migrations up to the latest schema")
    up.set_defaults(func=_db_upgrade)

    sm = sub.add_parser("submit", help="upload a file to a gateway and fetch the acks")
    sm.add_argument("file", metavar="FILE")
    sm.add_argument("--url", required=True, help="the gateway, e.g. https://gateway:8443")
    sm.add_argument("--key", required=True, help="your API key")
    sm.add_argument(
        "--wait", action="store_true", help="wait for the result and write the acks beside the file"
    )
    sm.add_argument("--ca-cert", help="CA bundle to trust for the gateway's certificate")
    sm.add_argument("--insecure", action="store_true", help="do not verify TLS (testing)")
    sm.set_defaults(func=_submit)

    w = sub.add_parser("worker", help="process submissions from the PostgreSQL job queue")
    w.add_argument("--concurrency", type=int, default=1)
    w.set_defaults(func=_worker)

    _lazy_command(sub, "partners", command)
    _guides_parser(sub)
    _lazy_command(sub, "report", command)
    _lazy_command(sub, "audit", command)
    _lazy_command(sub, "submissions", command)
    _lazy_command(sub, "control-numbers", command)
    _lazy_command(sub, "forward", command)
    _lazy_command(sub, "answers", command)
    _lazy_command(sub, "webhooks", command)
    _lazy_command(sub, "codesets", command)

    s = sub.add_parser("serve", help="run the HTTP service")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument(
        "--processes",
        type=int,
        help="processes answering on the port (default EDI_GATEWAY_SERVE_PROCESSES, 1); "
        "more than one needs PostgreSQL",
    )
    s.set_defaults(func=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_of(arguments) or "").parse_args(arguments)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
