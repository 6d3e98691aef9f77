"""Which list judges a code on a date of service: an imported version in effect that day
(``CodeLists``, handed down by the gateway from its database) before the shipped one.

``judge_for(set, lists)`` gives ``judge(code, day)``: None when the code is fine or cannot
be judged (no list installed for that day; a code of another shape, such as a CPT code
among HCPCS), else the version of the list that does not hold it. ``installed_for`` says
whether a day has a list, and the words that name what to import when it does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from mappings.codesets.catalog import IMPORT_HINTS, CodeLists
from mappings.codesets.formats import hcpcs_format
from mappings.codesets.icd10_release import icd10cm_release

__all__ = ["DATED_SETS", "installed_for", "judge_for"]

DATED_SETS = ("icd10cm", "hcpcs")

Judge = Callable[[str, dt.date], str | None]


def judge_for(name: str, lists: CodeLists | None) -> Judge | None:
    """None when no list of ``name`` is installed at all (nothing to judge with)."""
    imported = lists or CodeLists()
    if name == "icd10cm":
        shipped = icd10cm_release()
        any_imported = bool(imported.versions("icd10cm"))

        def icd10cm(code: str, day: dt.date) -> str | None:
            if not code.isalnum():
                return None  # the shape rule says so
            found = imported.in_effect("icd10cm", day) if any_imported else None
            if found is not None:
                return None if code in found.codes else found.version
            if shipped.covers(day):
                return None if code in shipped.codes else shipped.version
            return None

        return icd10cm

    if not imported.versions("hcpcs"):
        return None

    def hcpcs(code: str, day: dt.date) -> str | None:
        if not hcpcs_format(code):
            return None  # CPT (licensed, checked by format only) or not a code
        found = imported.in_effect("hcpcs", day)
        if found is None or found.valid_on(code, day.toordinal()):
            return None
        return found.version

    return hcpcs


def installed_for(name: str, lists: CodeLists | None) -> Callable[[dt.date], dict[str, str] | None]:
    """``missing(day)``: None when a list judges services on ``day`` (or, for ICD-10-CM,
    when the day is not after the newest release installed), else the words of the
    warning (what is not installed and the command that installs it)."""
    imported = lists or CodeLists()
    if name == "icd10cm":
        shipped = icd10cm_release()

        # said of services after the newest release installed (a new fiscal year), not of
        # years before the first one (history, judged by the ICD-10 start rule R27 only)
        newest = max(
            [shipped.effective_to]
            + [x.effective_to or x.effective_from for x in imported.versions("icd10cm")]
        )

        def icd10cm(day: dt.date) -> dict[str, str] | None:
            if day <= newest or imported.in_effect("icd10cm", day) is not None:
                return None
            fiscal = day.year + 1 if day.month >= 10 else day.year
            return {
                "release": f"ICD-10-CM FY{fiscal}",
                "date": day.isoformat(),
                "command": f"edi-gateway codesets import icd10cm_order_{fiscal}.txt",
                "installed": shipped.version,
            }

        return icd10cm

    def hcpcs(day: dt.date) -> dict[str, str] | None:
        if imported.in_effect("hcpcs", day) is not None:
            return None
        return {
            "release": "CMS HCPCS Level II",
            "date": day.isoformat(),
            "command": IMPORT_HINTS["hcpcs"].split(" (")[0],
            "installed": "none",
        }

    return hcpcs
