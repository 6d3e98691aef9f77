"""Build test files by editing one segment of a valid sample.

A file is handled as a list of segment strings without terminators (``"CLM*PCN1*25***11:B:1"``),
with the separators of the samples: ``*`` element, ``:`` component, ``^`` repetition, ``~``
terminator. ``dump`` writes one segment per line and recomputes every SE01, so an edit changes
exactly the one thing a test is about (pass ``fix_se=False`` to keep SE01 as it is).

Segments are found by a *selector*: a segment id (``"CLM"``) or an id with its leading
elements or components (``"NM1*IL"``, ``"REF*0F"``, ``"HI*ABK"``), plus ``nth`` (1 = first
match in the file). The ``line`` of a segment is its ordinal in the file, ISA = 1, as in
``Finding.line``.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "sample_edi"
BASES = {
    "837P": "837p/837p_valid_basic.x12",
    "837I": "837i/837i_valid_basic.x12",
    "837D": "837d/837d_valid_subscriber_patient.x12",
    "834": "834/834_valid_basic.x12",
    "835": "835/835_valid_basic.x12",
}
ELE, COMP, REP, TERM = "*", ":", "^", "~"

Segs = list[str]


def load(name: str | Path) -> Segs:
    """A sample as segments: ``"837P"`` (a key of BASES), a path under sample_edi/ or any path."""
    if isinstance(name, str) and name in BASES:
        path = SAMPLES / BASES[name]
    else:
        path = Path(name)
        if not path.is_absolute() and not path.exists():
            path = SAMPLES / path
    text = path.read_bytes().decode("latin-1")
    return [s.strip("\r\n") for s in text.split(TERM) if s.strip()]


def dump(segs: Segs, *, fix_se: bool = True, sep: str = "\n") -> bytes:
    """The file as bytes, one segment per line, each SE01 recomputed (ST..SE inclusive)."""
    out = list(segs)
    if fix_se:
        start = None
        for i, seg in enumerate(out):
            sid = seg_id(seg)
            if sid == "ST":
                start = i
            elif sid == "SE" and start is not None:
                els = seg.split(ELE)
                while len(els) < 2:
                    els.append("")
                els[1] = str(i - start + 1)
                out[i] = ELE.join(els)
                start = None
    return "".join(s + TERM + sep for s in out).encode("latin-1")


def seg_id(seg: str) -> str:
    return seg.split(ELE, 1)[0]


def _matches(seg: str, selector: str) -> bool:
    """``"HI*ABK"`` matches ``HI*ABK:J069*...``: the selector ends at an element or component."""
    return seg == selector or seg.startswith((selector + ELE, selector + COMP))


def find(segs: Segs, selector: str, nth: int = 1, after: int = -1) -> int:
    """Index (0-based) of the nth segment matching ``selector``, after index ``after``."""
    seen = 0
    for i in range(after + 1, len(segs)):
        if _matches(segs[i], selector):
            seen += 1
            if seen == nth:
                return i
    raise LookupError(f"no segment #{nth} matching {selector!r}")


def line_of(segs: Segs, selector: str, nth: int = 1, after: int = -1) -> int:
    """The segment's ordinal in the file (ISA = 1), as in ``Finding.line``."""
    return find(segs, selector, nth, after) + 1


def offset_of(segs: Segs, index: int, sep: str = "\n") -> int:
    """Byte offset of segment ``index`` in ``dump(segs, sep=sep)``."""
    return sum(len(s.encode("latin-1")) + 1 + len(sep) for s in segs[:index])


def _index(segs: Segs, where: int | str, nth: int) -> int:
    return where if isinstance(where, int) else find(segs, where, nth)


def replace_segment(segs: Segs, where: int | str, text: str, nth: int = 1) -> Segs:
    """A copy with the segment at index ``where`` (or the nth ``where`` selector) replaced."""
    i = _index(segs, where, nth)
    return [*segs[:i], text, *segs[i + 1 :]]


def insert_segment(
    segs: Segs, where: int | str, text: str, nth: int = 1, *, before: bool = False
) -> Segs:
    """A copy with ``text`` inserted after (or before) the segment at ``where``."""
    i = _index(segs, where, nth) + (0 if before else 1)
    return [*segs[:i], text, *segs[i:]]


def delete_segment(segs: Segs, where: int | str, nth: int = 1) -> Segs:
    i = _index(segs, where, nth)
    return [*segs[:i], *segs[i + 1 :]]


def get_element(segs: Segs, where: int | str, nth: int, ref: str | int) -> str:
    """Element ``"05"`` / ``5``, component ``"05-3"`` of a segment ('' when absent)."""
    els = segs[_index(segs, where, nth)].split(ELE)
    pos, comp = _parse_ref(ref)
    value = els[pos] if pos < len(els) else ""
    if comp is None:
        return value
    parts = value.split(COMP)
    return parts[comp - 1] if comp <= len(parts) else ""


def set_element(segs: Segs, where: int | str, nth: int, ref: str | int, value: str) -> Segs:
    """A copy with element ``ref`` (``5``, ``"05"``, ``"05-3"``) of one segment set to ``value``.

    The segment is padded with empty elements/components as needed; trailing empty elements
    and components are dropped, as X12 requires, so setting the last one to ``""`` removes it.
    """
    i = _index(segs, where, nth)
    els = segs[i].split(ELE)
    pos, comp = _parse_ref(ref)
    while len(els) <= pos:
        els.append("")
    if comp is None:
        els[pos] = value
    else:
        parts = els[pos].split(COMP)
        while len(parts) < comp:
            parts.append("")
        parts[comp - 1] = value
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        els[pos] = COMP.join(parts)
    while len(els) > 1 and els[-1] == "":
        els.pop()
    return [*segs[:i], ELE.join(els), *segs[i + 1 :]]


def _parse_ref(ref: str | int) -> tuple[int, int | None]:
    if isinstance(ref, int):
        return ref, None
    head, _, tail = ref.partition("-")
    return int(head), (int(tail) if tail else None)
