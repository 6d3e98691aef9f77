"""Eligibility use cases: a member's coverage on a date, and member search. Each read is
audited (ids only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..errors import NotFound
from ..models import CoverageSpan, Member
from ..partners.service import Principal
from ..repository import Page
from .repository import CoverageRepository, MemberRepository


@dataclass(frozen=True, slots=True)
class MemberCoverage:
    """A member, its 2000 REF identifiers and the coverage spans in force on ``day``
    (health coverage first)."""

    member: Member
    identifiers: dict[str, str]
    spans: Sequence[CoverageSpan]
    day: date


@dataclass(frozen=True, slots=True)
class MemberPage:
    page: Page[Member]
    #: 2000 REF qualifier -> value, for each member of the page
    identifiers: dict[int, dict[str, str]]


async def get_eligibility(
    session: AsyncSession, caller: Principal, member_id: str, day: date
) -> MemberCoverage:
    members = MemberRepository(session)
    member = await members.get_one_or_none(
        members.by_member_id(members.get_readable_statement(caller), member_id)
    )
    if member is None:
        raise NotFound(f"No member {member_id} in a roster that this key can see")
    identifiers = (await members.identifiers([member.id]))[member.id]
    spans = await CoverageRepository(session).in_force(member.id, day)
    await audit(session, caller, "read", "eligibility", str(member.id), f"date={day}")
    return MemberCoverage(member, identifiers, spans, day)


async def search_members(
    session: AsyncSession,
    caller: Principal,
    *,
    member_id: str | None = None,
    last_name: str | None = None,
    birth_date: date | None = None,
    plan_code: str | None = None,
    active_on: date | None = None,
    limit: int,
    after: int | None,
) -> MemberPage:
    members = MemberRepository(session)
    stmt = members.search(
        members.get_readable_statement(caller),
        member_id=member_id,
        last_name=last_name,
        birth_date=birth_date,
        plan_code=plan_code,
        active_on=active_on,
    )
    page = await members.get_page(stmt, limit, after)
    identifiers = await members.identifiers([m.id for m in page.items])
    await audit(session, caller, "search", "member", None, f"{len(page.items)} results")
    return MemberPage(page, identifiers)
