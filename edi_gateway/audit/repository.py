"""The SQL of the audit trail: events filtered, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import AuditEvent, Partner

__all__ = ["AuditFilters", "AuditRepository"]


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str | None = None  # partner name; "gateway" for the command line
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _statement(f: AuditFilters) -> Select[AuditEvent, str]:
        stmt = select(AuditEvent, Partner.name).outerjoin(
            Partner, Partner.id == AuditEvent.partner_id
        )
        if f.actor == "gateway":
            stmt = stmt.where(AuditEvent.partner_id.is_(None))
        elif f.actor is not None:
            stmt = stmt.where(Partner.name == f.actor)
        if f.action is not None:
            stmt = stmt.where(AuditEvent.action == f.action)
        if f.object_type is not None:
            stmt = stmt.where(AuditEvent.resource_type == f.object_type)
        if f.object_id is not None:
            stmt = stmt.where(AuditEvent.resource_id == f.object_id)
        if f.since is not None:
            stmt = stmt.where(AuditEvent.at >= datetime.combine(f.since, datetime.min.time(), UTC))
        if f.until is not None:
            end = datetime.combine(f.until + timedelta(days=1), datetime.min.time(), UTC)
            stmt = stmt.where(AuditEvent.at < end)
        return stmt

    async def page(
        self, f: AuditFilters, limit: int, after: int | None
    ) -> Sequence[Row[AuditEvent, str]]:
        """Up to ``limit + 1`` events (the extra one says more follow) with the actor's
        partner name, newest first, after the cursor."""
        stmt = self._statement(f)
        if after is not None:
            stmt = stmt.where(AuditEvent.id < after)
        return (
            await self.session.execute(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1))
        ).all()
