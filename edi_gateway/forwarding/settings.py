"""A plan's outbound settings: how the 837s we forward to it are addressed, checked,
split and delivered (``edi-gateway partners outbound set``, ``PUT
/v1/partners/{name}/outbound``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from mappings.guides import list_guides, load_guide

from ..errors import InvalidRequest, NotFound
from ..models import OutboundSettings, Partner
from ..partners.repository import PartnerGuideRepository, PartnerRepository
from ..partners.tenancy import CLAIMS
from ..submissions.control_numbers import MAX_CONTROL
from .repository import BatchRepository, OutboundRepository

__all__ = [
    "AUTH_SCHEMES",
    "OutboundChange",
    "OutboundError",
    "OutboundView",
    "get_outbound",
    "plan_partner",
    "set_outbound",
]

#: envelope ids: letters, digits, blanks and the few marks ids use, never a separator
_ID = re.compile(r"[A-Za-z0-9 .\-_/]{1,15}")
_QUALIFIER = re.compile(r"[A-Z0-9]{2}")
_NAME = re.compile(r"[A-Za-z0-9 .,&'\-/()#@]{1,60}")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class OutboundError(InvalidRequest):
    pass


@dataclass(slots=True)
class OutboundChange:
    """What to set (None: keep the current value, or the default on first setting)."""

    receiver_id: str
    sender_id: str
    payer_ids: list[str] | None = None
    guide: str | None = None
    url: str | None = None
    directory: str | None = None
    download: bool = False
    sender_qualifier: str | None = None
    receiver_qualifier: str | None = None
    gs_sender_id: str | None = None
    gs_receiver_id: str | None = None
    usage: str | None = None
    submitter_name: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    claims_per_set: int | None = None
    sets_per_file: int | None = None
    bytes_per_file: int | None = None
    every_minutes: int | None = None
    first_interchange_control: int | None = None
    #: HTTPS delivery authentication: none, bearer or basic, its secret in the environment
    #: variable ``auth_env`` (never stored); mutual TLS files (absolute paths, "" clears)
    auth: str | None = None
    auth_env: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    ca_file: str | None = None


@dataclass(slots=True)
class OutboundView:
    plan: str
    settings: OutboundSettings
    payer_ids: list[str] = field(default_factory=list)
    #: claim type -> the plan's guide for the 837s of that type we send it
    guides: dict[str, str] = field(default_factory=dict)
    #: ISA13 of the next file to the plan
    next_control: int = 1


async def next_interchange_control(
    session: AsyncSession, plan_id: int, row: OutboundSettings
) -> int:
    """ISA13 of the next file to a plan: the last file's + 1, or the plan's first number
    (``first_interchange_control``) when that is higher."""
    last = await BatchRepository(session).last_control(plan_id)
    return max(last + 1, row.first_interchange_control or 1)


def _check_id(label: str, value: str) -> str:
    value = value.strip()
    if not _ID.fullmatch(value):
        raise OutboundError(
            f"{label} {value!r} must be 1-15 letters, digits, blanks or . - _ / (no X12 separator)"
        )
    return value


def _check_destination(change: OutboundChange) -> None:
    if change.url is not None and change.directory is not None:
        raise OutboundError("give either a URL or a drop directory, not both")
    if change.url is not None:
        parts = urlsplit(change.url)
        loopback = parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK
        if not parts.hostname or (parts.scheme != "https" and not loopback):
            raise OutboundError(
                f"destination URL {change.url!r} must be https:// (http only to this machine)"
            )
    if change.directory is not None and not Path(change.directory).is_absolute():
        raise OutboundError(f"drop directory {change.directory!r} must be an absolute path")


_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")
AUTH_SCHEMES = ("none", "bearer", "basic")


def _check_auth(change: OutboundChange, row: OutboundSettings | None) -> None:
    """Authentication and TLS files make sense for HTTPS delivery only; a scheme needs the
    name of the environment variable that holds its secret (the secret is never stored)."""
    if change.auth is not None and change.auth not in AUTH_SCHEMES:
        raise OutboundError(f"auth must be one of {', '.join(AUTH_SCHEMES)}")
    if change.auth_env is not None and change.auth_env and not _ENV_NAME.fullmatch(change.auth_env):
        raise OutboundError(
            f"auth env {change.auth_env!r} must be an environment variable name "
            "(capital letters, digits, _), not the secret itself"
        )
    scheme = change.auth or (row.auth if row is not None else "none")
    env = change.auth_env if change.auth_env is not None else (row.auth_env if row else None)
    if scheme != "none" and not env:
        raise OutboundError(
            f"auth {scheme} needs --auth-env: the environment variable that holds the "
            + ("token" if scheme == "bearer" else "user:password")
        )
    for label, path in (
        ("client certificate", change.client_cert),
        ("client key", change.client_key),
        ("CA bundle", change.ca_file),
    ):
        if path and not Path(path).is_absolute():
            raise OutboundError(f"{label} {path!r} must be an absolute path")
    cert = (
        change.client_cert if change.client_cert is not None else (row.client_cert if row else None)
    )
    key = change.client_key if change.client_key is not None else (row.client_key if row else None)
    if bool(cert) != bool(key):
        raise OutboundError("a client certificate needs its key, and a key its certificate")
    secured = (
        scheme != "none"
        or cert
        or (change.ca_file if change.ca_file is not None else (row.ca_file if row else None))
    )
    destination = (
        "https"
        if change.url is not None
        else (
            None
            if change.directory is not None or change.download
            else (row.destination if row else "download")
        )
    )
    if secured and destination != "https":
        raise OutboundError("authentication and TLS files apply to HTTPS delivery only (--url)")


def _check_limits(change: OutboundChange) -> None:
    for label, value, low in (
        ("claims per transaction set", change.claims_per_set, 1),
        ("transaction sets per file", change.sets_per_file, 1),
        ("bytes per file", change.bytes_per_file, 10_000),
        ("minutes between runs", change.every_minutes, 1),
        ("the first interchange control number", change.first_interchange_control, 1),
    ):
        if value is not None and value < low:
            raise OutboundError(f"{label} must be at least {low}")
    if (change.first_interchange_control or 0) > MAX_CONTROL:
        raise OutboundError(f"the first interchange control number must be at most {MAX_CONTROL}")
    if change.claims_per_set is not None and change.claims_per_set > 5000:
        raise OutboundError("claims per transaction set must be at most 5000 (the 837 limit)")


def _check_guide(name: str) -> list[str]:
    """The claim types (837P, 837I, 837D) the guide serves."""
    if name not in list_guides():
        raise OutboundError(f"no companion guide named {name!r} (see `edi-gateway guides list`)")
    types = sorted(CLAIMS & set(load_guide(name).transactions))
    if not types:
        raise OutboundError(f"companion guide {name!r} is not a guide for 837 claims")
    return types


async def plan_partner(session: AsyncSession, name: str) -> Partner:
    partner = await PartnerRepository(session).get_by_name(name)
    if partner is None:
        raise NotFound(f"no partner named {name!r}")
    if partner.role != "plan":
        raise OutboundError(f"{name!r} is a {partner.role}: only a plan has outbound settings")
    return partner


async def set_outbound(session: AsyncSession, name: str, change: OutboundChange) -> OutboundView:
    """Create or change a plan's outbound settings (validated first, nothing half-set)."""
    plan = await plan_partner(session, name)
    receiver_id = _check_id("receiver id", change.receiver_id)
    sender_id = _check_id("sender id", change.sender_id)
    gs_sender = _check_id("GS02 sender id", change.gs_sender_id or sender_id)
    gs_receiver = _check_id("GS03 receiver id", change.gs_receiver_id or receiver_id)
    for label, qualifier in (
        ("ISA05", change.sender_qualifier),
        ("ISA07", change.receiver_qualifier),
    ):
        if qualifier is not None and not _QUALIFIER.fullmatch(qualifier):
            raise OutboundError(f"{label} qualifier {qualifier!r} must be two letters or digits")
    if change.usage is not None and change.usage not in ("T", "P"):
        raise OutboundError("usage indicator must be T (test) or P (production)")
    for label, text in (
        ("submitter name", change.submitter_name),
        ("contact name", change.contact_name),
    ):
        if text is not None and not _NAME.fullmatch(text):
            raise OutboundError(f"{label} {text!r}: 1-60 letters, digits, blanks, punctuation")
    if change.contact_email is not None and not re.fullmatch(
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", change.contact_email
    ):
        raise OutboundError(f"contact e-mail {change.contact_email!r} is not an address")
    _check_destination(change)
    _check_limits(change)
    guide_types = _check_guide(change.guide) if change.guide is not None else []
    repo = OutboundRepository(session)
    _check_auth(change, await repo.get(plan.id))
    payer_ids = None
    if change.payer_ids is not None:
        payer_ids = sorted({_check_id_long(p) for p in change.payer_ids})
        for payer_id in payer_ids:
            owner = await repo.payer_id_owner(payer_id)
            if owner is not None and owner != plan.id:
                raise OutboundError(f"payer id {payer_id!r} already routes to another plan")
    row = await repo.get(plan.id)
    if row is None:
        row = repo.add(
            OutboundSettings(
                partner_id=plan.id,
                sender_qualifier="ZZ",
                receiver_qualifier="ZZ",
                usage="T",
                submitter_name="EDI GATEWAY",
                contact_name="EDI SUPPORT",
                contact_email="edi-support@example.org",
                claims_per_set=5000,
                sets_per_file=10,
                bytes_per_file=50_000_000,
                destination="download",
            )
        )
    row.sender_id, row.receiver_id = sender_id, receiver_id
    row.gs_sender_id, row.gs_receiver_id = gs_sender, gs_receiver
    for attr in (
        "sender_qualifier",
        "receiver_qualifier",
        "usage",
        "submitter_name",
        "contact_name",
        "contact_email",
        "claims_per_set",
        "sets_per_file",
        "bytes_per_file",
        "every_minutes",
        "first_interchange_control",
        "auth",
    ):
        value = getattr(change, attr)
        if value is not None:
            setattr(row, attr, value)
    for attr in ("auth_env", "client_cert", "client_key", "ca_file"):
        value = getattr(change, attr)
        if value is not None:
            setattr(row, attr, value or None)  # "" clears
    if row.auth is None:
        row.auth = "none"
    if change.guide is not None:
        # the plan's guide for the claims it receives, kept with its other guides (one per
        # transaction type: partner_guides)
        guides = PartnerGuideRepository(session)
        for transaction_type in guide_types:
            await guides.put(plan.id, transaction_type, change.guide)
    if change.url is not None:
        row.destination, row.url, row.directory = "https", change.url, None
    elif change.directory is not None:
        row.destination, row.url, row.directory = "directory", None, change.directory
    elif change.download:
        row.destination, row.url, row.directory = "download", None, None
    row.updated_at = datetime.now(UTC)
    if payer_ids is not None:
        await repo.replace_payer_ids(plan.id, payer_ids)
    await session.flush()
    return await _view(session, plan, row)


async def _view(session: AsyncSession, plan: Partner, row: OutboundSettings) -> OutboundView:
    payer_ids = list(await OutboundRepository(session).payer_ids_of(plan.id))
    guides = await PartnerGuideRepository(session).guides_of(plan.id)
    return OutboundView(
        plan.name,
        row,
        payer_ids,
        {t: g for t, g in guides.items() if t in CLAIMS},
        await next_interchange_control(session, plan.id, row),
    )


def _check_id_long(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9 .\-_/]{1,80}", value):
        raise OutboundError(f"payer id {value!r} must be 1-80 letters or digits")
    return value


async def get_outbound(session: AsyncSession, name: str) -> OutboundView:
    plan = await plan_partner(session, name)
    repo = OutboundRepository(session)
    row = await repo.get(plan.id)
    if row is None:
        raise NotFound(
            f"plan {name!r} has no outbound settings (set them with "
            "`edi-gateway partners outbound set`)"
        )
    return await _view(session, plan, row)
