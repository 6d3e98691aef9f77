"""Element-level checks (SNIP 1 syntax and SNIP 2 code values) for one segment.

``check_segment`` returns a list of :class:`ElementProblem`; an empty list is the common
case, so everything here is arranged to make a valid element cost as little as possible:
code-list elements are a set look-up, other values are cached per element definition once
they have been found valid.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .igmap import (
    KIND_DATE,
    KIND_NUM,
    KIND_REAL,
    KIND_TEXT,
    KIND_TIME,
    CompositeSpec,
    ElementSpec,
    SegmentSpec,
)

__all__ = ["ElementProblem", "check_segment", "is_valid_date", "is_valid_time"]

_REAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_CACHE_LIMIT = 2048
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class ElementProblem(NamedTuple):
    code: str  # IK403
    ref: str  # CLM05-3
    position: int  # element position (1-based)
    component: int | None
    repetition: int | None
    value: str | None
    message: str
    data_element: str
    snip_level: int


def is_valid_date(value: str) -> bool:
    """CCYYMMDD (or YYMMDD) that exists on the calendar."""
    n = len(value)
    if n not in (6, 8) or not (value.isdigit() and value.isascii()):
        return False
    if n == 6:
        value = ("20" if int(value[:2]) < 50 else "19") + value
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:8])
    if not 1 <= month <= 12 or day < 1 or day > _DAYS[month - 1]:
        return False
    return not (
        month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
    )


def is_valid_time(value: str) -> bool:
    """HHMM, HHMMSS or HHMMSSd..d on a 24-hour clock."""
    n = len(value)
    if n < 4 or n > 8 or n == 5 or not (value.isdigit() and value.isascii()):
        return False
    if int(value[:2]) > 23 or int(value[2:4]) > 59:
        return False
    return not (n >= 6 and int(value[4:6]) > 59)


_PERIODS_OK: set[tuple[str, str]] = set()


def _period_ok(fmt: str, value: str) -> bool:
    ok = _period_check(fmt, value)
    if ok:
        if len(_PERIODS_OK) > 8 * _CACHE_LIMIT:
            _PERIODS_OK.clear()
        _PERIODS_OK.add((fmt, value))
    return ok


def _period_check(fmt: str, value: str) -> bool:
    if fmt == "D8":
        return len(value) == 8 and is_valid_date(value)
    if fmt == "RD8":
        start, sep, end = value.partition("-")
        return (
            bool(sep)
            and len(start) == 8
            and len(end) == 8
            and is_valid_date(start)
            and is_valid_date(end)
            and start <= end
        )
    if fmt == "DT":
        return len(value) == 12 and is_valid_date(value[:8]) and is_valid_time(value[8:])
    if fmt == "D6":
        return len(value) == 6 and is_valid_date(value)
    if fmt == "TM":
        return is_valid_time(value)
    return True


def _value_problems(spec: ElementSpec, value: str) -> list[tuple[str, str]]:
    """(IK403 code, message) for one non-empty value of a simple element."""
    out: list[tuple[str, str]] = []
    kind = spec.kind
    name = f'{spec.ref} "{spec.name}"'
    if kind in (KIND_NUM, KIND_REAL):
        digits = len(value.replace("-", "").replace(".", ""))
    else:
        digits = len(value)
    if digits < spec.min_len:
        out.append(
            ("4", f"{name} is too short: {digits} characters, at least {spec.min_len} required")
        )
    elif digits > spec.max_len:
        out.append(
            ("5", f"{name} is too long: {digits} characters, at most {spec.max_len} allowed")
        )
    if not (value.isascii() and value.isprintable()):
        bad = next(i for i, c in enumerate(value) if not (" " <= c <= "~"))
        raw = value.encode("latin-1")
        shown = raw.decode("utf-8", "replace")
        out.append(
            (
                "6",
                f"{name} contains a character outside the X12 character set at "
                f"character {bad + 1} (byte {raw[bad]:02X}); value as sent: {shown!r}. "
                "Use plain letters (e.g. N for Ñ) and no control characters",
            )
        )
        return out
    if kind == KIND_TEXT:
        if value[-1] == " " and len(value.rstrip()) >= spec.min_len:
            out.append(("6", f"{name} has trailing spaces"))
    elif kind == KIND_NUM:
        body = value[1:] if value[0] == "-" else value
        if not body.isdigit():
            out.append(("6", f"{name} must be a whole number (digits only, no decimal point)"))
    elif kind == KIND_REAL:
        if not _REAL.fullmatch(value):
            out.append(("6", f"{name} must be a decimal number"))
    elif kind == KIND_DATE:
        if not is_valid_date(value):
            out.append(("8", f"{name} is not a valid date (CCYYMMDD)"))
    elif kind == KIND_TIME and not is_valid_time(value):
        out.append(("9", f"{name} is not a valid time (HHMM[SS])"))
    codes = spec.codes
    if codes is not None and value not in codes:
        out.append(("7", f"{name}: {value!r} is not a valid code here"))
    if spec.regex is not None and not spec.regex.search(value):
        out.append(("7", f"{name} does not match the required pattern {spec.regex.pattern}"))
    return out


def _check_simple(
    spec: ElementSpec,
    value: str,
    pos: int,
    comp: int | None,
    rep_sep: str,
    out: list[ElementProblem],
) -> None:
    if spec.usage == "N":
        out.append(
            ElementProblem(
                "I10",
                spec.ref,
                pos,
                comp,
                None,
                value,
                f'{spec.ref} "{spec.name}" is not used in this guide and must be empty',
                spec.data_ele,
                2,
            )
        )
        return
    values = [value]
    if rep_sep and rep_sep in value:
        values = value.split(rep_sep)
        if len(values) > spec.repeat:
            out.append(
                ElementProblem(
                    "12",
                    spec.ref,
                    pos,
                    comp,
                    None,
                    value,
                    f'{spec.ref} "{spec.name}" repeats {len(values)} times; '
                    f"at most {spec.repeat} allowed",
                    spec.data_ele,
                    1,
                )
            )
            return
    for r, v in enumerate(values, 1):
        if not v:
            continue
        for code, message in _value_problems(spec, v):
            level = 2 if code in ("7", "I10") else 1
            out.append(
                ElementProblem(
                    code,
                    spec.ref,
                    pos,
                    comp,
                    r if len(values) > 1 else None,
                    v,
                    message,
                    spec.data_ele,
                    level,
                )
            )


def _missing(spec: ElementSpec | CompositeSpec, pos: int, comp: int | None) -> ElementProblem:
    return ElementProblem(
        "1",
        spec.ref,
        pos,
        comp,
        None,
        None,
        f'Required element {spec.ref} "{spec.name}" is missing',
        spec.data_ele,
        1 if comp is None else 2,
    )


def _syntax_problem(
    kind: str, idxs: tuple[int, ...], elems: list[str], n: int
) -> tuple[str, int, str] | None:
    """(IK403 code, element position to report, message) when a syntax note fails."""
    present = [i <= n and elems[i] != "" for i in idxs]
    absent = [i for i, p in zip(idxs, present, strict=True) if not p]
    if kind == "P" and any(present) and absent:
        return "2", absent[0], "if any of {} is present, all are required"
    if kind == "R" and not any(present):
        return "2", idxs[0], "at least one of {} is required"
    if kind == "E" and sum(present) > 1:
        second = [i for i, p in zip(idxs, present, strict=True) if p][1]
        return "10", second, "only one of {} may be present"
    if kind == "C" and present[0] and absent:
        return "2", absent[0], "when the first of {} is present, the others are required"
    if kind == "L" and present[0] and not any(present[1:]):
        return "2", idxs[1], "when the first of {} is present, at least one other is required"
    return None


def _syntax_clear(seg: SegmentSpec, elems: list[str]) -> bool:
    """Whether every P/R/C/E/L syntax note of the segment holds (bit-mask fast path)."""
    n = len(elems)
    mask = 0
    for p in seg.syntax_positions:
        if p < n and elems[p]:
            mask |= 1 << p
    for kind, bits, first, rest in seg.syntax_bits:
        got = mask & bits
        if kind == "P":
            if got and got != bits:
                return False
        elif kind == "R":
            if not got:
                return False
        elif kind == "E":
            if got & (got - 1):
                return False
        elif mask & first and (mask & rest != rest if kind == "C" else not mask & rest):
            return False
    return True


def _syntax_problems(seg: SegmentSpec, elems: list[str], out: list[ElementProblem]) -> None:
    specs = seg.elements
    nspecs = len(specs)
    for kind, idxs in seg.syntax:
        problem = _syntax_problem(kind, idxs, elems, len(elems) - 1)
        if problem is not None:
            code, target, text = problem
            names = ", ".join(f"{seg.xid}{i:02d}" for i in idxs)
            spec_at = specs[target - 1] if target - 1 < nspecs else None
            out.append(
                ElementProblem(
                    code,
                    f"{seg.xid}{target:02d}",
                    target,
                    None,
                    None,
                    elems[target] if target < len(elems) and elems[target] else None,
                    f"Syntax rule {kind}{''.join(f'{i:02d}' for i in idxs)}: " + text.format(names),
                    spec_at.data_ele if spec_at is not None else "",
                    1,
                )
            )


def check_segment(
    seg: SegmentSpec, elems: list[str], comp_sep: str, rep_sep: str
) -> list[ElementProblem]:
    """All element problems of one data segment against its segment definition.

    Fast path: a value already known valid at that position (a code-list value, or one
    seen before) costs one set look-up.
    """
    specs = seg.elements
    n = len(elems) - 1
    nspecs = len(specs)
    out: list[ElementProblem] = []
    if n > nspecs:
        pos = nspecs + 1
        out.append(
            ElementProblem(
                "3",
                f"{seg.xid}{pos:02d}",
                pos,
                None,
                None,
                elems[pos],
                f"{seg.xid} has {n} elements; at most {nspecs} are defined",
                "",
                1,
            )
        )
        n = nspecs
    for i in range(n):
        value = elems[i + 1]
        spec = specs[i]
        if not value:
            if spec.required:
                out.append(_missing(spec, i + 1, None))
            continue
        if value in spec.ok:
            continue
        before = len(out)
        if isinstance(spec, ElementSpec):
            if comp_sep and comp_sep in value and spec.usage != "N":
                out.append(
                    ElementProblem(
                        "6",
                        spec.ref,
                        i + 1,
                        None,
                        None,
                        value,
                        f'{spec.ref} "{spec.name}" is a simple element but '
                        "contains the component separator",
                        spec.data_ele,
                        1,
                    )
                )
            else:
                _check_simple(spec, value, i + 1, None, rep_sep, out)
        else:
            _check_composite(spec, value, i + 1, comp_sep, rep_sep, out)
        if len(out) == before:
            ok = spec.ok
            if len(ok) > _CACHE_LIMIT:
                ok.clear()
                if isinstance(spec, ElementSpec) and spec.codes:
                    ok.update(spec.codes)
            ok.add(value)
    for i in range(n, nspecs):
        spec = specs[i]
        if spec.required:
            out.append(_missing(spec, i + 1, None))
    if seg.syntax and not _syntax_clear(seg, elems):
        _syntax_problems(seg, elems, out)
    for qual_pos, value_pos in seg.date_pairs:
        fmt = elems[qual_pos] if qual_pos < len(elems) else ""
        if not fmt:  # no format sent: check against the only format the guide allows
            qual = specs[qual_pos - 1]
            if isinstance(qual, ElementSpec) and qual.codes is not None and len(qual.codes) == 1:
                fmt = next(iter(qual.codes))
        value = elems[value_pos] if value_pos < len(elems) else ""
        if fmt and value and (fmt, value) not in _PERIODS_OK and not _period_ok(fmt, value):
            spec = specs[value_pos - 1]
            code = "9" if fmt == "TM" or (fmt == "DT" and is_valid_date(value[:8])) else "8"
            expected = {
                "RD8": "CCYYMMDD-CCYYMMDD",
                "TM": "HHMM[SS]",
                "DT": "CCYYMMDDHHMM",
                "D6": "YYMMDD",
            }.get(fmt, "CCYYMMDD")
            kind = "time" if code == "9" else "date"
            out.append(
                ElementProblem(
                    code,
                    spec.ref,
                    value_pos,
                    None,
                    None,
                    value,
                    f"{spec.ref} {value!r} is not a valid {fmt} {kind} ({expected})",
                    spec.data_ele,
                    1,
                )
            )
    return out


def _check_composite(
    spec: CompositeSpec,
    value: str,
    pos: int,
    comp_sep: str,
    rep_sep: str,
    out: list[ElementProblem],
) -> None:
    if spec.usage == "N":
        out.append(
            ElementProblem(
                "I10",
                spec.ref,
                pos,
                None,
                None,
                value,
                f'{spec.ref} "{spec.name}" is not used in this guide',
                spec.data_ele,
                2,
            )
        )
        return
    reps = value.split(rep_sep) if rep_sep and rep_sep in value else [value]
    if len(reps) > spec.repeat:
        out.append(
            ElementProblem(
                "12",
                spec.ref,
                pos,
                None,
                None,
                value,
                f'{spec.ref} "{spec.name}" repeats {len(reps)} times; '
                f"at most {spec.repeat} allowed",
                spec.data_ele,
                1,
            )
        )
        reps = reps[: spec.repeat]
    multi = len(reps) > 1
    for r, rep in enumerate(reps, 1):
        parts = rep.split(comp_sep) if comp_sep else [rep]
        comps = spec.elements
        if len(parts) > len(comps):
            out.append(
                ElementProblem(
                    "13",
                    spec.ref,
                    pos,
                    len(comps) + 1,
                    r if multi else None,
                    rep,
                    f'{spec.ref} "{spec.name}" has {len(parts)} '
                    f"components; at most {len(comps)} are defined",
                    spec.data_ele,
                    1,
                )
            )
        for j, cspec in enumerate(comps):
            cv = parts[j] if j < len(parts) else ""
            if not cv:
                if cspec.required:
                    problem = _missing(cspec, pos, j + 1)
                    out.append(problem._replace(repetition=r) if multi else problem)
                continue
            if cv in cspec.ok:
                continue
            before = len(out)
            _check_simple(cspec, cv, pos, j + 1, "", out)
            if len(out) == before:
                if len(cspec.ok) > _CACHE_LIMIT:
                    cspec.ok.clear()
                    cspec.ok.update(cspec.codes or ())
                cspec.ok.add(cv)
            elif multi:
                for k in range(before, len(out)):
                    out[k] = out[k]._replace(repetition=r)
