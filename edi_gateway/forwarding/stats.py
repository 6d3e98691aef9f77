"""Forwarding figures per plan for ``GET /v1/stats``: claims forwarded, accepted and
rejected by the plan, paid, denied, and still waiting for an answer (in all, and for more
than ``pending_days``). Ops sees every plan; a plan its own claims; a provider the claims
it submitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import ForwardedClaim, Partner
from ..partners.service import Principal

__all__ = ["DEFAULT_PENDING_DAYS", "forwarding_stats"]

DEFAULT_PENDING_DAYS = 14
_STATES = ("accepted_by_plan", "rejected_by_plan", "paid", "denied")


def _scope(caller: Principal) -> ColumnElement[bool]:
    if caller.is_ops:
        return true()
    return (ForwardedClaim.plan_partner_id == caller.partner_id) | (
        ForwardedClaim.partner_id == caller.partner_id
    )


async def forwarding_stats(
    session: AsyncSession, caller: Principal, pending_days: int = DEFAULT_PENDING_DAYS
) -> list[dict[str, Any]]:
    cutoff = datetime.now(UTC) - timedelta(days=pending_days)
    waiting = ForwardedClaim.state == "forwarded"
    rows = await session.execute(
        select(
            Partner.name,
            func.count(),
            *[func.sum(case((ForwardedClaim.state == s, 1), else_=0)) for s in _STATES],
            func.sum(case((waiting, 1), else_=0)),
            func.sum(case((waiting & (ForwardedClaim.forwarded_at < cutoff), 1), else_=0)),
        )
        .join(Partner, Partner.id == ForwardedClaim.plan_partner_id)
        .where(_scope(caller))
        .group_by(Partner.name)
        .order_by(Partner.name)
    )
    out: list[dict[str, Any]] = []
    for name, total, accepted, rejected, paid, denied, pending, late in rows.all():
        answered = int(accepted or 0) + int(rejected or 0) + int(paid or 0) + int(denied or 0)
        out.append(
            {
                "plan": name,
                "forwarded": int(total),
                "accepted_by_plan": int(accepted or 0),
                "rejected_by_plan": int(rejected or 0),
                "paid": int(paid or 0),
                "denied": int(denied or 0),
                "pending": int(pending or 0),
                "pending_over_days": int(late or 0),
                "pending_days": pending_days,
                "plan_rejection_rate": round(int(rejected or 0) / answered, 4)
                if answered
                else None,
            }
        )
    return out
