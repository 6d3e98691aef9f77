"""Members an 834 ends: explicitly (INS03 024, or a coverage's HD01 024) or by their absence
from a full file of the same roster. Each is kept as a ``member_terminations`` row so that the
file's report lists them, applied or (while the file is held) not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.records import MemberRecord

from ..db import bulk_insert, table_of
from ..models import CoverageSpan, Member, MemberTermination

__all__ = [
    "Ended",
    "active_in_scope",
    "end_member_status",
    "explicit_end",
    "in_scope",
    "is_explicit_termination",
    "shown_id",
    "store_terminations",
    "terminations_of",
]

EXPLICIT, IMPLIED = "explicit", "implied"


@dataclass(slots=True)
class Ended:
    """One member a file ends (or would end)."""

    member_key: str
    subscriber_id: str | None
    last_name: str | None
    first_name: str | None
    end_date: date | None
    how: str  # explicit, implied
    line: int
    member_id: int | None = None


def is_explicit_termination(m: MemberRecord) -> bool:
    return m.maintenance_type == "024" or any(c.maintenance_type == "024" for c in m.coverages)


def explicit_end(m: MemberRecord, fallback: date | None) -> date | None:
    """The member's last day of coverage as sent: DTP*357, else the latest DTP*349 of the
    ended coverages, else ``fallback`` (the file's effective date)."""
    if m.eligibility_end is not None:
        return m.eligibility_end
    ends = [
        c.end
        for c in m.coverages
        if c.end is not None and (m.maintenance_type == "024" or c.maintenance_type == "024")
    ]
    return max(ends) if ends else fallback


def shown_id(member_key: str) -> str:
    """The id a report shows for a member key: the dependent's own id (REF*23/17/ZZ), else
    the subscriber id (a dependent sent without an id of their own is keyed by name)."""
    subscriber, _, own = member_key.partition("/")
    return own if own and "|" not in own else subscriber


def in_scope(scope: str) -> Any:
    """Coverage spans of this roster, or stored before rosters were told apart."""
    return (CoverageSpan.roster_scope == scope) | CoverageSpan.roster_scope.is_(None)


def active_in_scope(plan: str, scope: str, end: date) -> Any:
    """Members of the plan's roster ``scope`` with coverage in force after ``end``: those a
    full file of that roster speaks for."""
    return (
        select(Member.id, Member.member_key, Member.subscriber_id, Member.last_name)
        .add_columns(Member.first_name)
        .join(CoverageSpan, CoverageSpan.member_id == Member.id)
        .where(
            Member.plan_sender_id == plan,
            CoverageSpan.superseded_at.is_(None),
            CoverageSpan.end_date.is_(None) | (CoverageSpan.end_date > end),
            in_scope(scope),
        )
        .distinct()
    )


async def end_member_status(
    session: AsyncSession, member_ids: list[int], end: date, now: Any
) -> None:
    """Mark terminated those of these members left with no coverage in force after ``end``
    (a member of two rosters of the plan stays active while the other one covers them)."""
    still = exists().where(
        CoverageSpan.member_id == Member.id,
        CoverageSpan.superseded_at.is_(None),
        CoverageSpan.end_date.is_(None) | (CoverageSpan.end_date > end),
    )
    await session.execute(
        update(Member)
        .where(Member.id.in_(member_ids), ~still)
        .values(status="terminated", updated_at=now)
    )


_COLUMNS = (
    "submission_id",
    "set_ordinal",
    "member_id",
    "subscriber_id",
    "member_key",
    "last_name",
    "first_name",
    "end_date",
    "how",
    "applied",
    "line",
)


async def store_terminations(
    session: AsyncSession,
    submission_id: str,
    ordinal: int,
    ended: list[Ended],
    *,
    applied: bool,
    member_ids: dict[str, int] | None = None,
) -> None:
    """Replace the set's termination rows (a set run again, or released after a hold)."""
    await session.execute(
        delete(MemberTermination).where(
            MemberTermination.submission_id == submission_id,
            MemberTermination.set_ordinal == ordinal,
        )
    )
    ids = member_ids or {}
    await bulk_insert(
        await session.connection(),
        table_of(MemberTermination),
        _COLUMNS,
        [
            (
                submission_id,
                ordinal,
                e.member_id if e.member_id is not None else ids.get(e.member_key),
                e.subscriber_id and e.subscriber_id[:80],
                e.member_key[:200],
                e.last_name and e.last_name[:80],
                e.first_name and e.first_name[:80],
                e.end_date,
                e.how,
                applied,
                e.line,
            )
            for e in ended
        ],
    )


async def terminations_of(session: AsyncSession, submission_id: str) -> list[MemberTermination]:
    """A submission's terminations, in file order (implied ones after the explicit)."""
    return list(
        (
            await session.execute(
                select(MemberTermination)
                .where(MemberTermination.submission_id == submission_id)
                .order_by(
                    MemberTermination.set_ordinal,
                    MemberTermination.how,
                    MemberTermination.line,
                    MemberTermination.member_key,
                )
            )
        ).scalars()
    )
