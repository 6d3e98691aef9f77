"""Shared query parameters and documented error responses of the list/detail routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key (application/problem+json)"},
    422: {"description": "Invalid parameters (application/problem+json)"},
}

#: The cursor is the id of the last row of the previous page (newest first).
Cursor = Annotated[
    str | None, Query(description="`next_cursor` of the previous page", pattern=r"^[0-9]{1,18}$")
]

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
