"""Queries of the work queue, always scoped to what the caller may see: ops sees every
item; a provider or clearinghouse the items of its own files; a plan the items of files
addressed to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Partner, WorkItem, WorkItemEvent
from ..partners.service import Principal
from ..statuses import OPEN_STATES, WorkItemKind

__all__ = ["ItemFilters", "WorkItemRepository"]


@dataclass(frozen=True, slots=True)
class ItemFilters:
    state: str | None = None
    kind: str | None = None
    partner: str | None = None
    plan: str | None = None
    transaction_type: str | None = None
    rule_id: str | None = None
    code: str | None = None
    claim_id: str | None = None
    member_id: str | None = None
    assignee: str | None = None
    min_age_days: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    #: any of the open states (open, in_progress, waiting_on_provider)
    open_only: bool = False
    #: the items one submission opened
    submission_id: str | None = None


def readable(caller: Principal) -> ColumnElement[bool]:
    if caller.is_ops:
        return true()
    return or_(
        WorkItem.partner_id == caller.partner_id, WorkItem.plan_partner_id == caller.partner_id
    )


class WorkItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def search(self, caller: Principal, f: ItemFilters) -> Select[WorkItem]:
        stmt = select(WorkItem).where(readable(caller))
        exact = {
            WorkItem.state: f.state,
            WorkItem.kind: f.kind,
            WorkItem.transaction_type: f.transaction_type,
            WorkItem.rule_id: f.rule_id,
            WorkItem.code: f.code,
            WorkItem.claim_id: f.claim_id,
            WorkItem.member_id: f.member_id,
            WorkItem.assignee: f.assignee,
            WorkItem.submission_id: f.submission_id,
        }
        for column, value in exact.items():
            if value is not None:
                stmt = stmt.where(column == value)
        if f.open_only:
            stmt = stmt.where(WorkItem.state.in_(OPEN_STATES))
        if f.partner is not None:
            stmt = stmt.where(
                WorkItem.partner_id.in_(select(Partner.id).where(Partner.name == f.partner))
            )
        if f.plan is not None:
            stmt = stmt.where(
                WorkItem.plan_partner_id.in_(select(Partner.id).where(Partner.name == f.plan))
            )
        now = datetime.now(UTC)
        if f.min_age_days is not None:
            stmt = stmt.where(WorkItem.created_at <= now - timedelta(days=f.min_age_days))
        if f.received_from is not None:
            start = datetime.combine(f.received_from, datetime.min.time(), UTC)
            stmt = stmt.where(WorkItem.created_at >= start)
        if f.received_to is not None:
            end = datetime.combine(f.received_to + timedelta(days=1), datetime.min.time(), UTC)
            stmt = stmt.where(WorkItem.created_at < end)
        if f.q:
            like = f"%{f.q}%"
            stmt = stmt.where(
                or_(
                    WorkItem.claim_id.ilike(like),
                    WorkItem.member_id.ilike(like),
                    WorkItem.rule_id.ilike(like),
                    WorkItem.assignee.ilike(like),
                )
            )
        return stmt

    async def page(
        self, stmt: Select[WorkItem], limit: int, after: int | None
    ) -> tuple[list[WorkItem], bool]:
        if after is not None:
            stmt = stmt.where(WorkItem.id < after)
        rows = list(
            (await self.session.execute(stmt.order_by(WorkItem.id.desc()).limit(limit + 1)))
            .scalars()
            .all()
        )
        return rows[:limit], len(rows) > limit

    async def all(self, stmt: Select[WorkItem], cap: int) -> list[WorkItem]:
        return list(
            (await self.session.execute(stmt.order_by(WorkItem.id.desc()).limit(cap)))
            .scalars()
            .all()
        )

    async def get(self, caller: Principal, item_id: int) -> WorkItem | None:
        return (
            await self.session.execute(
                select(WorkItem).where(WorkItem.id == item_id, readable(caller))
            )
        ).scalar_one_or_none()

    async def history(self, item_id: int) -> list[WorkItemEvent]:
        return list(
            (
                await self.session.execute(
                    select(WorkItemEvent)
                    .where(WorkItemEvent.item_id == item_id)
                    .order_by(WorkItemEvent.id)
                )
            )
            .scalars()
            .all()
        )

    async def plan_rejections_of(self, submission_id: str) -> list[WorkItem]:
        """The claims of a submission that the plan rejected after we forwarded them."""
        rows = await self.session.execute(
            select(WorkItem)
            .where(
                WorkItem.submission_id == submission_id,
                WorkItem.kind == WorkItemKind.REJECTED_BY_PLAN,
            )
            .order_by(WorkItem.id)
        )
        return list(rows.scalars())

    async def partner_names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Partner.id, Partner.name).where(Partner.id.in_(sorted(ids)))
        )
        return {int(i): n for i, n in rows.all()}
