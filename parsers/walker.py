"""Walk the segments of one transaction set through its implementation guide.

The walk follows pyx12's rules so that both find the same segment for each data segment:
from the loop of the last matched segment, look at that loop's children from the current
position on; if nothing matches, close the loop and look in its parent from the loop's
own position (so the loop itself can repeat), and so on up to the transaction set. Along
the way, required segments and loops that were skipped are reported missing, and repeat
limits and not-used usage are checked (SNIP 2). The contents of each placed segment are
checked by :mod:`parsers.segment_checks` (and its elements by :mod:`parsers.elements`);
the walk's state and findings are kept by :mod:`parsers.walk_state`.
"""

from __future__ import annotations

from .findings import Level
from .igmap import LoopSpec, SegmentSpec, known_segment_ids, required_loops_of_wrapper
from .segment_checks import SegmentChecks
from .tree import Loop, Unit
from .walk_state import MAX_SET_FINDINGS, UNIT_LOOPS, Frame, label, short

__all__ = ["MAX_SET_FINDINGS", "UNIT_LOOPS", "TransactionWalker"]


class TransactionWalker(SegmentChecks):
    """Validates one ST..SE transaction set, segment by segment."""

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
        loop = label(cur)
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
                value=short(elems),
            )
        elif sid not in self.tmap.segment_ids:
            self._add(
                2,
                Level.SEGMENT,
                "2",
                f"Segment {sid} is not part of the {self.tmap.guide.version} guide",
                sid,
                loop,
                value=short(elems),
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
                value=short(elems),
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
                value=short(elems),
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

    def _report_missing(self, frame: Frame, lo: int, hi: int) -> None:
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
                        label(loop),
                    )
                    continue
                targets = (
                    [child] if child.first_seg is not None else (required_loops_of_wrapper(child))
                )
                for target in targets:
                    first = target.first_seg
                    seg_id = first.xid if first is not None else target.xid
                    if label(target):
                        what = f"Required loop {target.xid} ({target.name}) is missing"
                    else:
                        what = (
                            f"Required segment {seg_id} "
                            f"({first.name if first else target.name}) is missing"
                        )
                    self._add(2, Level.SEGMENT, "3", what, seg_id, label(target))

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
                    label(frame.loop),
                )
            elif count > seg.max_use:
                self._add(
                    2,
                    Level.SEGMENT,
                    "5",
                    f"Segment {seg.xid} ({seg.name}) appears "
                    f"{count} times in loop {frame.loop.xid}; at most {seg.max_use} allowed",
                    seg.xid,
                    label(frame.loop),
                )
        else:
            self._enter(frame, ci, enter)
        self._segment_contents(seg, elems)

    def _enter(self, frame: Frame, ci: int, enter: tuple[LoopSpec, ...]) -> None:
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
                    label(loop),
                )
            elif count > loop.repeat:
                self._add(
                    2,
                    Level.SEGMENT,
                    "4",
                    f"Loop {loop.xid} ({loop.name}) repeats {count} "
                    f"times; at most {loop.repeat} allowed",
                    loop.first_seg.xid if loop.first_seg else loop.xid,
                    label(loop),
                )
            node = None
            if self.build:
                node = Loop(loop.xid, loop.name)
            self.stack.append(Frame(loop, node))
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
