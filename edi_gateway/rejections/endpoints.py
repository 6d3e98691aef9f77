"""HTTP routes of the work queue: list and export, one item with its history, change."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, IsoDate, Limit, after_id, next_cursor
from ..audit import audit
from ..errors import BadRequest, NotFound
from ..models import WorkItem
from ..partners.service import Principal
from ..repository import is_row_id
from .repository import ItemFilters, WorkItemRepository
from .schemas import (
    BulkChange,
    BulkResult,
    ItemEvent,
    ItemFinding,
    WorkItemChange,
    WorkItemDetail,
    WorkItemList,
    WorkItemOut,
)
from .service import BULK_CAP, age_days, change_item, change_items, fix_of

router = APIRouter(prefix="/v1", tags=["rejections"])

StateName = Literal[
    "open", "in_progress", "waiting_on_provider", "resolved", "wont_fix", "closed_by_resubmission"
]
KindName = Literal["rejected_by_gateway", "denied", "rejected_by_plan"]
_PARTNER = "Submitting partner's name (ops sees every partner's items)"
_TYPES = "837P, 837I, 837D, 834 or 835"
_FREE_TEXT = "Free text in claim id, member id, rule id or assignee"

#: rows in one CSV export
EXPORT_CAP = 100_000
CSV_COLUMNS = (
    "id", "kind", "subject", "state", "partner", "plan", "transaction_type", "claim_id",
    "member_id", "billing_npi", "service_date", "amount", "rule_id", "code", "message",
    "fix", "assignee", "age_days", "submission_id", "set_ordinal", "line", "created_at",
    "closed_at",
)  # fmt: skip


def _out(item: WorkItem, names: dict[int, str]) -> WorkItemOut:
    findings = [
        ItemFinding(
            rule_id=_s(f.get("rule_id")),
            code=_s(f.get("code")),
            snip_level=_i(f.get("snip_level")),
            severity=_s(f.get("severity")),
            message=_s(f.get("message")),
            fix=fix_of(f),
            segment_id=_s(f.get("segment_id")),
            element=_s(f.get("element")),
            loop=_s(f.get("loop")),
            line=_i(f.get("line")),
            guide=_s(f.get("guide")),
        )
        for f in item.findings or []
    ]
    return WorkItemOut(
        id=item.id,
        kind=item.kind,
        subject=item.subject,
        state=item.state,
        partner=names.get(item.partner_id) if item.partner_id is not None else None,
        plan=names.get(item.plan_partner_id) if item.plan_partner_id is not None else None,
        transaction_type=item.transaction_type,
        submission_id=item.submission_id,
        set_ordinal=item.set_ordinal,
        st_control_number=item.st_control_number,
        line=item.line,
        claim_id=item.claim_id,
        member_id=item.member_id,
        billing_npi=item.billing_npi,
        service_date=item.service_date,
        amount=item.amount,
        rule_id=item.rule_id,
        code=item.code,
        findings=findings,
        assignee=item.assignee,
        age_days=age_days(item),
        created_at=item.created_at,
        updated_at=item.updated_at,
        closed_at=item.closed_at,
        closed_by_submission_id=item.closed_by_submission_id,
        closed_by_encounter_id=item.closed_by_encounter_id,
    )


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _i(value: object) -> int | None:
    return value if isinstance(value, int) else None


async def _names(repo: WorkItemRepository, items: list[WorkItem]) -> dict[int, str]:
    ids = {i for it in items for i in (it.partner_id, it.plan_partner_id) if i is not None}
    return await repo.partner_names(ids)


def _csv(items: list[WorkItemOut]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for it in items:
        first = it.findings[0] if it.findings else None
        row = it.model_dump()
        row["message"] = first.message if first else None
        row["fix"] = first.fix if first else None
        writer.writerow(["" if row.get(c) is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()


async def export_csv(session: AsyncSession, caller: Principal, filters: ItemFilters) -> Response:
    """The whole filtered view (up to ``EXPORT_CAP`` rows) as a CSV download, audited (the
    API's ``Accept: text/csv`` and the console's export)."""
    repo = WorkItemRepository(session)
    rows = await repo.all(repo.search(caller, filters), EXPORT_CAP)
    names = await _names(repo, rows)
    await audit(session, caller, "export", "work_item", None, f"{len(rows)} rows")
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        _csv([_out(r, names) for r in rows]),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="rejections-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/rejections",
    response_model=WorkItemList,
    summary="The work queue: rejected claims, members, sets and files, newest first",
    description="Filters combine. `Accept: text/csv` exports the whole filtered view "
    f"(up to {EXPORT_CAP:,} rows) as CSV instead of one page.",
    responses={
        **PROBLEMS,
        200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}},
    },
)
async def list_items(
    request: Request,
    session: Session,
    caller: Caller,
    state: Annotated[StateName | None, Query(description="The item's state")] = None,
    kind: Annotated[KindName | None, Query(description="Why the item exists")] = None,
    partner: Annotated[str | None, Query(description=_PARTNER, max_length=120)] = None,
    plan: Annotated[str | None, Query(description="Plan partner's name", max_length=120)] = None,
    transaction_type: Annotated[str | None, Query(description=_TYPES, max_length=10)] = None,
    rule_id: Annotated[str | None, Query(max_length=40)] = None,
    code: Annotated[str | None, Query(max_length=10)] = None,
    claim_id: Annotated[str | None, Query(description="CLM01", max_length=80)] = None,
    member_id: Annotated[str | None, Query(max_length=80)] = None,
    assignee: Annotated[str | None, Query(max_length=120)] = None,
    submission_id: Annotated[
        str | None, Query(description="The items one submission opened", max_length=36)
    ] = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    received_from: Annotated[IsoDate | None, Query(description="Opened on or after")] = None,
    received_to: Annotated[IsoDate | None, Query(description="Opened on or before")] = None,
    q: Annotated[str | None, Query(description=_FREE_TEXT, max_length=80)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> WorkItemList | Response:
    repo = WorkItemRepository(session)
    filters = ItemFilters(
        state, kind, partner, plan, transaction_type, rule_id, code, claim_id, member_id,
        assignee, min_age_days, received_from, received_to, q, submission_id=submission_id,
    )  # fmt: skip
    stmt = repo.search(caller, filters)
    if "text/csv" in request.headers.get("accept", ""):
        return await export_csv(session, caller, filters)
    rows, more = await repo.page(stmt, limit, after_id(cursor))
    names = await _names(repo, rows)
    await audit(session, caller, "search", "work_item", None, f"{len(rows)} results")
    return WorkItemList(items=[_out(r, names) for r in rows], next_cursor=next_cursor(rows, more))


async def _item(repo: WorkItemRepository, caller: Caller, item_id: int) -> WorkItem:
    item = await repo.get(caller, item_id) if is_row_id(item_id) else None
    if item is None:
        raise NotFound(f"No work item {item_id}")
    return item


async def _detail(repo: WorkItemRepository, item: WorkItem) -> WorkItemDetail:
    names = await _names(repo, [item])
    history = [
        ItemEvent(
            at=e.at,
            actor=e.actor,
            action=e.action,
            old_value=e.old_value,
            new_value=e.new_value,
            note=e.note,
        )
        for e in await repo.history(item.id)
    ]
    return WorkItemDetail(**_out(item, names).model_dump(), history=history)


_ONE = {**PROBLEMS, 404: {"description": "No such item, or not yours (problem+json)"}}


@router.get(
    "/rejections/{item_id}",
    response_model=WorkItemDetail,
    summary="One work item: its findings, how to fix each, and its history",
    responses=_ONE,
)
async def get_item(session: Session, caller: Caller, item_id: int) -> WorkItemDetail:
    repo = WorkItemRepository(session)
    item = await _item(repo, caller, item_id)
    await audit(session, caller, "read", "work_item", str(item.id))
    return await _detail(repo, item)


@router.patch(
    "/rejections/{item_id}",
    response_model=WorkItemDetail,
    summary="Change a work item's state or assignee, or add a note",
    responses={**_ONE, 400: {"description": "Nothing to change (problem+json)"}},
)
async def change(
    session: Session, caller: Caller, item_id: int, body: WorkItemChange
) -> WorkItemDetail:
    if body.state is None and body.assignee is None and not body.note:
        raise BadRequest("Send at least one of state, assignee or note")
    repo = WorkItemRepository(session)
    item = await _item(repo, caller, item_id)
    events = await change_item(
        session, item, caller.name, state=body.state, assignee=body.assignee, note=body.note
    )
    await session.flush()
    await audit(
        session,
        caller,
        "update",
        "work_item",
        str(item.id),
        ", ".join(e.action for e in events) or "no change",
    )
    return await _detail(repo, item)


@router.post(
    "/rejections/bulk",
    response_model=BulkResult,
    summary="Change every work item a filter matches (state, assignee, note)",
    description=f"Applies to the items the caller may see, up to {BULK_CAP:,} at a time; "
    "each item's history records the change.",
    responses={**PROBLEMS, 400: {"description": "Nothing to change (problem+json)"}},
)
async def bulk_change(session: Session, caller: Caller, body: BulkChange) -> BulkResult:
    if body.state is None and body.assignee is None and not body.note:
        raise BadRequest("Send at least one of state, assignee or note")
    f = body.filter
    filters = ItemFilters(
        f.state, f.kind, f.partner, f.plan, f.transaction_type, f.rule_id, f.code,
        f.claim_id, f.member_id, f.assignee, f.min_age_days, submission_id=f.submission_id,
    )  # fmt: skip
    matched, changed = await change_items(
        session, caller, filters, state=body.state, assignee=body.assignee, note=body.note
    )
    return BulkResult(matched=matched, changed=changed)
