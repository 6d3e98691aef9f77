"""Create partners, issue, rotate and revoke API keys (stored hashed), authenticate keys."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mappings.codesets.formats import npi_valid

from ..errors import InvalidRequest
from ..models import ApiKey, Partner, PartnerProvider
from .repository import (
    ApiKeyRepository,
    PartnerGuideRepository,
    PartnerProviderRepository,
    PartnerRepository,
)

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


class PartnerError(InvalidRequest):
    pass


async def create_partner(
    session: AsyncSession,
    name: str,
    role: str,
    sender_ids: list[str],
    npis: list[str] | None = None,
) -> tuple[Partner, str]:
    """A partner, its sender ids and billing NPIs, and its first API key (its guides:
    ``partners.guides``)."""
    if role not in ROLES:
        raise PartnerError(f"role must be one of {', '.join(ROLES)}")
    partners = PartnerRepository(session)
    if await partners.get_by_name(name) is not None:
        raise PartnerError(f"a partner named {name!r} already exists")
    for value in sender_ids:
        if await partners.identifier_taken(value.strip()):
            raise PartnerError(f"sender id {value!r} already belongs to another partner")
    partner = partners.add(Partner(name=name, role=role))
    await partners.flush()
    for value in sender_ids:
        partners.add_interchange_id(partner.id, value.strip())
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
    providers = PartnerProviderRepository(session)
    held = set(await providers.npis_of(partner.id))
    added = [npi for npi in dict.fromkeys(npis) if npi not in held]
    for npi in added:
        providers.add(PartnerProvider(partner_id=partner.id, npi=npi))
    await providers.flush()
    return added


async def remove_providers(session: AsyncSession, partner: Partner, npis: list[str]) -> int:
    return await PartnerProviderRepository(session).remove(partner.id, npis)


async def providers_of(session: AsyncSession, partner_id: int) -> list[str]:
    return list(await PartnerProviderRepository(session).npis_of(partner_id))


async def issue_key(session: AsyncSession, partner_id: int) -> str:
    key = new_key()
    keys = ApiKeyRepository(session)
    keys.add(ApiKey(partner_id=partner_id, prefix=key[:12], key_hash=hash_key(key)))
    await keys.flush()
    return key


async def revoke_keys(session: AsyncSession, partner_id: int, prefix: str | None = None) -> int:
    return await ApiKeyRepository(session).revoke(partner_id, prefix, datetime.now(UTC))


async def rotate_key(session: AsyncSession, partner_id: int) -> str:
    await revoke_keys(session, partner_id)
    return await issue_key(session, partner_id)


async def authenticate(
    session: AsyncSession, key: str, cache: KeyCache | None = None
) -> Principal | None:
    """Who calls with this key (None: unknown or revoked). With a ``cache``, a key found
    within its last ``seconds`` is answered without the database."""
    digest = hash_key(key)
    if cache is not None and (known := cache.get(digest)) is not None:
        return known
    found = await ApiKeyRepository(session).get_active_by_hash(digest)
    if found is None:
        return None
    principal = await _principal(session, *found)
    if cache is not None:
        cache.put(digest, principal)
    return principal


class KeyCache:
    """API keys resolved to their principal in the last ``seconds``, by the key's SHA-256
    (never the key itself), in one process.

    A key that is revoked, or whose partner's role or sender ids change, is still taken
    as it was for at most ``seconds`` after the change is committed: every entry is asked
    of the database again once it is that old, and nothing else makes one live longer.
    Unknown and revoked keys are never kept (each is looked up, and counted by the failed
    attempts' limit). The key's ``last_used_at`` is written by those look-ups, so at most
    ``seconds`` late. ``seconds`` = 0 keeps nothing."""

    def __init__(
        self, seconds: float, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if self.clock() >= entry[0]:
            del self._entries[digest]
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()  # many keys at once: start again rather than grow
        self._entries[digest] = (self.clock() + self.seconds, principal)

    def clear(self) -> None:
        self._entries.clear()


async def principal_of_key(session: AsyncSession, key_id: int) -> Principal | None:
    """Who acts through the key with this id (None once it is revoked): a console session
    holds the id of the key it was opened with."""
    found = await ApiKeyRepository(session).get_active_by_id(key_id)
    if found is None:
        return None
    return await _principal(session, *found)


async def key_id_of(session: AsyncSession, key: str) -> int | None:
    """The id of an unrevoked key."""
    found = await ApiKeyRepository(session).get_active_by_hash(hash_key(key))
    return None if found is None else found[0].id


async def _principal(session: AsyncSession, api_key: ApiKey, partner: Partner) -> Principal:
    now = datetime.now(UTC)
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= 60:
        # at most once a minute per key, committed at once: a failed request is a use too,
        # the write lock is not held for the request (SQLite has one writer at a time), and
        # no second connection is taken while this one is held (no pool deadlock under load)
        await ApiKeyRepository(session).mark_used(api_key.id, now)
        await session.commit()
    ids = await PartnerRepository(session).identifiers_of(partner.id)
    return Principal(partner.id, partner.name, partner.role, api_key.prefix, frozenset(ids))


async def partner_by_name(session: AsyncSession, name: str) -> Partner | None:
    return await PartnerRepository(session).get_by_name(name)


@dataclass(frozen=True, slots=True)
class PartnerListing:
    partner: Partner
    #: envelope ids (ISA06/ISA08, GS02/GS03)
    identifiers: Sequence[str]
    #: billing NPIs listed on the partner
    npis: Sequence[str]
    #: transaction type -> companion guide
    guides: Mapping[str, str]


async def list_partners(session: AsyncSession) -> list[PartnerListing]:
    """Every partner, by name, with its envelope ids, billing NPIs and guides."""
    partners = PartnerRepository(session)
    providers = PartnerProviderRepository(session)
    guides = PartnerGuideRepository(session)
    return [
        PartnerListing(
            p,
            await partners.identifiers_of(p.id),
            await providers.npis_of(p.id),
            await guides.guides_of(p.id),
        )
        for p in await partners.get_all_by_name()
    ]


async def keys_of(session: AsyncSession, partner_id: int) -> Sequence[ApiKey]:
    """The partner's keys, oldest first, revoked ones included."""
    return await ApiKeyRepository(session).get_all_of(partner_id)
