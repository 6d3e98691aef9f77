"""The error-correction report of a submission: what a provider's billing office reads to
fix and resubmit.

Two entry points build the same :class:`~.model.Report`:

- :func:`build_report` from the database (any status): the submission, its interchanges and
  transaction sets, every finding (SNIP 1-7) and the claim outcomes, plus the original bytes
  from the file store for the offending segments;
- :func:`report_for_file` from a file alone (no database), validating it with the base guides
  and an optional plan guide as ``edi-gateway validate --guide`` does.

The report puts first what blocks everything (envelope problems and transaction sets
rejected as a whole), then one entry per rejected claim, each finding explained: what is
wrong, where, the value found and the value expected, the rule and its source, and the fix.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..config import Settings
from ..models import ClaimOutcome, FindingRow, Interchange, Partner, Submission, TransactionSet
from ..submissions.filestore import FileStore
from .codes import code_meaning, fix_for
from .explain import (
    FileScan,
    element_positions,
    excerpt,
    expected_for,
    first_sentence,
    guide_info,
    map_names,
    message_template,
    rule_info,
    scan_file,
)
from .model import (
    ClaimEntry,
    FindingEntry,
    GuideApplied,
    Header,
    ProblemCount,
    RejectedSet,
    Report,
    SetSummary,
    Summary,
)

__all__ = ["ReportNotFound", "build_report", "report_for_file"]

#: how many kinds of problem the summary lists
TOP_PROBLEMS = 5
_UNIT_LABELS = {"834": "members", "835": "claim payments"}
_FINISHED = ("completed", "rejected", "held", "duplicate", "failed")


class ReportNotFound(LookupError):
    pass


@dataclass(slots=True)
class _Raw:
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
    def of(cls, f: Any, set_ordinal: int | None = None) -> _Raw:
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
class _Claim:
    entry: ClaimEntry
    accepted: bool


# --- from the database -----------------------------------------------------------------------


async def build_report(session: AsyncSession, settings: Settings, submission_id: str) -> Report:
    """The report of a stored submission, whatever its status. Raises ReportNotFound."""
    sub = await session.get(Submission, submission_id)
    if sub is None:
        raise ReportNotFound(f"no submission {submission_id}")
    partner = await session.get(Partner, sub.partner_id) if sub.partner_id is not None else None
    interchanges = (
        (
            await session.execute(
                select(Interchange)
                .where(Interchange.submission_id == sub.id)
                .order_by(Interchange.id)
            )
        )
        .scalars()
        .all()
    )
    set_rows = (
        (
            await session.execute(
                select(TransactionSet)
                .where(TransactionSet.submission_id == sub.id)
                .order_by(TransactionSet.ordinal)
            )
        )
        .scalars()
        .all()
    )
    finding_rows = (
        (
            await session.execute(
                select(FindingRow).where(FindingRow.submission_id == sub.id).order_by(FindingRow.id)
            )
        )
        .scalars()
        .all()
    )
    outcome_rows = (
        (
            await session.execute(
                select(ClaimOutcome)
                .where(ClaimOutcome.submission_id == sub.id)
                .order_by(ClaimOutcome.set_ordinal, ClaimOutcome.line, ClaimOutcome.id)
            )
        )
        .scalars()
        .all()
    )

    sets = [
        SetSummary(
            ordinal=s.ordinal,
            transaction_type=s.transaction_type,
            implementation_guide=s.version,
            interchange_control_number=s.isa_control_number,
            group_control_number=s.gs_control_number,
            st_control_number=s.st_control_number,
            status=s.status,
            units=s.units,
            units_accepted=s.units_stored,
            units_rejected=s.units_rejected,
        )
        for s in set_rows
    ]
    raws = [
        _Raw(
            r.snip_level,
            r.severity,
            r.level,
            r.code,
            r.message,
            r.segment_id,
            r.line,
            r.loop,
            r.element,
            r.value,
            r.claim_id,
            r.member_id,
            r.isa_control_number,
            r.gs_control_number,
            r.st_control_number,
            r.rule_id,
            r.guide,
            r.set_ordinal,
        )
        for r in finding_rows
    ]
    claims = [
        _Claim(
            ClaimEntry(
                claim_id=o.claim_id,
                patient_last_name=o.patient_last_name,
                patient_first_name=o.patient_first_name,
                member_id=o.member_id,
                service_date_from=o.service_date_from,
                service_date_to=o.service_date_to,
                amount=_decimal(o.charge),
                billing_npi=o.billing_npi,
                billing_name=o.billing_name,
                set_ordinal=o.set_ordinal,
                st_control_number=o.st_control_number,
                line=o.line or None,
            ),
            o.accepted,
        )
        for o in outcome_rows
    ]

    notes: list[str] = []
    path = FileStore(settings.data_dir).path(FileStore.relative_for(sub.sha256))
    wanted = {r.line for r in raws if r.line}
    scan: FileScan | None = None
    if path.is_file():
        try:
            scan = await anyio.to_thread.run_sync(scan_file, path, wanted)
        except OSError:
            scan = None
    if scan is None:
        notes.append(
            "The original file is no longer in the file store: the offending segments "
            "cannot be shown."
        )
    if sub.status not in _FINISHED:
        notes.append(
            f"Processing has not finished (status {sub.status}): this report is incomplete. "
            "Download it again when the submission is completed."
        )
    if sub.status == "failed":
        notes.append(
            "Processing failed on our side"
            + (f" ({sub.error})" if sub.error else "")
            + "; the file has not been fully checked. Contact support before resending."
        )
    if sub.status == "duplicate" and sub.duplicate_of:
        notes.append(
            f"These exact bytes were already received as submission {sub.duplicate_of}; "
            "nothing was processed again. See that submission's report."
        )

    header = Header(
        file_name=sub.filename,
        partner_name=partner.name if partner else None,
        received_at=sub.received_at,
        submission_id=sub.id,
        status=sub.status,
        outcome="",
        transaction_type=sub.transaction_type,
        interchange_control_numbers=_unique(
            [i.control_number for i in interchanges] + [s.interchange_control_number for s in sets]
        ),
        group_control_numbers=_unique([s.group_control_number for s in sets]),
        transaction_control_numbers=_unique([s.st_control_number for s in sets]),
        guides=_guides_applied(
            partner.guide if partner else None,
            [(s.transaction_type, s.receiver_id, s.gs_receiver_id) for s in set_rows],
            [r.guide for r in raws],
        ),
        sets=sets,
    )
    return _assemble(header, sets, raws, claims, scan, notes)


def _guides_applied(
    plan: str | None, sets: list[tuple[str, str, str]], named: list[str | None]
) -> list[GuideApplied]:
    """The guides that checked the file, as the pipeline chooses them: the base guides of its
    transaction types, plus the partner's plan guide or the one serving the receiver id."""
    from mappings.guides import GuideError, base_guides, guide_for_receiver

    names: list[str] = []
    types = {t for t, _, _ in sets}
    with contextlib.suppress(GuideError):  # a broken guide file must not break the report
        names.extend(g.name for g in base_guides() if types & set(g.transactions))
    plan_guide = guide_info(plan)
    for transaction, receiver, gs_receiver in sets:
        if plan_guide is not None and transaction in plan_guide.transactions:
            names.append(plan_guide.name)
            continue
        found = None
        with contextlib.suppress(GuideError):
            found = guide_for_receiver(receiver, transaction) or guide_for_receiver(
                gs_receiver, transaction
            )
        if found is not None:
            names.append(found.name)
    names.extend(n for n in named if n)
    out = []
    for name in _unique(names):
        g = guide_info(name)
        out.append(GuideApplied(name, g.title, g.version, g.source) if g else GuideApplied(name))
    return out


# --- from a file -----------------------------------------------------------------------------


def report_for_file(
    path: str | Path, guide: str | None, receipt_date: date | None = None
) -> Report:
    """The report of a file checked without the database: SNIP 1-2 and the base guides, plus
    the named plan guide (raises ``mappings.guides.GuideError`` for an unknown name)."""
    from mappings.guides import GuideChecks, load_guide
    from mappings.x837 import map_claim
    from parsers import FileEvent, SetEvent, Severity, UnitEvent, Validator

    path = Path(path)
    plan = load_guide(guide) if guide else None
    checks = GuideChecks(plan, receipt_date)
    raws: list[_Raw] = []
    set_results: dict[int, tuple[Any, Any]] = {}  # ordinal -> (header, result)
    units: list[tuple[int, ClaimEntry | None, list[Any]]] = []
    result = None
    for event in Validator(units=True).events(str(path)):
        if isinstance(event, UnitEvent):
            unit = event.unit
            h = unit.header
            found = checks.check_unit(unit)
            entry: ClaimEntry | None = None
            if h.guide in ("837P", "837I", "837D"):
                line = unit.loop.segments[0].line
                try:
                    c = map_claim(unit)
                except (ValueError, KeyError, IndexError, ArithmeticError) as exc:
                    clm = unit.loop.segments[0]
                    entry = ClaimEntry(claim_id=clm[1] or "?", set_ordinal=h.set_index, line=line)
                    raws.append(
                        _Raw(
                            7,
                            "reject_claim",
                            "claim",
                            "MAP",
                            f"The claim could not be read: {exc}",
                            "CLM",
                            line,
                            claim_id=entry.claim_id,
                            st=h.st_control_number,
                            set_ordinal=h.set_index,
                        )
                    )
                else:
                    entry = ClaimEntry(
                        claim_id=c.claim_id,
                        patient_last_name=c.patient.last_name,
                        patient_first_name=c.patient.first_name,
                        member_id=c.member_id,
                        service_date_from=c.service_date_from,
                        service_date_to=c.service_date_to,
                        amount=c.total_charge,
                        billing_npi=c.billing.npi,
                        billing_name=c.billing.last_name,
                        set_ordinal=h.set_index,
                        st_control_number=h.st_control_number,
                        line=line,
                    )
            units.append((h.set_index, entry, found))
            raws.extend(_Raw.of(f, h.set_index) for f in found)
        elif isinstance(event, SetEvent):
            set_results[event.header.set_index] = (event.header, event.result)
            raws.extend(_Raw.of(f, event.header.set_index) for f in checks.check_set(event))
        elif isinstance(event, FileEvent):
            result = event.result
    assert result is not None
    raws.extend(_Raw.of(f) for f in result.all_findings())

    # Partial acceptance, as the pipeline does it: a claim with a reject_claim finding is
    # rejected alone; a set rejected by the 999 or by a set/file rule rejects all its claims.
    rejected_units = {
        id(entry)
        for _, entry, found in units
        if entry is not None and any(f.severity is Severity.REJECT_CLAIM for f in found)
    }
    bad_units = sum(
        1 for _, _, found in units if any(f.severity is Severity.REJECT_CLAIM for f in found)
    )
    file_rejected = any(r.severity == "reject_file" for r in raws)
    threshold = plan.acceptance_threshold if plan is not None else None
    if threshold is not None and units:
        share = (len(units) - bad_units) / len(units)
        if share < threshold:
            file_rejected = True
            raws.append(
                _Raw(
                    7,
                    "reject_file",
                    "interchange",
                    "THRESHOLD",
                    f"Only {share:.1%} of the claims pass the companion guide; the plan "
                    f"rejects files below {threshold:.0%}. Correct the rejected claims and "
                    "send the whole file again.",
                    rule_id="THRESHOLD",
                    guide=plan.name if plan else None,
                )
            )
    blocking_sets = {
        r.set_ordinal
        for r in raws
        if r.set_ordinal is not None and r.severity in ("reject_transaction", "reject_file")
    }
    sets: list[SetSummary] = []
    for ordinal, (h, res) in sorted(set_results.items()):
        rejected = file_rejected or not res.accepted or ordinal in blocking_sets
        bad = sum(
            1
            for o, entry, _ in units
            if o == ordinal and entry is not None and id(entry) in rejected_units
        )
        sets.append(
            SetSummary(
                ordinal=ordinal,
                transaction_type=h.guide,
                implementation_guide=h.version,
                interchange_control_number=h.isa_control_number,
                group_control_number=h.gs_control_number,
                st_control_number=h.st_control_number,
                status="rejected" if rejected else "stored",
                units=res.units,
                units_accepted=0 if rejected else res.units - bad,
                units_rejected=res.units if rejected else bad,
            )
        )
    accepted_sets = {s.ordinal for s in sets if s.status != "rejected"}
    claims = [
        _Claim(entry, id(entry) not in rejected_units)
        for ordinal, entry, _ in units
        if entry is not None and ordinal in accepted_sets
    ]
    wanted = {r.line for r in raws if r.line}
    scan = scan_file(path, wanted) if result.usable else None
    accepted_units = sum(s.units_accepted for s in sets)
    total_units = sum(s.units for s in sets)
    verdict = (
        "not X12"
        if not result.usable
        else "rejected"
        if accepted_units == 0
        else "accepted"
        if accepted_units == total_units and not file_rejected
        else "partially accepted"
    )
    header = Header(
        file_name=path.name,
        partner_name=None,
        received_at=None,
        submission_id=None,
        status=verdict,
        outcome="",
        transaction_type=",".join(sorted({s.transaction_type for s in sets})) or None,
        interchange_control_numbers=_unique([i.control_number for i in result.interchanges]),
        group_control_numbers=_unique(
            [g.control_number for i in result.interchanges for g in i.groups]
        ),
        transaction_control_numbers=_unique([s.st_control_number for s in sets]),
        guides=[
            GuideApplied(g.name, g.title, g.version, g.source)
            for g in checks.guides
            if g is plan or {s.transaction_type for s in sets} & set(g.transactions)
        ],
        sets=sets,
    )
    notes = [
        "Checked from the file alone, without the gateway's database: duplicates of claims "
        "received earlier and member eligibility were not checked."
    ]
    return _assemble(header, sets, raws, claims, scan, notes)


# --- assembling the report -------------------------------------------------------------------


def _assemble(
    header: Header,
    sets: list[SetSummary],
    raws: list[_Raw],
    claims: list[_Claim],
    scan: FileScan | None,
    notes: list[str],
) -> Report:
    by_ordinal = {s.ordinal: s for s in sets}
    by_control: dict[tuple[str | None, str | None, str | None], int] = {}
    for s in sets:
        key = (s.interchange_control_number, s.group_control_number, s.st_control_number)
        by_control.setdefault(key, s.ordinal)
    guides: dict[str, Any] = {}

    def guide(name: str | None) -> Any:
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


def _explain(r: _Raw, s: SetSummary | None, scan: FileScan | None, guide: Any) -> FindingEntry:
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
        if s is not None:
            source = s.implementation_guide
        elif r.level == "group":
            source = "ASC X12 005010 functional group (GS/GE)"
        elif r.level == "interchange":
            source = "ASC X12 005010 interchange control (ISA/IEA)"
        else:
            source = "ASC X12 005010"
        fix = fix_for(r.level, r.code) or r.fix
        meaning = code_meaning(r.level, r.code)
    segment = None
    if text is not None and delims is not None and r.line is not None:
        whole = r.level == "segment" and element is None and r.code not in ("3", "I6", "I7", "I8")
        segment = excerpt(text, r.line, delims, element, component, whole)
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
    header: Header, sets: list[SetSummary], claims: list[_Claim], report: Report
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


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
