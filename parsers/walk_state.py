"""The state of one transaction set's walk, and its findings.

:class:`WalkState` is what :class:`~parsers.walker.TransactionWalker` keeps while it places
segments (the open loops, the business unit being read, the open HL levels) and how it
records findings: each carries the set's control numbers (and the unit's id once known),
and once the set holds an error at most ``MAX_SET_FINDINGS`` are kept.
"""

from __future__ import annotations

from collections.abc import Callable

from .findings import Finding, Level, Severity
from .igmap import LoopSpec, TransactionMap
from .tree import Loop, TransactionHeader, Unit

__all__ = ["MAX_SET_FINDINGS", "UNIT_LOOPS", "Frame", "Hl", "WalkState", "label", "short"]

# The loop that is one business unit, and how its id is found.
#   guide: (loop id, segment id, qualifier position, qualifier, id position, finding field)
UNIT_LOOPS: dict[str, tuple[str, str, int, str, int, str]] = {
    "837P": ("2300", "CLM", 0, "", 1, "claim_id"),
    "837I": ("2300", "CLM", 0, "", 1, "claim_id"),
    "837D": ("2300", "CLM", 0, "", 1, "claim_id"),
    "835": ("2100", "CLP", 0, "", 1, "claim_id"),
    "834": ("2000", "REF", 1, "0F", 2, "member_id"),
}
_SEG_REJECT = Severity.REJECT_TRANSACTION
#: findings listed per transaction set once it has an error; further ones are dropped (the
#: set is rejected either way), so a file of junk segments cannot exhaust memory
MAX_SET_FINDINGS = 10_000


class Hl:
    """An open HL level, kept to check its children against HL04 and HL02."""

    __slots__ = ("flagged", "has_child", "hl01", "hl04", "line", "loop", "offset", "position")

    def __init__(
        self, hl01: str, hl04: str, line: int, position: int, offset: int, loop: str | None
    ) -> None:
        self.hl01 = hl01
        self.hl04 = hl04
        self.line = line
        self.position = position
        self.offset = offset
        self.loop = loop
        self.has_child = False
        self.flagged = False


class Frame:
    """An open loop instance: where we are in it and how often each child has occurred."""

    __slots__ = ("counts", "hl_id", "idx", "loop", "node", "reported")

    def __init__(self, loop: LoopSpec, node: Loop | None) -> None:
        self.loop = loop
        self.idx = 0
        # A loop is entered by its first segment (child 0); a wrapper by a child loop.
        self.counts: dict[int, int] = {0: 1} if loop.first_seg is not None else {}
        self.node = node
        self.hl_id = ""
        #: required children already reported missing in this loop instance
        self.reported: set[int] | None = None


def label(loop: LoopSpec) -> str | None:
    return loop.xid if loop.xid[:1].isdigit() else None


def short(elems: list[str]) -> str:
    text = "*".join(elems)
    return text if len(text) <= 60 else text[:57] + "..."


class WalkState:
    """Where the walk is in the guide and in the file, and what it found."""

    def __init__(
        self,
        tmap: TransactionMap,
        header: TransactionHeader,
        comp_sep: str,
        rep_sep: str,
        findings: list[Finding],
        on_unit: Callable[[Unit], None] | None = None,
    ) -> None:
        self.tmap = tmap
        self.header = header
        self.comp_sep = comp_sep
        self.rep_sep = rep_sep
        self.findings = findings
        self.on_unit = on_unit
        self.build = on_unit is not None
        root_node = Loop("ST_LOOP", tmap.root.name) if self.build else None
        self.root = root_node
        self.stack: list[Frame] = [Frame(tmap.root, root_node)]
        self.position = 1
        self.line = 0
        self.offset = 0
        self.units = 0
        unit = UNIT_LOOPS.get(tmap.guide.key)
        self.unit_loop = unit[0] if unit else ""
        self.unit_spec = unit
        self._holds: dict[str, bool] = {}
        self.unit_id: str | None = None
        self.unit_findings: list[Finding] = []
        self.unit_depth = -1
        self.is_837 = tmap.guide.st01 == "837"
        self.lx_count = 0
        self.hl_count = 0
        self.hl_stack: list[Hl] = []
        self.errors = 0
        self.dropped = False

    def _add(
        self,
        snip: int,
        level: Level,
        code: str,
        message: str,
        seg_id: str | None,
        loop: str | None,
        element: str | None = None,
        value: str | None = None,
        ele_pos: int | None = None,
        comp_pos: int | None = None,
        rep_pos: int | None = None,
        data_element: str | None = None,
        severity: Severity = _SEG_REJECT,
        line: int | None = None,
        position: int | None = None,
        offset: int | None = None,
    ) -> None:
        if len(self.findings) >= MAX_SET_FINDINGS and self.errors:
            self._drop(severity)
            return
        if value is not None and not value.isascii():
            value = value.encode("latin-1").decode("utf-8", "backslashreplace")
        f = Finding(
            snip_level=snip,
            severity=severity,
            level=level,
            code=code,
            message=message,
            segment_id=seg_id,
            segment_position=self.position if position is None else position,
            line=self.line if line is None else line,
            offset=self.offset if line is None else offset,
            loop=loop,
            element=element,
            element_position=ele_pos,
            component_position=comp_pos,
            repetition_position=rep_pos,
            data_element=data_element or None,
            value=value,
            interchange_control_number=self.header.isa_control_number,
            group_control_number=self.header.gs_control_number,
            transaction_control_number=self.header.st_control_number,
        )
        if self.unit_depth >= 0:
            if self.unit_id is not None:
                setattr(f, self.unit_spec[5], self.unit_id)  # type: ignore[index]
            self.unit_findings.append(f)
        self.findings.append(f)
        if f.is_error:
            self.errors += 1

    def _drop(self, severity: Severity) -> None:
        if severity is not Severity.WARNING:
            self.errors += 1
        if self.dropped:
            return
        self.dropped = True
        self.findings.append(
            Finding(
                snip_level=1,
                severity=_SEG_REJECT,
                level=Level.TRANSACTION,
                code="5",
                message=f"More than {MAX_SET_FINDINGS:,} problems in this transaction set: "
                f"only the first {MAX_SET_FINDINGS:,} are listed",
                segment_id=None,
                line=self.line,
                interchange_control_number=self.header.isa_control_number,
                group_control_number=self.header.gs_control_number,
                transaction_control_number=self.header.st_control_number,
            )
        )
