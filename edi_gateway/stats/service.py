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
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    Partner,
    PartnerIdentifier,
    PartnerProvider,
    Payment,
    PaymentDenialCode,
    Submission,
    TransactionSet,
    WorkItem,
)
from ..partners.service import Principal
from ..statuses import OPEN_STATES

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


def _bucket(column: Any, period: str, dialect: str) -> Any:
    # the format is written into the SQL (not a parameter) so that PostgreSQL sees the same
    # expression in SELECT and GROUP BY
    if dialect == "postgresql":
        fmt = """'IYYY-"W"IW'""" if period == "week" else "'YYYY-MM'"
        return func.to_char(column, literal_column(fmt))
    fmt = "'%Y-W%W'" if period == "week" else "'%Y-%m'"
    return func.strftime(literal_column(fmt), column)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _submissions_scope(caller: Principal) -> ColumnElement[bool]:
    if caller.is_ops:
        return true()
    ids = sorted(caller.identifiers)
    clauses = [Submission.partner_id == caller.partner_id]
    if ids:
        clauses.append(TransactionSet.receiver_id.in_(ids))
    return or_(*clauses)


async def statistics(
    session: AsyncSession,
    caller: Principal,
    *,
    period: str = "month",
    since: date | None = None,
    until: date | None = None,
    denial_target: float = DEFAULT_DENIAL_TARGET,
) -> Stats:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    start = datetime.combine(since or date(1900, 1, 1), datetime.min.time(), UTC)
    end = datetime.combine(
        (until or date(9999, 12, 30)) + timedelta(days=1), datetime.min.time(), UTC
    )
    out = Stats(period=period, denial_target=denial_target)
    names = {int(i): n for i, n in (await session.execute(select(Partner.id, Partner.name))).all()}
    plan_of = {
        v: int(p)
        for v, p in (
            await session.execute(
                select(PartnerIdentifier.value, Partner.id)
                .join(Partner, Partner.id == PartnerIdentifier.partner_id)
                .where(Partner.role == "plan")
            )
        ).all()
    }

    # claims received and accepted, per submitting partner, plan (receiver) and period,
    # from the per-set counts the pipeline keeps (one row per transaction set, not per
    # claim: the figures stay fast at millions of claims; benchmarks/bench_queue.py)
    bucket = _bucket(Submission.received_at, period, dialect)
    rows = await session.execute(
        select(
            Submission.partner_id,
            TransactionSet.receiver_id,
            bucket,
            func.sum(TransactionSet.units),
            func.sum(TransactionSet.units_stored),
        )
        .select_from(TransactionSet)
        .join(Submission, Submission.id == TransactionSet.submission_id)
        .where(
            _submissions_scope(caller),
            TransactionSet.transaction_type.in_(("837P", "837I", "837D")),
            Submission.received_at >= start,
            Submission.received_at < end,
        )
        .group_by(Submission.partner_id, TransactionSet.receiver_id, bucket)
    )
    by_partner: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    by_plan: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for partner_id, receiver, when, total, accepted in rows.all():
        who = names.get(partner_id) if partner_id is not None else None
        plan = names.get(plan_of[receiver]) if receiver in plan_of else None
        for target, key in ((by_partner, (who, when)), (by_plan, (plan, when))):
            target[key][0] += int(total or 0)
            target[key][1] += int(accepted or 0)
    files = await session.execute(
        select(
            Submission.partner_id, _bucket(Submission.received_at, period, dialect), func.count()
        )
        .where(
            Submission.received_at >= start,
            Submission.received_at < end,
            true() if caller.is_ops else Submission.partner_id == caller.partner_id,
        )
        .group_by(Submission.partner_id, _bucket(Submission.received_at, period, dialect))
    )
    file_counts = {(names.get(p) if p is not None else None, w): int(n) for p, w, n in files.all()}
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
    item_scope = (
        true()
        if caller.is_ops
        else or_(
            WorkItem.partner_id == caller.partner_id, WorkItem.plan_partner_id == caller.partner_id
        )
    )
    top = await session.execute(
        select(WorkItem.rule_id, func.count().label("n"))
        .where(
            item_scope,
            WorkItem.rule_id.is_not(None),
            WorkItem.created_at >= start,
            WorkItem.created_at < end,
        )
        .group_by(WorkItem.rule_id)
        .order_by(func.count().desc(), WorkItem.rule_id)
        .limit(TOP)
    )
    out.top_rules = [{"rule_id": r, "items": int(n)} for r, n in top.all()]

    # denials from 835s, per paying plan and month, from the per-835 counts the writer
    # keeps (payments.claims_count / claims_denied, payment_denial_codes)
    pay_scope: ColumnElement[bool] = true()
    if not caller.is_ops:
        ids = sorted(caller.identifiers)
        pay_scope = or_(
            Payment.partner_id == caller.partner_id,
            Payment.receiver_id.in_(ids) if ids else false(),
            Payment.payee_npi.in_(
                select(PartnerProvider.npi).where(PartnerProvider.partner_id == caller.partner_id)
            ),
        )
    paid_month = _bucket(Payment.payment_date, "month", dialect)
    payer = func.coalesce(Payment.payer_name, Payment.sender_id)
    in_range = and_(
        pay_scope, Payment.payment_date >= start.date(), Payment.payment_date < end.date()
    )
    rows = await session.execute(
        select(payer, paid_month, func.sum(Payment.claims_count), func.sum(Payment.claims_denied))
        .where(in_range)
        .group_by(payer, paid_month)
        .order_by(paid_month, payer)
    )
    carcs = await session.execute(
        select(payer, paid_month, PaymentDenialCode.carc, func.sum(PaymentDenialCode.claims))
        .select_from(PaymentDenialCode)
        .join(Payment, Payment.id == PaymentDenialCode.payment_id)
        .where(in_range)
        .group_by(payer, paid_month, PaymentDenialCode.carc)
    )
    top_carcs: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for who, when, code, n in carcs.all():
        top_carcs[(who, when)].append((int(n), code))
    for who, when, total, n_denied in rows.all():
        if not total:
            continue
        rate = _rate(int(n_denied or 0), int(total))
        out.denials.append(
            {
                "payer": who,
                "period": when,
                "claims_adjudicated": int(total),
                "claims_denied": int(n_denied or 0),
                "denial_rate": rate,
                "target": denial_target,
                "over_target": rate is not None and rate > denial_target,
                "top_carcs": [
                    {"carc": c, "claims": n}
                    for n, c in sorted(top_carcs.get((who, when), []), key=lambda t: (-t[0], t[1]))[
                        :TOP
                    ]
                ],
            }
        )

    # the queue: open items by age, and how long closing one takes
    now = datetime.now(UTC)
    for label, low, high in AGE_BUCKETS:
        cond = [
            item_scope,
            WorkItem.state.in_(OPEN_STATES),
            WorkItem.created_at <= now - timedelta(days=low),
        ]
        if high is not None:
            cond.append(WorkItem.created_at > now - timedelta(days=high + 1))
        out.open_items_by_age[label] = int(
            (
                await session.execute(select(func.count()).select_from(WorkItem).where(*cond))
            ).scalar_one()
        )
    if dialect == "postgresql":
        seconds = func.avg(func.extract("epoch", WorkItem.closed_at - WorkItem.created_at))
    else:
        seconds = func.avg(
            (func.julianday(WorkItem.closed_at) - func.julianday(WorkItem.created_at)) * 86400
        )
    mean = (
        await session.execute(select(seconds).where(item_scope, WorkItem.closed_at.is_not(None)))
    ).scalar_one()
    out.mean_days_to_resolve = round(float(mean) / 86400, 2) if mean is not None else None
    return out
