"""POST /v1/validate: validate an uploaded X12 file and return findings (nothing stored)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ..api.deps import Caller
from ..api.problems import TooLarge
from .service import result_dict, validate_file

router = APIRouter(prefix="/v1", tags=["validation"])


@router.post(
    "/validate",
    summary="Validate an X12 file (SNIP 1-2) without storing it",
    response_description="Verdict, transaction sets and findings",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/edi-x12": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def validate_upload(request: Request, caller: Caller) -> dict[str, Any]:
    limit = request.app.state.settings.max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise TooLarge(
            f"The upload is {int(length):,} bytes; the limit is {limit:,} bytes", limit=limit
        )
    body = await request.body()
    result = await run_in_threadpool(validate_file, body)
    return result_dict(result, request.headers.get("x-filename", "upload"))
