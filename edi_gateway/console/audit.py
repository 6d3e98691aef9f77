"""The audit trail for ops: who read, sent or changed what, filtered and paged, through the
audit service (the same rows as GET /v1/audit)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..audit.service import AuditFilters, search_audit
from ..errors import Forbidden
from .params import date_param, number_param
from .web import ConsoleRoute, DbSession, User, render

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 50
_TEXT = {"actor": 120, "action": 40, "object_type": 40, "object_id": 64}


@router.get("/audit")
async def audit_log(request: Request, session: DbSession, user: User) -> Response:
    if not user.principal.is_ops:
        raise Forbidden("Only ops reads the audit trail")
    params = request.query_params
    text = {k: ((params.get(k) or "").strip()[:n] or None) for k, n in _TEXT.items()}
    filters = AuditFilters(
        actor=text["actor"],
        action=text["action"],
        object_type=text["object_type"],
        object_id=text["object_id"],
        since=date_param(params, "date_from"),
        until=date_param(params, "date_to"),
    )
    after = number_param(params, "cursor", 1, 2**63 - 1)
    rows, more = await search_audit(session, filters, PAGE_SIZE, after)
    given = {k: v for k, v in params.items() if v and k != "cursor"}
    return render(
        request,
        "console/audit.html",
        user,
        rows=rows,
        filters=given,
        next_cursor=str(rows[-1].id) if more and rows else None,
        paged=after is not None,
    )
