"""HTTP routes for submissions: upload, status, acknowledgments, original file, listing."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import and_, or_, select

from ..api.deps import Caller, Session, visible
from ..api.pagination import IsoDate, Limit
from ..api.uploads import UPLOAD_BODY, receive_upload
from ..audit import audit
from ..errors import BadRequest, Forbidden, NotFound, TooLarge
from ..models import Acknowledgment, Partner, Submission
from .filestore import FileStore, FileTooLarge, StoredBytes
from .schemas import SubmissionAccepted, SubmissionList, SubmissionStatus
from .service import FINISHED, find_partner, receive

router = APIRouter(prefix="/v1", tags=["submissions"])

ACK_KINDS = ("ta1", "999", "277ca")


async def _store_request(request: Request, store: FileStore, limit: int) -> tuple[StoredBytes, str]:
    """Stream the upload (raw body or the first multipart file) into the file store."""
    incoming = store.incoming(limit)
    try:
        filename = await receive_upload(request, incoming, limit)
        stored = await anyio.to_thread.run_sync(incoming.commit)
    except FileTooLarge as exc:
        raise TooLarge(f"The upload is larger than the {limit:,}-byte limit", limit=limit) from exc
    finally:
        incoming.discard()
    name = filename or "upload.x12"
    return stored, Path(name).name[:255]


def _status(sub: Submission, request: Request) -> SubmissionStatus:
    return SubmissionStatus.from_row(
        sub, str(request.url_for("get_submission", submission_id=sub.id))
    )


async def _own_submission(session: Session, caller: Caller, submission_id: str) -> Submission:
    sub = (
        await session.execute(
            select(Submission).where(
                Submission.id == submission_id, visible(caller, Submission.partner_id)
            )
        )
    ).scalar_one_or_none()
    if sub is None:
        raise NotFound(f"No submission {submission_id} that this key can see")
    return sub


@router.post(
    "/submissions",
    status_code=202,
    response_model=SubmissionAccepted,
    summary="Submit an X12 file (834, 835, 837P/I/D) for validation, storage and acks",
    responses={
        200: {
            "model": SubmissionAccepted,
            "description": "These exact bytes were "
            "already received: the earlier submission is returned, nothing stored",
        },
        401: {"description": "Missing or invalid API key"},
        403: {"description": "on_behalf_of sent with a key that is not ops"},
        404: {"description": "on_behalf_of names no partner"},
        413: {"description": "Larger than the configured limit"},
        415: {"description": "Unsupported content type"},
    },
    openapi_extra=UPLOAD_BODY,
)
async def create_submission(
    request: Request,
    response: Response,
    session: Session,
    caller: Caller,
    on_behalf_of: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Ops only: the partner whose file this is; it is checked and stored "
            "as that partner's (its sender ids, role and records), recorded as sent by ops",
        ),
    ] = None,
) -> SubmissionAccepted:
    settings = request.app.state.settings
    owner, sent_by = caller.partner_id, None
    if on_behalf_of is not None:
        if not caller.is_ops:
            raise Forbidden("Only an ops key may send a file on behalf of another partner")
        partner = await find_partner(session, on_behalf_of)
        if partner is None:
            raise NotFound(f"No partner named {on_behalf_of!r}")
        owner, sent_by = partner.id, caller.partner_id
    store = FileStore(settings.data_dir)
    stored, filename = await _store_request(request, store, settings.max_upload_bytes)
    received = await receive(
        request.app.state.sessionmaker,
        settings,
        stored,
        filename=filename,
        partner_id=owner,
        source="api",
        sent_by=sent_by,
    )
    sub = received.submission
    await audit(
        session,
        caller,
        "submit",
        "submission",
        sub.id,
        f"{stored.size} bytes sha256={stored.sha256}"
        + (f" on behalf of partner {owner}" if sent_by is not None else ""),
    )
    await session.commit()
    if received.new or sub.status not in (*FINISHED, "failed"):
        await request.app.state.worker.enqueue(sub.id)
    if not received.new:
        response.status_code = 200
    url = str(request.url_for("get_submission", submission_id=sub.id))
    return SubmissionAccepted(
        id=sub.id,
        sha256=sub.sha256,
        size=sub.size,
        status=sub.status,
        status_url=url,
        repeated=not received.new,
    )


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionStatus,
    name="get_submission",
    summary="Status, progress and counts of a submission",
)
async def get_submission(
    submission_id: str, request: Request, session: Session, caller: Caller
) -> SubmissionStatus:
    sub = await _own_submission(session, caller, submission_id)
    return _status(sub, request)


@router.get(
    "/submissions/{submission_id}/acks/{kind}",
    summary="An acknowledgment as X12: ta1, 999 or 277ca",
    response_class=Response,
    responses={
        200: {"content": {"application/edi-x12": {}}},
        404: {"description": "No such submission, or no such acknowledgment (yet)"},
    },
)
async def get_ack(submission_id: str, kind: str, session: Session, caller: Caller) -> Response:
    if kind.lower() not in ACK_KINDS:
        raise NotFound(f"Unknown acknowledgment {kind!r}; use one of {', '.join(ACK_KINDS)}")
    sub = await _own_submission(session, caller, submission_id)
    content = (
        await session.execute(
            select(Acknowledgment.content).where(
                Acknowledgment.submission_id == sub.id, Acknowledgment.kind == kind.lower()
            )
        )
    ).scalar_one_or_none()
    if content is None:
        why = (
            "processing has not finished"
            if sub.status not in (*FINISHED, "failed")
            else "none was produced for this file"
            + (
                " (a TA1 is sent only for interchange errors or when ISA14=1)"
                if kind.lower() == "ta1"
                else ""
            )
        )
        raise NotFound(f"No {kind.upper()} for submission {sub.id}: {why}")
    await audit(session, caller, "download", f"ack:{kind.lower()}", sub.id)
    return Response(
        bytes(content),
        media_type="application/edi-x12",
        headers={"Content-Disposition": f'attachment; filename="{sub.id}.{kind.lower()}"'},
    )


@router.get(
    "/submissions/{submission_id}/file",
    summary="The original file, byte for byte",
    response_class=FileResponse,
    responses={200: {"content": {"application/edi-x12": {}}}},
)
async def get_file(
    submission_id: str, request: Request, session: Session, caller: Caller
) -> FileResponse:
    sub = await _own_submission(session, caller, submission_id)
    store = FileStore(request.app.state.settings.data_dir)
    await audit(session, caller, "download", "file", sub.id)
    return FileResponse(
        store.path(store.relative_for(sub.sha256)),
        media_type="application/edi-x12",
        filename=sub.filename or f"{sub.id}.x12",
        headers={"X-Content-SHA256": sub.sha256},
    )


def _cursor(sub: Submission) -> str:
    raw = f"{sub.received_at.isoformat()}|{sub.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        when, _, sid = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(when), sid
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The cursor is not valid; start again without one") from exc


@router.get(
    "/submissions",
    response_model=SubmissionList,
    summary="List submissions, newest first, with filters and cursor pagination",
)
async def list_submissions(
    request: Request,
    session: Session,
    caller: Caller,
    partner: Annotated[str | None, Query(description="Partner name (ops only)")] = None,
    type: Annotated[str | None, Query(description="837P, 837I, 837D, 834 or 835")] = None,
    status: Annotated[
        str | None,
        Query(
            description="received, validating, storing, completed, partially_accepted, "
            "rejected, held, duplicate, failed"
        ),
    ] = None,
    received_from: Annotated[IsoDate | None, Query()] = None,
    received_to: Annotated[IsoDate | None, Query()] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> SubmissionList:
    stmt = select(Submission).where(visible(caller, Submission.partner_id))
    if partner:
        stmt = stmt.join(Partner, Partner.id == Submission.partner_id).where(
            Partner.name == partner
        )
    if type:
        stmt = stmt.where(Submission.transaction_type.contains(type.upper()))
    if status:
        stmt = stmt.where(Submission.status == status)
    if received_from:
        stmt = stmt.where(
            Submission.received_at >= datetime.combine(received_from, datetime.min.time())
        )
    if received_to:
        stmt = stmt.where(
            Submission.received_at < datetime.combine(received_to, datetime.max.time())
        )
    if cursor:
        when, sid = _decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                Submission.received_at < when,
                and_(Submission.received_at == when, Submission.id < sid),
            )
        )
    rows = (
        (
            await session.execute(
                stmt.order_by(Submission.received_at.desc(), Submission.id.desc()).limit(limit + 1)
            )
        )
        .scalars()
        .all()
    )
    items = [_status(s, request) for s in rows[:limit]]
    next_cursor = _cursor(rows[limit - 1]) if len(rows) > limit else None
    return SubmissionList(items=items, next_cursor=next_cursor)


__all__: list[Any] = ["router"]
