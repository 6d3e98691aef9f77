"""Walk the segments of one transaction set through its implementation guide.

The walk follows pyx12's rules so that both find the same segment for each data segment:
from the loop of the last matched segment, look at that loop's children from the current
position on; if nothing matches, close the loop and look in its parent from the loop's
own position (so the loop itself can repeat), and so on up to the transaction set. Along
the way, required segments and loops that were skipped are reported missing, and repeat
limits and not-used usage are checked (SNIP 2). Element contents are checked by
:mod:`parsers.elements` (SNIP 1 and the guide's code values).
"""

from __future__ import annotations

from collections.abc import Callable

from .elements import check_segment
from .findings import Finding, Level, Severity, printable
from .igmap import (
    LoopSpec,
    SegmentSpec,
    TransactionMap,
    known_segment_ids,
    required_loops_of_wrapper,
)
from .tree import Loop, Segment, TransactionHeader, Unit

__all__ = ["MAX_SET_FINDINGS", "UNIT_LOOPS", "TransactionWalker"]

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


class _Hl:
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


class _Frame:
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


def _label(loop: LoopSpec) -> str | None:
    return loop.xid if loop.xid[:1].isdigit() else None


class TransactionWalker:
    """Validates one ST..SE transaction set, segment by segment."""

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
        self.stack: list[_Frame] = [_Frame(tmap.root, root_node)]
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
        self.hl_stack: list[_Hl] = []
        self.errors = 0
        self.dropped = False

    # --- findings -------------------------------------------------------------------------

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

    # --- the walk -------------------------------------------------------------------------

    def segment(self, elems: list[str], line: int, offset: int) -> None:
        """Place one data segment (not ST/SE) in the guide and check its contents."""
        self.position += 1
        self.line = line
        self.offset = offset
        sid = elems[0]
        stack = self.stack
        comp_sep = self.comp_sep
        depth = len(stack) - 1
        while depth >= 0:
            frame = stack[depth]
            loop = frame.loop
            start = loop.start_of[frame.idx]
            table = loop._scan.get(start)
            if table is None:
                table = loop.entries_from(start)
            candidates = table.get(sid)
            if candidates:
                for entry in candidates:
                    if entry.segment.matches(elems, comp_sep, self.rep_sep):
                        self._matched(
                            depth, start, entry.child_index, entry.segment, entry.enter, elems
                        )
                        return
            depth -= 1
        self._not_found(elems)

    def _not_found(self, elems: list[str]) -> None:
        sid = elems[0]
        cur = self.stack[-1].loop
        loop = _label(cur)
        if not sid:
            self._add(
                1,
                Level.SEGMENT,
                "8",
                "Empty segment: two segment terminators in a row with nothing between them",
                "",
                loop,
            )
        elif not (2 <= len(sid) <= 3 and sid.isalnum() and sid.isupper() and sid.isascii()):
            self._add(
                1, Level.SEGMENT, "1", f"{sid!r} is not a valid segment identifier", sid, loop
            )
        elif sid not in known_segment_ids():
            self._add(
                1,
                Level.SEGMENT,
                "1",
                f"{sid!r} is not an X12 segment of any supported guide",
                sid,
                loop,
                value=_short(elems),
            )
        elif sid not in self.tmap.segment_ids:
            self._add(
                2,
                Level.SEGMENT,
                "2",
                f"Segment {sid} is not part of the {self.tmap.guide.version} guide",
                sid,
                loop,
                value=_short(elems),
            )
        elif (keyed := self._qualifier_miss(elems)) is not None:
            spec, ref, value, codes = keyed
            allowed = ", ".join(sorted(codes)[:20])
            self._add(
                2,
                Level.SEGMENT,
                "2",
                f"Segment {sid} with {ref} {value!r} is not expected here: in loop "
                f"{spec.loop.xid if spec.loop else '?'} {ref} must be one of {allowed}",
                sid,
                loop,
                ref,
                value,
            )
        elif any(isinstance(c, SegmentSpec) and c.xid == sid for c in cur.children):
            self._add(
                2,
                Level.SEGMENT,
                "7",
                f"Segment {sid} is out of order in loop {cur.xid}: it must come earlier "
                "in the loop",
                sid,
                loop,
                value=_short(elems),
            )
        else:
            self._add(
                2,
                Level.SEGMENT,
                "2",
                f"Segment {sid} is not expected here (after loop {cur.xid}); no loop "
                "at this point of the guide starts with or contains it with this "
                "qualifier",
                sid,
                loop,
                value=_short(elems),
            )

    def _qualifier_miss(self, elems: list[str]) -> tuple[SegmentSpec, str, str, set[str]] | None:
        """The segment this one would be but for its qualifier (e.g. SV301-1 HC, not AD):
        the first such node from the current position on, and every code allowed there."""
        sid = elems[0]
        for frame in reversed(self.stack):
            found: list[SegmentSpec] = []
            for child in frame.loop.children[frame.loop.start_of[frame.idx] :]:
                spec = child if isinstance(child, SegmentSpec) else child.first_seg
                if spec is not None and spec.xid == sid and spec.key is not None:
                    found.append(spec)
            if found:
                first = found[0]
                assert first.key is not None
                idx, comp, _codes = first.key
                codes: set[str] = set()
                for spec in found:
                    if spec.key is not None and spec.key[:2] == (idx, comp):
                        codes.update(spec.key[2])
                value = elems[idx] if idx < len(elems) else ""
                if comp >= 0 and self.comp_sep:
                    value = value.split(self.comp_sep, 1)[0]
                ref = f"{sid}{idx:02d}" + (f"-{comp + 1}" if comp >= 0 else "")
                return first, ref, value, codes
        return None

    def _report_missing(self, frame: _Frame, lo: int, hi: int) -> None:
        loop = frame.loop
        if loop.req_from[lo] >= hi:
            return
        counts = frame.counts
        for ci in loop.required_children:
            if lo <= ci < hi and not counts.get(ci):
                if frame.reported is None:
                    frame.reported = set()
                elif ci in frame.reported:
                    continue
                frame.reported.add(ci)
                child = loop.children[ci]
                if isinstance(child, SegmentSpec):
                    self._add(
                        2,
                        Level.SEGMENT,
                        "3",
                        f"Required segment {child.xid} ({child.name}) is missing from "
                        f"loop {loop.xid}",
                        child.xid,
                        _label(loop),
                    )
                    continue
                targets = (
                    [child] if child.first_seg is not None else (required_loops_of_wrapper(child))
                )
                for target in targets:
                    first = target.first_seg
                    seg_id = first.xid if first is not None else target.xid
                    if _label(target):
                        what = f"Required loop {target.xid} ({target.name}) is missing"
                    else:
                        what = (
                            f"Required segment {seg_id} "
                            f"({first.name if first else target.name}) is missing"
                        )
                    self._add(2, Level.SEGMENT, "3", what, seg_id, _label(target))

    def _matched(
        self,
        depth: int,
        start: int,
        ci: int,
        seg: SegmentSpec,
        enter: tuple[LoopSpec, ...],
        elems: list[str],
    ) -> None:
        stack = self.stack
        # Close the loops above the one that matched: what they required and lacked is missing.
        while len(stack) - 1 > depth:
            top = stack[-1]
            self._report_missing(top, top.loop.start_of[top.idx], len(top.loop.children))
            self._pop()
        frame = stack[depth]
        # Segments at the matched segment's own position may still come (their order is
        # free), so only those before that position are missing; entering a loop settles
        # its position group (as pyx12 decides).
        hi = frame.loop.start_of[ci] if not enter else ci
        if hi > start and frame.loop.req_from[start] < hi:
            self._report_missing(frame, start, hi)
        if not enter and seg.is_first and ci == 0 and depth > 0 and not frame.loop.is_table:
            # The first segment of the current loop again: a new iteration of that loop.
            loop = frame.loop
            self._pop()
            parent = stack[-1]
            self._enter(parent, loop.index, (loop,))
        elif not enter:
            count = frame.counts.get(ci, 0) + 1
            frame.counts[ci] = count
            frame.idx = ci
            if seg.usage == "N":
                self._add(
                    2,
                    Level.SEGMENT,
                    "I4",
                    f"Segment {seg.xid} is not used in loop {frame.loop.xid} by this guide",
                    seg.xid,
                    _label(frame.loop),
                )
            elif count > seg.max_use:
                self._add(
                    2,
                    Level.SEGMENT,
                    "5",
                    f"Segment {seg.xid} ({seg.name}) appears "
                    f"{count} times in loop {frame.loop.xid}; at most {seg.max_use} allowed",
                    seg.xid,
                    _label(frame.loop),
                )
        else:
            self._enter(frame, ci, enter)
        self._segment_contents(seg, elems)

    def _enter(self, frame: _Frame, ci: int, enter: tuple[LoopSpec, ...]) -> None:
        frame.idx = ci
        for loop in enter:
            count = frame.counts.get(loop.index, 0) + 1
            frame.counts[loop.index] = count
            frame.idx = loop.index
            if loop.usage == "N":
                self._add(
                    2,
                    Level.SEGMENT,
                    "I4",
                    f"Loop {loop.xid} is not used by this guide",
                    loop.first_seg.xid if loop.first_seg else loop.xid,
                    _label(loop),
                )
            elif count > loop.repeat:
                self._add(
                    2,
                    Level.SEGMENT,
                    "4",
                    f"Loop {loop.xid} ({loop.name}) repeats {count} "
                    f"times; at most {loop.repeat} allowed",
                    loop.first_seg.xid if loop.first_seg else loop.xid,
                    _label(loop),
                )
            node = None
            if self.build:
                node = Loop(loop.xid, loop.name)
            self.stack.append(_Frame(loop, node))
            if loop.xid == self.unit_loop and self.unit_depth < 0:
                self.unit_depth = len(self.stack) - 1
                self.unit_id = None
                self.unit_findings = []
                self.units += 1
            frame = self.stack[-1]
        # Wrapper frames: their idx points at the child loop entered; the innermost frame
        # starts at its first segment (index 0).

    def _pop(self) -> None:
        frame = self.stack.pop()
        depth = len(self.stack)
        if depth == self.unit_depth:
            self.unit_depth = -1
            if self.build and frame.node is not None and self.on_unit is not None:
                context = [f.node for f in self.stack if f.node is not None]
                self.on_unit(Unit(self.header, context, frame.node))
            return
        if self.build and frame.node is not None and not self._holds_units(frame.loop):
            # A closed loop that held units (an HL level: 2000A/2000B/2000C) is context for
            # no later unit, so it is dropped; others (2010AA, 1000A...) stay as context.
            parent = self.stack[-1].node if self.stack else None
            if parent is not None:
                parent.loops.append(frame.node)

    def _holds_units(self, loop: LoopSpec) -> bool:
        known = self._holds.get(loop.xid)
        if known is None:
            known = self._holds[loop.xid] = any(
                isinstance(c, LoopSpec) and (c.xid == self.unit_loop or self._holds_units(c))
                for c in loop.children
            )
        return known

    def _segment_contents(self, seg: SegmentSpec, elems: list[str]) -> None:
        loop = seg.label
        if self.build:
            node = self.stack[-1].node
            if node is not None:
                node.segments.append(
                    Segment(elems, self.line, self.position, self.comp_sep, self.rep_sep)
                )
        if self.unit_depth >= 0 and self.unit_id is None:
            spec = self.unit_spec
            assert spec is not None
            if elems[0] == spec[1] and (
                spec[2] == 0 or (len(elems) > spec[2] and elems[spec[2]] == spec[3])
            ):
                uid = elems[spec[4]] if len(elems) > spec[4] else ""
                self.unit_id = printable(uid) if uid else None
                for f in self.unit_findings:
                    setattr(f, spec[5], self.unit_id)
        sid = elems[0]
        if not elems[-1] and len(elems) > 1:
            self._add(
                1,
                Level.SEGMENT,
                "8",
                f"Segment {sid} ends with an element separator: trailing empty elements "
                "must not be sent (drop the separators at the end of the segment)",
                sid,
                loop,
                value=_short(elems),
            )
        if sid == "HL":
            self._check_hl(elems, loop)
        elif self.is_837:
            if sid == "CLM":
                self.lx_count = 0
            elif sid == "LX":
                self.lx_count += 1
                if elems[1:2] != [str(self.lx_count)]:
                    self._add(
                        2,
                        Level.ELEMENT,
                        "7",
                        f"LX01 service line number is {elems[1] if len(elems) > 1 else ''!r}; "
                        f"lines must be numbered 1, 2, 3... within each claim, so this one "
                        f"must be {self.lx_count}",
                        "LX",
                        loop,
                        "LX01",
                        elems[1] if len(elems) > 1 else None,
                        1,
                        data_element="554",
                    )
        problems = check_segment(seg, elems, self.comp_sep, self.rep_sep)
        if not problems:
            return
        for p in problems:
            self._add(
                p.snip_level,
                Level.ELEMENT,
                p.code,
                p.message,
                sid,
                loop,
                p.ref,
                p.value,
                p.position,
                p.component,
                p.repetition,
                p.data_element,
            )

    def _check_hl(self, elems: list[str], loop: str | None) -> None:
        self.hl_count += 1
        hl01 = elems[1] if len(elems) > 1 else ""
        hl02 = elems[2] if len(elems) > 2 else ""
        hl04 = elems[4] if len(elems) > 4 else ""
        if hl01 != str(self.hl_count):
            self._add(
                2,
                Level.ELEMENT,
                "7",
                f"HL01 is {hl01!r}; HL segments must be numbered 1, 2, 3... in the "
                f"transaction set, so this one must be {self.hl_count}",
                "HL",
                loop,
                "HL01",
                hl01 or None,
                1,
                data_element="628",
            )
        stack = self.hl_stack
        ids = [h.hl01 for h in stack]
        if hl02 and hl02 not in ids:
            # Unknown parent: report it and leave the open levels alone (no cascade).
            self._add(
                2,
                Level.ELEMENT,
                "7",
                f"HL02 parent {hl02!r} is not an open HL above this one",
                "HL",
                loop,
                "HL02",
                hl02,
                2,
                data_element="734",
            )
        else:
            keep = ids.index(hl02) + 1 if hl02 else 0
            while len(stack) > keep:
                self._close_hl(stack.pop())
            if stack:
                parent = stack[-1]
                parent.has_child = True
                if parent.hl04 == "0" and not parent.flagged:
                    parent.flagged = True
                    self._add(
                        2,
                        Level.ELEMENT,
                        "7",
                        f"HL {parent.hl01} says it has no child levels (HL04=0), "
                        f"but HL {hl01} names it as parent",
                        "HL",
                        parent.loop,
                        "HL04",
                        "0",
                        4,
                        data_element="736",
                        line=parent.line,
                        position=parent.position,
                        offset=parent.offset,
                    )
            # The parent must be the HL of the enclosing HL loop in the guide's structure.
            enclosing = next((fr.hl_id for fr in reversed(self.stack[:-1]) if fr.hl_id), "")
            if hl02 and enclosing and hl02 != enclosing:
                self._add(
                    2,
                    Level.ELEMENT,
                    "7",
                    f"HL02 parent {hl02!r} does not match the enclosing level's HL "
                    f"{enclosing!r} (loop {self.stack[-1].loop.xid} sits under it)",
                    "HL",
                    loop,
                    "HL02",
                    hl02,
                    2,
                    data_element="734",
                )
        self.stack[-1].hl_id = hl01
        stack.append(_Hl(hl01, hl04, self.line, self.position, self.offset, loop))

    def _close_hl(self, item: _Hl) -> None:
        if item.hl04 == "1" and not item.has_child:
            self._add(
                2,
                Level.ELEMENT,
                "7",
                f"HL {item.hl01} says child levels follow (HL04=1), but none do",
                "HL",
                item.loop,
                "HL04",
                "1",
                4,
                data_element="736",
                line=item.line,
                position=item.position,
                offset=item.offset,
            )

    def finish(self, se_line: int, se_offset: int) -> None:
        """At SE: close every open loop (reporting what is missing) and HL levels."""
        self.position += 1
        self.line = se_line
        self.offset = se_offset
        while self.hl_stack:
            self._close_hl(self.hl_stack.pop())
        while len(self.stack) > 1:
            top = self.stack[-1]
            self._report_missing(top, top.loop.start_of[top.idx], len(top.loop.children))
            self._pop()
        root = self.stack[0]
        # Children of the ST loop before SE (the SE itself is the last child).
        self._report_missing(root, root.idx, len(root.loop.children) - 1)

    def abandon(self) -> None:
        """The set ended without SE: drop open loops without emitting units."""
        self.on_unit = None
        self.stack = self.stack[:1]


def _short(elems: list[str]) -> str:
    text = "*".join(elems)
    return text if len(text) <= 60 else text[:57] + "..."
