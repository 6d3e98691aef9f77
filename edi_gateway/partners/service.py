"""Create partners, issue, rotate and revoke API keys (stored hashed), authenticate keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.codesets.formats import npi_valid

from ..models import ApiKey, Partner, PartnerIdentifier, PartnerProvider

ROLES = ("plan", "clearinghouse", "provider", "ops")
KEY_PREFIX = "edi_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a partner (and its envelope ids) through one of its keys."""

    partner_id: int
    name: str
    role: str
    key_prefix: str
    identifiers: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_ops(self) -> bool:
        return self.role == "ops"


class PartnerError(ValueError):
    pass


async def create_partner(
    session: AsyncSession,
    name: str,
    role: str,
    sender_ids: list[str],
    guide: str | None,
    npis: list[str] | None = None,
) -> tuple[Partner, str]:
    if role not in ROLES:
        raise PartnerError(f"role must be one of {', '.join(ROLES)}")
    if (await session.execute(select(Partner).where(Partner.name == name))).first():
        raise PartnerError(f"a partner named {name!r} already exists")
    for value in sender_ids:
        taken = (
            await session.execute(
                select(PartnerIdentifier).where(PartnerIdentifier.value == value.strip())
            )
        ).first()
        if taken:
            raise PartnerError(f"sender id {value!r} already belongs to another partner")
    partner = Partner(name=name, role=role, guide=guide)
    session.add(partner)
    await session.flush()
    for value in sender_ids:
        session.add(
            PartnerIdentifier(partner_id=partner.id, kind="interchange", value=value.strip())
        )
    await add_providers(session, partner, npis or [])
    key = await issue_key(session, partner.id)
    return partner, key


async def add_providers(session: AsyncSession, partner: Partner, npis: list[str]) -> list[str]:
    """List billing providers (NPIs) on a provider or clearinghouse; returns those added."""
    if npis and partner.role not in ("provider", "clearinghouse"):
        raise PartnerError(
            "billing providers can be listed only on providers and clearinghouses, "
            f"not on a {partner.role}"
        )
    for npi in npis:
        if not npi_valid(npi):
            raise PartnerError(f"{npi!r} is not a valid NPI (10 digits with a Luhn check digit)")
    held = set(
        (
            await session.execute(
                select(PartnerProvider.npi).where(PartnerProvider.partner_id == partner.id)
            )
        ).scalars()
    )
    added = [npi for npi in dict.fromkeys(npis) if npi not in held]
    session.add_all(PartnerProvider(partner_id=partner.id, npi=npi) for npi in added)
    await session.flush()
    return added


async def remove_providers(session: AsyncSession, partner: Partner, npis: list[str]) -> int:
    result = await session.execute(
        delete(PartnerProvider).where(
            PartnerProvider.partner_id == partner.id, PartnerProvider.npi.in_(npis)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def providers_of(session: AsyncSession, partner_id: int) -> list[str]:
    return list(
        (
            await session.execute(
                select(PartnerProvider.npi)
                .where(PartnerProvider.partner_id == partner_id)
                .order_by(PartnerProvider.npi)
            )
        ).scalars()
    )


async def issue_key(session: AsyncSession, partner_id: int) -> str:
    key = new_key()
    session.add(ApiKey(partner_id=partner_id, prefix=key[:12], key_hash=hash_key(key)))
    await session.flush()
    return key


async def revoke_keys(session: AsyncSession, partner_id: int, prefix: str | None = None) -> int:
    stmt = update(ApiKey).where(ApiKey.partner_id == partner_id, ApiKey.revoked_at.is_(None))
    if prefix:
        stmt = stmt.where(ApiKey.prefix == prefix)
    result = await session.execute(stmt.values(revoked_at=datetime.now(UTC)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def rotate_key(session: AsyncSession, partner_id: int) -> str:
    await revoke_keys(session, partner_id)
    return await issue_key(session, partner_id)


async def authenticate(session: AsyncSession, key: str) -> Principal | None:
    row = (
        await session.execute(
            select(ApiKey, Partner)
            .join(Partner, Partner.id == ApiKey.partner_id)
            .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    api_key, partner = row
    now = datetime.now(UTC)
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= 60:
        # at most once a minute per key, in a transaction of its own: the request's stays
        # read-only (SQLite has one writer at a time) and a failed request is a use too
        async with AsyncSession(session.bind) as own, own.begin():
            await own.execute(
                update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=now)
            )
    ids = (
        (
            await session.execute(
                select(PartnerIdentifier.value).where(PartnerIdentifier.partner_id == partner.id)
            )
        )
        .scalars()
        .all()
    )
    return Principal(partner.id, partner.name, partner.role, api_key.prefix, frozenset(ids))


async def partner_by_name(session: AsyncSession, name: str) -> Partner | None:
    return (await session.execute(select(Partner).where(Partner.name == name))).scalar_one_or_none()
