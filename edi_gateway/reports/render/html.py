"""The correction report as one self-contained HTML page: :func:`render_html`. Inline CSS, no
scripts and no external resources, printable; the summary first, then file and
transaction-set problems, then one section per rejected claim with the offending segment and
the bad element in ``<mark>``."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from ..model import ClaimEntry, FindingEntry, RejectedSet, Report, SegmentExcerpt, SetSummary

__all__ = ["render_html"]

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 75rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; padding-bottom: .2rem;
  border-bottom: 2px solid #1a1a1a; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; overflow-wrap: anywhere; }
p { margin: .4rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 700; padding: .25rem 0; }
th, td { border: 1px solid #6b6b6b; padding: .35rem .5rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
thead th { background: #e6e6e6; }
tbody th { font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.summary-table { width: auto; min-width: 24rem; }
.headline { font-size: 1.2rem; font-weight: 600; margin: .5rem 0 1rem; }
.badge { display: inline-block; padding: 0 .45rem; border: 2px solid currentColor;
  border-radius: .25rem; font-weight: 700; font-size: .9em; }
.rejected { color: #8a1010; background: #fdecec; }
.accepted { color: #0b5a1f; background: #e8f6ec; }
.partial { color: #6b4200; background: #fff3dc; }
.warning { color: #4a4a00; background: #fafad2; }
.neutral { color: #1a1a1a; background: #efefef; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: .75rem 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.segment { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9rem; white-space: pre-wrap; word-break: break-all; background: #f3f3f3;
  border: 1px solid #6b6b6b; padding: .3rem .45rem; margin: .35rem 0 0; }
mark { background: #ffe14d; color: #000; font-weight: 700; text-decoration: underline;
  text-decoration-thickness: 2px; outline: 2px solid #000; }
.small { font-size: .875rem; color: #3d3d3d; }
table.findings { table-layout: fixed; }
table.findings tbody.finding { border-top: 2px solid #1a1a1a; }
tr.segrow td { border-top: none; padding-top: 0; }
code.value { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.claim, .set { border-top: 1px solid #6b6b6b; padding-top: .25rem; }
footer { margin-top: 2.5rem; border-top: 1px solid #6b6b6b; padding-top: .5rem; }
ul.jump { columns: 3 14rem; padding-left: 1.25rem; }
a { color: #0b4f9c; }
@media print {
  @page { margin: 1.4cm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  .claim, .set { break-inside: avoid-page; }
  tr, tbody.finding { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  nav { display: none; }
  .segment { background: none; }
  mark { background: none; outline: none; border: 2px solid #000; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_SEVERITY_TEXT = {
    "reject_file": "Rejects the whole file",
    "reject_group": "Rejects the functional group",
    "reject_transaction": "Rejects the transaction set",
    "reject_claim": "Rejects the claim",
    "warning": "Warning (nothing rejected)",
}

_OUTCOME_BADGE = {
    "accepted": ("accepted", "✓", "Accepted"),
    "partially accepted": ("partial", "◐", "Partially accepted"),
    "rejected": ("rejected", "✗", "Rejected"),
    "held for review": ("partial", "⏸", "Held for review"),
    "not finished": ("neutral", "…", "Not finished"),
    "failed": ("rejected", "!", "Processing failed"),
    "duplicate": ("neutral", "=", "Duplicate"),
}


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _usd(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _badge(outcome: str) -> str:
    cls, symbol, text = _OUTCOME_BADGE.get(outcome, ("neutral", "•", outcome.capitalize()))
    return f'<span class="badge {cls}"><span aria-hidden="true">{symbol} </span>{_e(text)}</span>'


def _severity(f: FindingEntry) -> str:
    text = _SEVERITY_TEXT.get(f.severity, f.severity)
    cls = "warning" if f.severity == "warning" else "rejected"
    symbol = "⚠" if f.severity == "warning" else "✗"
    return f'<span class="badge {cls}"><span aria-hidden="true">{symbol} </span>{_e(text)}</span>'


def _dates(c: ClaimEntry) -> str:
    a, b = c.service_date_from, c.service_date_to
    if a is None or b is None or a == b:
        one = a or b
        return _e(one.isoformat()) if one is not None else "—"
    return f"{_e(a.isoformat())} to {_e(b.isoformat())}"


def _segment_html(seg: SegmentExcerpt, f: FindingEntry) -> str:
    label = f.element or f.segment_id or "segment"
    if seg.missing:
        body = _e(seg.before) + f"<mark>[{_e(label)} missing]</mark>" + _e(seg.after)
    elif seg.marked:
        body = _e(seg.before) + f"<mark>{_e(seg.marked)}</mark>" + _e(seg.after)
    else:
        body = _e(seg.text)
    return f'<pre class="segment"><code>{body}</code></pre>'


def _where(f: FindingEntry) -> str:
    parts = []
    if f.loop:
        parts.append(f"Loop {_e(f.loop)}")
    if f.segment_id:
        seg = f"segment {_e(f.segment_id)}"
        if f.segment_name:
            seg += f" ({_e(f.segment_name)})"
        parts.append(seg)
    if f.element:
        el = f"field <strong>{_e(f.element)}</strong>"
        if f.element_name:
            el += f" ({_e(f.element_name)})"
        parts.append(el)
    if f.line is not None:
        parts.append(f"line {_e(f.line)}")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] if text else "The file as a whole"


def _rule(f: FindingEntry) -> str:
    if f.rule_id:
        out = f"Rule <strong>{_e(f.rule_id)}</strong>"
        if f.rule_title:
            out += f": {_e(f.rule_title)}"
        if f.guide:
            out += f'<br><span class="small">Guide: {_e(f.guide)}</span>'
        if f.source:
            out += f'<br><span class="small">Source: {_e(f.source)}</span>'
        return out
    out = f"SNIP {_e(f.snip_level)}"
    if f.code_meaning:
        out += f": {_e(f.code_meaning)}"
    else:
        out += f", code {_e(f.code)}"
    if f.source:
        out += f'<br><span class="small">Source: {_e(f.source)}</span>'
    return out


_COLUMNS = (
    # (header, width with a claim column, width without)
    ("#", "3%", "3%"),
    ("Claim", "11%", None),
    ("What is wrong", "20%", "24%"),
    ("Where", "14%", "16%"),
    ("Found", "9%", "10%"),
    ("Expected", "11%", "13%"),
    ("Rule and source", "15%", "16%"),
    ("How to fix", "17%", "18%"),
)


def _findings_table(
    findings: list[FindingEntry], caption: str, with_claim: bool, table_id: str
) -> str:
    """One <tbody> per finding: its row, then the segment as sent across the whole width
    (so that a printed page never splits a finding from its segment)."""
    columns = [(h, w if with_claim else wo) for h, w, wo in _COLUMNS if with_claim or wo]
    cols = "".join(f'<col style="width: {w}">' for _, w in columns)
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if h == "#" else ""}>{_e(h)}</th>' for h, _ in columns)
    bodies = []
    for i, f in enumerate(findings, 1):
        row_id = f"{table_id}-f{i}"
        cells = [f'<th scope="row" class="num" id="{row_id}">{i}</th>']
        if with_claim:
            cells.append(f"<td>{_e(f.claim_id or f.member_id or '—')}</td>")
        found = (
            f'<code class="value">{_e(f.value)}</code>'
            if f.value not in (None, "")
            else '<span class="small">(nothing)</span>'
        )
        cells += [
            f"<td>{_e(f.message)}<br>{_severity(f)}</td>",
            f"<td>{_where(f)}</td>",
            f"<td>{found}</td>",
            f"<td>{_e(f.expected) if f.expected else '—'}</td>",
            f"<td>{_rule(f)}</td>",
            f"<td>{_e(f.fix) if f.fix else '—'}</td>",
        ]
        rows = "<tr>" + "".join(cells) + "</tr>"
        if f.segment is not None:
            rows += (
                f'<tr class="segrow"><td colspan="{len(columns)}" headers="{row_id}">'
                f'<span class="small">Line {_e(f.segment.line)} as sent'
                + (", the problem highlighted" if f.segment.marked or f.segment.missing else "")
                + f":</span>{_segment_html(f.segment, f)}</td></tr>"
            )
        bodies.append(f'<tbody class="finding">{rows}</tbody>')
    return (
        f'<table class="findings"><caption>{_e(caption)}</caption>'
        f"<colgroup>{cols}</colgroup>"
        f"<thead><tr>{head}</tr></thead>"
        f"{''.join(bodies)}</table>"
    )


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


def _summary_html(report: Report) -> str:
    s = report.summary
    unit = s.unit_label
    money = s.amount_received is not None
    amount_head = '<th scope="col" class="num">Amount billed</th>' if money else ""

    def row(label: str, count: int, amount: Decimal | None, cls: str, symbol: str) -> str:
        amt = f'<td class="num">{_usd(amount)}</td>' if money else ""
        return (
            f'<tr><th scope="row"><span aria-hidden="true">{symbol} </span>{_e(label)}</th>'
            f'<td class="num {cls}">{count}</td>{amt}</tr>'
        )

    counts = (
        f'<table class="summary-table"><caption>{_e(unit.capitalize())} in this file</caption>'
        f'<thead><tr><th scope="col">{_e(unit.capitalize())}</th>'
        f'<th scope="col" class="num">Count</th>{amount_head}</tr></thead><tbody>'
        + row("Received", s.received, s.amount_received, "", "Σ")
        + row("Accepted", s.accepted, s.amount_accepted, "", "✓")
        + row("Rejected", s.rejected, s.amount_rejected, "", "✗")
        + "</tbody></table>"
    )
    sets = ""
    if s.sets_total > 1 or s.sets_rejected:
        sets = (
            f"<p>Transaction sets: {s.sets_total} received, {s.sets_rejected} rejected as a "
            "whole.</p>"
        )
    if s.top_problems:
        rows = "".join(
            f'<tr><th scope="row">{_e(p.label)}</th>'
            f"<td>{_e(p.rule_id or p.code)}</td>"
            f'<td class="num">{p.count}</td>'
            f'<td class="num">{p.claims}</td>'
            f"<td>{_e(_SEVERITY_TEXT.get(p.severity, p.severity))}</td></tr>"
            for p in s.top_problems
        )
        problems = (
            "<table><caption>Most common problems</caption><thead><tr>"
            '<th scope="col">Problem</th><th scope="col">Rule or code</th>'
            '<th scope="col" class="num">Times found</th>'
            f'<th scope="col" class="num">{_e(unit.capitalize())} affected</th>'
            '<th scope="col">Effect</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        problems = "<p>No problems were found.</p>"
    counts_line = (
        f'<p class="small">{s.errors} error{"s" if s.errors != 1 else ""} and '
        f"{s.warnings} warning{'s' if s.warnings != 1 else ''} in total.</p>"
    )
    return (
        '<section id="summary" aria-labelledby="summary-h">'
        '<h2 id="summary-h">Summary</h2>'
        f'<p class="headline">{_badge(report.header.outcome)} {_e(_headline(report))}</p>'
        f"{counts}{sets}{problems}{counts_line}"
        "</section>"
    )


def _set_title(s: SetSummary) -> str:
    return f"Transaction set {s.st_control_number} ({s.transaction_type}, {s.implementation_guide})"


def _blocking_html(report: Report) -> str:
    parts = [
        '<section id="file-problems" aria-labelledby="file-problems-h">'
        '<h2 id="file-problems-h">Problems with the file and its transaction sets</h2>'
    ]
    if not report.file_problems and not report.rejected_sets:
        parts.append("<p>None: the file's envelopes and transaction sets were accepted.</p>")
    else:
        parts.append(
            "<p>These problems stop everything they cover: no claim in a rejected file or "
            "transaction set was accepted. Fix them first, then send those claims again.</p>"
        )
    if report.file_problems:
        parts.append(
            _findings_table(report.file_problems, "Problems with the whole file", True, "file")
        )
    for n, rs in enumerate(report.rejected_sets, 1):
        parts.append(_rejected_set_html(rs, n, report.summary.unit_label))
    parts.append("</section>")
    return "".join(parts)


def _rejected_set_html(rs: RejectedSet, n: int, unit: str) -> str:
    s = rs.set
    amount = f" ({_usd(rs.amount)})" if rs.amount is not None else ""
    held = f"{s.units} {unit}"
    with_claim = any(f.claim_id or f.member_id for f in rs.findings)
    table = (
        _findings_table(
            rs.findings,
            f"Problems in transaction set {s.st_control_number}",
            with_claim,
            f"set{n}",
        )
        if rs.findings
        else "<p>No finding was recorded for this transaction set.</p>"
    )
    return (
        f'<section class="set" id="set-{n}" aria-labelledby="set-{n}-h">'
        f'<h3 id="set-{n}-h">{_e(_set_title(s))} {_badge("rejected")}</h3>'
        f"<p>None of the {_e(held)}{_e(amount)} in this transaction set were accepted. "
        f"Interchange {_e(s.interchange_control_number)}, functional group "
        f"{_e(s.group_control_number)}.</p>"
        f"{table}</section>"
    )


def _claims_html(report: Report) -> str:
    claims = report.rejected_claims
    unit = report.summary.unit_label
    singular = {"claims": "claim", "members": "member", "claim payments": "claim payment"}.get(
        unit, "unit"
    )
    parts = [
        '<section id="claims" aria-labelledby="claims-h">'
        f'<h2 id="claims-h">Rejected {_e(unit)} ({len(claims)})</h2>'
    ]
    if not claims:
        parts.append(f"<p>No {_e(unit)} were rejected one by one.</p></section>")
        return "".join(parts)
    parts.append(
        f"<p>Each {_e(singular)} below was not accepted; correct it and send it again. The "
        f"other {_e(unit)} of the file were accepted: do not send them again.</p>"
    )
    if len(claims) > 5:
        links = "".join(
            f'<li><a href="#claim-{i}">{_e(c.claim_id)}</a></li>' for i, c in enumerate(claims, 1)
        )
        parts.append(f'<nav aria-label="Rejected {_e(unit)}"><ul class="jump">{links}</ul></nav>')
    for i, c in enumerate(claims, 1):
        parts.append(_claim_html(c, i, singular))
    parts.append("</section>")
    return "".join(parts)


def _claim_html(c: ClaimEntry, i: int, singular: str) -> str:
    meta = [
        ("Patient", _e(c.patient_name or "—")),
        ("Member ID", _e(c.member_id or "—")),
        ("Dates of service", _dates(c)),
        ("Amount billed", _e(_usd(c.amount))),
    ]
    if c.billing_npi or c.billing_name:
        meta.append(
            ("Billing provider", _e(" ".join(x for x in (c.billing_name, c.billing_npi) if x)))
        )
    if c.st_control_number:
        meta.append(("Transaction set", _e(c.st_control_number)))
    if c.line:
        meta.append(("Line in the file", _e(c.line)))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta)
    table = (
        _findings_table(c.findings, f"Problems with {singular} {c.claim_id}", False, f"claim{i}")
        if c.findings
        else "<p>No finding was recorded for this claim; contact support.</p>"
    )
    return (
        f'<section class="claim" id="claim-{i}" aria-labelledby="claim-{i}-h">'
        f'<h3 id="claim-{i}-h">{_e(singular.capitalize())} {_e(c.claim_id)} '
        f"{_badge('rejected')}</h3>"
        f'<dl class="meta">{dl}</dl>{table}</section>'
    )


def _other_html(report: Report) -> str:
    if not report.other_findings:
        return ""
    n = len(report.other_findings)
    return (
        '<section id="warnings" aria-labelledby="warnings-h">'
        f'<h2 id="warnings-h">Other findings ({n})</h2>'
        "<p>These rejected nothing. Correcting them avoids rejections in later files.</p>"
        + _findings_table(report.other_findings, "Other findings", True, "other")
        + "</section>"
    )


def _header_html(report: Report) -> str:
    h = report.header
    rows: list[tuple[str, str]] = []
    if h.submission_id:
        rows.append(("Submission", _e(h.submission_id)))
    if h.partner_name:
        rows.append(("Trading partner", _e(h.partner_name)))
    if h.received_at:
        rows.append(("Received", _e(h.received_at.strftime("%Y-%m-%d %H:%M UTC"))))
    status = _badge(h.outcome)
    if h.status != h.outcome:
        status += f' <span class="small">(status: {_e(h.status)})</span>'
    rows.append(("Status", status))
    if h.transaction_type:
        rows.append(("Transaction", _e(h.transaction_type)))
    for label, values in (
        ("Interchange control number (ISA13)", h.interchange_control_numbers),
        ("Group control number (GS06)", h.group_control_numbers),
        ("Transaction set control number (ST02)", h.transaction_control_numbers),
    ):
        if values:
            rows.append((label, _e(", ".join(values))))
    if h.guides:
        rows.append(
            (
                "Guides applied",
                "<br>".join(
                    _e(g.name + (f" v{g.version}" if g.version else ""))
                    + (f' <span class="small">({_e(g.title)})</span>' if g.title else "")
                    for g in h.guides
                ),
            )
        )
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    title = h.file_name or h.submission_id or "file"
    return f'<header><h1>Correction report: {_e(title)}</h1><dl class="meta">{dl}</dl></header>'


def _footer_html(report: Report) -> str:
    notes = ""
    if report.notes:
        notes = (
            '<section id="notes" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2><ul>'
            + "".join(f"<li>{_e(n)}</li>" for n in report.notes)
            + "</ul></section>"
        )
    sources = "".join(
        f"<li>{_e(g.name)}: {_e(g.source)}</li>" for g in report.header.guides if g.source
    )
    when = report.generated_at.strftime("%Y-%m-%d %H:%M UTC") if report.generated_at else "now"
    return (
        f"{notes}<footer>"
        + (
            f'<p class="small">Where the rules come from:</p><ul class="small">{sources}</ul>'
            if sources
            else ""
        )
        + f'<p class="small">Generated {_e(when)} by edi_gateway. Line numbers count '
        "segments from the start of the file (ISA = line 1).</p></footer>"
    )


def render_html(report: Report) -> str:
    """One self-contained, printable page (no scripts, no external resources)."""
    h = report.header
    title = f"Correction report: {h.file_name or h.submission_id or 'file'} ({h.outcome})"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + _header_html(report)
        + "\n<main>\n"
        + _summary_html(report)
        + "\n"
        + _blocking_html(report)
        + "\n"
        + _claims_html(report)
        + "\n"
        + _other_html(report)
        + "\n</main>\n"
        + _footer_html(report)
        + "\n</body>\n</html>\n"
    )
