"""Every code list the validation uses, with its version, effective dates, source and next
scheduled update: the shipped YAML sets, the ICD-10-CM release and the lists imported
without a release (``edi-gateway codesets import``, kept in the gateway's database).

The gateway reads imported lists from its database and hands them down as a
:class:`CodeLists`; this module only describes and compares them (no database here). A
list is *stale* from the day its publisher's next update is due (:data:`.model.SCHEDULES`):
CARC/RARC three times a year, ICD-10-CM every 1 October, HCPCS quarterly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from .model import SCHEDULES, code_set, code_set_names

__all__ = [
    "CodeLists",
    "DatedList",
    "ListInfo",
    "current_lists",
    "next_update",
    "shipped_lists",
    "stale_lists",
]

#: how to get each importable list's update (the command and the publisher's file)
IMPORT_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "icd10cm": "edi-gateway codesets import icd10cm_order_YYYY.txt (CMS ICD-10-CM "
        "code descriptions in tabular order, https://www.cms.gov/medicare/coding-billing/icd-10-codes)",
        "hcpcs": "edi-gateway codesets import HCPCYYYY_MON_ANWEB.txt (CMS alpha-numeric "
        "HCPCS file, https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system)",
        "claim_adjustment_reason": "edi-gateway codesets import --list claim_adjustment_reason "
        "FILE.csv (code,description,start date,stop date as X12 publishes them)",
        "remittance_advice_remark": "edi-gateway codesets import --list remittance_advice_remark "
        "FILE.csv (code,description,start date,stop date as X12 publishes them)",
    }
)


#: the lists ``codesets import`` accepts, and their publishers' schedules
IMPORTED_SCHEDULES: Mapping[str, str] = MappingProxyType(
    {
        "icd10cm": "icd10cm",
        "hcpcs": "hcpcs",
        "claim_adjustment_reason": "x12",
        "remittance_advice_remark": "x12",
    }
)


def next_update(schedule: str, effective_from: dt.date | None) -> dt.date | None:
    """The first scheduled update after ``effective_from`` (the 1st of the next month the
    schedule names); None when the list has no schedule or no known start."""
    months = SCHEDULES.get(schedule, ())
    if not months or effective_from is None:
        return None
    for year in (effective_from.year, effective_from.year + 1):
        for month in months:
            day = dt.date(year, month, 1)
            if day > effective_from:
                return day
    return None  # pragma: no cover - every schedule has a month in the next year


@dataclass(frozen=True)
class ListInfo:
    """What ``codesets list`` shows of one version of one list."""

    name: str
    version: str
    entries: int
    source: str
    schedule: str
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    origin: str = "shipped"  # or "imported"

    @property
    def next_update(self) -> dt.date | None:
        return next_update(self.schedule, self.effective_from)

    def stale(self, today: dt.date) -> bool:
        due = self.next_update
        return due is not None and today >= due

    def warning(self) -> str:
        """The line ``readyz``, ``validate`` and ``serve`` show for a stale list."""
        due = self.next_update
        hint = IMPORT_HINTS.get(self.name)
        if hint and due and self.name == "icd10cm":  # the release due: FY(due year + 1)
            hint = hint.replace("YYYY", str(due.year + 1), 1)
        how = f"; import the current list: {hint}" if hint else ""
        return (
            f"code list {self.name} ({self.version}) is out of date: its scheduled update "
            f"was due on {due.isoformat() if due else '?'}{how}"
        )


@dataclass(frozen=True)
class DatedList:
    """An imported version of a list: codes with the days they are valid (day ordinals,
    0 for an open end), in effect for services from ``effective_from`` to
    ``effective_to`` (None: until a newer version takes over)."""

    name: str
    version: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    codes: Mapping[str, tuple[int, int]] = field(repr=False)

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def valid_on(self, code: str, day: int) -> bool:
        """Whether ``code`` is on the list and valid on the day (an ordinal)."""
        span = self.codes.get(code)
        if span is None:
            return False
        start, stop = span
        return (not start or start <= day) and (not stop or day <= stop)

    def current_codes(self, day: dt.date) -> frozenset[str]:
        n = day.toordinal()
        return frozenset(c for c in self.codes if self.valid_on(c, n))

    def info(self) -> ListInfo:
        return ListInfo(
            self.name,
            self.version,
            len(self.codes),
            self.source,
            IMPORTED_SCHEDULES.get(self.name, "none"),
            self.effective_from,
            self.effective_to,
            "imported",
        )


class CodeLists:
    """The imported lists the gateway hands to the guides (empty: only what ships)."""

    def __init__(self, lists: Iterable[DatedList] = (), day: dt.date | None = None) -> None:
        self.lists: tuple[DatedList, ...] = tuple(
            sorted(lists, key=lambda x: (x.name, x.effective_from))
        )
        #: the day a file was received: lists not judged by date of service (CARC/RARC)
        #: are those current that day (None: today)
        self.day = day

    def received(self, day: dt.date) -> CodeLists:
        """The same lists, for a file received on ``day``."""
        return CodeLists(self.lists, day)

    def __bool__(self) -> bool:
        return bool(self.lists)

    def in_effect(self, name: str, day: dt.date) -> DatedList | None:
        """The newest version of ``name`` in effect for a service on ``day``."""
        found: DatedList | None = None
        for x in self.lists:
            if x.name == name and x.covers(day):
                found = x
        return found

    def versions(self, name: str) -> list[DatedList]:
        return [x for x in self.lists if x.name == name]


def shipped_lists(count: bool = True) -> list[ListInfo]:
    """The lists that come with the release: the YAML sets and the ICD-10-CM release
    (without ``count``, its entries are not counted: 0, and its codes are not read)."""
    from .icd10_release import icd10cm_release

    out: list[ListInfo] = []
    for name in code_set_names():
        cs = code_set(name)
        out.append(
            ListInfo(
                name,
                cs.version,
                len(cs) + len(cs.retired),
                cs.source,
                cs.schedule,
                cs.effective_from,
                cs.effective_to,
            )
        )
    release = icd10cm_release() if count else icd10cm_release(with_codes=False)
    out.append(
        ListInfo(
            "icd10cm",
            release.version,
            len(release.codes),
            release.source,
            "icd10cm",
            release.effective_from,
            release.effective_to,
        )
    )
    return sorted(out, key=lambda i: i.name)


def current_lists(infos: Sequence[ListInfo]) -> list[ListInfo]:
    """The newest version of each list (by effective date; an imported one over the
    shipped one of the same date): the one whose schedule says whether it is stale."""
    best: dict[str, ListInfo] = {}
    for info in infos:
        known = best.get(info.name)
        key = (info.effective_from or dt.date.min, info.origin == "imported")
        if known is None or key >= (
            known.effective_from or dt.date.min,
            known.origin == "imported",
        ):
            best[info.name] = info
    return [best[n] for n in sorted(best)]


def stale_lists(infos: Sequence[ListInfo], today: dt.date) -> list[ListInfo]:
    """The current versions past their scheduled update on ``today``."""
    return [i for i in current_lists(infos) if i.stale(today)]
