"""Query parameters of the console's GET forms: an empty field is no filter; anything else
must be valid (a 400 page says what is wrong)."""

from __future__ import annotations

import re
from datetime import date

from starlette.datastructures import QueryParams

from ..errors import BadRequest

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def choice_param(params: QueryParams, name: str, allowed: tuple[str, ...]) -> str | None:
    value = params.get(name) or None
    if value is not None and value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}")
    return value


def number_param(params: QueryParams, name: str, low: int, high: int) -> int | None:
    value = params.get(name) or None
    if value is None:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def date_param(params: QueryParams, name: str) -> date | None:
    value = params.get(name) or None
    if value is None:
        return None
    try:
        if not _DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date written YYYY-MM-DD") from exc
