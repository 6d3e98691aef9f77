"""Assembling the error-correction report: findings explained (what, where, the value found
and expected, the rule and its source, the fix), claims and sets summarised, worst first.
Both builders (``stored`` from the database, ``from_file`` from a file alone) end here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from parsers.igspec import GUIDES

from .codes import code_meaning, fix_for
from .explain import (
    FileScan,
    element_positions,
    expected_for,
    first_sentence,
    guide_info,
    map_names,
    message_template,
    rule_info,
    segment_excerpt,
)
from .model import (
    ClaimEntry,
    FindingEntry,
    Header,
    ProblemCount,
    RejectedSet,
    Report,
    SetSummary,
    Summary,
)

if TYPE_CHECKING:  # the parser and the guides load when a report needs them
    from mappings.guides import Guide
    from parsers import Finding

__all__ = ["RawFinding", "ReportClaim", "assemble", "decimal_or_none", "unique"]

#: how many kinds of problem the summary lists
TOP_PROBLEMS = 5
_UNIT_LABELS = {"834": "members", "835": "claim payments"}


@dataclass(slots=True)
class RawFinding:
    """A finding as stored (or as the validator produced it), before it is explained."""

    snip_level: int
    severity: str
    level: str
    code: str
    message: str
    segment_id: str | None = None
    line: int | None = None
    loop: str | None = None
    element: str | None = None
    value: str | None = None
    claim_id: str | None = None
    member_id: str | None = None
    isa: str | None = None
    gs: str | None = None
    st: str | None = None
    rule_id: str | None = None
    guide: str | None = None
    set_ordinal: int | None = None
    fix: str | None = None

    @classmethod
    def of(cls, f: Finding, set_ordinal: int | None = None) -> RawFinding:
        """From a :class:`parsers.Finding`."""
        return cls(
            f.snip_level,
            f.severity.value,
            f.level.value,
            f.code,
            f.message,
            f.segment_id or None,
            f.line,
            f.loop,
            f.element,
            f.value,
            f.claim_id,
            f.member_id,
            f.interchange_control_number,
            f.group_control_number,
            f.transaction_control_number,
            f.rule_id,
            f.guide,
            set_ordinal,
            f.fix,
        )


@dataclass(slots=True)
class ReportClaim:
    entry: ClaimEntry
    accepted: bool


# --- assembling the report -------------------------------------------------------------------


def assemble(
    header: Header,
    sets: list[SetSummary],
    raws: list[RawFinding],
    claims: list[ReportClaim],
    scan: FileScan | None,
    notes: list[str],
) -> Report:
    by_ordinal = {s.ordinal: s for s in sets}
    by_control: dict[tuple[str | None, str | None, str | None], int] = {}
    for s in sets:
        key = (s.interchange_control_number, s.group_control_number, s.st_control_number)
        by_control.setdefault(key, s.ordinal)
    guides: dict[str, Guide | None] = {}

    def guide(name: str | None) -> Guide | None:
        if not name:
            return None
        if name not in guides:
            guides[name] = guide_info(name)
        return guides[name]

    # Which set each finding belongs to: stored with it, or found by its line, or by its
    # envelope control numbers.
    for r in raws:
        if r.set_ordinal is None and r.level not in ("interchange", "group"):
            ordinal = scan.set_for_line(r.line) if scan is not None and r.line else None
            if ordinal is None and r.st:
                ordinal = by_control.get((r.isa, r.gs, r.st))
            r.set_ordinal = ordinal if ordinal in by_ordinal else None

    rejected_sets = {
        s.ordinal: RejectedSet(
            s,
            _set_amount(s, scan),
        )
        for s in sets
        if s.status == "rejected"
    }
    entries = [c.entry for c in claims if not c.accepted]
    by_claim: dict[tuple[int | None, str], list[ClaimEntry]] = defaultdict(list)
    for e in entries:
        by_claim[(e.set_ordinal, e.claim_id)].append(e)

    report = Report(
        header=header,
        summary=Summary("claims", 0, 0, 0, None, None, None, 0, 0, 0, 0),
        notes=notes,
        generated_at=datetime.now(UTC),
    )
    for r in sorted(raws, key=lambda r: (r.line or 0, r.set_ordinal or 0)):
        entry = _explain(r, by_ordinal.get(r.set_ordinal or -1), scan, guide)
        is_error = r.severity != "warning"
        if r.set_ordinal in rejected_sets:
            rejected_sets[r.set_ordinal].findings.append(entry)
            continue
        if r.set_ordinal is None and is_error:
            # envelopes, file-level rules: nothing in the file gets past these
            report.file_problems.append(entry)
            continue
        unit_id = r.claim_id or r.member_id
        if unit_id and r.set_ordinal is not None:
            claim = _claim_for(by_claim.get((r.set_ordinal, unit_id[:40])), r.line)
            if claim is None and r.severity == "reject_claim":
                # a unit rejected by a rule with no claim outcome (834 members, 835 payments)
                claim = ClaimEntry(
                    claim_id=unit_id,
                    member_id=r.member_id,
                    set_ordinal=r.set_ordinal,
                    st_control_number=by_ordinal[r.set_ordinal].st_control_number,
                    line=r.line,
                )
                by_claim[(r.set_ordinal, unit_id[:40])].append(claim)
                entries.append(claim)
            if claim is not None:
                claim.findings.append(entry)
                continue
        report.other_findings.append(entry)

    report.rejected_sets = list(rejected_sets.values())
    report.rejected_claims = sorted(entries, key=lambda e: (e.set_ordinal or 0, e.line or 0))
    report.summary = _summary(header, sets, claims, report)
    header.outcome = _outcome(header.status, report.summary, report)
    return report


#: where a reader opens the X12 envelope segments (no implementation guide covers them)
_ENVELOPE = {
    "group": "ASC X12 005010 functional group (GS/GE) https://stedi.com/edi/x12-005010/segment/GS",
    "interchange": (
        "ASC X12 005010 interchange control (ISA/IEA) https://stedi.com/edi/x12-005010/segment/ISA"
    ),
}
_SERVED_GUIDES = frozenset(g.version for g in GUIDES)


def x12_source(implementation_guide: str | None, level: str) -> str:
    """The citation of a SNIP 1-2 finding: the implementation guide's page as the validator
    reads it (``/reference/x12/...``), or the X12 envelope segment's public page."""
    if implementation_guide in _SERVED_GUIDES:
        return (
            f"{implementation_guide} as the validator reads it "
            f"/reference/x12/{implementation_guide}"
        )
    return _ENVELOPE.get(level, _ENVELOPE["interchange"])


def _claim_for(candidates: list[ClaimEntry] | None, line: int | None) -> ClaimEntry | None:
    """The claim a finding is about; among claims with the same CLM01 in one set, the last
    one that starts at or before the finding's line."""
    if not candidates:
        return None
    if len(candidates) == 1 or line is None:
        return candidates[0]
    before = [c for c in candidates if c.line is not None and c.line <= line]
    return max(before, key=lambda c: c.line or 0) if before else candidates[0]


def _set_amount(s: SetSummary, scan: FileScan | None) -> Decimal | None:
    if scan is None or not s.transaction_type.startswith("837"):
        return None
    span = next((x for x in scan.sets if x.ordinal == s.ordinal), None)
    return span.amount if span is not None else None


def _explain(
    r: RawFinding,
    s: SetSummary | None,
    scan: FileScan | None,
    guide: Callable[[str | None], Guide | None],
) -> FindingEntry:
    element, component = element_positions(r.segment_id, r.element)
    text = scan.segments.get(r.line) if scan is not None and r.line else None
    delims = scan.delims if scan is not None else None
    names = map_names(
        s.transaction_type if s else None, r.loop, r.segment_id, text, delims, element, component
    )
    g = guide(r.guide)
    rule = rule_info(g, r.rule_id)
    if r.rule_id:
        source = (rule.source if rule is not None and rule.source else None) or (
            g.source if g is not None else None
        )
        fix = rule.fix if rule is not None else (r.fix or fix_for(r.level, r.code))
        meaning = None if rule is not None else code_meaning(r.level, r.code)
    else:
        source = x12_source(s.implementation_guide if s is not None else None, r.level)
        fix = fix_for(r.level, r.code) or r.fix
        meaning = code_meaning(r.level, r.code)
    segment = segment_excerpt(scan, r.line, r.segment_id, r.element, r.level, r.code)
    return FindingEntry(
        snip_level=r.snip_level,
        severity=r.severity,
        level=r.level,
        code=r.code,
        message=r.message,
        code_meaning=meaning,
        loop=r.loop,
        segment_id=r.segment_id,
        segment_name=names.segment_name,
        element=r.element,
        element_name=names.element_name,
        line=r.line,
        value=r.value,
        expected=expected_for(r.level, r.code, r.message, rule, names, r.segment_id),
        rule_id=r.rule_id,
        rule_title=rule.title if rule is not None else None,
        guide=r.guide,
        guide_source=g.source if g is not None else None,
        source=source,
        fix=fix,
        claim_id=r.claim_id,
        member_id=r.member_id,
        set_ordinal=r.set_ordinal,
        st_control_number=(s.st_control_number if s else None) or r.st,
        segment=segment,
    )


def _summary(
    header: Header, sets: list[SetSummary], claims: list[ReportClaim], report: Report
) -> Summary:
    types = {s.transaction_type for s in sets}
    is_837 = bool(types) and all(t.startswith("837") for t in types)
    label = "claims" if is_837 or not types else _UNIT_LABELS.get(next(iter(types)), "units")
    if len(types) > 1 and not is_837:
        label = "units"
    received = sum(s.units for s in sets)
    accepted = sum(s.units_accepted for s in sets)
    rejected = sum(s.units_rejected for s in sets)
    amount_accepted = amount_rejected = amount_received = None
    if is_837:
        amount_accepted = sum(
            (c.entry.amount or Decimal(0) for c in claims if c.accepted), Decimal(0)
        )
        amount_rejected = sum(
            (c.entry.amount or Decimal(0) for c in claims if not c.accepted), Decimal(0)
        )
        for rs in report.rejected_sets:
            amount_rejected += rs.amount or Decimal(0)
        amount_received = amount_accepted + amount_rejected
    everything = report.all_findings()
    errors = sum(1 for f, _ in everything if f.is_error)
    return Summary(
        unit_label=label,
        received=received,
        accepted=accepted,
        rejected=rejected,
        amount_received=amount_received,
        amount_accepted=amount_accepted,
        amount_rejected=amount_rejected,
        sets_total=len(sets),
        sets_rejected=sum(1 for s in sets if s.status == "rejected"),
        errors=errors,
        warnings=len(everything) - errors,
        top_problems=_top_problems(everything),
    )


_SEVERITY_ORDER = (
    "reject_file",
    "reject_group",
    "reject_transaction",
    "reject_claim",
    "warning",
)


def _worst(a: str, b: str) -> str:
    rank = {s: i for i, s in enumerate(_SEVERITY_ORDER)}
    return a if rank.get(a, 9) <= rank.get(b, 9) else b


def _top_problems(findings: list[tuple[FindingEntry, ClaimEntry | None]]) -> list[ProblemCount]:
    """Findings grouped by rule (guide rules) or by code and message template, errors
    before warnings, most frequent first."""
    groups: dict[tuple[str | None, ...], ProblemCount] = {}
    units: dict[tuple[str | None, ...], set[str]] = defaultdict(set)
    for f, claim in findings:
        if f.rule_id:
            key: tuple[str | None, ...] = ("rule", f.guide, f.rule_id)
            label = f.rule_title or message_template(f.message, f.value, f.claim_id, f.member_id)
        else:
            template = message_template(f.message, f.value, f.claim_id, f.member_id)
            key = ("code", f.level, f.code, template)
            label = first_sentence(template)
        problem = groups.get(key)
        if problem is None:
            problem = groups[key] = ProblemCount(
                label=label,
                count=0,
                claims=0,
                severity=f.severity,
                code=f.code,
                rule_id=f.rule_id,
                guide=f.guide,
                level=f.level,
                fix=f.fix,
            )
        problem.count += 1
        problem.severity = _worst(problem.severity, f.severity)
        unit = f.claim_id or f.member_id or (claim.claim_id if claim else None)
        if unit:
            units[key].add(f"{f.set_ordinal}|{unit}")
    for key, problem in groups.items():
        problem.claims = len(units[key])
    ranked = sorted(
        groups.values(),
        key=lambda p: (p.severity == "warning", -p.count, -p.claims, p.label),
    )
    return ranked[:TOP_PROBLEMS]


def _outcome(status: str, summary: Summary, report: Report) -> str:
    if status == "failed":
        return "failed"
    if status == "duplicate":
        return "duplicate"
    if status in ("received", "validating", "storing"):
        return "not finished"
    if status == "held":
        return "held for review"
    if status == "discarded":
        return "discarded"
    if status == "not X12":
        return "rejected"
    if summary.received == 0:
        return "rejected" if report.file_problems or summary.errors else "accepted"
    if summary.accepted == 0:
        return "rejected"
    if summary.accepted == summary.received and not report.file_problems:
        return "accepted"
    return "partially accepted"


# --- helpers ---------------------------------------------------------------------------------


def decimal_or_none(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
