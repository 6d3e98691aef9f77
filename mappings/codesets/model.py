"""Code sets as data: one YAML file per set in ``mappings/codesets/data``, checked when read.

A code set file (``data/NAME.yaml``)::

    name: place_of_service        # must equal the file name without .yaml
    version: "..."                # the publication / update the list reproduces
    source: "..."                 # publisher and URL or document
    effective_from: 2025-11-01    # optional: the day the list took effect
    effective_to: 2026-09-30      # optional: its last day (a fiscal-year release)
    schedule: x12                 # when the publisher updates it (see catalog.SCHEDULES)
    codes:                        # code -> short description (or a plain list of codes)
      "11": Office
    ranges: [M1-M144, MA01-MA134] # optional: PREFIX<n>-PREFIX<m>, zero padding kept
    exclude: [N813]               # optional: numbers inside a range that are not codes
    retired: {"6": ...}           # optional: deactivated codes (list or mapping); never in codes

``icd10cm_sample`` has ``entries`` instead of ``codes`` (see :mod:`.icd10`). Each set is
read once per process (thread-safe); :func:`code_set` returns the same :class:`CodeSet`
object every time.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

import yaml

from parsers.errors import EdiError

#: PyYAML's safe loader, in C (libyaml) when PyYAML was built with it
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["SCHEDULES", "CodeSet", "CodeSetError", "code_set", "code_set_names", "describe"]

_CODE_SET_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KEYS = {
    "name",
    "version",
    "source",
    "effective_from",
    "effective_to",
    "schedule",
    "codes",
    "ranges",
    "exclude",
    "retired",
    "entries",
}
#: how often a publisher updates a list: the months (1 = January) a new version takes
#: effect on the 1st; ``none`` for lists with no fixed schedule
SCHEDULES: dict[str, tuple[int, ...]] = {
    "x12": (3, 7, 11),  # CARC/RARC, X12 external code lists: March, July, November
    "icd10cm": (10,),  # a fiscal-year release every 1 October
    "hcpcs": (1, 4, 7, 10),  # CMS HCPCS Level II quarterly updates
    "none": (),
}
_CODE = re.compile(r"[0-9A-Z]{1,10}")
_RANGE = re.compile(r"([A-Z]*)([0-9]+)-([A-Z]*)([0-9]+)")
_MAX_RANGE = 10_000


class CodeSetError(EdiError, ValueError):
    """A code set file that does not follow the format; says which file and what is wrong."""


@dataclass(frozen=True)
class CodeSet:
    """A named, versioned set of codes; ``code in cs`` tests membership of a current code."""

    name: str
    version: str
    source: str
    codes: frozenset[str] = field(repr=False)
    #: deactivated codes still on the published list (never members of ``codes``)
    retired: frozenset[str] = field(default=frozenset(), repr=False)
    descriptions: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    #: a key of :data:`SCHEDULES`
    schedule: str = "none"

    def __contains__(self, code: str) -> bool:
        return code in self.codes

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.codes))

    def describe(self, code: str) -> str | None:
        """The short description shipped for a current or retired code, if any."""
        return self.descriptions.get(code)


def _data_dir() -> Traversable:
    return resources.files("mappings.codesets").joinpath("data")


def code_set_names() -> list[str]:
    """The names of the shipped code sets, sorted."""
    return sorted(
        p.name[: -len(".yaml")]
        for p in _data_dir().iterdir()
        if p.is_file() and p.name.endswith(".yaml")
    )


def read_raw(name: str) -> dict[str, Any]:
    """The parsed, checked YAML of a shipped code set file; KeyError if there is none."""
    path = _data_dir().joinpath(f"{name}.yaml") if _CODE_SET_NAME.fullmatch(name) else None
    if path is None or not path.is_file():
        raise KeyError(f"unknown code set {name!r}; known: {', '.join(code_set_names())}")
    where = f"codesets/data/{name}.yaml"
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise CodeSetError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise CodeSetError(f"{where}: expected a mapping at the top level")
    unknown = set(doc) - _KEYS
    if unknown:
        raise CodeSetError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    if doc.get("name") != name:
        raise CodeSetError(f"{where}: name must be {name!r}, got {doc.get('name')!r}")
    for key in ("version", "source"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise CodeSetError(f"{where}: {key} must be a non-empty string")
    if doc.get("schedule", "none") not in SCHEDULES:
        raise CodeSetError(f"{where}: schedule must be one of {', '.join(SCHEDULES)}")
    for key in ("effective_from", "effective_to"):
        if key in doc:
            doc[key] = parse_date(f"{where}: {key}", doc[key])
    return doc


_LOADED: dict[str, CodeSet] = {}
_LOCK = threading.Lock()


def code_set(name: str) -> CodeSet:
    """The shipped code set ``name``, loaded and checked once (the same object every call).

    Raises KeyError naming the known sets when there is no such set, and
    :class:`CodeSetError` when its file is malformed.
    """
    found = _LOADED.get(name)
    if found is None:
        with _LOCK:
            found = _LOADED.get(name)
            if found is None:
                found = _LOADED[name] = _build(name)
    return found


def clear_cache() -> None:
    """Forget the loaded sets (tests that swap the data directory)."""
    with _LOCK:
        _LOADED.clear()


def _build(name: str) -> CodeSet:
    doc = read_raw(name)
    where = f"codesets/data/{name}.yaml"
    descriptions: dict[str, str] = {}
    codes: set[str] = set()
    explicit: dict[str, str] = {}

    if "entries" in doc:
        if "codes" in doc or "ranges" in doc:
            raise CodeSetError(f"{where}: use either entries or codes/ranges")
        entries = doc["entries"]
        if not isinstance(entries, list) or not entries:
            raise CodeSetError(f"{where}: entries must be a non-empty list")
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise CodeSetError(f"{where}: entries[{i}] must be a mapping")
            code = _check_code(where, entry.get("code"))
            codes.add(code)
            if isinstance(entry.get("description"), str):
                descriptions[code] = entry["description"]
    else:
        explicit = _code_map(where, "codes", doc.get("codes", {}))
        codes.update(explicit)
        descriptions.update({k: v for k, v in explicit.items() if v})
        ranges = doc.get("ranges", [])
        if not isinstance(ranges, list):
            raise CodeSetError(f"{where}: ranges must be a list")
        for spec in ranges:
            codes.update(_expand(where, spec))

    exclude = _code_map(where, "exclude", doc.get("exclude", []))
    missing = set(exclude) - codes
    if missing:
        raise CodeSetError(f"{where}: exclude names codes not in the set: {sorted(missing)}")
    codes -= set(exclude)

    retired_map = _code_map(where, "retired", doc.get("retired", []))
    clash = set(retired_map) & set(explicit)
    if clash:
        raise CodeSetError(f"{where}: codes listed as both current and retired: {sorted(clash)}")
    codes -= set(retired_map)
    descriptions.update({k: v for k, v in retired_map.items() if v})

    if not codes:
        raise CodeSetError(f"{where}: the set has no codes")
    return CodeSet(
        name=name,
        version=str(doc["version"]).strip(),
        source=" ".join(str(doc["source"]).split()),
        codes=frozenset(codes),
        retired=frozenset(retired_map),
        descriptions=MappingProxyType(descriptions),
        effective_from=doc.get("effective_from"),
        effective_to=doc.get("effective_to"),
        schedule=str(doc.get("schedule", "none")),
    )


def describe(code_set_name: str, code: str) -> str | None:
    """The short description of ``code`` in the named set (current or retired), else None.

    Only sets shipped with descriptions answer (not the CARC/RARC range lists); an unknown
    set name raises KeyError like :func:`code_set`.
    """
    return code_set(code_set_name).describe(code)


def _check_code(where: str, code: object) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise CodeSetError(
            f"{where}: code {code!r} must be a string of 1-10 upper-case letters or digits "
            '(quote numeric codes such as "01")'
        )
    return code


def _code_map(where: str, key: str, value: object) -> dict[str, str]:
    """``[code, ...]`` or ``{code: description}`` -> ``{code: description or ""}``."""
    if isinstance(value, list):
        return {_check_code(where, c): "" for c in value}
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for code, text in value.items():
            if text is not None and not isinstance(text, str):
                raise CodeSetError(f"{where}: {key}[{code!r}] description must be a string")
            out[_check_code(where, code)] = text or ""
        return out
    raise CodeSetError(f"{where}: {key} must be a list or a mapping")


def _expand(where: str, spec: object) -> list[str]:
    """``M1-M144`` -> M1..M144; ``MA01-MA134`` -> MA01..MA99, MA100..; ``0100-0999``."""
    m = _RANGE.fullmatch(spec) if isinstance(spec, str) else None
    if m is None or m.group(1) != m.group(3):
        raise CodeSetError(f"{where}: range {spec!r} must look like PREFIX1-PREFIX99")
    prefix, first, last = m.group(1), m.group(2), m.group(4)
    start, end = int(first), int(last)
    if end < start or end - start >= _MAX_RANGE:
        raise CodeSetError(f"{where}: range {spec!r} is empty or too long")
    width = len(first) if first.startswith("0") and len(first) > 1 else 1
    return [_check_code(where, f"{prefix}{n:0{width}d}") for n in range(start, end + 1)]


def parse_date(where: str, value: object) -> dt.date:
    """A YAML date (``2021-10-01``) or its string form."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CodeSetError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
