"""HTTP routes for eligibility: a member's coverage on a date, and member search."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, IsoDate, Limit, after_id, next_cursor
from . import service
from .schemas import Coverage, Eligibility, MemberList, MemberSummary, own_member_id

router = APIRouter(prefix="/v1", tags=["eligibility"])


@router.get(
    "/members/{member_id}/eligibility",
    response_model=Eligibility,
    summary="Is the member covered on a date: plan, coverage span and PCP",
    responses={
        **PROBLEMS,
        404: {
            "description": "No member with this id in a roster the caller can see "
            "(application/problem+json)"
        },
    },
)
async def get_eligibility(
    member_id: str,
    session: Session,
    caller: Caller,
    on: Annotated[
        IsoDate | None,
        Query(alias="date", description="The date to check (YYYY-MM-DD); default today"),
    ] = None,
) -> Eligibility:
    day = on or date.today()
    found = await service.get_eligibility(session, caller, member_id, day)
    member = found.member
    coverages = [Coverage.from_span(span, day) for span in found.spans]
    primary = coverages[0] if coverages else None
    return Eligibility(
        member_id=own_member_id(member, found.identifiers),
        subscriber_id=member.subscriber_id,
        is_subscriber=member.is_subscriber,
        relationship_code=member.relationship_code,
        last_name=member.last_name,
        first_name=member.first_name,
        birth_date=member.birth_date,
        date=day,
        active=primary is not None,
        plan=primary.plan if primary else None,
        coverage=primary.coverage if primary else None,
        pcp=primary.pcp if primary else None,
        coverages=coverages,
    )


@router.get(
    "/members",
    response_model=MemberList,
    summary="Search members, newest first, with cursor pagination",
    responses=PROBLEMS,
)
async def list_members(
    session: Session,
    caller: Caller,
    member_id: Annotated[
        str | None, Query(description="REF*0F (Medi-Cal CIN) or any other 2000 REF value")
    ] = None,
    last_name: Annotated[str | None, Query(description="Exact, case-insensitive")] = None,
    birth_date: Annotated[IsoDate | None, Query()] = None,
    plan_code: Annotated[str | None, Query(description="HD04 of a current coverage span")] = None,
    active_on: Annotated[
        IsoDate | None, Query(description="Only members with coverage in force on this date")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> MemberList:
    found = await service.search_members(
        session,
        caller,
        member_id=member_id,
        last_name=last_name,
        birth_date=birth_date,
        plan_code=plan_code,
        active_on=active_on,
        limit=limit,
        after=after_id(cursor),
    )
    rows = found.page.items
    return MemberList(
        items=[MemberSummary.from_row(m, found.identifiers[m.id]) for m in rows],
        next_cursor=next_cursor(rows, found.page.more),
    )
