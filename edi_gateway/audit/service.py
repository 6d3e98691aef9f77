"""Reading the audit trail: filtered, newest first, as rows or CSV (the API and the CLI)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from .repository import AuditFilters, AuditRepository

__all__ = ["CSV_COLUMNS", "AuditFilters", "AuditRow", "audit_csv", "search_audit"]

CSV_COLUMNS = ("id", "at", "actor", "key_prefix", "action", "object_type", "object_id", "detail")


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


async def search_audit(
    session: AsyncSession, f: AuditFilters, limit: int, after: int | None = None
) -> tuple[list[AuditRow], bool]:
    rows = await AuditRepository(session).page(f, limit, after)
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
