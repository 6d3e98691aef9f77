"""Writing X12 text: segments and composites checked for the file's separators, and
values (amounts, dates, CAS groups) written as the implementation guides want them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from .records import Adjustment

__all__ = [
    "COMPONENT",
    "ELEMENT",
    "REPETITION",
    "SEGMENT",
    "SEPARATORS",
    "Composite",
    "Out",
    "amount_text",
    "cas_segments",
    "d8",
    "date_period",
    "rd8",
    "value_text",
]

ELEMENT, COMPONENT, REPETITION, SEGMENT = "*", ":", "^", "~"
SEPARATORS = frozenset(ELEMENT + COMPONENT + REPETITION + SEGMENT)


class Composite(str):
    """A composite element already joined with the component separator."""

    __slots__ = ()


class Out:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.count = 0  # segments in the current transaction set
        self.total = 0  # segments in the file
        #: called with each segment's values before it is written (``x837_sent.Merge``
        #: writes the segments kept as sent that the guide places before it)
        self.before: Callable[[list[str]], None] | None = None

    def seg(self, *elements: str) -> None:
        values = list(elements)
        while len(values) > 1 and values[-1] == "":
            values.pop()
        for position, value in enumerate(values[1:], 1):
            if not isinstance(value, Composite) and SEPARATORS.intersection(value):
                # the value itself is not repeated: it may be a name or a member id
                raise ValueError(f"{values[0]}{position:02d} holds an X12 separator (*:^~)")
        if self.before is not None:
            self.before(values)
        self.parts.append(ELEMENT.join(values) + SEGMENT + "\n")
        self.count += 1
        self.total += 1

    def composite(self, *parts: str | None) -> Composite:
        values = [p or "" for p in parts]
        for position, value in enumerate(values, 1):
            if SEPARATORS.intersection(value):
                raise ValueError(f"component {position} holds an X12 separator (*:^~)")
        while values and values[-1] == "":
            values.pop()
        return Composite(COMPONENT.join(values))


def value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return amount_text(value)
    return str(value)


def amount_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def d8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def date_period(start: dt.date | None, end: dt.date | None) -> tuple[str, str] | None:
    """(DTP02, DTP03) of a date or range; None without a start."""
    if start is None:
        return None
    if end is None or end == start:
        return "D8", d8(start)
    return "RD8", f"{d8(start)}-{d8(end)}"


def rd8(start: dt.date | None, end: dt.date | None) -> str:
    assert start is not None
    return f"{d8(start)}-{d8(end or start)}"


def cas_segments(adjustments: Iterable[Adjustment]) -> list[list[str]]:
    """CAS segments (group code, then up to six reason/amount/quantity triples)."""
    groups: dict[str, list[str]] = {}
    segments: list[list[str]] = []
    for a in adjustments:
        group_code = a.group_code
        triple = [a.reason_code, value_text(a.amount), value_text(a.quantity)]
        current = groups.get(group_code)
        if current is None or len(current) >= 1 + 18:
            current = [group_code]
            groups[group_code] = current
            segments.append(current)
        current.extend(triple)
    return segments
