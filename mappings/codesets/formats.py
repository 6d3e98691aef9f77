"""Format and check-digit validators for SNIP 5 values; each returns True when valid.

They check the shape of a code as sent in X12 (upper case, no dots, no spaces), not that
the code exists in the full external list: CPT, HCPCS, CDT and ICD-10 are licensed or very
large and are not shipped here.
"""

from __future__ import annotations

import re
from typing import Final

from .model import code_set

__all__ = [
    "cdt_format",
    "cpt_format",
    "hcpcs_format",
    "icd10cm_format",
    "icd10pcs_format",
    "medi_cal_cin_format",
    "npi_valid",
    "procedure_format",
    "state_code",
    "taxonomy_format",
    "zip_format",
]

# ICD-10-CM: letter (not U), digit, then 1-5 letters/digits (3rd character may be a letter:
# C4A, D3A, M1A, Z3A). U00-U49 are the codes reserved for emergency use: U071 (COVID-19),
# U070 (vaping-related disorder), U099 (post COVID-19 condition).
_ICD10CM: Final = re.compile(r"[A-TV-Z][0-9][0-9A-Z]{1,5}|U[0-4][0-9][0-9A-Z]{0,4}")
_ICD10PCS: Final = re.compile(r"[0-9A-HJ-NP-Z]{7}")  # 34 characters: no I, no O
# CPT category I (5 digits); category II (F), category III (T), proprietary laboratory
# analyses (U) and administrative MAAA codes (M): 4 digits + letter.
_CPT: Final = re.compile(r"[0-9]{5}|[0-9]{4}[FTUM]")
_CDT: Final = re.compile(r"D[0-9]{4}")


def _digits(code: str, start: int, end: int) -> bool:
    """ASCII digits 0-9 from ``start`` to ``end`` (the validators run for every claim: a
    character loop costs a fraction of a regular expression call)."""
    for i in range(start, end):
        d = ord(code[i]) - 48
        if d < 0 or d > 9:
            return False
    return True


def _upper_or_digit(code: str, start: int, end: int) -> bool:
    for i in range(start, end):
        c = ord(code[i])
        if not (48 <= c <= 57 or 65 <= c <= 90):
            return False
    return True


# Luhn over the constant prefix 80840 (positions 14..10 from the right of the 15-digit
# payload): its contribution to the sum, precomputed.
_NPI_PREFIX_SUM: Final = 24


def npi_valid(npi: str) -> bool:
    """10 digits, first 1 or 2, Luhn check digit over ``80840`` + the first nine digits."""
    if len(npi) != 10 or not _digits(npi, 0, 10) or npi[0] not in "12":
        return False
    total = _NPI_PREFIX_SUM
    for i in range(9):
        d = ord(npi[8 - i]) - 48
        if i % 2 == 0:  # every second digit from the right of the payload is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == ord(npi[9]) - 48


def icd10cm_format(code: str) -> bool:
    """ICD-10-CM as sent in X12 (HI01-2 ...): no dot, 3-7 characters."""
    return _ICD10CM.fullmatch(code) is not None


def icd10pcs_format(code: str) -> bool:
    """ICD-10-PCS: exactly 7 characters of 0-9 and A-Z without I and O."""
    return _ICD10PCS.fullmatch(code) is not None


def hcpcs_format(code: str) -> bool:
    """HCPCS Level II: a letter A-V and four digits (J1885, G0008, A0428)."""
    return len(code) == 5 and "A" <= code[0] <= "V" and _digits(code, 1, 5)


def cpt_format(code: str) -> bool:
    """CPT: five digits, or four digits and F, T, U or M (0001F, 0042T, 0001U, 0002M)."""
    return _CPT.fullmatch(code) is not None


def cdt_format(code: str) -> bool:
    """CDT (dental): D and four digits (D0120)."""
    return _CDT.fullmatch(code) is not None


def procedure_format(qualifier: str, code: str) -> bool:
    """A procedure code for its qualifier (SV101-1, SV202-1, SV301-1): HC is CPT or HCPCS,
    AD is CDT; other qualifiers (ER, IV, WK, N4 ...) are not checked here."""
    if qualifier == "HC":
        return cpt_format(code) or hcpcs_format(code)
    if qualifier == "AD":
        return cdt_format(code)
    return True


def taxonomy_format(code: str) -> bool:
    """NUCC health care provider taxonomy: 3 digits, 6 letters/digits, X (207R00000X)."""
    return (
        len(code) == 10 and _digits(code, 0, 3) and _upper_or_digit(code, 3, 9) and code[9] == "X"
    )


def zip_format(code: str) -> bool:
    """US ZIP code: 5 or 9 digits (ZIP+4 without the hyphen, as X12 N403 carries it)."""
    return len(code) in (5, 9) and _digits(code, 0, len(code))


def medi_cal_cin_format(code: str) -> bool:
    """Medi-Cal client index number: 9, seven digits, a check letter (91234567A)."""
    return len(code) == 9 and code[0] == "9" and _digits(code, 1, 8) and "A" <= code[8] <= "Z"


_STATES: list[frozenset[str]] = []


def state_code(code: str) -> bool:
    """A US state, DC, territory or military-post code (code set ``states``)."""
    if not _STATES:
        _STATES.append(code_set("states").codes)
    return code in _STATES[0]
