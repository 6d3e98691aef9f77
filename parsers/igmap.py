"""Implementation-guide structure compiled from pyx12's map XML files.

The loop/segment/element definitions of the 005010 guides are read from the map files
shipped inside the installed ``pyx12`` package (``pyx12/map/*.xml``), plus our own
``837.5010.X224.A2.xml`` (837D), which pyx12 does not have. Each map is compiled once per
process into the plain slotted objects of ``parsers.igspec`` with precomputed look-up
tables, so the validator does dictionary look-ups instead of tree walks.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from functools import cache
from importlib import resources
from pathlib import Path

from .igspec import (
    GUIDES,
    KIND_BINARY,
    KIND_DATE,
    KIND_NUM,
    KIND_REAL,
    KIND_TEXT,
    KIND_TIME,
    CompositeSpec,
    ElementSpec,
    Entry,
    GuideInfo,
    LoopSpec,
    SegmentSpec,
    TransactionMap,
    guide_for,
)

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
    "external_codes",
    "guide_for",
    "known_segment_ids",
    "load_map",
    "required_loops_of_wrapper",
]

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
