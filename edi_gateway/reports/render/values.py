"""Values as the JSON and CSV reports write them: amounts with two decimals, ISO dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

__all__ = ["iso", "money"]


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
