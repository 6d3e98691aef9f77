"""The figures an MSO is judged by, from SQL aggregates over what is stored:

- per submitting partner and per plan, per month or ISO week: files, claims received,
  accepted and rejected, the acceptance rate;
- the rules that reject most claims;
- per paying plan and month, from 835s: claims adjudicated, denied (CLP02 = 4, or nothing
  paid on a charge), the denial rate against a target (4% by default), the top CARCs of
  the denied claims;
- open work items by age and the mean time to resolve them.

Every query is scoped like the rest of the API: a provider sees its own files, a plan the
claims addressed to it and the 835s it sent, ops everything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..partners.service import Principal
from .repository import StatsRepository, period_bounds

__all__ = ["AGE_BUCKETS", "DEFAULT_DENIAL_TARGET", "Stats", "statistics"]

DEFAULT_DENIAL_TARGET = 0.04
#: open items by age in days: (label, lowest, highest)
AGE_BUCKETS = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91+", 91, None),
)
TOP = 5


@dataclass
class Stats:
    period: str
    claims: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    top_rules: list[dict[str, Any]] = field(default_factory=list)
    denials: list[dict[str, Any]] = field(default_factory=list)
    open_items_by_age: dict[str, int] = field(default_factory=dict)
    mean_days_to_resolve: float | None = None
    denial_target: float = DEFAULT_DENIAL_TARGET


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def statistics(
    session: AsyncSession,
    caller: Principal,
    *,
    period: str = "month",
    since: date | None = None,
    until: date | None = None,
    denial_target: float = DEFAULT_DENIAL_TARGET,
) -> Stats:
    start, end = period_bounds(since, until)
    stats = StatsRepository(session, caller, start, end)
    out = Stats(period=period, denial_target=denial_target)
    names = await stats.partner_names()
    plan_of = await stats.plans_by_receiver()

    # claims received and accepted, per submitting partner, plan (receiver) and period
    by_partner: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    by_plan: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for partner_id, receiver, when, total, accepted in await stats.claim_counts(period):
        who = names.get(partner_id) if partner_id is not None else None
        plan = names.get(plan_of[receiver]) if receiver in plan_of else None
        for target, key in ((by_partner, (who, when)), (by_plan, (plan, when))):
            target[key][0] += int(total or 0)
            target[key][1] += int(accepted or 0)
    file_counts = {
        (names.get(p) if p is not None else None, w): int(n)
        for p, w, n in await stats.file_counts(period)
    }
    for who, when in sorted(set(by_partner) | set(file_counts), key=lambda k: (k[1], k[0] or "")):
        total, accepted = by_partner.get((who, when), [0, 0])
        out.claims.append(
            {
                "partner": who,
                "period": when,
                "files": file_counts.get((who, when), 0),
                "claims_received": total,
                "claims_accepted": accepted,
                "claims_rejected": total - accepted,
                "acceptance_rate": _rate(accepted, total),
            }
        )
    for (plan, when), (total, accepted) in sorted(
        by_plan.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")
    ):
        out.plans.append(
            {
                "plan": plan,
                "period": when,
                "claims_received": total,
                "claims_accepted": accepted,
                "claims_rejected": total - accepted,
                "acceptance_rate": _rate(accepted, total),
            }
        )

    # the rules that reject most claims
    out.top_rules = [{"rule_id": r, "items": int(n)} for r, n in await stats.top_rules(TOP)]

    # denials from 835s, per paying plan and month
    top_carcs: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for who, when, code, n in await stats.denial_carcs():
        top_carcs[(who, when)].append((int(n), code))
    for who, when, total, n_denied in await stats.denial_counts():
        if not total:
            continue
        rate = _rate(int(n_denied or 0), int(total))
        ranked = sorted(top_carcs.get((who, when), []), key=lambda t: (-t[0], t[1]))
        out.denials.append(
            {
                "payer": who,
                "period": when,
                "claims_adjudicated": int(total),
                "claims_denied": int(n_denied or 0),
                "denial_rate": rate,
                "target": denial_target,
                "over_target": rate is not None and rate > denial_target,
                "top_carcs": [{"carc": c, "claims": n} for n, c in ranked[:TOP]],
            }
        )

    # the queue: open items by age, and how long closing one takes
    for label, low, high in AGE_BUCKETS:
        out.open_items_by_age[label] = await stats.open_items_aged(low, high)
    mean = await stats.mean_seconds_to_close()
    out.mean_days_to_resolve = round(mean / 86400, 2) if mean is not None else None
    return out
