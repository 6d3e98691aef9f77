"""SQL for members and their coverage: composable ``select()`` statements and their runners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, join, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import rows_for_values
from ..models import CoverageSpan, Member, MemberIdentifier
from ..repository import ReadScope, Repository, ScopedRepository

#: member ids looked up in one statement (a batch of claims' members)
SPAN_CHUNK = 500

#: 2000 REF qualifiers that name the member themself rather than the subscriber.
OWN_ID_QUALIFIERS = ("23", "17", "ZZ", "3H")


def in_force(day: date) -> ColumnElement[bool]:
    """The current version of a coverage span (``superseded_at`` NULL) covering ``day``."""
    return and_(
        CoverageSpan.superseded_at.is_(None),
        CoverageSpan.begin_date <= day,
        or_(CoverageSpan.end_date.is_(None), CoverageSpan.end_date >= day),
    )


def matches_member_id(member_id: str) -> ColumnElement[bool]:
    """REF*0F (the Medi-Cal CIN) or any other 2000 REF the plan sent for the member."""
    return or_(
        Member.subscriber_id == member_id,
        Member.id.in_(
            select(MemberIdentifier.member_id).where(MemberIdentifier.value == member_id)
        ),
    )


class MemberRepository(ScopedRepository[Member]):
    model = Member
    #: members of rosters the caller sent (ISA06) or that were addressed to it (ISA08)
    scope = ReadScope(Member.plan_partner_id, Member.receiver_id, Member.plan_sender_id)

    def by_member_id(self, stmt: Select[Member], member_id: str) -> Select[Member]:
        """The person a member id names. A subscriber's CIN (REF*0F) is also sent on each of
        their dependents, and a case number (REF*1L) on the whole family, so: the subscriber
        whose CIN it is, then the dependent whose own id (REF*23/17...) it is, then a
        subscriber, then anyone; the most recently updated first among equals."""
        own_ids = select(MemberIdentifier.member_id).where(
            MemberIdentifier.value == member_id,
            MemberIdentifier.qualifier.in_(OWN_ID_QUALIFIERS),
        )
        rank = case(
            (and_(Member.is_subscriber, Member.subscriber_id == member_id), 0),
            (Member.id.in_(own_ids), 1),
            (Member.is_subscriber, 2),
            else_=3,
        )
        return (
            stmt.where(matches_member_id(member_id))
            .order_by(rank, Member.updated_at.desc(), Member.id.desc())
            .limit(1)
        )

    def search(
        self,
        stmt: Select[Member],
        *,
        member_id: str | None = None,
        last_name: str | None = None,
        birth_date: date | None = None,
        plan_code: str | None = None,
        active_on: date | None = None,
    ) -> Select[Member]:
        if member_id:
            stmt = stmt.where(matches_member_id(member_id))
        if last_name:
            stmt = stmt.where(func.upper(Member.last_name) == last_name.strip().upper())
        if birth_date:
            stmt = stmt.where(Member.birth_date == birth_date)
        if plan_code or active_on:
            # One span must satisfy both: the plan code of coverage in force that day.
            spans = select(CoverageSpan.member_id).where(CoverageSpan.superseded_at.is_(None))
            if plan_code:
                spans = spans.where(CoverageSpan.plan_code == plan_code)
            if active_on:
                spans = spans.where(in_force(active_on))
            stmt = stmt.where(Member.id.in_(spans))
        return stmt

    async def identifiers(self, member_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """2000 REF qualifier -> value, for each member (one query for a whole page)."""
        found: dict[int, dict[str, str]] = {mid: {} for mid in member_ids}
        if not member_ids:
            return found
        rows = await self.session.execute(
            select(MemberIdentifier.member_id, MemberIdentifier.qualifier, MemberIdentifier.value)
            .where(MemberIdentifier.member_id.in_(member_ids))
            .order_by(MemberIdentifier.member_id, MemberIdentifier.qualifier)
        )
        for mid, qualifier, value in rows.all():
            found[mid][qualifier] = value
        return found


class CoverageRepository(Repository[CoverageSpan]):
    model = CoverageSpan

    def in_force_statement(self, member_id: int, day: date) -> Select[CoverageSpan]:
        """Health coverage (HD03 HLT) first, then the span that started most recently."""
        return (
            select(CoverageSpan)
            .where(CoverageSpan.member_id == member_id, in_force(day))
            .order_by(
                case((CoverageSpan.insurance_line == "HLT", 0), else_=1),
                CoverageSpan.begin_date.desc(),
                CoverageSpan.id.desc(),
            )
        )

    async def in_force(self, member_id: int, day: date) -> Sequence[CoverageSpan]:
        return await self.get_all(self.in_force_statement(member_id, day))


class RosterRepository:
    """The look-ups of claim checks against a plan's rosters, each narrowed to the
    rosters that plan sent (its ISA06 values) and each on an index, so that their cost
    does not grow with the roster."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any_roster_of(self, senders: Sequence[str]) -> bool:
        stmt = select(Member.id).where(Member.plan_sender_id.in_(senders)).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def current_spans_of(
        self, senders: Sequence[str], member_ids: Sequence[str]
    ) -> dict[str, list[tuple[date | None, date | None]]]:
        """The coverage in force now, as (begin, end) spans, of the members these ids name
        (the subscriber id or any other id the roster gave the member), for one claim or a
        batch of claims' members: [] for an id no member of these rosters has. Three
        look-ups per chunk of ids whatever its size, each value probing its index
        (subscriber id, other ids, then ``ix_coverage_spans_current``)."""
        dialect = self.session.get_bind().dialect.name
        in_rosters = Member.plan_sender_id.in_(senders)
        spans: dict[str, list[tuple[date | None, date | None]]] = {}
        for start in range(0, len(member_ids), SPAN_CHUNK):
            chunk = list(member_ids[start : start + SPAN_CHUNK])
            owners: dict[int, set[str]] = {}
            # the subscriber id, then any other id the roster gave the member
            by_id = join(MemberIdentifier, Member, Member.id == MemberIdentifier.member_id)
            for given_id, row_id, source in (
                (Member.subscriber_id, Member.id, None),
                (MemberIdentifier.value, MemberIdentifier.member_id, by_id),
            ):
                found = await self.session.execute(
                    rows_for_values(
                        [given_id, row_id], given_id, chunk, dialect, in_rosters, source=source
                    )
                )
                for given, owner in found.all():
                    owners.setdefault(owner, set()).add(given)
            spans.update((given, []) for given in chunk)
            if not owners:
                continue
            rows = await self.session.execute(
                rows_for_values(
                    [CoverageSpan.member_id, CoverageSpan.begin_date, CoverageSpan.end_date],
                    CoverageSpan.member_id,
                    sorted(owners),
                    dialect,
                    within=[CoverageSpan.superseded_at.is_(None)],
                )
            )
            for row_id, begin, end in rows.all():
                for given in owners[row_id]:
                    spans[given].append((begin, end))
        return spans
