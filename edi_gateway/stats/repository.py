"""The SQL aggregates behind the statistics, each scoped like the rest of the API: a
provider sees its own files, a plan the claims addressed to it and the 835s it sent, ops
everything. Counts come from the per-set and per-835 totals the writers keep, not from a
row per claim, so they stay fast at millions of claims (benchmarks/bench_queue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, false, func, literal_column, or_, select, true
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

__all__ = ["StatsRepository", "period_bounds"]


class StatsRepository:
    """The aggregates one caller may see, over what was received from ``start`` (inclusive)
    to ``end`` (exclusive)."""

    def __init__(
        self, session: AsyncSession, caller: Principal, start: datetime, end: datetime
    ) -> None:
        self.session = session
        self.caller = caller
        self.start = start
        self.end = end
        self.dialect = session.bind.dialect.name if session.bind is not None else "sqlite"

    def _bucket(self, column: Any, period: str) -> Any:
        # the format is written into the SQL (not a parameter) so that PostgreSQL sees the
        # same expression in SELECT and GROUP BY
        if self.dialect == "postgresql":
            fmt = """'IYYY-"W"IW'""" if period == "week" else "'YYYY-MM'"
            return func.to_char(column, literal_column(fmt))
        fmt = "'%Y-W%W'" if period == "week" else "'%Y-%m'"
        return func.strftime(literal_column(fmt), column)

    def _submissions(self) -> ColumnElement[bool]:
        if self.caller.is_ops:
            return true()
        ids = sorted(self.caller.identifiers)
        clauses = [Submission.partner_id == self.caller.partner_id]
        if ids:
            clauses.append(TransactionSet.receiver_id.in_(ids))
        return or_(*clauses)

    def _items(self) -> ColumnElement[bool]:
        if self.caller.is_ops:
            return true()
        mine = self.caller.partner_id
        return or_(WorkItem.partner_id == mine, WorkItem.plan_partner_id == mine)

    def _payments(self) -> ColumnElement[bool]:
        if self.caller.is_ops:
            scope: ColumnElement[bool] = true()
        else:
            ids = sorted(self.caller.identifiers)
            providers = select(PartnerProvider.npi).where(
                PartnerProvider.partner_id == self.caller.partner_id
            )
            scope = or_(
                Payment.partner_id == self.caller.partner_id,
                Payment.receiver_id.in_(ids) if ids else false(),
                Payment.payee_npi.in_(providers),
            )
        return and_(
            scope, Payment.payment_date >= self.start.date(), Payment.payment_date < self.end.date()
        )

    async def partner_names(self) -> dict[int, str]:
        rows = await self.session.execute(select(Partner.id, Partner.name))
        return {int(i): n for i, n in rows.all()}

    async def plans_by_receiver(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(PartnerIdentifier.value, Partner.id)
            .join(Partner, Partner.id == PartnerIdentifier.partner_id)
            .where(Partner.role == "plan")
        )
        return {v: int(p) for v, p in rows.all()}

    async def claim_counts(self, period: str) -> Sequence[Row[Any, Any, Any, Any, Any]]:
        """(submitting partner id, receiver id, period, claims, claims stored) of 837s."""
        bucket = self._bucket(Submission.received_at, period)
        rows = await self.session.execute(
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
                self._submissions(),
                TransactionSet.transaction_type.in_(("837P", "837I", "837D")),
                Submission.received_at >= self.start,
                Submission.received_at < self.end,
            )
            .group_by(Submission.partner_id, TransactionSet.receiver_id, bucket)
        )
        return rows.all()

    async def file_counts(self, period: str) -> Sequence[Row[Any, Any, int]]:
        """(submitting partner id, period, files) of the caller's own files (ops: all)."""
        bucket = self._bucket(Submission.received_at, period)
        mine = true() if self.caller.is_ops else Submission.partner_id == self.caller.partner_id
        rows = await self.session.execute(
            select(Submission.partner_id, bucket, func.count())
            .where(Submission.received_at >= self.start, Submission.received_at < self.end, mine)
            .group_by(Submission.partner_id, bucket)
        )
        return rows.all()

    async def top_rules(self, limit: int) -> Sequence[Row[Any, int]]:
        """(rule id, work items) of the rules that opened most items."""
        rows = await self.session.execute(
            select(WorkItem.rule_id, func.count().label("n"))
            .where(
                self._items(),
                WorkItem.rule_id.is_not(None),
                WorkItem.created_at >= self.start,
                WorkItem.created_at < self.end,
            )
            .group_by(WorkItem.rule_id)
            .order_by(func.count().desc(), WorkItem.rule_id)
            .limit(limit)
        )
        return rows.all()

    def _payer(self) -> Any:
        return func.coalesce(Payment.payer_name, Payment.sender_id)

    async def denial_counts(self) -> Sequence[Row[Any, Any, Any, Any]]:
        """(payer, month, claims adjudicated, claims denied) from the 835s' own counts."""
        payer, month = self._payer(), self._bucket(Payment.payment_date, "month")
        rows = await self.session.execute(
            select(payer, month, func.sum(Payment.claims_count), func.sum(Payment.claims_denied))
            .where(self._payments())
            .group_by(payer, month)
            .order_by(month, payer)
        )
        return rows.all()

    async def denial_carcs(self) -> Sequence[Row[Any, Any, Any, Any]]:
        """(payer, month, CARC, denied claims) of the denied claims."""
        payer, month = self._payer(), self._bucket(Payment.payment_date, "month")
        rows = await self.session.execute(
            select(payer, month, PaymentDenialCode.carc, func.sum(PaymentDenialCode.claims))
            .select_from(PaymentDenialCode)
            .join(Payment, Payment.id == PaymentDenialCode.payment_id)
            .where(self._payments())
            .group_by(payer, month, PaymentDenialCode.carc)
        )
        return rows.all()

    async def open_items_aged(self, low: int, high: int | None) -> int:
        """Open items opened ``low`` to ``high`` days ago (``None``: or longer)."""
        now = datetime.now(UTC)
        cond = [
            self._items(),
            WorkItem.state.in_(OPEN_STATES),
            WorkItem.created_at <= now - timedelta(days=low),
        ]
        if high is not None:
            cond.append(WorkItem.created_at > now - timedelta(days=high + 1))
        stmt = select(func.count()).select_from(WorkItem).where(*cond)
        return int((await self.session.execute(stmt)).scalar_one())

    async def mean_seconds_to_close(self) -> float | None:
        if self.dialect == "postgresql":
            seconds = func.avg(func.extract("epoch", WorkItem.closed_at - WorkItem.created_at))
        else:
            seconds = func.avg(
                (func.julianday(WorkItem.closed_at) - func.julianday(WorkItem.created_at)) * 86400
            )
        stmt = select(seconds).where(self._items(), WorkItem.closed_at.is_not(None))
        mean = (await self.session.execute(stmt)).scalar_one()
        return float(mean) if mean is not None else None


def period_bounds(since: date | None, until: date | None) -> tuple[datetime, datetime]:
    """[start, end) of the days from ``since`` to ``until`` (open ends: all time)."""
    start = datetime.combine(since or date(1900, 1, 1), datetime.min.time(), UTC)
    end = datetime.combine(
        (until or date(9999, 12, 30)) + timedelta(days=1), datetime.min.time(), UTC
    )
    return start, end
