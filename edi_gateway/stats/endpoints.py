"""GET /v1/stats: acceptance and denial rates, top rules and the queue's age."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, IsoDate
from ..forwarding.stats import DEFAULT_PENDING_DAYS, forwarding_stats
from .service import DEFAULT_DENIAL_TARGET, statistics

router = APIRouter(prefix="/v1", tags=["statistics"])


@router.get(
    "/stats",
    summary="Claims accepted and rejected per partner and plan, 835 denial rates, the queue",
    description="Per month (or ISO week): files, claims received, accepted and rejected and "
    "the acceptance rate per submitting partner and per plan; the rules rejecting most "
    "claims; per paying plan and month the denial rate from 835s (CLP02 = 4, or nothing "
    "paid on a charge) against the target, with the top CARCs; open work items by age and "
    "the mean days to resolve one; per plan the claims forwarded to it, accepted, rejected, "
    "paid, denied and still pending (in all and after `pending_days`). A provider sees "
    "its own figures, ops everyone's.",
    responses=PROBLEMS,
)
async def get_stats(
    session: Session,
    caller: Caller,
    period: Annotated[Literal["month", "week"], Query(description="Bucket")] = "month",
    received_from: Annotated[IsoDate | None, Query(description="From this day")] = None,
    received_to: Annotated[IsoDate | None, Query(description="To this day")] = None,
    denial_target: Annotated[float, Query(ge=0, le=1, description="Denial rate target")] = (
        DEFAULT_DENIAL_TARGET
    ),
    pending_days: Annotated[
        int, Query(ge=0, le=3650, description="Forwarded claims unanswered for longer")
    ] = DEFAULT_PENDING_DAYS,
) -> dict[str, Any]:
    since: date | None = received_from
    stats = await statistics(
        session,
        caller,
        period=period,
        since=since,
        until=received_to,
        denial_target=denial_target,
    )
    return {
        "period": stats.period,
        "claims": stats.claims,
        "plans": stats.plans,
        "top_rules": stats.top_rules,
        "denials": stats.denials,
        "denial_target": stats.denial_target,
        "open_items_by_age": stats.open_items_by_age,
        "mean_days_to_resolve": stats.mean_days_to_resolve,
        "forwarding": await forwarding_stats(session, caller, pending_days),
    }
