"""The correction report as CSV: :func:`render_csv`, one row per finding, then (for an
834) one row per member the file ends, columns :data:`CSV_COLUMNS`. A cell that a
spreadsheet would run as a formula starts with ``'``.

A termination row has ``level`` ``termination``, ``code`` ``explicit`` (INS03 024 sent) or
``implied`` (absent from a full file), the member's id and name (as a claim row has the
patient's), ``coverage_end``, ``applied`` (``yes``/``no``) and, for an explicit one, where
the member is in the file: ``loop`` 2000, ``segment_id`` INS and its ``line``."""

from __future__ import annotations

import csv
import io

from ..model import Report, TerminationEntry
from .values import iso, money

__all__ = ["CSV_COLUMNS", "render_csv"]

CSV_COLUMNS = (
    "submission_id",
    "file",
    "claim_id",
    "patient",
    "member_id",
    "service_from",
    "service_to",
    "amount",
    "level",
    "snip_level",
    "severity",
    "code",
    "rule_id",
    "guide",
    "loop",
    "segment_id",
    "element",
    "line",
    "value",
    "message",
    "fix",
    "source",
    "expected",
    "coverage_end",
    "applied",
)

_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) or (
        text.startswith("-") and not text[1:].replace(".", "", 1).isdigit()
    ):
        return "'" + text
    return text


def _termination_message(t: TerminationEntry, status: str) -> str:
    end = iso(t.end_date) if t.end_date else "an unknown date"
    how = (
        "termination sent (INS03 024)"
        if t.how == "explicit"
        else "absent from a full file of the same roster"
    )
    if t.applied:
        state = "ended"
    elif status == "held":
        state = "not ended yet: the file is held for review"
    else:
        state = "not ended: the file was discarded"
    return f"Coverage ends {end}: {how}; {state}"


def render_csv(report: Report) -> str:
    """One row per finding (every finding of the report, in report order), then one per
    member the file ends (or, held, would end)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    h = report.header
    for f, claim in report.all_findings():
        row = {
            "submission_id": h.submission_id,
            "file": h.file_name,
            "claim_id": f.claim_id or (claim.claim_id if claim else None),
            "patient": claim.patient_name if claim else None,
            "member_id": f.member_id or (claim.member_id if claim else None),
            "service_from": iso(claim.service_date_from) if claim else None,
            "service_to": iso(claim.service_date_to) if claim else None,
            "amount": money(claim.amount) if claim else None,
            "level": f.level,
            "snip_level": f.snip_level,
            "severity": f.severity,
            "code": f.code,
            "rule_id": f.rule_id,
            "guide": f.guide,
            "loop": f.loop,
            "segment_id": f.segment_id,
            "element": f.element,
            "line": f.line,
            "value": f.value,
            "message": f.message,
            "fix": f.fix,
            "source": f.source,
            "expected": f.expected,
            "coverage_end": None,
            "applied": None,
        }
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    for t in report.terminations or ():
        explicit = t.how == "explicit"
        ended: dict[str, object] = dict.fromkeys(CSV_COLUMNS)
        ended.update(
            {
                "submission_id": h.submission_id,
                "file": h.file_name,
                "patient": t.name,
                "member_id": t.member_id,
                "level": "termination",
                "code": t.how,
                "loop": "2000" if explicit else None,
                "segment_id": "INS" if explicit else None,
                "line": t.line,
                "message": _termination_message(t, h.status),
                "coverage_end": iso(t.end_date) if t.end_date else None,
                "applied": "yes" if t.applied else "no",
            }
        )
        writer.writerow([_cell(ended[c]) for c in CSV_COLUMNS])
    return out.getvalue()
