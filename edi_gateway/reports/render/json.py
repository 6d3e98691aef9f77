"""The correction report as JSON: :func:`render_json`, ``"version": 1``; keys are stable, new
keys may be added::

    {
      "report": "correction_report", "version": 1, "generated_at": ISO-8601 UTC,
      "header": {file_name, partner_name, received_at, submission_id, status, outcome,
                 transaction_type, interchange_control_numbers, group_control_numbers,
                 transaction_control_numbers, guides: [{name, title, version, source}],
                 transaction_sets: [SET]},
      "summary": {unit_label, received, accepted, rejected, amount_received,
                  amount_accepted, amount_rejected, transaction_sets_total,
                  transaction_sets_rejected, errors, warnings,
                  top_problems: [{label, count, claims, severity, code, rule_id, guide,
                                  level, fix}]},
      "file_problems": [FINDING],           # envelopes and file rules: block everything
      "rejected_sets": [{transaction_set: SET, claims, amount, findings: [FINDING]}],
      "rejected_claims": [{claim_id, patient_name, patient_last_name, patient_first_name,
                           member_id, service_date_from, service_date_to, amount,
                           billing_npi, billing_name, transaction_set, st_control_number,
                           line, findings: [FINDING]}],
      "other_findings": [FINDING],          # reject nothing (warnings)
      "notes": [str],
      "terminations": [{member_id, subscriber_id, name, end_date, how, applied,
                        transaction_set, line}]   # stored 834 files only
    }
    SET = {ordinal, transaction_type, implementation_guide, interchange_control_number,
           group_control_number, st_control_number, status, units, units_accepted,
           units_rejected}
    FINDING = {snip_level, severity, level, code, code_meaning, message, loop, segment_id,
               segment_name, element, element_name, line, value, expected, rule_id,
               rule_title, guide, guide_source, source, fix, claim_id, member_id,
               transaction_set, st_control_number,
               segment: {line, text, before, marked, after, element_position,
                         component_position, missing} | null}

Amounts are strings with two decimals ("312.00"), or null when unknown (834/835 files);
dates are ISO (YYYY-MM-DD), times ISO-8601 in UTC.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from ..model import (
    ClaimEntry,
    FindingEntry,
    ProblemCount,
    Report,
    SegmentExcerpt,
    SetSummary,
    TerminationEntry,
)
from .values import iso, money

__all__ = ["JSON_VERSION", "ReportJSON", "render_json"]

JSON_VERSION = 1


class SetJSON(TypedDict):
    ordinal: int
    transaction_type: str
    implementation_guide: str
    interchange_control_number: str
    group_control_number: str
    st_control_number: str
    status: str
    units: int
    units_accepted: int
    units_rejected: int


class SegmentJSON(TypedDict):
    line: int
    text: str
    before: str
    marked: str
    after: str
    element_position: int | None
    component_position: int | None
    missing: bool


class FindingJSON(TypedDict):
    snip_level: int
    severity: str
    level: str
    code: str
    code_meaning: str | None
    message: str
    loop: str | None
    segment_id: str | None
    segment_name: str | None
    element: str | None
    element_name: str | None
    line: int | None
    value: str | None
    expected: str | None
    rule_id: str | None
    rule_title: str | None
    guide: str | None
    guide_source: str | None
    source: str | None
    fix: str | None
    claim_id: str | None
    member_id: str | None
    transaction_set: int | None
    st_control_number: str | None
    segment: SegmentJSON | None


class ClaimJSON(TypedDict):
    claim_id: str
    patient_name: str | None
    patient_last_name: str | None
    patient_first_name: str | None
    member_id: str | None
    service_date_from: str | None
    service_date_to: str | None
    amount: str | None
    billing_npi: str | None
    billing_name: str | None
    transaction_set: int | None
    st_control_number: str | None
    line: int | None
    findings: list[FindingJSON]


class ProblemJSON(TypedDict):
    label: str
    count: int
    claims: int
    severity: str
    code: str
    rule_id: str | None
    guide: str | None
    level: str | None
    fix: str | None


class GuideJSON(TypedDict):
    name: str
    title: str | None
    version: str | None
    source: str | None


class HeaderJSON(TypedDict):
    file_name: str | None
    partner_name: str | None
    received_at: str | None
    submission_id: str | None
    status: str
    outcome: str
    transaction_type: str | None
    interchange_control_numbers: list[str]
    group_control_numbers: list[str]
    transaction_control_numbers: list[str]
    guides: list[GuideJSON]
    transaction_sets: list[SetJSON]


class SummaryJSON(TypedDict):
    unit_label: str
    received: int
    accepted: int
    rejected: int
    amount_received: str | None
    amount_accepted: str | None
    amount_rejected: str | None
    transaction_sets_total: int
    transaction_sets_rejected: int
    errors: int
    warnings: int
    top_problems: list[ProblemJSON]


class RejectedSetJSON(TypedDict):
    transaction_set: SetJSON
    claims: int
    amount: str | None
    findings: list[FindingJSON]


class TerminationJSON(TypedDict):
    member_id: str
    subscriber_id: str | None
    name: str | None
    end_date: str | None
    how: str
    applied: bool
    transaction_set: int
    line: int | None


class ReportJSON(TypedDict):
    """The whole report (the module docstring shows its shape)."""

    report: str
    version: int
    generated_at: str | None
    header: HeaderJSON
    summary: SummaryJSON
    file_problems: list[FindingJSON]
    rejected_sets: list[RejectedSetJSON]
    rejected_claims: list[ClaimJSON]
    other_findings: list[FindingJSON]
    notes: list[str]
    terminations: NotRequired[list[TerminationJSON]]


def _set_json(s: SetSummary) -> SetJSON:
    return {
        "ordinal": s.ordinal,
        "transaction_type": s.transaction_type,
        "implementation_guide": s.implementation_guide,
        "interchange_control_number": s.interchange_control_number,
        "group_control_number": s.group_control_number,
        "st_control_number": s.st_control_number,
        "status": s.status,
        "units": s.units,
        "units_accepted": s.units_accepted,
        "units_rejected": s.units_rejected,
    }


def _segment_json(seg: SegmentExcerpt | None) -> SegmentJSON | None:
    if seg is None:
        return None
    return {
        "line": seg.line,
        "text": seg.text,
        "before": seg.before,
        "marked": seg.marked,
        "after": seg.after,
        "element_position": seg.element_position,
        "component_position": seg.component_position,
        "missing": seg.missing,
    }


def _finding_json(f: FindingEntry) -> FindingJSON:
    return {
        "snip_level": f.snip_level,
        "severity": f.severity,
        "level": f.level,
        "code": f.code,
        "code_meaning": f.code_meaning,
        "message": f.message,
        "loop": f.loop,
        "segment_id": f.segment_id,
        "segment_name": f.segment_name,
        "element": f.element,
        "element_name": f.element_name,
        "line": f.line,
        "value": f.value,
        "expected": f.expected,
        "rule_id": f.rule_id,
        "rule_title": f.rule_title,
        "guide": f.guide,
        "guide_source": f.guide_source,
        "source": f.source,
        "fix": f.fix,
        "claim_id": f.claim_id,
        "member_id": f.member_id,
        "transaction_set": f.set_ordinal,
        "st_control_number": f.st_control_number,
        "segment": _segment_json(f.segment),
    }


def _claim_json(c: ClaimEntry) -> ClaimJSON:
    return {
        "claim_id": c.claim_id,
        "patient_name": c.patient_name,
        "patient_last_name": c.patient_last_name,
        "patient_first_name": c.patient_first_name,
        "member_id": c.member_id,
        "service_date_from": iso(c.service_date_from),
        "service_date_to": iso(c.service_date_to),
        "amount": money(c.amount),
        "billing_npi": c.billing_npi,
        "billing_name": c.billing_name,
        "transaction_set": c.set_ordinal,
        "st_control_number": c.st_control_number,
        "line": c.line,
        "findings": [_finding_json(f) for f in c.findings],
    }


def _problem_json(p: ProblemCount) -> ProblemJSON:
    return {
        "label": p.label,
        "count": p.count,
        "claims": p.claims,
        "severity": p.severity,
        "code": p.code,
        "rule_id": p.rule_id,
        "guide": p.guide,
        "level": p.level,
        "fix": p.fix,
    }


def _termination_json(t: TerminationEntry) -> TerminationJSON:
    return {
        "member_id": t.member_id,
        "subscriber_id": t.subscriber_id,
        "name": t.name,
        "end_date": iso(t.end_date),
        "how": t.how,
        "applied": t.applied,
        "transaction_set": t.set_ordinal,
        "line": t.line,
    }


def render_json(report: Report) -> ReportJSON:
    """The report as a JSON-ready dict (see the module docstring for the keys)."""
    out = _render(report)
    if report.terminations is not None:
        out["terminations"] = [_termination_json(t) for t in report.terminations]
    return out


def _render(report: Report) -> ReportJSON:
    h, s = report.header, report.summary
    return {
        "report": "correction_report",
        "version": JSON_VERSION,
        "generated_at": iso(report.generated_at),
        "header": {
            "file_name": h.file_name,
            "partner_name": h.partner_name,
            "received_at": iso(h.received_at),
            "submission_id": h.submission_id,
            "status": h.status,
            "outcome": h.outcome,
            "transaction_type": h.transaction_type,
            "interchange_control_numbers": list(h.interchange_control_numbers),
            "group_control_numbers": list(h.group_control_numbers),
            "transaction_control_numbers": list(h.transaction_control_numbers),
            "guides": [
                {"name": g.name, "title": g.title, "version": g.version, "source": g.source}
                for g in h.guides
            ],
            "transaction_sets": [_set_json(x) for x in h.sets],
        },
        "summary": {
            "unit_label": s.unit_label,
            "received": s.received,
            "accepted": s.accepted,
            "rejected": s.rejected,
            "amount_received": money(s.amount_received),
            "amount_accepted": money(s.amount_accepted),
            "amount_rejected": money(s.amount_rejected),
            "transaction_sets_total": s.sets_total,
            "transaction_sets_rejected": s.sets_rejected,
            "errors": s.errors,
            "warnings": s.warnings,
            "top_problems": [_problem_json(p) for p in s.top_problems],
        },
        "file_problems": [_finding_json(f) for f in report.file_problems],
        "rejected_sets": [
            {
                "transaction_set": _set_json(rs.set),
                "claims": rs.set.units,
                "amount": money(rs.amount),
                "findings": [_finding_json(f) for f in rs.findings],
            }
            for rs in report.rejected_sets
        ],
        "rejected_claims": [_claim_json(c) for c in report.rejected_claims],
        "other_findings": [_finding_json(f) for f in report.other_findings],
        "notes": list(report.notes),
    }
