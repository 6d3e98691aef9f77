"""Shared query parameters and documented error responses of the list/detail routes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Protocol

from fastapi import Query
from pydantic import BeforeValidator

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key (application/problem+json)"},
    422: {"description": "Invalid parameters (application/problem+json)"},
}

#: The cursor is the id of the last row of the previous page (newest first).
Cursor = Annotated[
    str | None, Query(description="`next_cursor` of the previous page", pattern=r"^[0-9]{1,18}$")
]

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("Expected a date written YYYY-MM-DD")
    return value


#: a calendar date written YYYY-MM-DD, and nothing else: not a timestamp, not a date-time
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class _HasId(Protocol):
    id: int


def after_id(cursor: str | None) -> int | None:
    """The id a page starts after (the previous page's ``next_cursor``), or None."""
    return int(cursor) if cursor else None


def next_cursor(rows: Sequence[_HasId], more: bool) -> str | None:
    """The cursor of the next page: the id of this page's last row, when there is more."""
    return str(rows[-1].id) if more and rows else None
