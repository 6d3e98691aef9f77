"""The contents of a segment once the walk has placed it in the guide.

Besides each element (:func:`parsers.elements.check_segment`), a placed segment is checked
for what only its place in the set tells: no trailing empty elements, the HL hierarchy
(HL01 numbering, HL02 naming an open parent of the enclosing loop, HL04 saying truly
whether children follow) and, in an 837, LX numbering within each claim. The segment is
also added to the set's tree when units are built, and the unit's id is noted from it.
"""

from __future__ import annotations

from .elements import ElementProblem, check_segment
from .findings import Level, printable
from .igmap import SegmentSpec
from .tree import Segment
from .walk_state import Hl, WalkState, short

__all__ = ["SegmentChecks"]


class SegmentChecks(WalkState):
    """Checks one placed segment's contents (SNIP 1-2) for the walker."""

    def _segment_contents(self, seg: SegmentSpec, elems: list[str]) -> None:
        loop = seg.label
        if self.build:
            node = self.stack[-1].node
            if node is not None:
                node.segments.append(
                    Segment(elems, self.line, self.position, self.comp_sep, self.rep_sep)
                )
        if self.unit_depth >= 0 and self.unit_id is None:
            self._note_unit_id(elems)
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
                value=short(elems),
            )
        if sid == "HL":
            self._check_hl(elems, loop)
        elif self.is_837:
            if sid == "CLM":
                self.lx_count = 0
            elif sid == "LX":
                self._check_lx(elems, loop)
        problems = check_segment(seg, elems, self.comp_sep, self.rep_sep)
        if problems:
            self._element_problems(sid, loop, problems)

    def _note_unit_id(self, elems: list[str]) -> None:
        """The unit's id (CLM01, CLP01, 834 REF*0F), once its segment comes: it is also
        set on the unit's findings so far."""
        spec = self.unit_spec
        assert spec is not None
        if elems[0] == spec[1] and (
            spec[2] == 0 or (len(elems) > spec[2] and elems[spec[2]] == spec[3])
        ):
            uid = elems[spec[4]] if len(elems) > spec[4] else ""
            self.unit_id = printable(uid) if uid else None
            for f in self.unit_findings:
                setattr(f, spec[5], self.unit_id)

    def _check_lx(self, elems: list[str], loop: str | None) -> None:
        """837 service lines are numbered 1, 2, 3... within each claim."""
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

    def _element_problems(self, sid: str, loop: str | None, problems: list[ElementProblem]) -> None:
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

    # --- the HL hierarchy ---------------------------------------------------------------------

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
        ids = [h.hl01 for h in self.hl_stack]
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
            self._hl_under_parent(hl01, hl02, ids)
            self._check_hl_enclosing(hl02, loop)
        self.stack[-1].hl_id = hl01
        self.hl_stack.append(Hl(hl01, hl04, self.line, self.position, self.offset, loop))

    def _hl_under_parent(self, hl01: str, hl02: str, ids: list[str]) -> None:
        """Close the HL levels below the parent HL02 names (none: all of them); the parent
        now has a child, which its HL04 must have announced."""
        stack = self.hl_stack
        keep = ids.index(hl02) + 1 if hl02 else 0
        while len(stack) > keep:
            self._close_hl(stack.pop())
        if not stack:
            return
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

    def _check_hl_enclosing(self, hl02: str, loop: str | None) -> None:
        """The parent must be the HL of the enclosing HL loop in the guide's structure."""
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

    def _close_hl(self, item: Hl) -> None:
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
