"""Implementation-guide structure compiled from pyx12's map XML files.

The loop/segment/element definitions of the 005010 guides are read from the map files
shipped inside the installed ``pyx12`` package (``pyx12/map/*.xml``), plus our own
``837.5010.X224.A2.xml`` (837D), which pyx12 does not have. Each map is compiled once per
process into plain slotted objects with precomputed look-up tables, so the validator does
dictionary look-ups instead of tree walks.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "GUIDES",
    "CompositeSpec",
    "ElementSpec",
    "Entry",
    "GuideInfo",
    "LoopSpec",
    "SegmentSpec",
    "TransactionMap",
    "guide_for",
    "known_segment_ids",
    "load_map",
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


# --- compilation ---------------------------------------------------------------------------


def _pyx12_map_dir() -> Path:
    return Path(str(resources.files("pyx12") / "map"))


def _map_path(guide: GuideInfo) -> Path:
    if guide.package == "pyx12":
        return _pyx12_map_dir() / guide.map_file
    return Path(str(resources.files("parsers") / "maps" / guide.map_file))


@cache
def _data_elements() -> dict[str, tuple[str, int, int]]:
    tree = ET.parse(_pyx12_map_dir() / "dataele.xml")
    out: dict[str, tuple[str, int, int]] = {}
    for de in tree.getroot().iter("data_ele"):
        out[de.attrib["ele_num"]] = (
            de.attrib["data_type"],
            int(de.attrib["min_len"]),
            int(de.attrib["max_len"]),
        )
    return out


@cache
def external_codes() -> dict[str, frozenset[str]]:
    """pyx12's external code lists (states, country, pos, ...), by id."""
    tree = ET.parse(_pyx12_map_dir() / "codes.xml")
    out: dict[str, frozenset[str]] = {}
    for cs in tree.getroot().iter("codeset"):
        cid = (cs.findtext("id") or "").strip()
        codes: set[str] = set()
        for version in cs.iter("version"):
            codes.update((c.text or "").strip() for c in version.iter("code"))
        out[cid] = frozenset(codes)
    return out


def _text(el: ET.Element, tag: str, default: str = "") -> str:
    found = el.find(tag)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _repeat(value: str) -> int:
    value = value.strip()
    if not value or value.startswith(">"):
        return 1 << 30
    return int(value)


def _ref(xid: str) -> str:
    """pyx12 ``CLM05-01`` -> ``CLM05-1`` (the form analysts write)."""
    if "-" in xid:
        head, tail = xid.split("-", 1)
        return f"{head}-{int(tail)}"
    return xid


def _codes(el: ET.Element) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """(codes to validate against, codes listed in the map itself)."""
    vc = el.find("valid_codes")
    if vc is None:
        return None, None
    external = vc.attrib.get("external")
    listed = frozenset((c.text or "").strip() for c in vc.iter("code")) or None
    if external:
        ext = external_codes().get(external)
        if ext is None:
            return None, listed
        return (listed or frozenset()) | ext, listed
    return listed, listed


def _element(el: ET.Element, default_ref: str) -> ElementSpec:
    data_ele = _text(el, "data_ele")
    dtype, min_len, max_len = _data_elements().get(data_ele, ("AN", 1, 999999))
    codes, listed = _codes(el)
    regex_text = _text(el, "regex")
    return ElementSpec(
        ref=_ref(el.attrib.get("xid") or default_ref),
        name=_text(el, "name"),
        data_ele=data_ele,
        usage=_text(el, "usage", "S"),
        seq=int(_text(el, "seq", "0")),
        dtype=dtype,
        min_len=min_len,
        max_len=max_len,
        codes=codes,
        regex=re.compile(regex_text) if regex_text else None,
        repeat=_repeat(_text(el, "repeat", "1")),
        key_codes=listed,
    )


def _segment(el: ET.Element) -> SegmentSpec:
    seg = SegmentSpec(
        xid=el.attrib["xid"],
        name=_text(el, "name"),
        usage=_text(el, "usage", "S"),
        pos=int(_text(el, "pos", "0")),
        max_use=_repeat(_text(el, "max_use", "1")),
    )
    elements: list[ElementSpec | CompositeSpec] = []
    for child in el:
        if child.tag == "element":
            elements.append(_element(child, f"{seg.xid}{int(_text(child, 'seq', '0')):02d}"))
        elif child.tag == "composite":
            cref = _ref(child.attrib.get("xid") or f"{seg.xid}{int(_text(child, 'seq', '0')):02d}")
            comps = tuple(
                _element(c, f"{cref}-{int(_text(c, 'seq', '0'))}")
                for c in child
                if c.tag == "element"
            )
            elements.append(
                CompositeSpec(
                    ref=cref,
                    name=_text(child, "name"),
                    data_ele=_text(child, "data_ele"),
                    usage=_text(child, "usage", "S"),
                    seq=int(_text(child, "seq", "0")),
                    elements=comps,
                    repeat=_repeat(_text(child, "repeat", "1")),
                )
            )
    elements.sort(key=lambda e: e.seq)
    seg.elements = tuple(elements)
    syntax: list[tuple[str, tuple[int, ...]]] = []
    for s in el.findall("syntax"):
        text = (s.text or "").strip()
        if len(text) >= 5:
            syntax.append((text[0], tuple(int(text[i : i + 2]) for i in range(1, len(text), 2))))
    seg.syntax = tuple(syntax)
    seg.syntax_bits = tuple(
        (kind, sum(1 << i for i in idxs), 1 << idxs[0], sum(1 << i for i in idxs[1:]))
        for kind, idxs in syntax
    )
    seg.syntax_positions = tuple(sorted({i for _, idxs in syntax for i in idxs}))
    seg.key = _key(seg)
    pairs: list[tuple[int, int]] = []
    for i, e in enumerate(elements):
        if isinstance(e, ElementSpec) and e.data_ele == "1250":
            for j in range(i + 1, len(elements)):
                f = elements[j]
                if isinstance(f, ElementSpec) and f.data_ele == "1251":
                    pairs.append((i + 1, j + 1))
                    break
    seg.date_pairs = tuple(pairs)
    return seg


def _key(seg: SegmentSpec) -> tuple[int, int, frozenset[str]] | None:
    """The qualifier that tells this segment from same-id siblings (as pyx12 does)."""
    els = seg.elements
    c0 = els[0] if els else None
    if isinstance(c0, ElementSpec) and c0.usage == "R" and c0.key_codes and _is_id(c0):
        return (1, -1, c0.key_codes)
    if seg.xid == "ENT" and len(els) > 1:
        c1 = els[1]
        if isinstance(c1, ElementSpec) and c1.key_codes and _is_id(c1):
            return (2, -1, c1.key_codes)
    if isinstance(c0, CompositeSpec) and c0.elements and c0.elements[0].key_codes:
        first = c0.elements[0]
        if _is_id(first) or seg.xid == "CTX":
            return (1, 0, first.key_codes or frozenset())
    if seg.xid == "HL" and len(els) > 2:
        c2 = els[2]
        if isinstance(c2, ElementSpec) and c2.key_codes:
            return (3, -1, c2.key_codes)
    return None


def _is_id(e: ElementSpec) -> bool:
    return _data_elements().get(e.data_ele, ("AN", 0, 0))[0] == "ID"


def _loop(el: ET.Element, ids: set[str]) -> LoopSpec:
    loop = LoopSpec(
        xid=el.attrib["xid"],
        name=_text(el, "name"),
        usage=_text(el, "usage", "S"),
        pos=int(_text(el, "pos", "0")),
        repeat=_repeat(_text(el, "repeat", "1")),
    )
    loop.is_table = el.attrib.get("type") == "wrapper"
    children: list[SegmentSpec | LoopSpec] = []
    for child in el:
        if child.tag == "segment":
            seg = _segment(child)
            seg.loop = loop
            seg.label = loop.xid if loop.xid[:1].isdigit() else None
            ids.add(seg.xid)
            children.append(seg)
        elif child.tag == "loop":
            sub = _loop(child, ids)
            sub.parent = loop
            children.append(sub)
    children.sort(key=lambda c: c.pos)  # stable: document order within a position
    for i, c in enumerate(children):
        c.index = i
    loop.children = children
    if children and isinstance(children[0], SegmentSpec):
        loop.first_seg = children[0]
        children[0].is_first = True
    # A wrapper (a table such as DETAIL) counts as required when it holds a required loop,
    # even if the map marks the wrapper itself situational: pyx12 looks inside it.
    loop.required_children = tuple(i for i, c in enumerate(children) if _required(c))
    req_from = [len(children)] * (len(children) + 1)
    for i in range(len(children) - 1, -1, -1):
        req_from[i] = i if _required(children[i]) else req_from[i + 1]
    loop.req_from = tuple(req_from)
    starts: list[int] = []
    for i, c in enumerate(children):
        starts.append(starts[-1] if i and children[i - 1].pos == c.pos else i)
    loop.start_of = tuple(starts)
    return loop


def _required(node: SegmentSpec | LoopSpec) -> bool:
    if node.usage == "R":
        return True
    if isinstance(node, LoopSpec) and node.first_seg is None:
        return any(_required(c) for c in node.children if isinstance(c, LoopSpec))
    return False


def required_loops_of_wrapper(node: LoopSpec) -> list[LoopSpec]:
    """The required loops a wrapper stands for (DETAIL -> 2000A)."""
    out: list[LoopSpec] = []
    for c in node.children:
        if isinstance(c, LoopSpec):
            if c.first_seg is None:
                out.extend(required_loops_of_wrapper(c))
            elif c.usage == "R":
                out.append(c)
    return out


_lock = threading.Lock()


@cache
def _load(key: str) -> TransactionMap:
    guide = next(g for g in GUIDES if g.key == key)
    tree = ET.parse(_map_path(guide))
    st_loop = next(
        (e for e in tree.getroot().iter("loop") if e.attrib.get("xid") == "ST_LOOP"), None
    )
    if st_loop is None:
        raise ValueError(f"{guide.map_file} has no ST_LOOP")
    ids: set[str] = set()
    root = _loop(st_loop, ids)
    return TransactionMap(guide, root, frozenset(ids))


@cache
def known_segment_ids() -> frozenset[str]:
    """Segment ids of every supported guide: an id outside this set is unrecognized."""
    ids: set[str] = {"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"}
    for g in GUIDES:
        ids |= load_map(g).segment_ids
    return frozenset(ids)


def load_map(guide: GuideInfo | str) -> TransactionMap:
    """The compiled map for a guide (compiled on first use, then cached)."""
    key = guide if isinstance(guide, str) else guide.key
    with _lock:
        return _load(key)
