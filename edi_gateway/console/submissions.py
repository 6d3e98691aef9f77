"""Submissions: the list (paged), an upload from the browser (the multipart form, sent
with progress by the page's script, or plainly without it), a submission's status with its
acknowledgments, correction report and original file to download. Everything through the
submissions and reports services, audited as the API audits it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from ..api.uploads import receive_upload
from ..audit import audit
from ..errors import TooLarge
from ..models import Submission
from ..reports.render import render_csv, render_html
from ..reports.service import build_report
from ..submissions import service
from ..submissions.endpoints import ack_response, cursor_of, decode_cursor
from ..submissions.filestore import FileStore, FileTooLarge
from ..submissions.repository import AcknowledgmentRepository
from ..submissions.schemas import SubmissionStatus
from .sessions import csrf_valid
from .web import CSP, HEADERS, ConsoleRoute, CsrfRefused, DbSession, User, render, see_other

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 20
TYPES = ("837P", "837I", "837D", "834", "835")
STATUSES = (
    "received", "validating", "storing", "completed", "partially_accepted", "rejected",
    "held", "duplicate", "failed",
)  # fmt: skip


def _status(sub: Submission) -> SubmissionStatus:
    return SubmissionStatus.from_row(sub, f"/console/submissions/{sub.id}")


@router.get("/submissions")
async def submissions(
    request: Request,
    session: DbSession,
    user: User,
    type: Annotated[Literal["", "837P", "837I", "837D", "834", "835"], Query()] = "",
    status: Annotated[str, Query(max_length=30)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = await service.search_submissions(
        session,
        user.principal,
        transaction_type=type or None,
        status=status or None,
        limit=PAGE_SIZE,
        after=decode_cursor(cursor) if cursor else None,
    )
    filters = {k: v for k, v in (("type", type), ("status", status)) if v}
    return render(
        request,
        "console/submissions.html",
        user,
        rows=[_status(s) for s in page.items],
        filters=filters,
        next_cursor=cursor_of(page.items[-1]) if page.more else None,
        paged=cursor is not None,
        types=TYPES,
        statuses=STATUSES,
        max_bytes=request.app.state.settings.max_upload_bytes,
    )


@router.post("/submissions")
async def upload(request: Request, session: DbSession, user: User) -> Response:
    """The upload form's multipart body (the CSRF token a field of it, or the
    ``X-CSRF-Token`` header of the page's script), streamed into the file store."""
    settings = request.app.state.settings
    limit = settings.max_upload_bytes
    await session.commit()  # no connection held while the body streams in
    store = FileStore(settings.data_dir)
    incoming = store.incoming(limit)
    fields: dict[str, str] = {}
    try:
        filename = await receive_upload(request, incoming, limit, fields)
        given = request.headers.get("x-csrf-token") or fields.get("csrf_token")
        if not csrf_valid(user.csrf, given):
            raise CsrfRefused("The upload was refused: its security token is missing or old")
        stored = await anyio.to_thread.run_sync(incoming.commit)
    except FileTooLarge as exc:
        raise TooLarge(f"The upload is larger than the {limit:,}-byte limit", limit=limit) from exc
    finally:
        incoming.discard()
    owner, sent_by = await service.owner_of_upload(
        session, user.principal, fields.get("on_behalf_of") or None
    )
    worker = request.app.state.worker
    received = await service.submit(
        session,
        user.principal,
        stored,
        filename=Path(filename or "upload.x12").name[:255],
        owner=owner,
        sent_by=sent_by,
        queue=worker,
    )
    sub = received.submission
    await session.commit()  # with its job, or the job is sent once it is committed
    if received.to_process and not received.queued:
        await worker.enqueue(sub.id)
    url = f"/console/submissions/{sub.id}"
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"id": sub.id, "url": url, "repeated": not received.new})
    return see_other(url)


@router.get("/submissions/{submission_id}")
async def submission_page(
    request: Request, session: DbSession, user: User, submission_id: str
) -> Response:
    sub = await service.get_submission(session, user.principal, submission_id)
    acks = await AcknowledgmentRepository(session).kinds_of(sub.id)
    return render(
        request,
        "console/submission.html",
        user,
        s=_status(sub),
        acks=[k for k in service.ACK_KINDS if k in acks],
        running=sub.status not in (*service.FINISHED, "failed"),
    )


@router.get("/submissions/{submission_id}/acks/{kind}")
async def ack(
    request: Request, session: DbSession, user: User, submission_id: str, kind: str
) -> Response:
    sub, ack = await service.get_acknowledgment(session, user.principal, submission_id, kind)
    await session.commit()  # the audit entry, before the body streams
    return ack_response(
        request,
        ack,
        {
            "Content-Disposition": f'attachment; filename="{sub.id}.{kind.lower()}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/submissions/{submission_id}/file")
async def original(
    request: Request, session: DbSession, user: User, submission_id: str
) -> Response:
    settings = request.app.state.settings
    sub, path = await service.get_file(session, settings, user.principal, submission_id)
    return FileResponse(
        path,
        media_type="application/edi-x12",
        filename=sub.filename or f"{sub.id}.x12",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/submissions/{submission_id}/report")
async def report(
    request: Request,
    session: DbSession,
    user: User,
    submission_id: str,
    format: Annotated[Literal["html", "csv"], Query()] = "html",
) -> Response:
    visible = (await service.get_submission(session, user.principal, submission_id)).id
    built = await build_report(session, request.app.state.settings, visible)
    await audit(session, user.principal, "download", f"report:{format}", visible)
    if format == "csv":
        return Response(
            render_csv(built),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{visible}-report.csv"',
                "Cache-Control": "no-store",
            },
        )
    return HTMLResponse(
        render_html(built, static_url="/static/"),
        headers={**HEADERS, "Content-Security-Policy": CSP},
    )
