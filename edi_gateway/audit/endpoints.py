"""GET /v1/audit: the audit trail for ops, paged or as CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, IsoDate, Limit, after_id
from ..audit import audit
from ..errors import Forbidden
from .service import AuditFilters, audit_csv, search_audit

router = APIRouter(prefix="/v1", tags=["audit"])
EXPORT_CAP = 100_000
_ACTOR = "Partner name, or gateway (the command line)"
_ACTION = "read, search, export, submit, create, update, rotate, revoke..."
_OBJECT = "encounter, member, remittance, submission, work_item, partner, api_key..."


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    key_prefix: str | None
    action: str
    object_type: str
    object_id: str | None
    detail: str | None


class AuditList(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


@router.get(
    "/audit",
    response_model=AuditList,
    summary="The audit trail (ops only), newest first",
    description="Who read, sent or changed what and when: ids and control numbers, never "
    "member data. `Accept: text/csv` exports the filtered view.",
    responses={
        **PROBLEMS,
        403: {"description": "Only ops keys read the audit trail (problem+json)"},
        200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}},
    },
)
async def list_audit(
    request: Request,
    session: Session,
    caller: Caller,
    actor: Annotated[str | None, Query(description=_ACTOR, max_length=120)] = None,
    action: Annotated[str | None, Query(description=_ACTION, max_length=40)] = None,
    object_type: Annotated[str | None, Query(description=_OBJECT, max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[IsoDate | None, Query(description="On or after")] = None,
    date_to: Annotated[IsoDate | None, Query(description="On or before")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditList | Response:
    if not caller.is_ops:
        raise Forbidden("Only ops keys read the audit trail")
    filters = AuditFilters(actor, action, object_type, object_id, date_from, date_to)
    if "text/csv" in request.headers.get("accept", ""):
        rows, _ = await search_audit(session, filters, EXPORT_CAP)
        await audit(session, caller, "export", "audit", None, f"{len(rows)} rows")
        return Response(audit_csv(rows), media_type="text/csv; charset=utf-8")
    rows, more = await search_audit(session, filters, limit, after_id(cursor))
    return AuditList(
        items=[AuditEntry.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=str(rows[-1].id) if more and rows else None,
    )
