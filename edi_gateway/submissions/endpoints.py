"""HTTP routes for submissions: upload, status, acknowledgments, original file, listing."""

from __future__ import annotations

import base64
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from ..api.deps import Caller, Session
from ..api.pagination import IsoDate, Limit
from ..api.uploads import UPLOAD_BODY, receive_upload
from ..errors import BadRequest, TooLarge
from ..models import Acknowledgment, Submission
from . import service
from .filestore import FileStore, FileTooLarge, StoredBytes
from .schemas import SubmissionAccepted, SubmissionList, SubmissionStatus

router = APIRouter(prefix="/v1", tags=["submissions"])


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


@lru_cache(maxsize=8)
def _status_path(app: Any) -> str:
    """The status route's path with ``{id}`` in place of the submission id, looked up once
    per app: ``url_for`` searches every route of the app for each response."""
    return str(app.url_path_for("get_submission", submission_id="{id}"))


def status_url(request: Request, submission_id: str) -> str:
    """The absolute URL of a submission's status, as ``request.url_for`` gives it."""
    base = request.base_url
    path = _status_path(request.app).replace("{id}", submission_id)
    return f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{path}"


def _status(sub: Submission, request: Request) -> SubmissionStatus:
    return SubmissionStatus.from_row(sub, status_url(request, sub.id))


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
    owner, sent_by = await service.owner_of_upload(session, caller, on_behalf_of)
    # nothing is written yet: give the connection back while the body streams in (a slow
    # client must not hold one), and before receiving takes one of its own
    await session.commit()
    store = FileStore(settings.data_dir)
    stored, filename = await _store_request(request, store, settings.max_upload_bytes)
    worker = request.app.state.worker
    received = await service.submit(
        session, caller, stored, filename=filename, owner=owner, sent_by=sent_by, queue=worker
    )
    sub = received.submission
    # the submission, its audit event and (on the job queue) its job in one commit; else
    # the job is sent only once the submission is committed
    await session.commit()
    if received.to_process and not received.queued:
        await worker.enqueue(sub.id)
    if not received.new:
        response.status_code = 200
    url = status_url(request, sub.id)
    return SubmissionAccepted(
        id=sub.id,
        sha256=sub.sha256,
        size=sub.size,
        status=sub.status,
        status_url=url,
        repeated=not received.new,
    )


@router.post(
    "/submissions/{submission_id}/retry",
    status_code=202,
    response_model=SubmissionStatus,
    summary="Run a failed submission again (ops)",
    description="A submission whose processing failed after its automatic retries is put "
    "back in the queue. What was already stored is kept and skipped, so nothing is stored "
    "twice; the acknowledgments and report are rebuilt when the run ends.",
    responses={
        403: {"description": "The key is not an ops key"},
        404: {"description": "No such submission"},
        409: {"description": "The submission is not failed (nothing to retry)"},
    },
)
async def retry_submission(
    submission_id: str, request: Request, session: Session, caller: Caller
) -> SubmissionStatus:
    sub = await service.retry_submission(session, caller, submission_id)
    await session.commit()
    await request.app.state.worker.enqueue(sub.id)
    return _status(sub, request)


_HOLD_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The key is not an ops key"},
    404: {"description": "No such submission"},
    409: {"description": "The submission is not held (or was released or discarded already)"},
}


@router.post(
    "/submissions/{submission_id}/release",
    status_code=202,
    response_model=SubmissionStatus,
    summary="Release a held 834: apply its changes (ops)",
    description="An 834 full file held because it would end more members than "
    "MAX_TERMINATION_SHARE allows is run again without the hold: its members are stored "
    "and those absent from it ended, once (a second release is a 409). `resolved` says "
    "who released it and when; audited.",
    responses=_HOLD_RESPONSES,
)
async def release_submission(
    submission_id: str, request: Request, session: Session, caller: Caller
) -> SubmissionStatus:
    sub = await service.resolve_held_submission(session, caller, submission_id, "released")
    await session.commit()
    await request.app.state.worker.enqueue(sub.id)
    return _status(sub, request)


@router.post(
    "/submissions/{submission_id}/discard",
    response_model=SubmissionStatus,
    summary="Discard a held 834: apply nothing (ops)",
    description="A held 834 is set aside for good: nothing in its held transaction sets is "
    "stored and no member is ended; its status becomes `discarded` and `resolved` says who "
    "discarded it and when; audited.",
    responses=_HOLD_RESPONSES,
)
async def discard_submission(
    submission_id: str, request: Request, session: Session, caller: Caller
) -> SubmissionStatus:
    sub = await service.resolve_held_submission(session, caller, submission_id, "discarded")
    await session.commit()
    return _status(sub, request)


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionStatus,
    name="get_submission",
    summary="Status, progress and counts of a submission",
)
async def get_submission(
    submission_id: str, request: Request, session: Session, caller: Caller
) -> SubmissionStatus:
    return _status(await service.get_submission(session, caller, submission_id), request)


@router.get(
    "/submissions/{submission_id}/acks/{kind}",
    summary="An acknowledgment as X12: ta1, 999 or 277ca",
    response_class=Response,
    responses={
        200: {"content": {"application/edi-x12": {}}},
        404: {"description": "No such submission, or no such acknowledgment (yet)"},
    },
)
async def get_ack(
    submission_id: str, kind: str, request: Request, session: Session, caller: Caller
) -> Response:
    sub, ack = await service.get_acknowledgment(session, caller, submission_id, kind)
    await session.commit()  # the audit entry, before the body streams
    return ack_response(
        request,
        ack,
        {"Content-Disposition": f'attachment; filename="{sub.id}.{kind.lower()}"'},
    )


def ack_response(request: Request, ack: Acknowledgment, headers: dict[str, str]) -> Response:
    """An acknowledgment's X12 streamed a stored part at a time (a 1,000,000-claim 277CA
    is never whole in the server's memory), with its length."""
    return StreamingResponse(
        service.acknowledgment_parts(request.app.state.sessionmaker, ack.id),
        media_type="application/edi-x12",
        headers={**headers, "Content-Length": str(ack.size)},
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
    sub, path = await service.get_file(session, request.app.state.settings, caller, submission_id)
    return FileResponse(
        path,
        media_type="application/edi-x12",
        filename=sub.filename or f"{sub.id}.x12",
        headers={"X-Content-SHA256": sub.sha256},
    )


def cursor_of(sub: Submission) -> str:
    raw = f"{sub.received_at.isoformat()}|{sub.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
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
            "rejected, held, discarded, duplicate, failed"
        ),
    ] = None,
    received_from: Annotated[IsoDate | None, Query()] = None,
    received_to: Annotated[IsoDate | None, Query()] = None,
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> SubmissionList:
    page = await service.search_submissions(
        session,
        caller,
        partner=partner,
        transaction_type=type,
        status=status,
        received_from=received_from,
        received_to=received_to,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )
    items = [_status(s, request) for s in page.items]
    next_cursor = cursor_of(page.items[-1]) if page.more else None
    return SubmissionList(items=items, next_cursor=next_cursor)


__all__ = ["router"]
