"""The work queue: the list (its filters in the URL, so a view can be shared; paged), and
one item with its findings, the offending segments, its history and the forms that
assign it, change its state or add a note. Reads and changes go through the queue's own
repository and service, audited as the API audits them."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from ..audit import audit
from ..errors import BadRequest, NotFound
from ..models import WorkItem
from ..rejections.endpoints import export_csv
from ..rejections.repository import ItemFilters, WorkItemRepository
from ..rejections.schemas import SETTABLE, WorkItemChange
from ..rejections.service import BULK_CAP, age_days, change_item, change_items, fix_of
from ..reports.explain import scan_file, segment_excerpt
from ..repository import is_row_id
from ..statuses import WorkItemKind, WorkItemState
from ..submissions.filestore import FileStore
from ..submissions.service import get_submission
from .params import choice_param, date_param, number_param
from .web import ConsoleRoute, DbSession, Form, User, render, see_other

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 20
STATES = tuple(s.value for s in WorkItemState)
KINDS = tuple(k.value for k in WorkItemKind)
TYPES = ("837P", "837I", "837D", "834", "835")
_TEXT = {
    "partner": 120,
    "plan": 120,
    "rule_id": 40,
    "code": 10,
    "claim_id": 80,
    "member_id": 80,
    "assignee": 120,
    "submission_id": 36,
    "q": 80,
}


def filters_of(params: QueryParams) -> tuple[ItemFilters, dict[str, str]]:
    """The queue's filters from the URL (empty fields ignored), and the filters given."""
    text: dict[str, str | None] = {}
    for name, longest in _TEXT.items():
        value = (params.get(name) or "").strip() or None
        if value is not None and len(value) > longest:
            raise BadRequest(f"{name} is longer than {longest} characters")
        text[name] = value
    filters = ItemFilters(
        state=choice_param(params, "state", STATES),
        kind=choice_param(params, "kind", KINDS),
        transaction_type=choice_param(params, "transaction_type", TYPES),
        min_age_days=number_param(params, "min_age_days", 0, 36500),
        received_from=date_param(params, "received_from"),
        received_to=date_param(params, "received_to"),
        open_only=params.get("open") == "1",
        **text,
    )
    given = {k: v for k, v in params.items() if v and k not in ("cursor", "limit", "done")}
    return filters, given


@router.get("/queue")
async def queue(request: Request, session: DbSession, user: User) -> Response:
    params = request.query_params
    filters, given = filters_of(params)
    limit = number_param(params, "limit", 1, 200) or PAGE_SIZE
    after = number_param(params, "cursor", 1, 2**63 - 1)
    repo = WorkItemRepository(session)
    rows, more = await repo.page(repo.search(user.principal, filters), limit, after)
    names = await repo.partner_names(
        {i for r in rows for i in (r.partner_id, r.plan_partner_id) if i is not None}
    )
    await audit(session, user.principal, "search", "work_item", None, f"{len(rows)} results")
    return render(
        request,
        "console/queue.html",
        user,
        items=[_row(r, names) for r in rows],
        filters=given,
        next_cursor=str(rows[-1].id) if more and rows else None,
        paged=after is not None,
        limit=limit if limit != PAGE_SIZE else None,
        states=STATES,
        kinds=KINDS,
        types=TYPES,
        settable=SETTABLE,
        bulk_cap=BULK_CAP,
        done=params.get("done"),
    )


@router.post("/queue/bulk")
async def bulk_change_form(
    request: Request, session: DbSession, user: User, form: Form
) -> Response:
    """One change (state, assignee, note) to every item of the view the filters in the
    address select: the API's bulk change, up to BULK_CAP items, each in its history."""
    filters, given = filters_of(request.query_params)
    change = _change_of(form)
    matched, changed = await change_items(
        session,
        user.principal,
        filters,
        state=change.state,
        assignee=change.assignee or None,  # an empty field leaves assignees as they are
        note=change.note,
    )
    done = f"Changed {changed} of {matched} matching item{'s' if matched != 1 else ''}"
    return see_other(f"/console/queue?{urlencode({**given, 'done': done})}")


@router.get("/queue.csv")
async def queue_csv(request: Request, session: DbSession, user: User) -> Response:
    """The filtered view as CSV, the API's export (the same columns, audited)."""
    filters, _ = filters_of(request.query_params)
    return await export_csv(session, user.principal, filters)


def _row(item: WorkItem, names: dict[int, str]) -> dict[str, Any]:
    first = (item.findings or [{}])[0]
    return {
        "item": item,
        "partner": names.get(item.partner_id) if item.partner_id is not None else None,
        "plan": names.get(item.plan_partner_id) if item.plan_partner_id is not None else None,
        "message": first.get("message"),
        "age": age_days(item),
    }


async def _item(session: DbSession, user: User, item_id: int) -> WorkItem:
    item = (
        await WorkItemRepository(session).get(user.principal, item_id)
        if is_row_id(item_id)
        else None
    )
    if item is None:
        raise NotFound(f"No work item {item_id} that you can see")
    return item


async def _segments(request: Request, session: DbSession, user: User, item: WorkItem) -> list[Any]:
    """The segment each finding points at, read from the submission's original file (one
    of the caller's own submissions; none for a finding without a line)."""
    lines = {f.get("line") for f in item.findings or []} - {None}
    if not lines:
        return [None] * len(item.findings or [])
    try:
        sub = await get_submission(session, user.principal, item.submission_id)
    except NotFound:
        return [None] * len(item.findings or [])
    store = FileStore(request.app.state.settings.data_dir)
    path = store.path(store.relative_for(sub.sha256))
    wanted = {int(x) for x in lines if isinstance(x, int)}
    scan = (
        await anyio.to_thread.run_sync(partial(scan_file, path, wanted, segments_only=True))
        if path.is_file()
        else None
    )

    def at(f: dict[str, Any]) -> Any:
        line = f.get("line")
        return segment_excerpt(
            scan,
            line if isinstance(line, int) else None,
            f.get("segment_id"),
            f.get("element"),
            f.get("level"),
            f.get("code"),
        )

    return [at(f) for f in item.findings or []]


@router.get("/items/{item_id}")
async def item_page(request: Request, session: DbSession, user: User, item_id: int) -> Response:
    item = await _item(session, user, item_id)
    repo = WorkItemRepository(session)
    names = await repo.partner_names({i for i in (item.partner_id, item.plan_partner_id) if i})
    history = await repo.history(item.id)
    segments = await _segments(request, session, user, item)
    await audit(session, user.principal, "read", "work_item", str(item.id))
    findings = [(f, fix_of(f), seg) for f, seg in zip(item.findings or [], segments, strict=True)]
    return render(
        request,
        "console/item.html",
        user,
        row=_row(item, names),
        item=item,
        findings=findings,
        history=history,
        notes=[e for e in history if e.action == "note"],
        settable=SETTABLE,
        done=request.query_params.get("done"),
    )


def _change_of(form: Any) -> WorkItemChange:
    """The change a console form asks for, or BadRequest saying what is wrong."""
    fields = {k: form.get(k) for k in ("state", "assignee", "note")}
    given = {k: v for k, v in fields.items() if isinstance(v, str)}
    try:
        change = WorkItemChange(
            state=given.get("state") or None,  # type: ignore[arg-type]
            assignee=given["assignee"].strip() if "assignee" in given else None,
            note=given.get("note", "").strip() or None,
        )
    except ValidationError as exc:
        raise BadRequest(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from exc
    if change.state is None and change.assignee is None and not change.note:
        raise BadRequest("Nothing to change: choose a state, an assignee or write a note")
    return change


@router.post("/items/{item_id}")
async def change_item_form(session: DbSession, user: User, form: Form, item_id: int) -> Response:
    change = _change_of(form)
    item = await _item(session, user, item_id)
    events = await change_item(
        session,
        item,
        user.principal.name,
        state=change.state,
        assignee=change.assignee,
        note=change.note,
    )
    await session.flush()
    done = ", ".join(e.action for e in events) or "no change"
    await audit(session, user.principal, "update", "work_item", str(item.id), done)
    return see_other(f"/console/items/{item.id}?{urlencode({'done': done})}")
