"""Date-aware ICD-10-CM checks from the short ``icd10cm_sample`` list (not the full set).

The sample names codes known to be wrong on some dates: category headers (never billable),
codes deleted in an annual update (invalid from that date) and codes added in one (invalid
before it). A code not in the sample is not judged here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from .model import CodeSetError, code_set, parse_date, read_raw

__all__ = ["ICD10_START", "Icd10Entry", "icd10_effective", "icd10cm_known_invalid"]

#: ICD-10-CM/PCS replaced ICD-9 for dates of service (discharges) from this day (R27)
ICD10_START = dt.date(2015, 10, 1)

_KINDS = ("header", "deleted", "added", "valid")
_SAMPLE = "icd10cm_sample"


@dataclass(frozen=True)
class Icd10Entry:
    code: str
    kind: str  # header | deleted | added | valid
    description: str
    date: dt.date | None = None  # deleted on / added on
    replaced_by: tuple[str, ...] = ()
    example: str | None = None  # for a header: one billable code under it


@cache
def _entries() -> dict[str, Icd10Entry]:
    code_set(_SAMPLE)  # checks the common part of the file (codes, version, source)
    where = f"codesets/data/{_SAMPLE}.yaml"
    out: dict[str, Icd10Entry] = {}
    for i, raw in enumerate(read_raw(_SAMPLE)["entries"]):
        at = f"{where}: entries[{i}]"
        kind = raw.get("kind")
        if kind not in _KINDS:
            raise CodeSetError(f"{at}: kind must be one of {', '.join(_KINDS)}")
        date = parse_date(at, raw["date"]) if "date" in raw else None
        if kind in ("deleted", "added") and date is None:
            raise CodeSetError(f"{at}: a {kind} code needs a date")
        replaced = raw.get("replaced_by", [])
        if not isinstance(replaced, list) or not all(isinstance(c, str) for c in replaced):
            raise CodeSetError(f"{at}: replaced_by must be a list of codes")
        code = str(raw["code"])
        if code in out:
            raise CodeSetError(f"{at}: {code} is listed twice")
        out[code] = Icd10Entry(
            code=code,
            kind=str(kind),
            description=str(raw.get("description", "")),
            date=date,
            replaced_by=tuple(replaced),
            example=str(raw["example"]) if raw.get("example") else None,
        )
    return out


def _normal(code: str) -> str:
    return code.replace(".", "").strip().upper()


def _either(codes: tuple[str, ...]) -> str:
    if len(codes) <= 1:
        return "".join(codes)
    return f"{', '.join(codes[:-1])} or {codes[-1]}"


def icd10cm_known_invalid(code: str, on: dt.date) -> str | None:
    """Why ``code`` is known not to be a valid billable ICD-10-CM code for date ``on``.

    None means the sample knows nothing against it (most codes). The date is the date of
    service (or discharge, for inpatient claims). Dates before 2015-10-01 are
    :func:`icd10_effective`'s concern, not this function's.
    """
    entry = _entries().get(_normal(code))
    if entry is None:
        return None
    day = on.date() if isinstance(on, dt.datetime) else on
    if entry.kind == "header":
        hint = f"; report a complete code such as {entry.example}" if entry.example else ""
        return f"{entry.code} is a category header, not a billable code{hint}"
    if entry.kind == "deleted" and entry.date is not None and day >= entry.date:
        use = f"; use {_either(entry.replaced_by)}" if entry.replaced_by else ""
        return f"{entry.code} was deleted on {entry.date.isoformat()}{use}"
    if entry.kind == "added" and entry.date is not None and day < entry.date:
        return f"{entry.code} is not valid before {entry.date.isoformat()}, when it was added"
    return None


def icd10_effective(code: str, on: dt.date) -> bool:
    """Whether ICD-10-CM ``code`` can be in effect on ``on`` (R27).

    False for any date before 2015-10-01 (ICD-9 era), and for a code the sample knows was
    deleted before ``on`` or added after it. True otherwise: a code not in the sample is
    assumed effective (billability of headers is :func:`icd10cm_known_invalid`'s concern).
    """
    day = on.date() if isinstance(on, dt.datetime) else on
    if day < ICD10_START:
        return False
    entry = _entries().get(_normal(code))
    if entry is None or entry.date is None:
        return True
    if entry.kind == "deleted":
        return day < entry.date
    if entry.kind == "added":
        return day >= entry.date
    return True
