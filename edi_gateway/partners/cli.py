"""`edi-gateway partners ...`: create partners and manage their API keys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..audit import audit
from ..cli_session import run_in_session
from ..commands import Subcommands
from ..models import Partner
from . import service
from .guides import GUIDE_TYPES, guides_of, remove_guide, set_guide, set_guides
from .service import (
    ROLES,
    PartnerError,
    add_providers,
    create_partner,
    issue_key,
    keys_of,
    partner_by_name,
    providers_of,
    remove_providers,
    revoke_keys,
    rotate_key,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def create(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        partner, key = await create_partner(
            session, args.name, args.role, args.sender_id or [], args.npi or []
        )
        for guide in args.guide or []:
            await set_guides(session, partner, guide)
        await audit(
            session,
            None,
            "create",
            "partner",
            str(partner.id),
            f"cli: partner {partner.name} role {partner.role}",
        )
        print(f"created partner {partner.name} ({partner.role})")
        print(f"API key (shown once, store it now): {key}")
        return 0

    return run_in_session(go)


def list_partners(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        for listed in await service.list_partners(session):
            p, ids, npis = listed.partner, listed.identifiers, listed.npis
            print(
                f"{p.name}\t{p.role}\tsender ids: {', '.join(ids) or '-'}\t"
                f"billing NPIs: {', '.join(npis) or '-'}\tguides: {_guides_text(listed.guides)}"
            )
        return 0

    return run_in_session(go)


def _guides_text(guides: Mapping[str, str]) -> str:
    return ", ".join(f"{t} {g}" for t, g in guides.items()) or "-"


async def _partner(session: AsyncSession, name: str) -> Partner:
    partner = await partner_by_name(session, name)
    if partner is None:
        raise PartnerError(f"no partner named {name!r}")
    return partner


def keys(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        partner = await _partner(session, args.name)
        if args.keys_command == "list":
            for k in await keys_of(session, partner.id):
                state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
                print(f"{k.prefix}...\tcreated {k.created_at:%Y-%m-%d %H:%M}\t{state}")
        elif args.keys_command == "create":
            print(f"API key (shown once, store it now): {await issue_key(session, partner.id)}")
            await audit(session, None, "create", "api_key", str(partner.id), "cli")
        elif args.keys_command == "rotate":
            key = await rotate_key(session, partner.id)
            await audit(session, None, "rotate", "api_key", str(partner.id), "cli")
            print("previous keys revoked")
            print(f"API key (shown once, store it now): {key}")
        elif args.keys_command == "revoke":
            n = await revoke_keys(session, partner.id, args.prefix)
            await audit(
                session,
                None,
                "revoke",
                "api_key",
                str(partner.id),
                f"cli: {n} key(s){' prefix ' + args.prefix if args.prefix else ''}",
            )
            print(f"revoked {n} key(s)")
            if n == 0:
                return 1
        return 0

    return run_in_session(go)


def providers(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        partner = await _partner(session, args.name)
        if args.providers_command == "add":
            added = await add_providers(session, partner, args.npi)
            detail = f"cli: added {', '.join(added) or 'none'}"
        elif args.providers_command == "remove":
            n = await remove_providers(session, partner, args.npi)
            detail = f"cli: removed {n}"
            if n == 0:
                print("none of those NPIs is listed on the partner", file=sys.stderr)
                return 1
        else:
            print("\n".join(await providers_of(session, partner.id)) or "no billing NPIs listed")
            return 0
        await audit(session, None, "update", "partner_providers", str(partner.id), detail)
        listed = await providers_of(session, partner.id)
        print(f"{partner.name}: billing NPIs {', '.join(listed) or '-'}")
        return 0

    return run_in_session(go)


def guides(args: argparse.Namespace) -> int:
    async def go(session: AsyncSession) -> int:
        partner = await _partner(session, args.name)
        if args.guides_command == "list":
            for t, g in (await guides_of(session, partner.id)).items():
                print(f"{t}\t{g}")
            return 0
        if not args.transaction or (args.guides_command == "set" and not args.guide):
            what = "TYPE GUIDE" if args.guides_command == "set" else "TYPE"
            raise PartnerError(f"partners guides {args.guides_command} needs NAME {what}")
        if args.guides_command == "set":
            await set_guide(session, partner, args.transaction, args.guide)
            detail = f"cli: {args.transaction} {args.guide}"
        elif not await remove_guide(session, partner, args.transaction):
            print(f"{partner.name} has no guide for {args.transaction}", file=sys.stderr)
            return 1
        else:
            detail = f"cli: {args.transaction} removed"
        await audit(session, None, "update", "partner_guides", str(partner.id), detail)
        print(f"{partner.name}: guides {_guides_text(await guides_of(session, partner.id))}")
        return 0

    return run_in_session(go)


def register(sub: Subcommands) -> None:
    p = sub.add_parser("partners", help="trading partners and their API keys")
    psub = p.add_subparsers(dest="partners_command", required=True)
    c = psub.add_parser("create", help="create a partner and print its first API key")
    c.add_argument("name")
    c.add_argument("--role", required=True, choices=ROLES)
    c.add_argument(
        "--sender-id",
        action="append",
        metavar="ID",
        help="an ISA06 id the partner sends under (repeatable)",
    )
    c.add_argument(
        "--guide",
        action="append",
        metavar="GUIDE",
        help="a companion guide, for each transaction type it lists that the partner sends "
        "(repeatable)",
    )
    c.add_argument(
        "--npi",
        action="append",
        metavar="NPI",
        help="a billing provider (2010AA NPI) the provider or clearinghouse sends for "
        "(repeatable; a clearinghouse sends only for those listed)",
    )
    c.set_defaults(func=create)
    ls = psub.add_parser("list", help="list partners")
    ls.set_defaults(func=list_partners)
    k = psub.add_parser("keys", help="list, create, rotate or revoke a partner's keys")
    k.add_argument("keys_command", choices=("list", "create", "rotate", "revoke"))
    k.add_argument("name")
    k.add_argument("--prefix", help="revoke only the key with this prefix")
    k.set_defaults(func=keys)
    pr = psub.add_parser(
        "providers", help="list, add or remove the billing NPIs a partner sends claims for"
    )
    pr.add_argument("providers_command", choices=("list", "add", "remove"))
    pr.add_argument("name")
    pr.add_argument("npi", nargs="*", help="NPIs to add or remove")
    pr.set_defaults(func=providers)
    gd = psub.add_parser(
        "guides", help="list, set or remove the companion guide of each transaction type"
    )
    gd.add_argument("guides_command", choices=("list", "set", "remove"))
    gd.add_argument("name")
    gd.add_argument("transaction", nargs="?", help=f"one of {', '.join(GUIDE_TYPES)}")
    gd.add_argument("guide", nargs="?", help="the guide's name (set)")
    gd.set_defaults(func=guides)
    from ..forwarding.cli import register_outbound

    register_outbound(psub)
