"""The correction report as typed data: what a provider's billing office reads to fix and
resubmit. Built by :mod:`.service` (from the database or straight from a file) and turned
into JSON, CSV or one HTML page by :mod:`.render` (one module per format)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "ClaimEntry",
    "FindingEntry",
    "GuideApplied",
    "Header",
    "ProblemCount",
    "RejectedSet",
    "Report",
    "SegmentExcerpt",
    "SetSummary",
    "Summary",
    "TerminationEntry",
]


@dataclass(slots=True)
class SegmentExcerpt:
    """The offending segment as sent (without its terminator), split around the bad element:
    ``before + marked + after == text``. ``marked`` is empty when the element is absent
    (``missing`` then says so) or when the finding names no element."""

    line: int
    text: str
    before: str
    marked: str
    after: str
    element_position: int | None = None
    component_position: int | None = None
    #: the element (or component) is not in the segment at all, or is empty
    missing: bool = False


@dataclass(slots=True)
class FindingEntry:
    """One problem, explained: what is wrong, where, what was found and expected, by which
    rule (and where the rule comes from) and how to fix it in a billing system."""

    snip_level: int
    severity: str  # reject_file, reject_group, reject_transaction, reject_claim, warning
    level: str  # interchange, group, transaction, segment, element, claim
    code: str  # TA105 / AK905 / IK502 / IK304 / IK403 code, or the guide rule id, DUP...
    message: str  # what is wrong
    #: the standard's name for the code, e.g. "IK403 7: Invalid code value"
    code_meaning: str | None = None
    loop: str | None = None
    segment_id: str | None = None
    segment_name: str | None = None
    element: str | None = None  # CLM05-3
    element_name: str | None = None
    line: int | None = None  # segment ordinal in the file, ISA = 1
    value: str | None = None  # the value found
    expected: str | None = None  # the value or format expected, when known
    rule_id: str | None = None
    rule_title: str | None = None
    guide: str | None = None  # companion guide name, for guide rules
    guide_source: str | None = None
    #: where the rule comes from: the rule's ``source`` for guide rules, the implementation
    #: guide (e.g. 005010X222A1) for SNIP 1-2 findings
    source: str | None = None
    fix: str | None = None  # how to fix it, in a billing system's terms
    claim_id: str | None = None
    member_id: str | None = None
    set_ordinal: int | None = None
    st_control_number: str | None = None
    segment: SegmentExcerpt | None = None

    @property
    def is_error(self) -> bool:
        return self.severity != "warning"


@dataclass(slots=True)
class ClaimEntry:
    """A rejected claim (or 834 member, 835 claim payment) with its findings."""

    claim_id: str
    patient_last_name: str | None = None
    patient_first_name: str | None = None
    member_id: str | None = None
    service_date_from: date | None = None
    service_date_to: date | None = None
    amount: Decimal | None = None  # CLM02 total charge
    billing_npi: str | None = None
    billing_name: str | None = None
    set_ordinal: int | None = None
    st_control_number: str | None = None
    line: int | None = None  # the CLM segment
    findings: list[FindingEntry] = field(default_factory=list)

    @property
    def patient_name(self) -> str | None:
        parts = [p for p in (self.patient_last_name, self.patient_first_name) if p]
        return ", ".join(parts) or None


@dataclass(slots=True)
class SetSummary:
    """One transaction set (ST..SE) of the file."""

    ordinal: int
    transaction_type: str  # 837P, 834...
    implementation_guide: str  # 005010X222A1
    interchange_control_number: str
    group_control_number: str
    st_control_number: str
    status: str  # stored, rejected, held
    units: int
    units_accepted: int
    units_rejected: int


@dataclass(slots=True)
class RejectedSet:
    """A transaction set rejected as a whole (by the 999, or a set/file rule): none of its
    claims were accepted; its findings say why."""

    set: SetSummary
    amount: Decimal | None  # sum of its claims' CLM02, when known
    findings: list[FindingEntry] = field(default_factory=list)


@dataclass(slots=True)
class GuideApplied:
    name: str
    title: str | None = None
    version: str | None = None
    source: str | None = None


@dataclass(slots=True)
class Header:
    file_name: str | None
    partner_name: str | None
    received_at: datetime | None
    submission_id: str | None  # None for a file checked without the database
    status: str  # the submission's status (completed, rejected, ...) or the file's verdict
    outcome: str  # accepted, partially accepted, rejected, not finished, failed
    transaction_type: str | None
    interchange_control_numbers: list[str] = field(default_factory=list)
    group_control_numbers: list[str] = field(default_factory=list)
    transaction_control_numbers: list[str] = field(default_factory=list)
    guides: list[GuideApplied] = field(default_factory=list)
    sets: list[SetSummary] = field(default_factory=list)


@dataclass(slots=True)
class ProblemCount:
    """One kind of problem (a guide rule, or an X12 code with the same message) and how
    often it occurs."""

    label: str
    count: int
    claims: int  # distinct claims (members) it affects
    severity: str  # the worst severity among them
    code: str
    rule_id: str | None = None
    guide: str | None = None
    level: str | None = None
    fix: str | None = None


@dataclass(slots=True)
class Summary:
    unit_label: str  # claims, members, claim payments
    received: int
    accepted: int
    rejected: int
    amount_received: Decimal | None
    amount_accepted: Decimal | None
    amount_rejected: Decimal | None
    sets_total: int
    sets_rejected: int
    errors: int
    warnings: int
    top_problems: list[ProblemCount] = field(default_factory=list)


@dataclass(slots=True)
class TerminationEntry:
    """A member an 834 ends: explicitly (INS03 024) or by absence from a full file.
    ``applied`` is False while the file is held, and for good once it is discarded."""

    member_id: str  # the subscriber id (REF*0F), with the dependent's own id or name
    subscriber_id: str | None
    last_name: str | None
    first_name: str | None
    end_date: date | None
    how: str  # explicit, implied
    applied: bool
    set_ordinal: int
    line: int | None = None  # the INS segment (explicit terminations)

    @property
    def name(self) -> str | None:
        parts = [p for p in (self.last_name, self.first_name) if p]
        return ", ".join(parts) or None


@dataclass(slots=True)
class Report:
    header: Header
    summary: Summary
    #: problems that block everything and belong to no transaction set (ISA/GS envelopes,
    #: file-level rules such as the acceptance threshold)
    file_problems: list[FindingEntry] = field(default_factory=list)
    #: transaction sets rejected as a whole, each with its findings
    rejected_sets: list[RejectedSet] = field(default_factory=list)
    #: one entry per rejected claim of the sets that passed the 999
    rejected_claims: list[ClaimEntry] = field(default_factory=list)
    #: everything else (warnings, mostly): findings that reject nothing
    other_findings: list[FindingEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generated_at: datetime | None = None
    #: members the file ends or (held) would end; None when not known (no stored 834)
    terminations: list[TerminationEntry] | None = None

    def all_findings(self) -> list[tuple[FindingEntry, ClaimEntry | None]]:
        """Every finding once, in report order, with the claim entry it belongs to."""
        out: list[tuple[FindingEntry, ClaimEntry | None]] = [(f, None) for f in self.file_problems]
        for rs in self.rejected_sets:
            out.extend((f, None) for f in rs.findings)
        for claim in self.rejected_claims:
            out.extend((f, claim) for f in claim.findings)
        out.extend((f, None) for f in self.other_findings)
        return out
