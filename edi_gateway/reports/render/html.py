"""The correction report as one printable HTML page: :func:`render_html`, from the Jinja2
template ``templates/reports/correction.html`` (on the shared ``base.html`` layout) with the
stylesheet ``static/report.css`` (:mod:`edi_gateway.templating`).

The summary first, then file and transaction-set problems, then one section per rejected
claim with the offending segment and the bad element in ``<mark>``. No scripts. Served by
the app, the page links the stylesheet (its Content-Security-Policy allows styles from
``'self'`` only); written to a file, it carries the stylesheet and loads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ...templating import environment
from ..model import ClaimEntry, FindingEntry, Report

__all__ = ["render_html"]

_SEVERITY_TEXT = {
    "reject_file": "Rejects the whole file",
    "reject_group": "Rejects the functional group",
    "reject_transaction": "Rejects the transaction set",
    "reject_claim": "Rejects the claim",
    "warning": "Warning (nothing rejected)",
}

#: outcome -> (CSS class, symbol, words): the status in words, never by colour alone
_OUTCOME_BADGE = {
    "accepted": ("accepted", "✓", "Accepted"),
    "partially accepted": ("partial", "◐", "Partially accepted"),
    "rejected": ("rejected", "✗", "Rejected"),
    "held for review": ("partial", "⏸", "Held for review"),
    "discarded": ("rejected", "✗", "Discarded after review"),
    "not finished": ("neutral", "…", "Not finished"),
    "failed": ("rejected", "!", "Processing failed"),
    "duplicate": ("neutral", "=", "Duplicate"),
}

_SINGULAR = {"claims": "claim", "members": "member", "claim payments": "claim payment"}


def _usd(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _outcome_badge(outcome: str) -> tuple[str, str, str]:
    return _OUTCOME_BADGE.get(outcome, ("neutral", "•", outcome.capitalize()))


def _severity_text(severity: str) -> str:
    return _SEVERITY_TEXT.get(severity, severity)


def _service_dates(c: ClaimEntry) -> str:
    a, b = c.service_date_from, c.service_date_to
    if a is None or b is None or a == b:
        one = a or b
        return one.isoformat() if one is not None else "—"
    return f"{a.isoformat()} to {b.isoformat()}"


def _where_parts(f: FindingEntry) -> list[tuple[str, object, str | None]]:
    """Where a finding is, as (label, value, name): loop, segment, field (element), line."""
    parts: list[tuple[str, object, str | None]] = []
    if f.loop:
        parts.append(("Loop", f.loop, None))
    if f.segment_id:
        parts.append(("segment", f.segment_id, f.segment_name))
    if f.element:
        parts.append(("field", f.element, f.element_name))
    if f.line is not None:
        parts.append(("line", f.line, None))
    return parts


def _names_a_claim(findings: list[FindingEntry]) -> bool:
    return any(f.claim_id or f.member_id for f in findings)


def _headline(report: Report) -> str:
    s = report.summary
    unit = s.unit_label
    if s.received == 0:
        if report.file_problems or s.errors:
            return "The file was rejected: nothing in it could be accepted."
        return f"No {unit} were found in the file."
    money = s.amount_received is not None
    rej = f"{s.rejected} of {s.received} {unit} rejected"
    if money:
        rej += f" ({_usd(s.amount_rejected)})"
    acc = f"{s.accepted} accepted"
    if money:
        acc += f" ({_usd(s.amount_accepted)})"
    if s.rejected == 0:
        return f"All {s.received} {unit} accepted" + (
            f" ({_usd(s.amount_accepted)})." if money else "."
        )
    return f"{rej}; {acc}."


#: the functions the templates call
_HELPERS: dict[str, Callable[..., object]] = {
    "usd": _usd,
    "outcome_badge": _outcome_badge,
    "severity_text": _severity_text,
    "service_dates": _service_dates,
    "where_parts": _where_parts,
    "names_a_claim": _names_a_claim,
}


def render_html(report: Report, static_url: str | None = None) -> str:
    """The page. ``static_url`` (e.g. ``/static/``) links the stylesheet from there, as the
    app serves the page; without it the stylesheet is copied into the page, which then
    stands alone (``edi-gateway report -o report.html``)."""
    template = environment().get_template("reports/correction.html")
    return template.render(
        report=report,
        static_url=static_url,
        headline=_headline(report),
        singular=_SINGULAR.get(report.summary.unit_label, "unit"),
        **_HELPERS,
    )
