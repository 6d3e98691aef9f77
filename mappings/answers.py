"""A trading partner's answers to files we sent it: TA1, 999 and 277CA, as plain values.

``read_answers(data)`` reads an answer file (any mix of TA1 segments, 999 and 277CA
transaction sets) into :class:`Answers`: what each TA1 says of an interchange (ISA13),
what each 999 says of a transaction set (AK1 GS06, AK2 ST02, IK5) and of a group (AK9),
and what each 277CA says of a claim (2200B TRN02 and 2200D TRN02 = CLM01, REF*1K and
REF*D9, STC status composites and STC04 charge). It never raises on content: a file that
is not X12 gives empty answers; whether the file is valid is the check stream's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from parsers.tokenizer import read_delimiters

from .codesets import describe
from .common import amount

__all__ = [
    "Answers",
    "ClaimStatus",
    "GroupAnswer",
    "SetAnswer",
    "StatusCode",
    "Ta1Answer",
    "read_answers",
    "status_meaning",
]

#: STC01-1 categories that say the claim was taken in (A0 forwarded, A1 received, A2
#: accepted, A5 split; DR01/DR02 data reporting receipt/acceptance)
ACCEPTING = frozenset({"A0", "A1", "A2", "A5", "DR01", "DR02"})


@dataclass(frozen=True, slots=True)
class Ta1Answer:
    control_number: str  # TA101 = the ISA13 answered
    ack_code: str  # TA104: A accepted, E accepted with errors, R rejected
    note_code: str  # TA105


@dataclass(frozen=True, slots=True)
class SetAnswer:
    group_control: str  # AK102 = the GS06 answered
    st_control: str  # AK202 = the ST02 answered
    ack_code: str  # IK501: A, E, M, R, W, X
    errors: tuple[str, ...] = ()  # IK3 / IK4 / IK5 codes, e.g. "IK3 NM1 pos 12 code 8"

    @property
    def accepted(self) -> bool:
        return self.ack_code in ("A", "E")


@dataclass(frozen=True, slots=True)
class GroupAnswer:
    group_control: str  # AK102
    ack_code: str  # AK901: A, E, P (partially accepted), R


@dataclass(frozen=True, slots=True)
class StatusCode:
    category: str  # STC01-1
    status: str  # STC01-2
    entity: str | None = None  # STC01-3

    @property
    def text(self) -> str:
        return ":".join(p for p in (self.category, self.status, self.entity) if p)


@dataclass(slots=True)
class ClaimStatus:
    trace: str | None  # 2200B TRN02 (the 837 set or batch it answers)
    claim_id: str  # 2200D TRN02 = CLM01
    statuses: list[StatusCode] = field(default_factory=list)
    action: str | None = None  # STC03
    charge: Decimal | None = None  # STC04
    payer_claim_number: str | None = None  # REF*1K
    clearinghouse_trace: str | None = None  # REF*D9
    message: str | None = None  # STC12

    @property
    def accepted(self) -> bool:
        return bool(self.statuses) and self.statuses[0].category in ACCEPTING


@dataclass(slots=True)
class Answers:
    ta1s: list[Ta1Answer] = field(default_factory=list)
    sets: list[SetAnswer] = field(default_factory=list)
    groups: list[GroupAnswer] = field(default_factory=list)
    claims: list[ClaimStatus] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.ta1s or self.sets or self.groups or self.claims)

    @property
    def kinds(self) -> list[str]:
        found = [("TA1", self.ta1s), ("999", self.sets or self.groups), ("277CA", self.claims)]
        return [name for name, items in found if items]


def status_meaning(code: StatusCode) -> str:
    """The plain-English meaning of a status composite, from the shipped code lists."""
    category = describe("claim_status_category", code.category) or f"category {code.category}"
    status = describe("claim_status", code.status) or f"status {code.status}"
    return f"{category}: {status}"


def _segments(data: bytes) -> list[list[str]]:
    text = data.decode("latin-1")
    start = text.find("ISA")
    if start < 0:
        return []
    delimiters, _problem = read_delimiters(text[start : start + 106])
    if delimiters is None:
        return []
    out: list[list[str]] = []
    for raw in text[start:].split(delimiters.segment):
        raw = raw.strip(" \t\r\n")
        if raw:
            out.append(raw.split(delimiters.element))
    return out


def _at(seg: list[str], index: int) -> str:
    return seg[index].strip() if len(seg) > index else ""


def read_answers(data: bytes) -> Answers:
    answers = Answers()
    segments = _segments(data)
    component = ":"
    if segments and segments[0][0] == "ISA" and len(segments[0]) > 16:
        component = segments[0][16][:1] or ":"
    st_type = ""
    group = ""
    pending_set: dict[str, object] | None = None
    level = ""
    trace: str | None = None
    claim: ClaimStatus | None = None
    for seg in segments:
        sid = seg[0].strip()
        if sid == "TA1":
            answers.ta1s.append(Ta1Answer(_at(seg, 1), _at(seg, 4), _at(seg, 5)))
        elif sid == "ST":
            st_type, level, trace, claim = _at(seg, 1), "", None, None
        elif st_type == "999":
            pending_set = _read_999(seg, sid, answers, pending_set, group)
            if sid == "AK1":
                group = _at(seg, 2)
        elif st_type == "277":
            if sid == "HL":
                level = _at(seg, 3)
            elif sid == "TRN" and level == "21":
                trace = _at(seg, 2) or None
            elif sid == "TRN" and level == "PT":
                claim = ClaimStatus(trace, _at(seg, 2))
                answers.claims.append(claim)
            elif claim is not None and level == "PT":
                _read_claim(seg, sid, claim, component)
    return answers


def _read_999(
    seg: list[str],
    sid: str,
    answers: Answers,
    pending: dict[str, object] | None,
    group: str,
) -> dict[str, object] | None:
    if sid == "AK2":
        return {"st": _at(seg, 2), "errors": []}
    if sid in ("IK3", "IK4") and pending is not None:
        errors = pending["errors"]
        assert isinstance(errors, list)
        errors.append(" ".join(v for v in (sid, *[_at(seg, i) for i in range(1, 5)]) if v))
        return pending
    if sid == "IK5" and pending is not None:
        errors = pending["errors"]
        assert isinstance(errors, list)
        codes = [_at(seg, i) for i in range(2, 7) if _at(seg, i)]
        if codes:
            errors.append("IK5 " + " ".join(codes))
        answers.sets.append(SetAnswer(group, str(pending["st"]), _at(seg, 1), tuple(errors)))
        return None
    if sid == "AK9":
        answers.groups.append(GroupAnswer(group, _at(seg, 1)))
    return pending


def _read_claim(seg: list[str], sid: str, claim: ClaimStatus, component: str) -> None:
    if sid == "STC":
        for index in (1, 10, 11):
            parts = _at(seg, index).split(component)
            if len(parts) >= 2 and parts[0]:
                claim.statuses.append(
                    StatusCode(parts[0], parts[1], parts[2] if len(parts) > 2 else None)
                )
        if claim.action is None:
            claim.action = _at(seg, 3) or None
            claim.charge = amount(_at(seg, 4))
            claim.message = _at(seg, 12) or None
    elif sid == "REF" and _at(seg, 1) == "1K":
        claim.payer_claim_number = _at(seg, 2) or None
    elif sid == "REF" and _at(seg, 1) == "D9":
        claim.clearinghouse_trace = _at(seg, 2) or None
