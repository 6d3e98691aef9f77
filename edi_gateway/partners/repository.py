"""SQL for trading partners: the partners, their envelope ids, the billing NPIs listed on
them, their companion guides per transaction type and their API keys (kept as SHA-256
hashes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    CompoundSelect,
    Select,
    String,
    bindparam,
    delete,
    literal_column,
    null,
    select,
    union_all,
    update,
)

from ..models import ApiKey, Partner, PartnerGuide, PartnerIdentifier, PartnerProvider
from ..repository import Repository, once


class PartnerRepository(Repository[Partner]):
    model = Partner

    async def get_by_name(self, name: str) -> Partner | None:
        return await self.get_one_or_none(select(Partner).where(Partner.name == name))

    async def get_all_by_name(self) -> Sequence[Partner]:
        return await self.get_all(select(Partner).order_by(Partner.name))

    async def identifier_taken(self, value: str) -> bool:
        stmt = select(PartnerIdentifier).where(PartnerIdentifier.value == value)
        return (await self.session.execute(stmt)).first() is not None

    async def identifiers_of(self, partner_id: int) -> Sequence[str]:
        """Every envelope id of the partner: interchange (ISA06/ISA08) and group (GS02/GS03)."""
        return await self.get_all(
            select(PartnerIdentifier.value).where(PartnerIdentifier.partner_id == partner_id)
        )

    def add_interchange_id(self, partner_id: int, value: str) -> None:
        """An ISA06/ISA08 id of the partner."""
        self.session.add(PartnerIdentifier(partner_id=partner_id, kind="interchange", value=value))

    async def plan_identifiers(self) -> Sequence[tuple[int, str, str]]:
        """(partner id, kind, value) of every envelope id of every plan partner."""
        rows = await self.session.execute(_plan_identifiers())
        return [(int(pid), kind, value) for pid, kind, value in rows.all()]

    async def profile(self, partner_id: int) -> Sequence[tuple[str, int | None, str, str | None]]:
        """What a run of the partner's file reads of it and of the plans, in one statement:
        rows of (what, partner id, value, detail), ``what`` being

        - ``role``: the partner's role (value);
        - ``plan``: an envelope id of a plan partner (partner id, value, detail: its kind);
        - ``own``: one of the partner's interchange ids (value);
        - ``npi``: a billing NPI listed on the partner (value);
        - ``peer``: another partner (partner id) listing one of those NPIs (value);
        - ``guide``: the partner's guide (value) for a transaction type (detail)."""
        rows = await self.session.execute(_profile(), {"partner_id": partner_id})
        return [
            (what, None if pid is None else int(pid), value, detail)
            for what, pid, value, detail in rows.all()
        ]


class PartnerProviderRepository(Repository[PartnerProvider]):
    """Billing providers (2010AA NPIs) listed on provider and clearinghouse partners."""

    model = PartnerProvider

    async def npis_of(self, partner_id: int) -> Sequence[str]:
        return await self.get_all(_npis_of(), {"partner_id": partner_id})

    async def remove(self, partner_id: int, npis: Sequence[str]) -> int:
        result = await self.session.execute(
            delete(PartnerProvider).where(
                PartnerProvider.partner_id == partner_id, PartnerProvider.npi.in_(npis)
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class PartnerGuideRepository(Repository[PartnerGuide]):
    """The companion guide of each transaction type a partner sends."""

    model = PartnerGuide

    async def guides_of(self, partner_id: int) -> dict[str, str]:
        """Transaction type -> guide name."""
        rows = await self.session.execute(_guides_of(), {"partner_id": partner_id})
        found: dict[str, str] = {}
        for transaction_type, guide in rows.all():
            found[transaction_type] = guide
        return found

    async def put(self, partner_id: int, transaction_type: str, guide: str) -> None:
        """Set (or replace) the partner's guide for the type."""
        found = await self.get_one_or_none(
            select(PartnerGuide).where(
                PartnerGuide.partner_id == partner_id,
                PartnerGuide.transaction_type == transaction_type,
            )
        )
        if found is None:
            self.add(
                PartnerGuide(partner_id=partner_id, transaction_type=transaction_type, guide=guide)
            )
        else:
            found.guide = guide
        await self.flush()

    async def remove(self, partner_id: int, transaction_type: str) -> int:
        result = await self.session.execute(
            delete(PartnerGuide).where(
                PartnerGuide.partner_id == partner_id,
                PartnerGuide.transaction_type == transaction_type,
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey

    async def get_active_by_hash(self, key_hash: str) -> tuple[ApiKey, Partner] | None:
        """The unrevoked key with this hash, and its partner."""
        row = (
            await self.session.execute(
                select(ApiKey, Partner)
                .join(Partner, Partner.id == ApiKey.partner_id)
                .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def get_active_by_id(self, key_id: int) -> tuple[ApiKey, Partner] | None:
        """The key with this id, unless revoked, and its partner."""
        row = (
            await self.session.execute(
                select(ApiKey, Partner)
                .join(Partner, Partner.id == ApiKey.partner_id)
                .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def get_all_of(self, partner_id: int) -> Sequence[ApiKey]:
        return await self.get_all(
            select(ApiKey).where(ApiKey.partner_id == partner_id).order_by(ApiKey.created_at)
        )

    async def revoke(self, partner_id: int, prefix: str | None, at: datetime) -> int:
        """Revoke the partner's active keys (only the one with ``prefix``, when given)."""
        stmt = update(ApiKey).where(ApiKey.partner_id == partner_id, ApiKey.revoked_at.is_(None))
        if prefix:
            stmt = stmt.where(ApiKey.prefix == prefix)
        result = await self.session.execute(stmt.values(revoked_at=at))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def mark_used(self, key_id: int, at: datetime) -> None:
        await self.session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at)
        )


# --- what every run of a file reads of its partner, built once (``once``) ------------------

_PARTNER_ID: BindParameter[int] = bindparam("partner_id")


@once
def _plan_identifiers() -> Select[int, str, str]:
    return (
        select(PartnerIdentifier.partner_id, PartnerIdentifier.kind, PartnerIdentifier.value)
        .join(Partner, Partner.id == PartnerIdentifier.partner_id)
        .where(Partner.role == "plan")
    )


@once
def _profile() -> CompoundSelect[str, int | None, str, str | None]:
    def what(name: str) -> ColumnClause[str]:
        return literal_column(f"'{name}'", String)

    own_npis = select(PartnerProvider.npi).where(PartnerProvider.partner_id == _PARTNER_ID)
    return union_all(
        select(what("role").label("what"), null().label("partner_id"), Partner.role, null()).where(
            Partner.id == _PARTNER_ID
        ),
        select(
            what("plan"),
            PartnerIdentifier.partner_id,
            PartnerIdentifier.value,
            PartnerIdentifier.kind,
        )
        .join(Partner, Partner.id == PartnerIdentifier.partner_id)
        .where(Partner.role == "plan"),
        select(what("own"), null(), PartnerIdentifier.value, null()).where(
            PartnerIdentifier.partner_id == _PARTNER_ID, PartnerIdentifier.kind == "interchange"
        ),
        select(what("npi"), null(), PartnerProvider.npi, null()).where(
            PartnerProvider.partner_id == _PARTNER_ID
        ),
        select(what("peer"), PartnerProvider.partner_id, PartnerProvider.npi, null()).where(
            PartnerProvider.npi.in_(own_npis), PartnerProvider.partner_id != _PARTNER_ID
        ),
        select(what("guide"), null(), PartnerGuide.guide, PartnerGuide.transaction_type).where(
            PartnerGuide.partner_id == _PARTNER_ID
        ),
    )


@once
def _npis_of() -> Select[str]:
    return (
        select(PartnerProvider.npi)
        .where(PartnerProvider.partner_id == _PARTNER_ID)
        .order_by(PartnerProvider.npi)
    )


@once
def _guides_of() -> Select[str, str]:
    return (
        select(PartnerGuide.transaction_type, PartnerGuide.guide)
        .where(PartnerGuide.partner_id == _PARTNER_ID)
        .order_by(PartnerGuide.transaction_type)
    )
