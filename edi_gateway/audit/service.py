"""Reading the audit trail: filtered, newest first, as rows or CSV (the API and the CLI)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import AuditEvent, Partner

__all__ = ["CSV_COLUMNS", "AuditFilters", "AuditRow", "audit_csv", "search_audit"]

CSV_COLUMNS = ("id", "at", "actor", "key_prefix", "action", "object_type", "object_id", "detail")


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str | None = None  # partner name; "gateway" for the command line
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    key_prefix: str | None
    action: str
    object_type: str
    object_id: str | None
    detail: str | None


def _statement(f: AuditFilters) -> Select[AuditEvent, str]:
    stmt = select(AuditEvent, Partner.name).outerjoin(Partner, Partner.id == AuditEvent.partner_id)
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


async def search_audit(
    session: AsyncSession, f: AuditFilters, limit: int, after: int | None = None
) -> tuple[list[AuditRow], bool]:
    stmt = _statement(f)
    if after is not None:
        stmt = stmt.where(AuditEvent.id < after)
    rows = (await session.execute(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1))).all()
    out = [
        AuditRow(
            e.id,
            e.at,
            name or "gateway",
            e.key_prefix,
            e.action,
            e.resource_type,
            e.resource_id,
            e.detail,
        )
        for e, name in rows[:limit]
    ]
    return out, len(rows) > limit


def audit_csv(rows: Sequence[AuditRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.at.isoformat(),
                r.actor,
                r.key_prefix or "",
                r.action,
                r.object_type,
                r.object_id or "",
                r.detail or "",
            ]
        )
    return out.getvalue()
