"""Work units: where a large 837 transaction set can be cut into claim ranges that are
checked on their own, and the stream that checks one range.

``plan_ranges(source, claims_per_range)`` reads a file once (tokenizer only, no checks)
and describes every transaction set: its envelope (ISA, GS), its header (ST, BHT, 1000A
submitter, 1000B receiver) and, for an 837 set of more than ``claims_per_range`` claims,
ranges of about that many claims that start at a 2000A billing-provider HL or a 2000B
subscriber HL: the points where a claim's context is whole again. A range starting at a
2000B also needs its 2000A billing provider (HL, PRV, 2010AA, 2010AB), recorded as the
range's ``billing`` piece.

A range is checked as a file of its own (:func:`range_stream`): the ISA and GS of its
interchange, the set's header, the billing provider, the range, then an SE, GE and IEA
made to fit. :class:`RangeEvents` runs the validator over that stream and gives every
unit the file's own segment lines and positions back, and the file's set ordinal, so
what a range stores and reports reads as if the whole file had been checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, Protocol

from .events import Event, UnitEvent
from .igmap import guide_for
from .tokenizer import open_source, read_delimiters, tokenize
from .tree import Loop, Segment, TransactionHeader, Unit

__all__ = [
    "ClaimRange",
    "EventSource",
    "Piece",
    "RangeEvents",
    "RangeLayout",
    "SetOutline",
    "plan_ranges",
    "range_stream",
]

_SNIFF = 4096
_BOM = b"\xef\xbb\xbf"
_CLAIM_SETS = frozenset(("005010X222A1", "005010X223A2", "005010X224A2"))
#: HL03 of the loops a range may start at: 2000A billing provider, 2000B subscriber
_CUT_AT = frozenset(("20", "22"))


class EventSource(Protocol):
    """What yields a file's events: a :class:`~parsers.Validator` or a range's stream."""

    def events(self, source: Any) -> Iterator[Event]: ...


@dataclass(frozen=True, slots=True)
class Piece:
    """Bytes ``[start, end)`` of the file: ``segments`` whole segments, the first on file
    line ``line`` and at ``position`` in its transaction set (0 outside a set)."""

    start: int
    end: int
    line: int
    segments: int
    position: int = 0


@dataclass(frozen=True, slots=True)
class ClaimRange:
    body: Piece
    claims: int
    #: the 2000A (HL to the next HL) a range starting at a 2000B belongs to
    billing: Piece | None = None


@dataclass(slots=True)
class SetOutline:
    """One transaction set as found by :func:`plan_ranges` (``ordinal``: 1-based, as
    ``TransactionHeader.set_index``)."""

    ordinal: int
    interchange_index: int
    group_index: int
    st01: str
    version: str
    st_control_number: str
    gs_control_number: str
    isa_control_number: str
    sender_id: str
    receiver_id: str
    gs_sender_id: str
    gs_receiver_id: str
    isa: Piece
    gs: Piece
    #: ST up to the first HL (BHT, 1000A, 1000B)
    head: Piece | None = None
    claims: int = 0
    #: one of its claims and another claim of the file (of this set or another) may judge
    #: each other (duplicates, a replacement): not cut
    entangled: bool = False
    #: the line of its first claim (CLM)
    first_claim_line: int = 0
    ranges: list[ClaimRange] = field(default_factory=list)

    def header(self) -> TransactionHeader | None:
        """The set's header as the validator gives it (None: not a supported guide)."""
        info = guide_for(self.st01, self.version)
        if info is None:
            return None
        return TransactionHeader(
            info.key,
            self.version,
            self.st_control_number,
            self.gs_control_number,
            self.isa_control_number,
            self.sender_id,
            self.receiver_id,
            self.gs_sender_id,
            self.gs_receiver_id,
            self.interchange_index,
            self.group_index,
            self.ordinal,
        )


@dataclass(frozen=True, slots=True)
class RangeLayout:
    """Everything a range's check needs, kept with its work unit (see ``as_dict``)."""

    pieces: tuple[Piece, ...]
    isa_control_number: str
    gs_control_number: str
    st_control_number: str
    interchange_index: int
    group_index: int
    set_index: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "pieces": [[p.start, p.end, p.line, p.segments, p.position] for p in self.pieces],
            "isa": self.isa_control_number,
            "gs": self.gs_control_number,
            "st": self.st_control_number,
            "index": [self.interchange_index, self.group_index, self.set_index],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RangeLayout:
        i, g, s = raw["index"]
        return cls(
            tuple(Piece(*p) for p in raw["pieces"]),
            raw["isa"],
            raw["gs"],
            raw["st"],
            int(i),
            int(g),
            int(s),
        )

    @classmethod
    def of(cls, outline: SetOutline, claim_range: ClaimRange) -> RangeLayout:
        assert outline.head is not None
        pieces = [outline.isa, outline.gs, outline.head]
        if claim_range.billing is not None:
            pieces.append(claim_range.billing)
        pieces.append(claim_range.body)
        return cls(
            tuple(pieces),
            outline.isa_control_number,
            outline.gs_control_number,
            outline.st_control_number,
            outline.interchange_index,
            outline.group_index,
            outline.ordinal,
        )


class _Open:
    """A segment whose end is the start of the next one."""

    __slots__ = ("line", "position", "start")

    def __init__(self, start: int, line: int, position: int = 0) -> None:
        self.start, self.line, self.position = start, line, position

    def to(self, end: int, end_line: int) -> Piece:
        return Piece(self.start, end, self.line, end_line - self.line, self.position)


def plan_ranges(
    source: bytes | str | os.PathLike[str] | BinaryIO, claims_per_range: int
) -> list[SetOutline]:
    """Every transaction set of a file, 837 sets of more than ``claims_per_range`` claims
    with their claim ranges (none for a file that is not X12)."""
    stream = open_source(source)
    try:
        return _plan(stream, claims_per_range)
    finally:
        if not isinstance(source, bytes) and stream is not source:
            stream.close()


def _plan(stream: BinaryIO, size: int) -> list[SetOutline]:
    head = stream.read(_SNIFF)
    skipped = 0
    if head.startswith(_BOM):
        head, skipped = head[3:], 3
    stripped = head.lstrip(b" \t\r\n")
    skipped += len(head) - len(stripped)
    head = stripped
    delims, _problem = read_delimiters(head.decode("latin-1"))
    if delims is None:
        return []
    sets: list[SetOutline] = []
    isa: list[str] = []
    gs: list[str] = []
    isa_open = gs_open = None
    isa_piece = gs_piece = None
    interchanges = groups = 0
    cur: SetOutline | None = None
    tangle = _Tangle(delims.component)
    st_open: _Open | None = None
    billing: _Open | None = None
    billing_piece: Piece | None = None
    cuts: list[tuple[int, int, int, int, Piece | None]] = []  # start, line, pos, claims, 2000A
    # sets large enough to cut: the set, its cut points, where its SE starts and its line
    candidates: list[tuple[SetOutline, list[tuple[int, int, int, int, Piece | None]], int, int]]
    candidates = []
    position = 0
    for batch in tokenize(stream, delims, prefix=head):
        first = batch.first_ordinal
        for i, elems in enumerate(batch.segments):
            sid = elems[0].strip()
            off = skipped + batch.offset(i)
            line = first + i
            if isa_open is not None:
                isa_piece, isa_open = isa_open.to(off, line), None
            if gs_open is not None:
                gs_piece, gs_open = gs_open.to(off, line), None
            if cur is not None:
                position += 1
            if sid == "ISA":
                interchanges += 1
                groups = 0
                isa, isa_open = elems, _Open(off, line)
            elif sid == "GS":
                groups += 1
                gs, gs_open = elems, _Open(off, line)
            elif sid == "ST" and isa_piece is not None and gs_piece is not None:
                version = _at(elems, 3) or _at(gs, 8)
                cur = SetOutline(
                    len(sets) + 1,
                    interchanges,
                    groups,
                    _at(elems, 1),
                    version,
                    _at(elems, 2),
                    _at(gs, 6),
                    _at(isa, 13),
                    _at(isa, 6).strip(),
                    _at(isa, 8).strip(),
                    _at(gs, 2),
                    _at(gs, 3),
                    isa_piece,
                    gs_piece,
                )
                sets.append(cur)
                position = 1
                st_open = _Open(off, line, 1)
                billing, billing_piece, cuts = None, None, []
                tangle.start(cur.ordinal)
            elif cur is None or cur.version not in _CLAIM_SETS:
                if sid == "SE":
                    cur = None
            elif tangle.see(sid, elems) and sid == "HL":
                if st_open is not None:
                    cur.head, st_open = st_open.to(off, line), None
                if billing is not None:
                    billing_piece, billing = billing.to(off, line), None
                hl03 = _at(elems, 3)
                if hl03 == "20":
                    billing = _Open(off, line, position)
                    billing_piece = None
                if hl03 in _CUT_AT:
                    # a range starting at a 2000B takes its 2000A along
                    cuts.append(
                        (off, line, position, cur.claims, billing_piece if hl03 == "22" else None)
                    )
            elif sid == "CLM":
                cur.claims += 1
                if cur.claims == 1:
                    cur.first_claim_line = line
            elif sid == "SE":
                if cur.claims > size and cur.head is not None:
                    candidates.append((cur, cuts, off, line))
                cur = None
    # cut once the whole file is seen: a claim of a later set may judge one of this set
    entangled = tangle.entangled()
    for outline, set_cuts, se_start, se_line in candidates:
        outline.entangled = outline.ordinal in entangled
        if not outline.entangled:
            outline.ranges = _ranges(set_cuts, se_start, se_line, outline.claims, size)
    return sets


class _Tangle:
    """Which 837 sets of a file hold claims that may judge each other: the same CLM01 twice
    for one billing provider (a duplicate, or a replacement), a replacement or void whose
    REF*F8 names a claim of the file, or a service line with the same subscriber, procedure
    and date in two claims (a duplicate line), within one set or across two. Only one pass
    in file order decides those as one job does (a later set's claim is the duplicate), so
    no set holding such a claim is cut. A superset of the real duplicates (modifiers and
    providers are not compared): in doubt, the set stays whole."""

    __slots__ = (
        "_claims",
        "_clm01s",
        "_comp",
        "_date",
        "_line",
        "_lines",
        "_member",
        "_more",
        "_n",
        "_npi",
        "_refs",
        "_replacing",
        "_set",
        "_set_of",
        "_tangled",
    )

    def __init__(self, component: str) -> None:
        self._comp = component
        # keys are hashes of (CLM01, billing NPI) and (member, procedure, date): a collision
        # of two different keys only keeps a set whole, as a real duplicate would
        self._claims: dict[int, int] = {}  # key -> set ordinal
        self._clm01s: dict[str, int] = {}  # CLM01 -> first set holding it
        self._more: dict[str, set[int]] = {}  # CLM01s in more than one set -> those sets
        self._lines: dict[int, int] = {}  # key -> the claim (numbered across the file)
        self._set_of: list[int] = [0]  # claim number -> its set's ordinal
        self._refs: list[tuple[str, int]] = []  # REF*F8 of a replacement, its set
        self._tangled: set[int] = set()
        self._set = 0
        self._npi = self._member = self._date = ""
        self._line: str | None = None
        self._n = 0
        self._replacing = False

    def start(self, ordinal: int) -> None:
        """A new set begins (its billing provider and subscriber are its own)."""
        self._end_line()
        self._set = ordinal
        self._npi = self._member = self._date = ""
        self._replacing = False

    def see(self, sid: str, elems: list[str]) -> bool:
        """Take in one segment of the set (always True, to chain in a condition)."""
        if sid == "NM1":
            qualifier = _at(elems, 1)
            if qualifier == "85":
                self._npi = _at(elems, 9)
            elif qualifier == "IL":
                self._member = _at(elems, 9)
        elif sid == "CLM":
            self._end_line()
            self._n += 1
            self._set_of.append(self._set)
            clm01 = _at(elems, 1)
            key = hash((clm01, self._npi))
            if key in self._claims:
                self._tangled.update((self._claims[key], self._set))
            else:
                self._claims[key] = self._set
            first = self._clm01s.setdefault(clm01, self._set)
            if first != self._set:
                self._more.setdefault(clm01, {first}).add(self._set)
            parts = _at(elems, 5).split(self._comp)
            self._replacing = len(parts) > 2 and parts[2] in ("7", "8")
            self._date = ""
        elif sid in ("SV1", "SV2", "SV3"):
            self._end_line()
            # the procedure with its modifiers (SV2: else the revenue code), as R12 keys it
            procedure = _at(elems, 2) if sid == "SV2" else _at(elems, 1)
            self._line = procedure or f"rev:{_at(elems, 1)}"
        elif sid == "DTP" and _at(elems, 1) == "472":
            day = _at(elems, 3).split("-")[0]  # RD8: the first day
            if self._line is not None:
                self._end_line(day)
            else:
                self._date = day  # the claim's, for lines without their own
        elif sid == "REF" and _at(elems, 1) == "F8" and self._replacing:
            self._refs.append((_at(elems, 2), self._set))
        elif sid in ("LX", "HL"):
            self._end_line()
        return True

    def _end_line(self, date: str | None = None) -> None:
        if self._line is None:
            return
        key = (self._member, self._line, date if date is not None else self._date)
        first = self._lines.setdefault(hash(key), self._n)
        if first != self._n:
            self._tangled.update((self._set_of[first], self._set))
        self._line = None

    def entangled(self) -> frozenset[int]:
        """The sets (ordinals) not to cut, once the whole file is seen."""
        self._end_line()
        out = set(self._tangled)
        for ref, ordinal in self._refs:
            if ref in self._clm01s:
                out.add(ordinal)
                out |= self._more.get(ref, {self._clm01s[ref]})
        return frozenset(out)


def _ranges(
    cuts: list[tuple[int, int, int, int, Piece | None]],
    se_start: int,
    se_line: int,
    claims: int,
    size: int,
) -> list[ClaimRange]:
    """Ranges of about ``size`` claims, each starting at a cut point (the first at the
    set's first HL)."""
    starts = cuts[:1]
    for cut in cuts[1:]:
        if cut[3] - starts[-1][3] >= size and cut[3] < claims:
            starts.append(cut)
    out = []
    for n, (start, line, pos, before, billing) in enumerate(starts):
        end, end_line, after = (
            (starts[n + 1][0], starts[n + 1][1], starts[n + 1][3])
            if n + 1 < len(starts)
            else (se_start, se_line, claims)
        )
        out.append(
            ClaimRange(Piece(start, end, line, end_line - line, pos), after - before, billing)
        )
    return out


def _at(elems: list[str], i: int) -> str:
    return elems[i] if i < len(elems) else ""


# --- checking one range ------------------------------------------------------------------------


def range_stream(path: str | os.PathLike[str], layout: RangeLayout) -> bytes:
    """The range as a file of its own: its pieces, then an SE, GE and IEA that fit."""
    parts: list[bytes] = []
    with open(path, "rb") as f:
        for p in layout.pieces:
            f.seek(p.start)
            parts.append(f.read(p.end - p.start))
    isa = parts[0]
    element, terminator = chr(isa[3]), chr(isa[105]) if len(isa) > 105 else "~"
    in_set = sum(p.segments for p in layout.pieces[2:]) + 1
    trailer = (
        f"SE{element}{in_set}{element}{layout.st_control_number}{terminator}"
        f"GE{element}1{element}{layout.gs_control_number}{terminator}"
        f"IEA{element}1{element}{layout.isa_control_number}{terminator}"
    )
    return b"".join(parts) + trailer.encode("latin-1")


class RangeEvents:
    """The validator's events over :func:`range_stream`, units put back where the file has
    them: segment lines and positions, and the set's ordinal in the file."""

    def __init__(self, validator: EventSource, layout: RangeLayout) -> None:
        self.validator = validator
        self.layout = layout
        # synthetic line / position where each piece starts
        self._lines: list[tuple[int, int, Piece]] = []
        line, position = 1, 1
        for n, p in enumerate(layout.pieces):
            self._lines.append((line, position if n >= 2 else 0, p))
            line += p.segments
            if n >= 2:
                position += p.segments
        self._done: dict[int, Segment] = {}  # context segments already put back

    def events(self, source: Any) -> Iterator[Event]:
        for event in self.validator.events(source):
            if isinstance(event, UnitEvent):
                self._put_back(event.unit)
            yield event

    def _put_back(self, unit: Unit) -> None:
        lay = self.layout
        unit.header = replace(
            unit.header,
            interchange_index=lay.interchange_index,
            group_index=lay.group_index,
            set_index=lay.set_index,
        )
        done = self._done
        for loop in unit.context:
            for seg in loop.segments:
                if id(seg) not in done:
                    done[id(seg)] = seg
                    self._move(seg)
        self._move_loop(unit.loop)

    def _move_loop(self, loop: Loop) -> None:
        for seg in loop.segments:
            self._move(seg)
        for child in loop.loops:
            self._move_loop(child)

    def _move(self, seg: Segment) -> None:
        for line, position, piece in reversed(self._lines):
            if seg.line >= line:
                seg.line = seg.line - line + piece.line
                if position:
                    seg.position = seg.position - position + piece.position
                return
