"""SNIP 5 external code sets, kept as data with their version and source, loaded once.

``code_set(name)`` returns a :class:`CodeSet` (``"11" in code_set("place_of_service")``)
read from ``mappings/codesets/data/NAME.yaml``; ``code_set_names()`` lists them and
``describe(name, code)`` gives the shipped short description. The format validators check
the shape and check digits of codes too large or licensed to ship (NPI, ICD-10, CPT,
HCPCS, CDT, taxonomy, ZIP, Medi-Cal CIN); ``icd10cm_known_invalid`` and ``icd10_effective``
apply a short, dated ICD-10-CM sample (headers, deletions, additions).

CARC and RARC lists change three times a year: an unknown code there should be a warning,
not a rejection, unless the shipped list is current (companion rule R37).
"""

from __future__ import annotations

from .formats import (
    cdt_format,
    cpt_format,
    hcpcs_format,
    icd10cm_format,
    icd10pcs_format,
    medi_cal_cin_format,
    npi_valid,
    procedure_format,
    state_code,
    taxonomy_format,
    zip_format,
)
from .icd10 import ICD10_START, Icd10Entry, icd10_effective, icd10cm_known_invalid
from .model import CodeSet, CodeSetError, code_set, code_set_names, describe

__all__ = [
    "ICD10_START",
    "CodeSet",
    "CodeSetError",
    "Icd10Entry",
    "cdt_format",
    "code_set",
    "code_set_names",
    "cpt_format",
    "describe",
    "hcpcs_format",
    "icd10_effective",
    "icd10cm_format",
    "icd10cm_known_invalid",
    "icd10pcs_format",
    "medi_cal_cin_format",
    "npi_valid",
    "procedure_format",
    "state_code",
    "taxonomy_format",
    "zip_format",
]
