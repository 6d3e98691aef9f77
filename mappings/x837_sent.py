"""What a provider sent in a claim that the normalized record has no field for, kept as
sent so a forwarded claim carries it.

- The segments of a claim (2300) or a service line (2400) with no field of their own
  (:func:`kept_segments`): contract information (CN1), the medical record number and the
  other claim references (REF*EA, X4, 9A...), the dates the guide allows beside the
  service dates (DTP*304 last seen, 439 accident, 441 prior placement...), ambulance and
  spinal manipulation certifications (CR1, CR2, CRC), repricing (HCP), a line's forms
  (2440 LQ/FRM) and the like. Which ones is decided here once (:data:`_TAKEN`, the
  segments the record's fields already give :mod:`mappings.x837_write`); where they go
  back is read from the implementation guide (the segment's position in its loop, from
  the map that :mod:`parsers.igmap` compiles): :class:`Merge` writes them in the guide's
  order between the ones written from fields.
- The CLM and SV1/SV2/SV3 elements no field carries, by position
  (:func:`extra_elements`, :func:`with_extra`).
- Whole loops (:func:`loop_as_sent`): the other payers' 2320/2330 and a line's 2430s.

A segment is stored as its id, then each element as text, or as the list of its
components when it had more than one (``["SV5", ["HC", "E0100"], "DA", "3"]``), trailing
empty elements left out.
"""

from __future__ import annotations

from functools import cache

from parsers.igmap import LoopSpec, SegmentSpec, load_map
from parsers.tree import Loop, Segment

from .x12_out import COMPONENT, Out

__all__ = [
    "WRITTEN_ELEMENTS",
    "Merge",
    "Placer",
    "SentSegment",
    "extra_elements",
    "kept_segments",
    "loop_as_sent",
    "merging",
    "placer",
    "sent_values",
    "with_extra",
    "write_sent",
]

#: one segment as sent: its id, then each element as text or as its components
SentSegment = list[str | list[str]]

#: the elements of CLM and the service lines' SV1/SV2/SV3 that record fields carry; the
#: others (CLM10 patient signature source, CLM11 related causes, CLM12 special program,
#: CLM20 delay reason; SV109 emergency, SV111 EPSDT, SV112 family planning, SV115 copay
#: status; SV207 non-covered charges; SV305 prosthesis, crown or inlay...) are kept as sent
WRITTEN_ELEMENTS: dict[str, frozenset[int]] = {
    "CLM": frozenset({1, 2, 5, 6, 7, 8, 9}),
    "SV1": frozenset({1, 2, 3, 4, 5, 7}),
    "SV2": frozenset({1, 2, 3, 4, 5}),
    "SV3": frozenset({1, 2, 3, 4, 6, 11}),
}

_ALL = ""
#: (guide or _ALL, loop) -> segment id -> qualifiers (element 1) already written from the
#: record's fields; an empty set takes every segment with that id
_TAKEN: dict[tuple[str, str], dict[str, frozenset[str]]] = {
    (_ALL, "2300"): {
        "CLM": frozenset(),
        "PWK": frozenset(),
        "AMT": frozenset({"F5"}),
        "REF": frozenset({"G1", "F8", "9F", "D9"}),
        "K3": frozenset(),
        "HI": frozenset(),
    },
    ("837I", "2300"): {"DTP": frozenset({"096", "434", "435"}), "CL1": frozenset()},
    ("837D", "2300"): {"DTP": frozenset({"472"}), "DN1": frozenset(), "DN2": frozenset()},
    (_ALL, "2400"): {
        "LX": frozenset(),
        "SV1": frozenset(),
        "SV2": frozenset(),
        "SV3": frozenset(),
        "TOO": frozenset(),
        "DTP": frozenset({"472"}),
        "REF": frozenset({"6R"}),
    },
}
#: the line's child loops kept whole (LQ and its FRMs), after the ones written from fields
_KEPT_LOOPS = ("2440",)


def _taken(guide: str, loop_id: str, seg: Segment, notes_seen: int) -> bool:
    seg_id = seg.id
    if seg_id == "NTE" and loop_id == "2300":
        return notes_seen == 0  # the first note is the record's note_code / note
    for key in ((_ALL, loop_id), (guide, loop_id)):
        qualifiers = _TAKEN.get(key, {}).get(seg_id)
        if qualifiers is not None and (not qualifiers or seg[1].strip() in qualifiers):
            return True
    return False


def _element(seg: Segment, position: int) -> str | list[str]:
    """One element as sent: its text, or its components when it has more than one."""
    parts = [p.strip() for p in seg.components(position)]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return parts if len(parts) > 1 else (parts[0] if parts else "")


def sent_values(seg: Segment) -> SentSegment:
    """A parsed segment as stored: composites as their components, trailing empties cut."""
    values: SentSegment = [seg.id]
    for position in range(1, len(seg.elements)):
        values.append(_element(seg, position))
    while len(values) > 1 and values[-1] in ("", []):
        values.pop()
    return values


def extra_elements(seg: Segment) -> dict[int, str | list[str]]:
    """The elements of a CLM / SV1 / SV2 / SV3 that no record field carries, as sent, by
    position (empty ones left out). Per claim and per line: only those elements are read."""
    written = WRITTEN_ELEMENTS.get(seg.id, frozenset())
    found: dict[int, str | list[str]] = {}
    for position in range(1, len(seg.elements)):
        if position in written or not seg.elements[position].strip():
            continue
        value = _element(seg, position)
        if value != "":  # only component separators
            found[position] = value
    return found


def with_extra(out: Out, elements: list[str], extra: dict[int, str | list[str]]) -> list[str]:
    """``elements`` (from position 1) with the ``extra`` ones kept as sent put back in
    their positions."""
    if not extra:
        return elements
    values = list(elements)
    values += [""] * (max(extra) - len(values))
    for position, value in extra.items():
        values[position - 1] = out.composite(*value) if isinstance(value, list) else value
    return values


def loop_as_sent(loop: Loop) -> list[SentSegment]:
    """A parsed loop with its child loops, every segment as sent, in file order."""
    found = [sent_values(seg) for seg in loop.segments]
    for child in loop.loops:
        found.extend(loop_as_sent(child))
    return found


def write_sent(out: Out, segment: SentSegment) -> None:
    """One segment kept as sent (``ValueError`` when a value holds one of our separators)."""
    out.seg(
        str(segment[0]), *[out.composite(*e) if isinstance(e, list) else e for e in segment[1:]]
    )


def kept_segments(guide: str, loop: Loop) -> list[SentSegment]:
    """The segments of a parsed 2300 or 2400 loop that no record field carries, as sent,
    in their order (only those the guide places in that loop; the line's 2440 forms
    follow)."""
    where = placer(guide, loop.id)
    if where is None:
        return []
    kept: list[SentSegment] = []
    notes = 0
    for seg in loop.segments:
        taken = _taken(guide, loop.id, seg, notes)
        if seg.id == "NTE":
            notes += 1
        if not taken and where.position(seg.id, seg[1], seg.component_separator) is not None:
            kept.append(sent_values(seg))
    for child in loop.loops:
        if child.id in _KEPT_LOOPS:
            kept.extend(sent_values(seg) for seg in child.segments)
    return kept


class Placer:
    """Where a segment goes in one loop of a guide: the position of the guide's node it
    matches (a child loop's position for the segment that starts it)."""

    __slots__ = ("_by_id",)

    def __init__(self, loop: LoopSpec) -> None:
        self._by_id: dict[str, list[tuple[SegmentSpec, int]]] = {}
        for child in loop.children:
            if isinstance(child, SegmentSpec):
                self._by_id.setdefault(child.xid, []).append((child, child.pos))
            elif child.first_seg is not None:
                self._by_id.setdefault(child.first_seg.xid, []).append((child.first_seg, child.pos))

    def position(self, seg_id: str, first: str, component_separator: str) -> int | None:
        """The position of segment ``seg_id`` whose first element is ``first``, or None
        when no node of the loop takes it."""
        for spec, pos in self._by_id.get(seg_id, ()):
            if spec.matches([seg_id, first], component_separator):
                return pos
        return None


def _find(loop: LoopSpec, loop_id: str) -> LoopSpec | None:
    if loop.xid == loop_id:
        return loop
    for child in loop.children:
        if isinstance(child, LoopSpec):
            found = _find(child, loop_id)
            if found is not None:
                return found
    return None


@cache
def placer(guide: str, loop_id: str) -> Placer | None:
    """The :class:`Placer` of loop ``loop_id`` (2300, 2400) of an 837 guide."""
    if guide not in ("837P", "837I", "837D"):
        return None
    spec = _find(load_map(guide).root, loop_id)
    return Placer(spec) if spec is not None else None


def _first(segment: SentSegment) -> str:
    """The first element's (first component's) text: the qualifier a node is told by."""
    first = segment[1] if len(segment) > 1 else ""
    return first[0] if isinstance(first, list) else first


class Merge:
    """Writes a loop's kept segments into ``out`` among those written from fields: each
    before the first written segment that the guide places after it; :meth:`close`
    writes the rest (and must be called at the loop's end).

    A kept segment the loop does not place itself (an FRM after its LQ) goes with the one
    before it; a value holding one of our separators raises ``ValueError`` as
    :meth:`Out.seg` does.
    """

    __slots__ = ("_out", "_pending", "_where")

    def __init__(self, out: Out, where: Placer, segments: list[SentSegment]) -> None:
        self._out = out
        self._where = where
        pending: list[tuple[int, SentSegment]] = []
        last: int | None = None
        for segment in segments:
            pos = where.position(str(segment[0]), _first(segment), COMPONENT)
            if pos is None:
                pos = last
            if pos is not None:
                pending.append((pos, segment))
                last = pos
        pending.sort(key=lambda item: item[0])  # stable: the order sent within a position
        self._pending = pending
        out.before = self._before if pending else None

    def _before(self, values: list[str]) -> None:
        pos = self._where.position(values[0], values[1] if len(values) > 1 else "", COMPONENT)
        if pos is not None and self._pending[0][0] < pos:
            self._write(pos)

    def _write(self, until: int | None) -> None:
        out = self._out
        out.before = None
        pending = self._pending
        taken = 0
        for pos, segment in pending:
            if until is not None and pos >= until:
                break
            write_sent(out, segment)
            taken += 1
        del pending[:taken]
        out.before = self._before if pending else None

    def close(self) -> None:
        self._write(None)


def merging(out: Out, guide: str, loop_id: str, segments: list[SentSegment]) -> Merge | None:
    """A :class:`Merge` of ``segments`` into the loop written next (None when there are
    none to write)."""
    if not segments:
        return None
    where = placer(guide, loop_id)
    return Merge(out, where, segments) if where is not None else None
