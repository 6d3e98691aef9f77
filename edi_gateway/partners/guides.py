"""A partner's companion guides: one per transaction type it sends.

A guide is set for ``834``, ``835``, ``837P``, ``837I`` or ``837D``, or for ``837``: every
claim type without a guide of its own. The check stream applies to each transaction set
the base guide of the set's type and the partner's guide for that type, nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from mappings.guides import Guide, GuideError, load_guide

from ..models import Partner
from .repository import PartnerGuideRepository
from .service import PartnerError
from .tenancy import CLAIMS, ROLE_GUIDES

__all__ = [
    "GUIDE_TYPES",
    "guides_of",
    "plan_guides",
    "remove_guide",
    "serves",
    "set_guide",
    "set_guides",
]

#: the transaction types a partner's guide is set for (837: every claim type)
GUIDE_TYPES = ("834", "835", "837P", "837I", "837D", "837")


def _expand(transaction_type: str) -> frozenset[str]:
    return CLAIMS if transaction_type == "837" else frozenset({transaction_type})


def serves(guide: Guide, transaction_type: str) -> frozenset[str]:
    """The set types among ``transaction_type`` (837: the claim types) the guide checks."""
    return _expand(transaction_type) & frozenset(guide.transactions)


def _load(name: str) -> Guide:
    try:
        return load_guide(name)
    except GuideError as exc:
        raise PartnerError(str(exc)) from exc


async def set_guide(
    session: AsyncSession, partner: Partner, transaction_type: str, guide_name: str
) -> None:
    """Check the guide with the partner files of this type with it (replacing any other)."""
    if transaction_type not in GUIDE_TYPES:
        raise PartnerError(
            f"transaction type {transaction_type!r} is not one of {', '.join(GUIDE_TYPES)}"
        )
    allowed = ROLE_GUIDES.get(partner.role)
    if allowed is not None and not _expand(transaction_type) <= allowed:
        raise PartnerError(
            f"a {partner.role} does not send {transaction_type} files "
            f"(it sends {', '.join(sorted(allowed))})"
        )
    guide = _load(guide_name)
    if not serves(guide, transaction_type):
        raise PartnerError(
            f"guide {guide.name} is for {', '.join(guide.transactions)}, not {transaction_type}"
        )
    await PartnerGuideRepository(session).put(partner.id, transaction_type, guide.name)


async def set_guides(session: AsyncSession, partner: Partner, guide_name: str) -> list[str]:
    """Set a guide for every type it lists that the partner sends; returns those types."""
    guide = _load(guide_name)
    allowed = ROLE_GUIDES.get(partner.role)
    types = [t for t in guide.transactions if allowed is None or t in allowed]
    if not types:
        raise PartnerError(
            f"guide {guide.name} is for {', '.join(guide.transactions)}, which a "
            f"{partner.role} does not send"
        )
    for t in types:
        await set_guide(session, partner, t, guide.name)
    return types


async def remove_guide(session: AsyncSession, partner: Partner, transaction_type: str) -> bool:
    return await PartnerGuideRepository(session).remove(partner.id, transaction_type) > 0


async def guides_of(session: AsyncSession, partner_id: int) -> dict[str, str]:
    """Transaction type -> guide name, as set."""
    return await PartnerGuideRepository(session).guides_of(partner_id)


def plan_guides(set_for: Mapping[str, str]) -> dict[str, Guide]:
    """The guide each set type (837P, 837I, 837D, 834, 835) is checked with: the one set
    for the type itself, else the one set for 837 when it serves the type."""
    out: dict[str, Guide] = {}
    for transaction_type in sorted(set_for, key=lambda t: t == "837"):
        guide = load_guide(set_for[transaction_type])
        for t in sorted(serves(guide, transaction_type)):
            out.setdefault(t, guide)
    return out
