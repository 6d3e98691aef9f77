"""The 2300 HI segments of an outbound 837: the diagnoses (an 837I's present-on-admission
indicators kept), then the codes that are not diagnoses, in the implementation guides'
order."""

from __future__ import annotations

from collections.abc import Iterable

from .records import Diagnosis
from .x12_out import Out

__all__ = ["write_diagnoses", "write_other_codes"]


#: the HI segments after the diagnoses, in the implementation guides' order (837I
#: principal and other procedures, occurrence spans, occurrences, values, conditions,
#: treatment codes; 837P anesthesia procedures, then conditions): qualifiers of a family
#: share HI segments of up to 12 composites
_OTHER_HI_FAMILIES = (
    ("BBR", "BR", "CAH"),
    ("BBQ", "BQ"),
    ("BP", "BO"),
    ("BI",),
    ("BH",),
    ("BE",),
    ("BG",),
    ("TC",),
)


def write_other_codes(out: Out, codes: list[list[str]]) -> None:
    for family in _OTHER_HI_FAMILIES:
        composites = [out.composite(*c) for c in codes if c[0] in family]
        for start in range(0, len(composites), 12):
            out.seg("HI", *composites[start : start + 12])


def write_diagnoses(
    out: Out, diagnoses: Iterable[Diagnosis], institutional: bool, drg: list[list[str]]
) -> None:
    """The diagnosis HI segments; an 837I DRG (HI*DR) after the single-code diagnoses
    (principal, admitting, reason for visit, external cause) and before the others."""
    pending: list[str] = []
    drg_left = [out.composite(*c) for c in drg]

    def flush() -> None:
        for start in range(0, len(pending), 12):
            out.seg("HI", *pending[start : start + 12])
        pending.clear()

    for dx in sorted(diagnoses, key=lambda d: d.sequence):
        parts: list[str | None] = [dx.qualifier, dx.code]
        if institutional and dx.present_on_admission:
            parts += [None] * 6 + [dx.present_on_admission]
        value = out.composite(*parts)
        if institutional and dx.qualifier not in ("ABF", "BF"):
            flush()
            out.seg("HI", value)
        else:
            if drg_left:
                out.seg("HI", *drg_left)
                drg_left = []
            pending.append(value)
    flush()
    if drg_left:
        out.seg("HI", *drg_left)
