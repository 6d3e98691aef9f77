"""The parsed transaction as a typed tree: loops holding segments holding elements.

``mappings/`` reads these. A :class:`Segment` keeps its raw element strings and answers
X12 references (``seg["CLM05-3"]``, ``seg[2]``); a :class:`Loop` keeps its segments and
child loops in file order. Claims (837 2300), members (834 2000) and claim payments
(835 2100) are handed out one at a time as :class:`Unit` values and then dropped from
the tree, so a 100,000-claim file never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Loop", "Segment", "TransactionHeader", "Unit"]


class Segment:
    """One data segment with its position in the file and in the transaction set."""

    __slots__ = ("component_separator", "elements", "line", "position", "repetition_separator")

    def __init__(
        self,
        elements: list[str],
        line: int,
        position: int,
        component_separator: str,
        repetition_separator: str = "",
    ) -> None:
        self.elements = elements
        self.line = line
        self.position = position
        self.component_separator = component_separator
        self.repetition_separator = repetition_separator

    @property
    def id(self) -> str:
        return self.elements[0]

    def __getitem__(self, ref: int | str) -> str:
        """Element by position (``seg[1]``) or reference (``seg["CLM05-3"]``); "" when absent."""
        if isinstance(ref, int):
            return self.elements[ref] if 0 < ref < len(self.elements) else ""
        body = ref[len(self.id) :] if ref.startswith(self.id) else ref
        pos_text, _, comp_text = body.partition("-")
        value = self[int(pos_text)]
        if not comp_text:
            return value
        if self.repetition_separator and self.repetition_separator in value:
            value = value.split(self.repetition_separator, 1)[0]
        parts = value.split(self.component_separator) if self.component_separator else [value]
        idx = int(comp_text) - 1
        return parts[idx] if 0 <= idx < len(parts) else ""

    def components(self, pos: int) -> list[str]:
        value = self[pos]
        return value.split(self.component_separator) if value else []

    def repetitions(self, pos: int) -> list[str]:
        value = self[pos]
        if not value:
            return []
        if self.repetition_separator:
            return value.split(self.repetition_separator)
        return [value]

    def __repr__(self) -> str:
        return f"<Segment {'*'.join(self.elements)[:60]} line={self.line}>"


class Loop:
    """A loop instance (e.g. one 2300 claim); ``id`` is the IG loop id.

    A plain class rather than a dataclass: the walker makes one per loop instance, and a
    compiled ``__init__`` costs a fraction of the generated one."""

    __slots__ = ("id", "loops", "name", "segments")

    def __init__(
        self,
        id: str,
        name: str,
        segments: list[Segment] | None = None,
        loops: list[Loop] | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.segments: list[Segment] = segments if segments is not None else []
        self.loops: list[Loop] = loops if loops is not None else []

    def __repr__(self) -> str:
        return (
            f"Loop(id={self.id!r}, name={self.name!r}, segments={len(self.segments)}, "
            f"loops={[lp.id for lp in self.loops]})"
        )

    def segment(self, seg_id: str, qualifier: str | None = None, pos: int = 1) -> Segment | None:
        """The first segment ``seg_id`` of this loop (whose element ``pos`` = qualifier)."""
        for s in self.segments:
            if s.elements[0] == seg_id and (qualifier is None or s[pos] == qualifier):
                return s
        return None

    def segments_of(self, seg_id: str, qualifier: str | None = None, pos: int = 1) -> list[Segment]:
        return [
            s
            for s in self.segments
            if s.elements[0] == seg_id and (qualifier is None or s[pos] == qualifier)
        ]

    def loop(self, loop_id: str) -> Loop | None:
        return next((lp for lp in self.loops if lp.id == loop_id), None)

    def loops_of(self, loop_id: str) -> list[Loop]:
        return [lp for lp in self.loops if lp.id == loop_id]

    def walk(self) -> Iterator[Loop]:
        """This loop and every loop below it, depth first."""
        yield self
        for child in self.loops:
            yield from child.walk()

    def all_segments(self) -> Iterator[Segment]:
        """Segments of this loop and its children, in file order."""
        items: list[tuple[int, Segment]] = [(s.position, s) for s in self.segments]
        for child in self.loops:
            items.extend((s.position, s) for s in child.all_segments())
        items.sort(key=lambda t: t[0])
        return (s for _, s in items)


@dataclass(frozen=True, slots=True)
class TransactionHeader:
    """Where a transaction set sits: its envelope control numbers and ids."""

    guide: str  # 837P, 837I, 837D, 834, 835
    version: str
    st_control_number: str
    gs_control_number: str
    isa_control_number: str
    sender_id: str  # ISA06 (trimmed)
    receiver_id: str  # ISA08 (trimmed)
    gs_sender_id: str
    gs_receiver_id: str
    interchange_index: int
    group_index: int
    set_index: int


class Unit:
    """One claim (837 2300), member (834 2000) or claim payment (835 2100) with context.

    ``context`` is the chain of open loops above it, outermost first (the transaction
    set's root loop, then e.g. 2000A, 2000B, 2000C), each holding the segments read so
    far but none of the earlier units.
    """

    __slots__ = ("context", "header", "loop")

    def __init__(self, header: TransactionHeader, context: list[Loop], loop: Loop) -> None:
        self.header = header
        self.context = context
        self.loop = loop

    def __repr__(self) -> str:
        return f"Unit({self.header.guide} {self.loop.id}, context={[c.id for c in self.context]})"

    def ancestor(self, loop_id: str) -> Loop | None:
        return next((lp for lp in reversed(self.context) if lp.id == loop_id), None)
