"""Turning a stored finding into plain English: the rule behind it, the value expected,
the names of the segment and element, and the offending segment read from the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from parsers.tokenizer import Delimiters, read_delimiters, tokenize

from .model import SegmentExcerpt

if TYPE_CHECKING:  # loaded when a report needs them, not when the CLI starts
    from mappings.guides import Guide, Rule
    from parsers.igmap import LoopSpec, SegmentSpec

__all__ = [
    "FileScan",
    "SetSpan",
    "element_positions",
    "excerpt",
    "expected_for",
    "guide_info",
    "map_names",
    "message_template",
    "rule_info",
    "scan_file",
    "segment_excerpt",
]

_BOM = b"\xef\xbb\xbf"
_SNIFF = 4096
_WS = b" \t\r\n"

# --- element positions -----------------------------------------------------------------------

_POSITION = re.compile(r"(\d{2})(?:-(\d{1,2}))?")


def element_positions(segment_id: str | None, element: str | None) -> tuple[int | None, int | None]:
    """``("CLM", "CLM05-3")`` -> ``(5, 3)``; ``("SV1", "SV102")`` -> ``(2, None)``."""
    if not element:
        return None, None
    rest = element
    if segment_id and element.startswith(segment_id):
        rest = element[len(segment_id) :]
    else:
        m = re.match(r"[A-Z][A-Z0-9]{1,2}?(?=\d{2}(?:-\d{1,2})?$)", element)
        if m:
            rest = element[m.end() :]
    m = _POSITION.fullmatch(rest)
    if m is None:
        return None, None
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None


# --- the offending segment -------------------------------------------------------------------


def excerpt(
    text: str,
    line: int,
    delims: Delimiters,
    element: int | None,
    component: int | None,
    whole: bool = False,
) -> SegmentExcerpt:
    """The segment split around element ``element`` (component ``component``); ``whole``
    marks the whole segment (a segment-level problem)."""
    if element is None or element < 1:
        if whole:
            return SegmentExcerpt(line, text, "", text, "")
        return SegmentExcerpt(line, text, text, "", "")
    ele = delims.element
    parts = text.split(ele)
    if element >= len(parts):
        return SegmentExcerpt(line, text, text, "", "", element, component, missing=True)
    before = ele.join(parts[:element]) + ele
    after = (ele + ele.join(parts[element + 1 :])) if element + 1 < len(parts) else ""
    value = parts[element]
    if component is not None and component >= 1 and delims.component:
        comps = value.split(delims.component)
        if component > len(comps):
            return SegmentExcerpt(
                line, text, before + value, "", after, element, component, missing=True
            )
        sep = delims.component
        before += sep.join(comps[: component - 1]) + (sep if component > 1 else "")
        after = ((sep + sep.join(comps[component:])) if component < len(comps) else "") + after
        value = comps[component - 1]
    return SegmentExcerpt(line, text, before, value, after, element, component, missing=value == "")


def segment_excerpt(
    scan: FileScan | None,
    line: int | None,
    segment_id: str | None,
    element: str | None,
    level: str | None,
    code: str | None,
) -> SegmentExcerpt | None:
    """The segment a finding points at, its bad element marked (the whole segment for a
    segment-level problem), from a scan of the file; None when the scan does not have it."""
    text = scan.segments.get(line) if scan is not None and line else None
    if scan is None or text is None or scan.delims is None or line is None:
        return None
    position, component = element_positions(segment_id, element)
    whole = level == "segment" and position is None and code not in ("3", "I6", "I7", "I8")
    return excerpt(text, line, scan.delims, position, component, whole)


@dataclass(slots=True)
class SetSpan:
    """Where a transaction set sits in the file, and what its claims add up to."""

    ordinal: int
    st_line: int
    st_control_number: str
    end_line: int | None = None
    claims: int = 0
    amount: Decimal = Decimal(0)
    st01: str = ""
    #: with ``scan_file(..., claim_ids=True)``: each claim's CLM01 and the billing NPI
    #: (2010AA NM109) it was sent under, in file order
    claim_ids: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class FileScan:
    delims: Delimiters | None
    segments: dict[int, str] = field(default_factory=dict)
    sets: list[SetSpan] = field(default_factory=list)

    def set_for_line(self, line: int) -> int | None:
        for span in self.sets:
            if span.st_line <= line and (span.end_line is None or line <= span.end_line):
                return span.ordinal
        return None


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def scan_file(
    path: Path, wanted: set[int], *, segments_only: bool = False, claim_ids: bool = False
) -> FileScan:
    """One pass over the original bytes, read as the validator reads them (the first ISA's
    delimiters, segment ordinals from 1): the segments at the ``wanted`` lines, and where
    each transaction set starts and ends with the sum of its claims' CLM02. With
    ``segments_only`` the read stops at the last wanted line (one work item's segments
    near the start of a large file are found without reading all of it). With
    ``claim_ids`` each set's claims are listed (CLM01, billing NPI)."""
    last = max(wanted, default=0) if segments_only else None
    with open(path, "rb") as stream:
        head = stream.read(_SNIFF)
        if head.startswith(_BOM):
            head = head[3:]
        head = head.lstrip(_WS)
        while len(head) < 200:
            more = stream.read(_SNIFF)
            if not more:
                break
            head += more
        delims, _ = read_delimiters(head[:_SNIFF].decode("latin-1"))
        scan = FileScan(delims)
        if delims is None:
            return scan
        ele = delims.element
        current: SetSpan | None = None
        billing: str | None = None
        for batch in tokenize(stream, delims, prefix=head):
            first = batch.first_ordinal
            if last is not None and first > last:
                break
            for i, elems in enumerate(batch.segments):
                line = first + i
                sid = elems[0]
                if line in wanted:
                    scan.segments[line] = ele.join(elems).rstrip("\r\n")
                if sid == "ST":
                    current = SetSpan(len(scan.sets) + 1, line, elems[2] if len(elems) > 2 else "")
                    current.st01 = elems[1] if len(elems) > 1 else ""
                    scan.sets.append(current)
                    billing = None
                elif current is not None:
                    if sid == "CLM":
                        current.claims += 1
                        current.amount += _amount(elems[2] if len(elems) > 2 else "")
                        if claim_ids:
                            current.claim_ids.append((elems[1] if len(elems) > 1 else "", billing))
                    elif sid == "NM1" and len(elems) > 1 and elems[1] == "85":
                        billing = elems[9] if len(elems) > 9 else None
                    elif sid == "SE":
                        current.end_line = line
                        current = None
    return scan


# --- guides and rules ------------------------------------------------------------------------


def guide_info(name: str | None) -> Guide | None:
    """The companion guide by name (loaded once per file version by ``load_guide``), or
    None when it is not installed (any more)."""
    from mappings.guides import GuideError, load_guide

    if not name:
        return None
    try:
        return load_guide(name)
    except GuideError:
        return None


def rule_info(guide: Guide | None, rule_id: str | None) -> Rule | None:
    """The rule ``rule_id`` of a loaded guide, or None."""
    if guide is None or not rule_id:
        return None
    return next((r for r in guide.rules if r.id == rule_id), None)


def _template_regex(template: str) -> re.Pattern[str] | None:
    """A regex that reads a rule's words back out of the message it produced."""
    out = []
    pos = 0
    names: set[str] = set()
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(re.escape(template[pos : m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in names else f"(?P<{name}>.*?)")
        names.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error:
        return None


def _words(rule: Rule, message: str) -> dict[str, str]:
    rx = _template_regex(rule.message)
    m = rx.fullmatch(message) if rx is not None else None
    return m.groupdict() if m else {}


_FORMATS = {
    "npi": "a valid 10-digit NPI (with its check digit)",
    "icd10cm": "an ICD-10-CM diagnosis code",
    "icd10pcs": "an ICD-10-PCS procedure code",
    "hcpcs": "a HCPCS code",
    "cpt": "a CPT code",
    "cdt": "a CDT dental procedure code",
    "hcpcs_or_cpt": "a HCPCS or CPT code",
    "taxonomy": "a 10-character provider taxonomy code",
    "zip": "a 5 or 9 digit ZIP code",
    "cin": "a Medi-Cal CIN (8 digits and a letter, e.g. 91234567A)",
    "state": "a two-letter state code",
}


def _expected_for_rule(rule: Rule, message: str) -> str | None:
    words = _words(rule, message)
    if words.get("expected"):
        return words["expected"]
    params = rule.params
    kind = rule.kind
    if kind == "sum_equals":
        parts = params.get("parts") or []
        parts = parts if isinstance(parts, list) else [parts]
        total = words.get("sum")
        what = "the sum of " + ", ".join(str(p) for p in parts)
        if params.get("minus"):
            minus = params["minus"] if isinstance(params["minus"], list) else [params["minus"]]
            what += " minus " + ", ".join(str(p) for p in minus)
        return f"{total} ({what})" if total else what
    if kind == "date_window":
        conditions = []
        if params.get("not_after_receipt"):
            receipt = words.get("receipt")
            conditions.append(
                "on or before the date received" + (f" ({receipt})" if receipt else "")
            )
        if params.get("max_days_before_receipt") is not None:
            days = params["max_days_before_receipt"]
            conditions.append(f"no more than {days} days before the date received")
        if params.get("not_before"):
            conditions.append(f"on or after {params['not_before']}")
        if params.get("not_before_field"):
            conditions.append(f"not before {params['not_before_field']}")
        if params.get("not_after_field"):
            conditions.append(f"not after {params['not_after_field']}")
        return "a date " + "; ".join(conditions) if conditions else None
    if kind == "allowed_values":
        return "one of: " + ", ".join(sorted(str(v) for v in params.get("values", [])))
    if kind == "pattern":
        return str(params.get("describe", params.get("regex")))
    if kind == "length":
        return f"{params.get('min', 0)}-{params.get('max', 'any')} characters"
    if kind == "required":
        return f"a value in {params.get('field')}"
    if kind == "forbidden":
        return "no value: leave this field blank"
    if kind == "code_set":
        name = words.get("set") or params.get("set")
        return f"a code from the {name} code set"
    if kind == "format":
        return _FORMATS.get(str(params.get("check")), f"a valid {params.get('check')}")
    if kind == "unique":
        return "a value not used before"
    if kind in ("count_max", "max_units"):
        return f"at most {params.get('max')}"
    if kind == "eligible":
        return "a member eligible on the date of service"
    if kind == "equals":
        return f"the same value as {params.get('other')}"
    if kind == "distinct":
        return "each value once"
    return None


# --- the implementation guide's names and code lists ----------------------------------------


@cache
def _segment_specs(transaction: str) -> dict[tuple[str | None, str], list[SegmentSpec]]:
    from parsers import load_map
    from parsers.igmap import LoopSpec

    out: dict[tuple[str | None, str], list[SegmentSpec]] = {}

    def walk(loop: LoopSpec) -> None:
        for child in loop.children:
            if isinstance(child, LoopSpec):
                walk(child)
            else:
                out.setdefault((child.label, child.xid), []).append(child)
                out.setdefault((None, child.xid), []).append(child)

    walk(load_map(transaction).root)
    return out


@dataclass(frozen=True, slots=True)
class MapNames:
    segment_name: str | None = None
    element_name: str | None = None
    codes: frozenset[str] | None = None
    min_len: int | None = None
    max_len: int | None = None


def map_names(
    transaction: str | None,
    loop: str | None,
    segment_id: str | None,
    segment_text: str | None,
    delims: Delimiters | None,
    element: int | None,
    component: int | None,
) -> MapNames:
    """The implementation guide's names for the segment and element, with the element's
    code list and lengths (best effort: empty when the map cannot place it)."""
    if transaction not in ("837P", "837I", "837D", "834", "835") or not segment_id:
        return MapNames()
    try:
        specs = _segment_specs(transaction)
    except Exception:  # a map that cannot load: explain without names
        return MapNames()
    candidates = specs.get((loop, segment_id)) or specs.get((None, segment_id)) or []
    if not candidates:
        return MapNames()
    spec = candidates[0]
    if len(candidates) > 1 and segment_text is not None and delims is not None:
        elems = segment_text.split(delims.element)
        spec = next(
            (c for c in candidates if c.matches(elems, delims.component, delims.repetition)),
            spec,
        )
    if element is None or element < 1 or element > len(spec.elements):
        return MapNames(segment_name=spec.name)
    el = spec.elements[element - 1]
    if hasattr(el, "elements"):  # a composite
        if component is None:
            return MapNames(spec.name, el.name)
        if component < 1 or component > len(el.elements):
            return MapNames(spec.name, el.name)
        el = el.elements[component - 1]
    return MapNames(spec.name, el.name, el.codes, el.min_len, el.max_len)


def expected_for(
    level: str,
    code: str,
    message: str,
    rule: Rule | None,
    names: MapNames,
    segment_id: str | None,
) -> str | None:
    """The value or format expected, where the finding (its rule, or the guide's element
    definition) says."""
    if rule is not None:
        return _expected_for_rule(rule, message)
    if level == "element":
        if code in ("7", "I6") and names.codes:
            codes = sorted(names.codes)
            if len(codes) <= 15:
                return "one of: " + ", ".join(codes)
            return f"a code from the guide's list for this field ({len(codes)} codes)"
        if code in ("4", "5") and names.max_len:
            return f"{names.min_len or 1}-{names.max_len} characters"
        if code == "8":
            return "a date as CCYYMMDD"
        if code == "9":
            return "a time as HHMM or HHMMSS"
        if code == "6":
            if "whole number" in message:
                return "a whole number (digits only)"
            if "decimal number" in message:
                return "a decimal number such as 125.50"
            return "letters, digits and basic punctuation only"
        if code in ("1", "2", "I9"):
            return "a value"
        if code in ("I10", "I13"):
            return "no value: leave this field blank"
        if code == "I12":
            m = re.search(r"pattern (.+)$", message)
            return m.group(1) if m else None
    if level == "segment" and code in ("3", "I6", "I7", "I8") and segment_id:
        return f"a {segment_id} segment here"
    return None


# --- grouping --------------------------------------------------------------------------------

_QUOTED = re.compile(r"'[^']*'")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w-]|\.\d)")
_SENTENCE_END = re.compile(r"(?<=[^.\s])\.(?:\s|$)")


def message_template(message: str, *values: str | None) -> str:
    """The message with its particulars (values, ids, numbers, dates) replaced by ``…``, so
    that the same problem on different claims counts as one kind."""
    text = message
    for v in sorted({v for v in values if v}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(v)}(?![\w-])", "…", text)
    text = _QUOTED.sub("'…'", text)
    text = _DATE.sub("…", text)
    return _NUMBER.sub("…", text)


def first_sentence(text: str) -> str:
    """A short label: the text up to its first full stop."""
    m = _SENTENCE_END.search(text)
    return text[: m.start()] if m else text
