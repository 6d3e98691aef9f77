"""The report of a file checked without the database: the check stream's verdicts, as the
pipeline stores them, explained."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .assemble import RawFinding, ReportClaim, assemble, unique
from .explain import (
    scan_file,
)
from .model import (
    ClaimEntry,
    GuideApplied,
    Header,
    Report,
    SetSummary,
)

if TYPE_CHECKING:  # the check stream loads when a file is reported on
    from mappings.check import UnitRecord
    from mappings.codesets.catalog import CodeLists
    from parsers import Unit

__all__ = ["report_for_file"]

# --- from a file -----------------------------------------------------------------------------


def report_for_file(
    path: str | Path,
    guide: str | None,
    receipt_date: date | None = None,
    code_lists: CodeLists | None = None,
) -> Report:
    """The report of a file checked without the database: the check stream with the base
    guides, plus the named plan guide (raises ``mappings.guides.GuideError`` for an unknown
    name), codes judged with ``code_lists`` where given (imported lists, read by the
    caller); the verdicts are the stream's, as the pipeline stores them."""
    from mappings.check import CheckedFile, CheckedSet, CheckedUnit, GuideSelection, check
    from mappings.guides import GuideChecks, load_guide

    path = Path(path)
    plan = load_guide(guide) if guide else None
    selection = GuideSelection(plan, receipt_date, code_lists=code_lists)
    raws: list[RawFinding] = []
    sets: list[SetSummary] = []
    units: list[tuple[int, ClaimEntry, bool]] = []
    checked_file: CheckedFile | None = None
    for item in check(str(path), selection):
        if isinstance(item, CheckedUnit):
            h = item.unit.header
            entry = _claim_entry(item.unit, item.record) if h.guide in _CLAIM_TYPES else None
            if entry is not None:
                units.append((h.set_index, entry, item.accepted))
            raws.extend(RawFinding.of(f, h.set_index) for f in item.findings)
        elif isinstance(item, CheckedSet):
            h, res = item.header, item.event.result
            raws.extend(RawFinding.of(f, h.set_index) for f in item.findings)
            sets.append(
                SetSummary(
                    ordinal=h.set_index,
                    transaction_type=h.guide,
                    implementation_guide=h.version,
                    interchange_control_number=h.isa_control_number,
                    group_control_number=h.gs_control_number,
                    st_control_number=h.st_control_number,
                    status="stored" if item.accepted else "rejected",
                    units=res.units,
                    units_accepted=item.units_accepted,
                    units_rejected=res.units - item.units_accepted,
                )
            )
        else:
            checked_file = item
    assert checked_file is not None
    result = checked_file.result
    raws.extend(RawFinding.of(f) for f in result.all_findings())
    raws.extend(RawFinding.of(f) for f in checked_file.findings)
    accepted_sets = {s.ordinal for s in sets if s.status != "rejected"}
    claims = [
        ReportClaim(entry, accepted)
        for ordinal, entry, accepted in units
        if ordinal in accepted_sets
    ]
    types = {s.transaction_type for s in sets}
    wanted = {r.line for r in raws if r.line}
    scan = scan_file(path, wanted) if result.usable else None
    header = Header(
        file_name=path.name,
        partner_name=None,
        received_at=None,
        submission_id=None,
        status=checked_file.verdict.value,
        outcome="",
        transaction_type=",".join(sorted({s.transaction_type for s in sets})) or None,
        interchange_control_numbers=unique([i.control_number for i in result.interchanges]),
        group_control_numbers=unique(
            [g.control_number for i in result.interchanges for g in i.groups]
        ),
        transaction_control_numbers=unique([s.st_control_number for s in sets]),
        guides=[
            GuideApplied(g.name, g.title, g.version, g.source)
            for g in (selection.applied() or GuideChecks(plan, receipt_date).guides)
            if g is plan or types & set(g.transactions)
        ],
        sets=sets,
    )
    notes = [
        "Checked from the file alone, without the gateway's database: duplicates of claims "
        "received earlier and member eligibility were not checked."
    ]
    return assemble(header, sets, raws, claims, scan, notes)


_CLAIM_TYPES = ("837P", "837I", "837D")


def _claim_entry(unit: Unit, record: UnitRecord | None) -> ClaimEntry:
    """What the report says of an 837 claim: all that was read, or where it starts."""
    from mappings.records import EncounterClaim

    h = unit.header
    line = unit.loop.segments[0].line
    if not isinstance(record, EncounterClaim):
        clm = unit.loop.segments[0]
        return ClaimEntry(claim_id=clm[1] or "?", set_ordinal=h.set_index, line=line)
    return ClaimEntry(
        claim_id=record.claim_id,
        patient_last_name=record.patient.last_name,
        patient_first_name=record.patient.first_name,
        member_id=record.member_id,
        service_date_from=record.service_date_from,
        service_date_to=record.service_date_to,
        amount=record.total_charge,
        billing_npi=record.billing.npi,
        billing_name=record.billing.last_name,
        set_ordinal=h.set_index,
        st_control_number=h.st_control_number,
        line=line,
    )
