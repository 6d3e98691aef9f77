"""A rejected claim's service lines as kept with its outcome, for the 277CA's 2220D loops.

Only what the 277CA echoes is kept: where each 2400 loop starts (its LX's segment ordinal,
to tell which line a finding is on), the procedure composite, the charge, the revenue code,
the line item control number (REF*6R) and the service dates. Encoded as compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from mappings.records import EncounterLine

__all__ = ["OutcomeLine", "decode_lines", "encode_lines", "line_of"]


@dataclass(frozen=True, slots=True)
class OutcomeLine:
    line: int  # segment ordinal of the 2400 loop's first segment (LX)
    qualifier: str
    procedure: str | None
    modifiers: tuple[str, ...]
    charge: str
    revenue_code: str | None
    control_number: str | None  # REF*6R
    service_from: date | None
    service_to: date | None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def encode_lines(lines: Sequence[EncounterLine]) -> str | None:
    """The lines as JSON text; None when there are none."""
    if not lines:
        return None
    return json.dumps(
        [
            [
                ln.line,
                ln.procedure_qualifier or "",
                ln.procedure_code,
                list(ln.modifiers),
                str(ln.charge) if ln.charge is not None else "0",
                ln.revenue_code,
                ln.line_control_number,
                _day(ln.service_date_from),
                _day(ln.service_date_to),
            ]
            for ln in lines
        ],
        separators=(",", ":"),
    )


def decode_lines(text: str | None) -> list[OutcomeLine]:
    """What ``encode_lines`` wrote (an empty list for None or unreadable text)."""
    if not text:
        return []
    try:
        rows = json.loads(text)
        return [
            OutcomeLine(
                int(r[0]),
                str(r[1]),
                r[2],
                tuple(str(m) for m in r[3]),
                str(r[4]),
                r[5],
                r[6],
                date.fromisoformat(r[7]) if r[7] else None,
                date.fromisoformat(r[8]) if r[8] else None,
            )
            for r in rows
        ]
    except (ValueError, TypeError, IndexError, KeyError):
        return []


def line_of(lines: Sequence[OutcomeLine], segment: int | None) -> OutcomeLine | None:
    """The service line whose 2400 loop holds the segment at ordinal ``segment``."""
    if segment is None:
        return None
    before = [ln for ln in lines if ln.line <= segment]
    return max(before, key=lambda ln: ln.line) if before else None
