"""POST /v1/validate: validate an uploaded X12 file and return findings (nothing stored)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ..api.deps import Caller
from ..api.uploads import UPLOAD_BODY, receive_upload
from ..errors import TooLarge
from ..submissions.filestore import FileStore, FileTooLarge
from .service import result_dict, validate_file

router = APIRouter(prefix="/v1", tags=["validation"])


@router.post(
    "/validate",
    summary="Validate an X12 file (SNIP 1-2) without storing it",
    response_description="Verdict, transaction sets and findings",
    responses={
        413: {"description": "Larger than the configured limit"},
        415: {"description": "Unsupported content type"},
    },
    openapi_extra=UPLOAD_BODY,
)
async def validate_upload(request: Request, caller: Caller) -> dict[str, Any]:
    """The upload is streamed to a temporary file under the data directory (bounded by
    ``max_upload_bytes``), validated from there and deleted."""
    limit = request.app.state.settings.max_upload_bytes
    incoming = FileStore(request.app.state.settings.data_dir).incoming(limit)
    try:
        filename = await receive_upload(request, incoming, limit)
        path = await anyio.to_thread.run_sync(incoming.written)
        result = await run_in_threadpool(validate_file, str(path))
    except FileTooLarge as exc:
        raise TooLarge(f"The upload is larger than the {limit:,}-byte limit", limit=limit) from exc
    finally:
        incoming.discard()
    return result_dict(result, filename or "upload")
