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
        self.code = printable(self.code)
        self.message = printable(self.message)
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None and not value.isprintable():
                setattr(self, name, printable(value))
        if len(self.message) > _MESSAGE_LIMIT:
            self.message = self.message[: _MESSAGE_LIMIT - 3] + "..."
        if self.value is not None and len(self.value) > _VALUE_LIMIT:
            # a huge element is reported, not kept: findings stay small whatever the file
            self.value = self.value[: _VALUE_LIMIT - 3] + "..."

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
_TEXT_FIELDS = (
    "segment_id",
    "loop",
    "element",
    "data_element",
    "value",
    "claim_id",
    "member_id",
    "interchange_control_number",
    "group_control_number",
    "transaction_control_number",
    "rule_id",
    "guide",
    "fix",
)
