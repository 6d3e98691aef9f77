"""Member eligibility look-up: a member's coverage on a day, through the eligibility
service (scoped to the rosters the caller may read, each look-up audited)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from ..eligibility.service import get_eligibility
from ..errors import NotFound
from .params import date_param
from .web import ConsoleRoute, DbSession, User, render

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("/members")
async def members(request: Request, session: DbSession, user: User) -> Response:
    params = request.query_params
    member_id = (params.get("member_id") or "").strip()[:80]
    day = date_param(params, "date") or datetime.now(UTC).date()
    found, missing = None, None
    if member_id:
        try:
            found = await get_eligibility(session, user.principal, member_id, day)
        except NotFound as exc:
            missing = exc.detail
    return render(
        request,
        "console/members.html",
        user,
        404 if missing else 200,
        member_id=member_id,
        on=day,
        found=found,
        missing=missing,
    )
