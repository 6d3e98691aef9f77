"""The full ICD-10-CM code list, by date of service, from the release the maintained PyPI
package ``simple-icd-10-cm`` ships (CMS's code list and tabular index).

ICD-10-CM is released for each federal fiscal year, in effect for dates of service from
1 October to 30 September, with an April update inside the year. A release judges only
dates of service inside its year: for others the list in effect is not installed and
nothing is said (the release to install is named by :func:`icd10cm_release`). A code is
billable when it is a valid code with no code below it (the package's ``is_leaf``):
``E11`` (a category) is not, ``E119`` is.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Icd10Release", "icd10cm_billable_on", "icd10cm_release"]

_PACKAGE = "simple-icd-10-cm"
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December")
    )
}  # fmt: skip


@dataclass(frozen=True)
class Icd10Release:
    version: str  # e.g. "FY2026 (April 2026 update)"
    effective_from: dt.date  # 1 October
    effective_to: dt.date  # 30 September
    #: the next scheduled release (the next 1 October)
    next_update: dt.date
    source: str
    codes: frozenset[str]

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day <= self.effective_to


def _data_dir() -> Path:
    """The package's data folder, found without importing it (its import reads the whole
    tabular index, seconds of work the check does not need)."""
    dist = importlib.metadata.distribution(_PACKAGE)
    return Path(str(dist.locate_file("simple_icd_10_cm/data")))


def _data_file() -> tuple[str, int, int]:
    """The package's code list file name, and the month and year in it."""
    for entry in _data_dir().iterdir():
        found = re.fullmatch(r"code-list-([A-Za-z]+)-([0-9]{4})\.txt", entry.name)
        if found and found.group(1) in _MONTHS:
            return entry.name, _MONTHS[found.group(1)], int(found.group(2))
    raise LookupError("simple-icd-10-cm ships no code list")


def _billable(lines: list[str]) -> frozenset[str]:
    """The codes with no code below them (chapters and blocks, "A00-A09", left out)."""
    codes = {c.replace(".", "") for c in (line.strip() for line in lines) if c[:1].isalpha()}
    codes = {c for c in codes if "-" not in c}
    parents = {c[:k] for c in codes for k in range(3, len(c))}
    return frozenset(codes - parents)


@cache
def icd10cm_release(with_codes: bool = True) -> Icd10Release:
    """The installed release: its fiscal year, window and billable codes (read from the
    package's code list file, the same list its ``is_leaf`` answers from); without
    ``with_codes``, only what the file name says (no codes: a third of a second less)."""
    name, month, year = _data_file()
    fiscal = year + 1 if month >= 10 else year
    update = "" if month == 10 else f" ({name[10:-4].replace('-', ' ')} update)"
    codes: frozenset[str] = frozenset()
    if with_codes:
        text = (_data_dir() / name).read_text(encoding="utf-8")
        codes = _billable(text.splitlines())
    return Icd10Release(
        version=f"FY{fiscal}{update}",
        effective_from=dt.date(fiscal - 1, 10, 1),
        effective_to=dt.date(fiscal, 9, 30),
        next_update=dt.date(fiscal, 10, 1),
        source=f"CMS ICD-10-CM code list via PyPI {_PACKAGE} "
        f"{importlib.metadata.version(_PACKAGE)} ({name})",
        codes=codes,
    )


def icd10cm_billable_on(code: str, day: dt.date) -> bool | None:
    """Whether ``code`` (no decimal point) is a billable ICD-10-CM code for a service on
    ``day``; None when the release in effect that day is not installed, or when the code
    is not written as X12 writes codes (a decimal point, a space: the shape rule says so)."""
    release = icd10cm_release()
    if not release.covers(day) or not code.isalnum():
        return None
    return code in release.codes
