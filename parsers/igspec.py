"""What an implementation guide is, as the validator walks it: the supported guides
(``GUIDES``, ``guide_for``) and the compiled loop, segment, composite and element specs of
one transaction set (``TransactionMap``), with the look-up tables the walker scans.

``parsers.igmap`` builds them from the map XML files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "GUIDES",
    "KIND_BINARY",
    "KIND_DATE",
    "KIND_NUM",
    "KIND_REAL",
    "KIND_TEXT",
    "KIND_TIME",
    "CompositeSpec",
    "ElementSpec",
    "Entry",
    "GuideInfo",
    "LoopSpec",
    "SegmentSpec",
    "TransactionMap",
    "guide_for",
]

# Element value kinds, checked by the validator.
KIND_TEXT = 0  # AN, ID: X12 extended character set
KIND_NUM = 1  # N0..N9: implied-decimal integer
KIND_REAL = 2  # R: decimal
KIND_DATE = 3  # DT: CCYYMMDD (or YYMMDD)
KIND_TIME = 4  # TM: HHMM[SS[d..]]
KIND_BINARY = 5  # B
_KINDS = {"AN": KIND_TEXT, "ID": KIND_TEXT, "R": KIND_REAL, "DT": KIND_DATE, "TM": KIND_TIME}


@dataclass(frozen=True, slots=True)
class GuideInfo:
    """One supported implementation guide."""

    key: str  # our short name: 837P, 837I, 837D, 834, 835
    st01: str
    version: str  # GS08 / ST03, e.g. 005010X222A1
    functional_id: str  # GS01
    map_file: str
    package: str  # where the map lives: "pyx12" or "parsers"
    title: str


GUIDES: tuple[GuideInfo, ...] = (
    GuideInfo(
        "837P",
        "837",
        "005010X222A1",
        "HC",
        "837.5010.X222.A1.xml",
        "pyx12",
        "Health Care Claim: Professional",
    ),
    GuideInfo(
        "837I",
        "837",
        "005010X223A2",
        "HC",
        "837Q3.I.5010.X223.A1.xml",
        "pyx12",
        "Health Care Claim: Institutional",
    ),
    GuideInfo(
        "837D",
        "837",
        "005010X224A2",
        "HC",
        "837.5010.X224.A2.xml",
        "parsers",
        "Health Care Claim: Dental",
    ),
    GuideInfo(
        "834",
        "834",
        "005010X220A1",
        "BE",
        "834.5010.X220.A1.xml",
        "pyx12",
        "Benefit Enrollment and Maintenance",
    ),
    GuideInfo(
        "835",
        "835",
        "005010X221A1",
        "HP",
        "835.5010.X221.A1.xml",
        "pyx12",
        "Health Care Claim Payment/Advice",
    ),
    GuideInfo(
        "999",
        "999",
        "005010X231A1",
        "FA",
        "999.5010X231.A1.xml",
        "pyx12",
        "Implementation Acknowledgment",
    ),
    GuideInfo(
        "999-base",
        "999",
        "005010X231",
        "FA",
        "999.5010.xml",
        "pyx12",
        "Implementation Acknowledgment (base 005010X231)",
    ),
    GuideInfo(
        "277CA",
        "277",
        "005010X214",
        "HN",
        "277.5010.X214.xml",
        "pyx12",
        "Health Care Claim Acknowledgment",
    ),
)
_BY_VERSION = {(g.st01, g.version): g for g in GUIDES}


def guide_for(st01: str, version: str) -> GuideInfo | None:
    """The guide for a transaction set id (ST01) and version (GS08 or ST03)."""
    return _BY_VERSION.get((st01, version))


class ElementSpec:
    """A simple data element at one position of a segment or composite."""

    __slots__ = (
        "codes",
        "data_ele",
        "key_codes",
        "kind",
        "max_len",
        "min_len",
        "name",
        "ok",
        "ref",
        "regex",
        "repeat",
        "required",
        "seq",
        "usage",
    )

    def __init__(
        self,
        ref: str,
        name: str,
        data_ele: str,
        usage: str,
        seq: int,
        dtype: str,
        min_len: int,
        max_len: int,
        codes: frozenset[str] | None,
        regex: re.Pattern[str] | None,
        repeat: int,
        key_codes: frozenset[str] | None = None,
    ) -> None:
        self.ref = ref
        self.name = name
        self.data_ele = data_ele
        self.usage = usage
        self.required = usage == "R"
        self.seq = seq
        self.kind = KIND_NUM if dtype.startswith("N") else _KINDS.get(dtype, KIND_BINARY)
        self.min_len = min_len
        self.max_len = max_len
        self.codes = codes
        #: The codes listed in the map itself (not external lists): used to match segments.
        self.key_codes = key_codes
        self.regex = regex
        self.repeat = repeat
        #: Values known to be valid here: the code list, plus values already checked.
        self.ok: set[str] = set(codes) if codes else set()


class CompositeSpec:
    """A composite data element (e.g. CLM05) with its components."""

    __slots__ = ("data_ele", "elements", "name", "ok", "ref", "repeat", "required", "seq", "usage")

    def __init__(
        self,
        ref: str,
        name: str,
        data_ele: str,
        usage: str,
        seq: int,
        elements: tuple[ElementSpec, ...],
        repeat: int,
    ) -> None:
        self.ref = ref
        self.name = name
        self.data_ele = data_ele
        self.usage = usage
        self.required = usage == "R"
        self.seq = seq
        self.elements = elements
        self.repeat = repeat
        self.ok: set[str] = set()


class SegmentSpec:
    """A segment at one position of a loop, with its element table."""

    __slots__ = (
        "date_pairs",
        "elements",
        "index",
        "is_first",
        "key",
        "label",
        "loop",
        "max_use",
        "name",
        "pos",
        "syntax",
        "syntax_bits",
        "syntax_positions",
        "usage",
        "xid",
    )

    def __init__(self, xid: str, name: str, usage: str, pos: int, max_use: int) -> None:
        self.xid = xid
        self.name = name
        self.usage = usage
        self.pos = pos
        self.max_use = max_use
        self.elements: tuple[ElementSpec | CompositeSpec, ...] = ()
        # (kind, [1-based element positions]) for P/R/C/E/L syntax notes.
        self.syntax: tuple[tuple[str, tuple[int, ...]], ...] = ()
        #: The same notes as bit masks over element positions, for a fast all-clear check:
        #: (kind, all positions, first position, the other positions).
        self.syntax_bits: tuple[tuple[str, int, int, int], ...] = ()
        self.syntax_positions: tuple[int, ...] = ()
        # (element index, component index or -1, codes) used to tell same-id segments apart.
        self.key: tuple[int, int, frozenset[str]] | None = None
        # (format qualifier position, value position): DTP02/DTP03 style pairs.
        self.date_pairs: tuple[tuple[int, int], ...] = ()
        self.loop: LoopSpec | None = None
        #: The IG loop id for messages and IK303 (None for header/trailer tables).
        self.label: str | None = None
        self.index = 0
        self.is_first = False

    def matches(self, elems: list[str], comp_sep: str, rep_sep: str = "") -> bool:
        """Whether a data segment with this id is this node (its qualifier fits)."""
        key = self.key
        if key is None:
            return True
        idx, comp, codes = key
        value = elems[idx] if idx < len(elems) else ""
        if value in codes:
            return True
        if rep_sep and rep_sep in value:  # a repeated qualifier: place it, then report it
            value = value.split(rep_sep, 1)[0]
        if comp >= 0 and comp_sep:
            value = value.split(comp_sep, 1)[0]
        return value in codes

    def __repr__(self) -> str:
        loop = self.loop.xid if self.loop else "?"
        return f"<SegmentSpec {loop}/{self.xid} pos={self.pos}>"


@dataclass(frozen=True, slots=True)
class Entry:
    """How a segment id can be matched from a scan position in a loop.

    ``segment`` is the matched node. ``enter`` lists the loops that are entered to reach
    it (empty when it is a segment of the scanned loop itself).
    """

    child_index: int
    segment: SegmentSpec
    enter: tuple[LoopSpec, ...]


class LoopSpec:
    """A loop (or wrapper) with its children in position order."""

    __slots__ = (
        "_scan",
        "children",
        "first_seg",
        "index",
        "is_table",
        "name",
        "parent",
        "pos",
        "repeat",
        "req_from",
        "required_children",
        "start_of",
        "usage",
        "xid",
    )

    def __init__(self, xid: str, name: str, usage: str, pos: int, repeat: int) -> None:
        self.xid = xid
        self.name = name
        self.usage = usage
        self.pos = pos
        self.repeat = repeat
        self.children: list[SegmentSpec | LoopSpec] = []
        #: a table wrapper (HEADER, FOOTER...): never repeats; its first segment may
        self.is_table = False
        self.parent: LoopSpec | None = None
        self.first_seg: SegmentSpec | None = None
        self.index = 0
        self.required_children: tuple[int, ...] = ()
        #: For child i, the index of the first required child at or after i (or len).
        self.req_from: tuple[int, ...] = ()
        #: For child i, the first child index with the same position (pyx12 scans by pos).
        self.start_of: tuple[int, ...] = ()
        self._scan: dict[int, dict[str, tuple[Entry, ...]]] = {}

    @property
    def is_wrapper(self) -> bool:
        return self.first_seg is None

    @property
    def label(self) -> str:
        """The loop id an analyst knows (2300), or the table name for wrappers."""
        return self.xid

    def entries_from(self, start: int) -> dict[str, tuple[Entry, ...]]:
        """Segment id -> candidates among children ``start..`` in pyx12's scan order."""
        table = self._scan.get(start)
        if table is None:
            table = {}
            for ci in range(start, len(self.children)):
                child = self.children[ci]
                for seg, enter in _entry_points(child):
                    table.setdefault(seg.xid, ())
                    table[seg.xid] += (Entry(ci, seg, enter),)
            self._scan[start] = table
        return table

    def __repr__(self) -> str:
        return f"<LoopSpec {self.xid} pos={self.pos}>"


def _entry_points(node: SegmentSpec | LoopSpec) -> list[tuple[SegmentSpec, tuple[LoopSpec, ...]]]:
    if isinstance(node, SegmentSpec):
        return [(node, ())]
    if node.first_seg is not None:
        return [(node.first_seg, (node,))]
    out: list[tuple[SegmentSpec, tuple[LoopSpec, ...]]] = []
    for child in node.children:
        if isinstance(child, LoopSpec):
            out.extend((seg, (node, *enter)) for seg, enter in _entry_points(child))
    return out


class TransactionMap:
    """A compiled implementation guide: the ST_LOOP tree and look-up tables."""

    def __init__(self, guide: GuideInfo, root: LoopSpec, segment_ids: frozenset[str]) -> None:
        self.guide = guide
        self.root = root
        self.segment_ids = segment_ids
        st, se = root.children[0], root.children[-1]
        assert isinstance(st, SegmentSpec) and st.xid == "ST"
        assert isinstance(se, SegmentSpec) and se.xid == "SE"
        self.st: SegmentSpec = st
        self.se: SegmentSpec = se
