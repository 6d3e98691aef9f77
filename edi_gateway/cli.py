"""The ``edi-gateway`` command line: validate, generate and serve."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parsers import FileResult

from .validation.service import acknowledgments, exit_code, result_dict, text_report, validate_file


def _validate(args: argparse.Namespace) -> int:
    results: list[FileResult] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            return 2
        result = validate_file(str(path))
        results.append(result)
        if args.format == "json":
            print(json.dumps(result_dict(result, name)))
        else:
            print(text_report(result, name))
        if args.ack_out:
            out = Path(args.ack_out)
            out.mkdir(parents=True, exist_ok=True)
            acks = acknowledgments(result)
            if acks.ta1:
                (out / f"{path.name}.ta1").write_bytes(acks.ta1)
            if acks.x999:
                (out / f"{path.name}.999").write_bytes(acks.x999)
    return exit_code(results)


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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .config import get_settings

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edi-gateway",
        description="X12 5010 exchange for Medi-Cal managed care (834, 835, 837P/I/D).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate X12 files (SNIP 1-2) and write TA1/999")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.add_argument("--ack-out", metavar="DIR", help="write TA1 and 999 acknowledgments here")
    v.set_defaults(func=_validate)

    g = sub.add_parser("generate", help="write a valid synthetic X12 file")
    g.add_argument("kind", choices=("834", "835", "837p", "837i", "837d"))
    g.add_argument("--count", type=int, default=10, help="claims, members or claim payments")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("-o", "--output", help="output file (default: standard output)")
    g.set_defaults(func=_generate)

    s = sub.add_parser("serve", help="run the HTTP service")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
