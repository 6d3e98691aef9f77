"""Validation results per file, interchange (ISA), functional group (GS) and set (ST)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding
from .tokenizer import Delimiters

__all__ = ["FileResult", "GroupResult", "InterchangeResult", "TransactionSetResult"]


@dataclass(slots=True)
class TransactionSetResult:
    st01: str
    control_number: str
    version: str  # ST03, or GS08 when ST03 is absent
    guide: str | None  # 837P, 837I, 837D, 834, 835; None when not supported
    line: int
    findings: list[Finding] = field(default_factory=list)
    segment_count: int = 0
    units: int = 0  # claims (CLM), members (INS) or claim payments (CLP)
    complete: bool = False  # SE was read
    rejected_by_envelope: bool = False

    @property
    def accepted(self) -> bool:
        return (
            self.complete
            and self.guide is not None
            and not self.rejected_by_envelope
            and not any(f.is_error for f in self.findings)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "st01": self.st01,
            "control_number": self.control_number,
            "type": self.guide or self.st01,
            "implementation_guide": self.version,
            "accepted": self.accepted,
            "line": self.line,
            "segments": self.segment_count,
            "units": self.units,
        }


@dataclass(slots=True)
class GroupResult:
    functional_id: str  # GS01
    sender_id: str  # GS02
    receiver_id: str  # GS03
    date: str  # GS04
    time: str  # GS05
    control_number: str  # GS06
    version: str  # GS08
    line: int
    findings: list[Finding] = field(default_factory=list)
    transaction_sets: list[TransactionSetResult] = field(default_factory=list)
    complete: bool = False

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)


@dataclass(slots=True)
class InterchangeResult:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    version: str  # ISA12
    control_number: str  # ISA13
    ack_requested: str  # ISA14
    usage: str  # ISA15: P or T
    delimiters: Delimiters
    line: int
    findings: list[Finding] = field(default_factory=list)
    groups: list[GroupResult] = field(default_factory=list)
    complete: bool = False

    @property
    def rejected(self) -> bool:
        """TA104 = R: an interchange-level error; nothing inside is accepted."""
        return any(f.is_error for f in self.findings)

    @property
    def note_code(self) -> str:
        """TA105: the first interchange error's note code, 000 when none."""
        return next((f.code for f in self.findings if f.is_error), "000")


@dataclass(slots=True)
class FileResult:
    size: int = 0
    segments: int = 0
    usable: bool = True  # False when no interchange could be read at all
    findings: list[Finding] = field(default_factory=list)  # outside any interchange
    interchanges: list[InterchangeResult] = field(default_factory=list)

    def transaction_sets(self) -> Iterator[TransactionSetResult]:
        for isa in self.interchanges:
            for gs in isa.groups:
                yield from gs.transaction_sets

    def all_findings(self) -> Iterator[Finding]:
        yield from self.findings
        for isa in self.interchanges:
            yield from isa.findings
            for gs in isa.groups:
                yield from gs.findings
                for st in gs.transaction_sets:
                    yield from st.findings

    @property
    def accepted(self) -> bool:
        """Everything in the file was accepted: no error anywhere, at least one set."""
        if not self.usable or any(f.is_error for f in self.findings):
            return False
        sets = 0
        for isa in self.interchanges:
            if isa.rejected or not isa.complete:
                return False
            for gs in isa.groups:
                if gs.has_errors or not gs.complete:
                    return False
                for st in gs.transaction_sets:
                    sets += 1
                    if not st.accepted:
                        return False
        return sets > 0
