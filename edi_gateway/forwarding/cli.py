"""`edi-gateway partners outbound set|show NAME` and `edi-gateway forward --plan NAME`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from ..audit import audit
from ..cli_session import run_in_session
from ..errors import Problem
from .settings import OutboundChange, OutboundView, get_outbound, set_outbound


def run(fn: Callable[[Any], Awaitable[int]]) -> int:
    """The command's work in one transaction (``cli_session.run_in_session``)."""
    return run_in_session(fn)


def describe(view: OutboundView) -> str:
    s = view.settings
    where = {"https": s.url, "directory": s.directory}.get(s.destination) or "kept for download"
    return "\n".join(
        [
            f"plan {view.plan}: outbound 837s",
            f"  ISA05/06 {s.sender_qualifier}/{s.sender_id}  GS02 {s.gs_sender_id}",
            f"  ISA07/08 {s.receiver_qualifier}/{s.receiver_id}  GS03 {s.gs_receiver_id}",
            f"  usage {s.usage}  guides "
            + (", ".join(f"{t} {g}" for t, g in sorted(view.guides.items())) or "(base only)"),
            f"  payer ids {', '.join(view.payer_ids) or '-'}",
            f"  limits {s.claims_per_set} claims/ST, {s.sets_per_file} STs/file, "
            f"{s.bytes_per_file} bytes/file",
            f"  destination {s.destination}: {where}",
            f"  scheduled {'every ' + str(s.every_minutes) + ' min' if s.every_minutes else 'no'}",
            f"  next ISA13 {view.next_control:09d}"
            + (
                f" (files start at {s.first_interchange_control:09d})"
                if s.first_interchange_control
                else ""
            ),
            f"  auth {s.auth}"
            + (f" (secret in ${s.auth_env})" if s.auth_env else "")
            + (f"  client certificate {s.client_cert}" if s.client_cert else "")
            + (f"  CA bundle {s.ca_file}" if s.ca_file else ""),
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
            first_interchange_control=args.first_control,
            auth=args.auth,
            auth_env=args.auth_env,
            client_cert=args.client_cert,
            client_key=args.client_key,
            ca_file=args.ca_file,
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
    s.add_argument(
        "--first-control",
        type=int,
        metavar="N",
        help="ISA13 of the files to this plan start at N (the last file's + 1 when higher): "
        "set it above the last number your previous system sent the plan",
    )
    s.add_argument(
        "--auth", choices=("none", "bearer", "basic"), help="HTTPS delivery authentication"
    )
    s.add_argument(
        "--auth-env",
        metavar="VAR",
        help="environment variable holding the bearer token or user:password (never stored)",
    )
    s.add_argument("--client-cert", metavar="PEM", help="mutual TLS client certificate ('' clears)")
    s.add_argument("--client-key", metavar="PEM", help="its private key")
    s.add_argument("--ca-file", metavar="PEM", help="the plan's CA bundle (private CA)")
    s.set_defaults(func=outbound)


def _summary(result: Any, delivered: dict[int, str]) -> list[str]:
    verb = "would forward" if result.dry_run else "forwarded"
    lines = [f"plan {result.plan}: {verb} {result.claims} claim(s) in {len(result.files)} file(s)"]
    for n, out in enumerate(result.files):
        w = out.written
        batch = f"batch {result.batch_ids[n]}: " if result.batch_ids else ""
        status = delivered.get(result.batch_ids[n], "") if result.batch_ids else ""
        lines.append(
            f"  {batch}{w.guide} ISA13 {out.interchange_control:09d}, {len(w.st_controls)} "
            f"set(s), {len(out.placed)} claim(s), {len(w.data)} bytes"
            + (f", {status}" if status else "")
        )
    if result.held_back:
        lines.append(f"held back {len(result.held_back)} claim(s) that the plan's guide rejects:")
        for held in result.held_back:
            lines.append(f"  encounter {held.candidate.encounter_id}: {'; '.join(held.reasons)}")
    return lines


def forward_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..config import get_settings
    from ..db import make_engine, make_sessionmaker, upgrade
    from .delivery import deliver, undelivered
    from .service import forward

    async def go() -> int:
        settings = get_settings()
        if settings.should_migrate:
            await asyncio.to_thread(upgrade, settings.effective_database_url)
        engine = make_engine(settings.effective_database_url)
        try:
            sessionmaker = make_sessionmaker(engine)
            retry: list[int] = []
            async with sessionmaker() as session, session.begin():
                result = await forward(session, settings, args.plan, dry_run=args.dry_run)
                if not args.dry_run:
                    await audit(
                        session,
                        None,
                        "forward",
                        "forwarding_batch",
                        ",".join(str(b) for b in result.batch_ids) or None,
                        f"cli: plan {result.plan}, {result.claims} claims",
                    )
                    retry = [
                        b
                        for b in await undelivered(session, result.plan_partner_id)
                        if b not in result.batch_ids
                    ]
            if args.output:
                target = Path(args.output)
                target.mkdir(parents=True, exist_ok=True)
                for out in result.files:
                    name = f"{result.plan}_{out.written.guide}_{out.interchange_control:09d}.x12"
                    (target / name).write_bytes(out.written.data)
            delivered: dict[int, str] = {}
            if not args.dry_run:
                for batch_id in [*result.batch_ids, *retry]:
                    delivered[batch_id] = await deliver(sessionmaker, settings, batch_id)
            print("\n".join(_summary(result, delivered)))
            return 1 if any(s == "failed" for s in delivered.values()) else 0
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except Problem as exc:
        print(str(exc), file=sys.stderr)
        return 2


def register(sub: Any) -> None:
    f = sub.add_parser("forward", help="forward accepted encounters to a plan as 837 files")
    f.add_argument("--plan", required=True, metavar="NAME", help="the plan partner")
    f.add_argument(
        "--dry-run", action="store_true", help="write and check the files, store nothing"
    )
    f.add_argument("-o", "--output", metavar="DIR", help="also write the files here")
    f.set_defaults(func=forward_command)
