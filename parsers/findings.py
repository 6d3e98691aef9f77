"""Findings: what is wrong with a file, where, and for which claim or member.

A finding is one problem, located as an EDI analyst would look for it: the segment id,
its position in the transaction set (ST = 1, as in 999 IK302), its ordinal in the file
(``line``: ISA of the first interchange = 1, which is the text line when each segment is
on its own line) and byte ``offset``, the loop (2300), the element (CLM05-3) and the bad
value, plus the claim (CLM01 / CLP01) or member (REF*0F) it belongs to.

Every text field is printable: a control character taken from the file (NUL, a C0 or C1
control, DEL) is written as ``\\x00``, so a finding can be stored (PostgreSQL refuses NUL
in text), logged and echoed in an acknowledgment as it is; a ``value`` longer than 256
characters and a ``message`` longer than 1,024 are cut (ending ``...``).

``code`` is the X12 acknowledgment code for the finding's ``level``:

- ``interchange``: TA1 note code (TA105, element I18), e.g. ``001``, ``023``, ``025``;
- ``group``: functional-group error code (AK905, element 716);
- ``transaction``: transaction set error code (IK502, element 718);
- ``segment``: segment error code (IK304, element 620), e.g. ``3`` required segment missing;
- ``element``: element error code (IK403, element 621), e.g. ``7`` invalid code value;
- ``claim``: a business edit on one claim or member (duplicates, companion-guide rules);
  ``code`` is our own short code (``DUP``...), reported in the 277CA rather than the 999.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Level", "Severity", "printable"]


class Level(StrEnum):
    INTERCHANGE = "interchange"
    GROUP = "group"
    TRANSACTION = "transaction"
    SEGMENT = "segment"
    ELEMENT = "element"
    #: Business edits on a claim or member (SNIP 3-7): reported in the 277CA, not the 999.
    CLAIM = "claim"


class Severity(StrEnum):
    """What a finding does to the unit it covers."""

    REJECT_FILE = "reject_file"
    REJECT_GROUP = "reject_group"
    REJECT_TRANSACTION = "reject_transaction"
    REJECT_CLAIM = "reject_claim"
    WARNING = "warning"


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped (``\\x00``, ``\\u2028``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(c: str) -> str:
    n = ord(c)
    if n < 0x100:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


@dataclass(slots=True)
class Finding:
    snip_level: int
    severity: Severity
    level: Level
    code: str
    message: str
    segment_id: str | None = None
    segment_position: int | None = None
    line: int | None = None
    offset: int | None = None
    loop: str | None = None
    element: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    repetition_position: int | None = None
    data_element: str | None = None
    value: str | None = None
    claim_id: str | None = None
    member_id: str | None = None
    interchange_control_number: str | None = None
    group_control_number: str | None = None
    transaction_control_number: str | None = None
    rule_id: str | None = None
    guide: str | None = None
    fix: str | None = None

    def __post_init__(self) -> None:
        # Text taken from the file may hold control characters; nothing downstream should.
        # (Field by field: a loop over names costs more than the checks themselves.)
        if not self.code.isprintable():
            self.code = printable(self.code)
        if not self.message.isprintable():
            self.message = printable(self.message)
        if len(self.message) > _MESSAGE_LIMIT:
            self.message = self.message[: _MESSAGE_LIMIT - 3] + "..."
        value = self.value
        if value is not None:
            if not value.isprintable():
                value = printable(value)
            if len(value) > _VALUE_LIMIT:
                # a huge element is reported, not kept: findings stay small whatever the file
                value = value[: _VALUE_LIMIT - 3] + "..."
            self.value = value
        if self.segment_id is not None and not self.segment_id.isprintable():
            self.segment_id = printable(self.segment_id)
        if self.loop is not None and not self.loop.isprintable():
            self.loop = printable(self.loop)
        if self.element is not None and not self.element.isprintable():
            self.element = printable(self.element)
        if self.data_element is not None and not self.data_element.isprintable():
            self.data_element = printable(self.data_element)
        if self.claim_id is not None and not self.claim_id.isprintable():
            self.claim_id = printable(self.claim_id)
        if self.member_id is not None and not self.member_id.isprintable():
            self.member_id = printable(self.member_id)
        isa13, gs06, st02 = (
            self.interchange_control_number,
            self.group_control_number,
            self.transaction_control_number,
        )
        if isa13 is not None and not isa13.isprintable():
            self.interchange_control_number = printable(isa13)
        if gs06 is not None and not gs06.isprintable():
            self.group_control_number = printable(gs06)
        if st02 is not None and not st02.isprintable():
            self.transaction_control_number = printable(st02)
        rule_id, guide, fix = self.rule_id, self.guide, self.fix
        if rule_id is not None and not rule_id.isprintable():
            self.rule_id = printable(rule_id)
        if guide is not None and not guide.isprintable():
            self.guide = printable(guide)
        if fix is not None and not fix.isprintable():
            self.fix = printable(fix)

    @property
    def is_error(self) -> bool:
        return self.severity is not Severity.WARNING

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity.value
        out["level"] = self.level.value
        return out

    def location(self) -> str:
        """Where, in the words an EDI analyst uses: ``line 28, 2300 CLM05-3``."""
        parts: list[str] = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.segment_position is not None:
            parts.append(f"segment {self.segment_position} of the transaction set")
        where = " ".join(x for x in (self.loop, self.element or self.segment_id) if x)
        if where:
            parts.append(where)
        return ", ".join(parts)


_VALUE_LIMIT = 256
_MESSAGE_LIMIT = 1024
