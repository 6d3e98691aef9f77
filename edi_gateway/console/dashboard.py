"""The dashboard: acceptance and denial rates per month, open items by age, top errors."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..errors import NotFound
from ..stats.service import AGE_BUCKETS, statistics
from .chart import build
from .web import ConsoleRoute, DbSession, User, render

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("")
async def dashboard(request: Request, session: DbSession, user: User) -> Response:
    stats = await statistics(session, user.principal, period="month")
    ages = [(label, stats.open_items_by_age.get(label, 0), low) for label, low, _ in AGE_BUCKETS]
    return render(
        request, "console/dashboard.html", user, stats=stats, chart=build(stats), ages=ages
    )


@router.get("/{path:path}")
async def not_found(request: Request, user: User, path: str) -> Response:
    """Any other console address (registered last)."""
    raise NotFound("There is no such page in the console")
