"""How a compiled guide program reads the values its rules refer to.

For each loop and segment id, plans of readers say which reference (slot number) reads
which element of the segment; the values found go into a sink: the claim's own table of
hits (``Direct`` into ``Table``), or, for the loops above a unit (submitter, billing
provider, subscriber), ``Events`` kept while those loops are the context of the units
handed out. Composite values are split once per text (``Splits``). Compiled with mypyc when
a C compiler is present.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Final

from parsers.tree import Loop, Segment

from .paths import Hit, ValuePath

__all__ = [
    "DISPLAYS",
    "EMPTY",
    "NOTHING",
    "CachedLoop",
    "Direct",
    "Events",
    "Reader",
    "Reading",
    "SegmentPlan",
    "Sink",
    "Splits",
    "Table",
    "readers_of",
]

DISPLAYS: Final = 32
#: the most composite values remembered with their components
_SPLITS_MAX: Final = 65536
#: the service line loops and the loops inside them


class Reader:
    """One reference reading one segment: mode 0 presence, 1 every element from ``start``
    (``*``), 2 element ``pos`` (component ``comp`` when not 0)."""

    def __init__(self, slot: int, mode: int, pos: int, comp: int, display: str, path: ValuePath):
        self.slot = slot
        self.mode = mode
        self.pos = pos
        self.comp = comp
        self.display = display
        self.start = 1 if path.qualifier is None else 2
        self.segment = path.segment
        #: the element reference of each position, for ``*`` (SEG01, SEG02 ...)
        self.displays = [f"{path.segment}{p:02d}" for p in range(DISPLAYS)] if mode == 1 else []


def readers_of(slot: int, path: ValuePath) -> list[Reader]:
    if path.element is None:
        return [Reader(slot, 0, 0, 0, path.segment, path)]
    if path.element == "*":
        return [Reader(slot, 1, 0, 0, "", path)]
    return [Reader(slot, 2, pos, comp, display, path) for pos, comp, display in path.refs]


class SegmentPlan:
    """What the references read from one segment id in one loop: readers for any
    qualifier, and readers by the segment's qualifier (its first element)."""

    def __init__(self) -> None:
        self.plain: list[Reader] = []
        self.by_qualifier: dict[str, list[Reader]] = {}


class Reading:
    """What one kind of evaluation reads (a transaction's claim and line rules, or its set
    and file rules): the references it wants, and per loop id the plans built for them."""

    def __init__(self, wanted: set[int]) -> None:
        self.wanted = wanted
        self.loops: dict[str, dict[str, SegmentPlan]] = {}


class Sink(ABC):
    """Where extraction puts the values it finds."""

    @abstractmethod
    def add(self, slot: int, value: str, seg: Segment | None, loop: str | None, ref: str) -> None:
        """Take one value: its reference number, the value, where it was found."""


class Events(Sink):
    """The values found in some loops, in file order: slot numbers and hits. The loops above
    a unit (submitter, billing provider, subscriber) get one each, kept as long as those
    loops are the context of the units handed out."""

    def __init__(self) -> None:
        self.slots: list[int] = []
        self.hits: list[Hit] = []
        self.n = 0

    def add(self, slot: int, value: str, seg: Segment | None, loop: str | None, ref: str) -> None:
        self.hits.append(Hit(value, seg, loop, ref))
        self.slots.append(slot)
        self.n += 1


NOTHING: Final = Hit("", None, None, "")
EMPTY: Final[list[Hit]] = []


class Table:
    """The values each reference found for one evaluation (``slots[n]``: a list of hits).

    Kept from claim to claim without allocating: an empty reference is the shared empty
    list, a reference with one value uses a one-item list of its own kept for that, and
    only a second value makes a new list. Nothing outside the evaluation holds these."""

    def __init__(self, n: int) -> None:
        self.slots: list[list[Hit]] = [EMPTY] * n
        self._blank: list[list[Hit]] = [EMPTY] * n
        self.ones: list[list[Hit]] = [[NOTHING] for _ in range(n)]

    def reset(self) -> None:
        self.slots[:] = self._blank  # one copy of the whole row (the list stays the same)

    def add(self, slot: int, hit: Hit) -> None:
        slots = self.slots
        current = slots[slot]
        if not current:
            one = self.ones[slot]
            one[0] = hit
            slots[slot] = one
        elif current is self.ones[slot]:
            slots[slot] = [current[0], hit]
        else:
            current.append(hit)

    def fill(self, events: Events) -> None:
        slots = events.slots
        hits = events.hits
        for i in range(events.n):
            self.add(slots[i], hits[i])


class Direct(Sink):
    """The unit's own values, straight into the claim's table. The :class:`Hit` objects are
    kept from claim to claim and reused (a violation keeps a copy of its hit, never the
    reused object)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.pool: list[Hit] = []
        self.n = 0

    def add(self, slot: int, value: str, seg: Segment | None, loop: str | None, ref: str) -> None:
        n = self.n
        if n < len(self.pool):
            hit = self.pool[n]
            hit.value = value
            hit.segment = seg
            hit.loop = loop
            hit.element = ref
            hit.day = -1
        else:
            hit = Hit(value, seg, loop, ref)
            self.pool.append(hit)
        self.n = n + 1
        self.table.add(slot, hit)


class CachedLoop:
    def __init__(self, loop: Loop, segments: int, loops: int, events: Events) -> None:
        self.loop = loop
        self.segments = segments
        self.loops = loops
        self.events = events


class Splits:
    """Composite values split into components, remembered by text (``HC:99213:25`` and
    ``11:B:1`` come back claim after claim) for the separators of the current file."""

    def __init__(self) -> None:
        self.known: dict[str, list[str]] = {}
        self.component = ""
        self.repetition = ""

    def components(self, value: str, seg: Segment) -> list[str]:
        """The components of an element's first repetition (a list not to be changed)."""
        sep = seg.component_separator
        rep = seg.repetition_separator
        if sep != self.component or rep != self.repetition:
            self.known.clear()
            self.component = sep
            self.repetition = rep
        parts = self.known.get(value)
        if parts is None:
            first = value.split(rep, 1)[0] if rep and rep in value else value
            parts = first.split(sep) if sep else [first]
            if len(self.known) >= _SPLITS_MAX:
                self.known.clear()
            self.known[value] = parts
        return parts
