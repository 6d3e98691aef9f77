"""Synthetic, implementation-guide-valid X12 5010 files for tests and benchmarks.

Pure standard library.  Every file is one interchange (ISA/IEA) holding one functional
group (GS/GE); large counts are split into several transaction sets (ST/SE).  Output is
streamed in chunks so a 100,000-claim file is never held whole in memory, and it is fully
determined by ``(kind, count, seed)``: dates are fixed in 2026 and every control number
is derived from the seed.

Kinds and what ``count`` counts:

==========  =====================  =========================  ================
kind        guide                  ``count`` =                per ST (default)
==========  =====================  =========================  ================
``834``     005010X220A1           members (INS loops)        10,000
``835``     005010X221A1           claim payments (CLP)       5,000
``837p``    005010X222A1           claims (CLM)               5,000
``837i``    005010X223A2           claims (CLM)               5,000
``837d``    005010X224A2           claims (CLM)               5,000
==========  =====================  =========================  ================

All people, organisations, identifiers and addresses are synthetic: names come from
small made-up lists, Medi-Cal CINs are ``9`` + 7 digits + a letter, NPIs are random
but Luhn-valid, ZIP codes are California ``9xxxx-xxxx``.  Separators are ``*`` (element),
``^`` (repetition), ``:`` (component) and ``~`` (segment), with a ``\\n`` after each ``~``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "KINDS",
    "generate",
    "generate_bytes",
    "make_npi",
    "npi_check_digit",
    "write_file",
]

KINDS = ("834", "835", "837p", "837i", "837d")

#: kind -> (GS01 functional identifier code, ST01, GS08/ST03 version)
_VERSIONS: dict[str, tuple[str, str, str]] = {
    "834": ("BE", "834", "005010X220A1"),
    "835": ("HP", "835", "005010X221A1"),
    "837p": ("HC", "837", "005010X222A1"),
    "837i": ("HC", "837", "005010X223A2"),
    "837d": ("HC", "837", "005010X224A2"),
}

_DEFAULT_PER_ST = {"834": 10_000, "835": 5_000, "837p": 5_000, "837i": 5_000, "837d": 5_000}

_CHUNK_BYTES = 256 * 1024
_SEG_END = "~\n"

# --------------------------------------------------------------------------------------
# Synthetic reference data (made up; any resemblance to real people is coincidental)
# --------------------------------------------------------------------------------------

# fmt: off
_LAST_NAMES = (
    "ALDERANE", "BRISVALE", "CALDERONI", "DORVANTE", "ESPARVEL", "FARNSWICK", "GALLOWEN",
    "HARROVAL", "IRVELLO", "JASPERTON", "KORVALLIS", "LUMANTE", "MERIDANO", "NOVARETTE",
    "OKANDER", "PELLAVIA", "QUINTERRA", "ROSALVEN", "SANTAVERO", "TREMBALL", "ULLASTRO",
    "VANTERELLI", "WESTBROOKE", "YARROWAY", "ZELLANDO",
)
_FIRST_NAMES_F = (
    "ADRIANA", "BEATRIZ", "CAMILA", "DANIELA", "ELENA", "FLORA", "GRACIELA", "HANNAH",
    "ISABEL", "JASMINE", "KAREN", "LUCIA", "MAYA", "NADIA", "OLIVIA", "PAULA", "ROSA",
)
_FIRST_NAMES_M = (
    "ANDRES", "BRANDON", "CARLOS", "DAVID", "EDUARDO", "FELIPE", "GABRIEL", "HECTOR",
    "IVAN", "JAVIER", "KEVIN", "LUIS", "MARCO", "NATHAN", "OSCAR", "PEDRO", "RAFAEL",
)
_MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTVW"
_STREETS = (
    "OAK MEADOW LN", "CEDAR HOLLOW DR", "MARIPOSA VISTA AVE", "SYCAMORE BEND CT",
    "POPPY FIELD WAY", "REDWOOD TERRACE RD", "ALMOND GROVE ST", "CANYON SPRING BLVD",
    "WILLOW CREEK PL", "SAGEBRUSH RIDGE DR", "LUPINE HILL ST", "MANZANITA PARK AVE",
)
#: (city, first three ZIP digits)
_CITIES = (
    ("SACRAMENTO", "958"), ("FRESNO", "937"), ("LOS ANGELES", "900"), ("OAKLAND", "946"),
    ("SAN DIEGO", "921"), ("STOCKTON", "952"), ("BAKERSFIELD", "933"), ("SAN JOSE", "951"),
    ("RIVERSIDE", "925"), ("MODESTO", "953"), ("SANTA ROSA", "954"), ("SALINAS", "939"),
)
_CLINIC_NAMES = (
    "VALLEY OAK COMMUNITY CLINIC", "SIERRA VISTA FAMILY MEDICINE", "GOLDEN STATE PEDIATRICS",
    "RIVERBEND HEALTH CENTER", "COASTLINE MEDICAL GROUP", "FOOTHILL PRIMARY CARE",
    "MISSION TRAIL FAMILY CLINIC", "HARBOR LIGHT MEDICAL ASSOCIATES",
)
_HOSPITAL_NAMES = (
    "VALLEY OAK REGIONAL HOSPITAL", "SIERRA VISTA MEDICAL CENTER",
    "RIVERBEND COMMUNITY HOSPITAL", "COASTLINE GENERAL HOSPITAL",
)
_DENTAL_NAMES = (
    "BRIGHT PATH DENTAL GROUP", "SIERRA SMILES DENTAL", "VALLEY OAK FAMILY DENTISTRY",
    "COASTLINE COMMUNITY DENTAL",
)
_PLAN_NAME = "GOLDEN POPPY HEALTH PLAN"
_PLAN_PAYER_ID = "GPHP1"
_SPONSOR_NAME = "CA DEPT OF HEALTH CARE SERVICES"

#: taxonomy codes (NUCC): family medicine, internal medicine, pediatrics, NP family
_PROF_TAXONOMIES = ("207Q00000X", "207R00000X", "208000000X", "363LF0000X")
_CLINIC_TAXONOMY = "261QF0400X"  # federally qualified health center
_HOSPITAL_TAXONOMY = "282N00000X"  # general acute care hospital
_ATTENDING_TAXONOMIES = ("207R00000X", "207P00000X", "208M00000X")
_DENTIST_TAXONOMY = "1223G0001X"  # general practice dentistry

#: ICD-10-CM codes valid for 2026 dates of service (without the dot)
_ICD10 = (
    "J069", "J029", "J209", "E119", "E1165", "I10", "E785", "Z0000", "Z0001", "Z00129",
    "Z23", "M5450", "F419", "K219", "N390", "R109", "R509",
)
_ICD10_INPATIENT = ("J189", "A419", "N179", "I214", "K8590", "J441", "L03115")
_ICD10_DENTAL = ("K029", "K0262", "K0252", "K051", "K0410", "Z0120")

#: (CPT/HCPCS, charge in cents, units choices)
_CPT_LINES = (
    ("99213", 12500, (1,)), ("99214", 18500, (1,)), ("99203", 16000, (1,)),
    ("99395", 21000, (1,)), ("99393", 17500, (1,)), ("90471", 2500, (1, 2)),
    ("90686", 3200, (1,)), ("87880", 2800, (1,)), ("36415", 1500, (1,)),
    ("85025", 2200, (1,)), ("80053", 3500, (1,)), ("81002", 1200, (1,)),
)
#: outpatient (revenue code, HCPCS, charge in cents)
_REV_OUTPATIENT = (
    ("0450", "99283", 68000), ("0450", "99284", 112000), ("0300", "80053", 9500),
    ("0305", "85025", 6500), ("0320", "71046", 32000), ("0636", "J2405", 4500),
    ("0510", "G0463", 29000), ("0730", "93005", 18000),
)
#: inpatient ancillary (revenue code, HCPCS or "", charge in cents)
_REV_INPATIENT = (
    ("0250", "", 42000), ("0300", "80053", 9500), ("0305", "85025", 6500),
    ("0320", "71046", 32000), ("0730", "93005", 18000),
)
#: (CDT code, charge in cents, tooth kind: "" none, "T" tooth, "S" tooth + surfaces,
#:  "Q" quadrant in SV304)
_CDT_LINES = (
    ("D0120", 6000, ""), ("D0150", 9500, ""), ("D0274", 7000, ""), ("D1110", 11000, ""),
    ("D1120", 8000, ""), ("D1206", 4500, ""), ("D0220", 3000, "T"), ("D2391", 16000, "S"),
    ("D2392", 19500, "S"), ("D2140", 12000, "S"), ("D2150", 14500, "S"), ("D7140", 18500, "T"),
    ("D4341", 24000, "Q"), ("D3310", 85000, "T"),
)
_POSTERIOR_TEETH = ("2", "3", "4", "5", "12", "13", "14", "15", "18", "19", "20", "21",
                    "28", "29", "30", "31")
_ANTERIOR_TEETH = ("6", "7", "8", "9", "10", "11", "22", "23", "24", "25", "26", "27")
_SURFACES_POSTERIOR = ("M", "O", "D", "B", "L")
_QUADRANTS = ("10", "20", "30", "40")

_LANGUAGES = ("eng", "spa", "vie", "chi", "tgl", "kor", "arm", "rus")
# fmt: on


# --------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------


def npi_check_digit(first9: str) -> str:
    """Return the NPI check digit for the first nine digits (Luhn over ``80840`` + them)."""
    if len(first9) != 9 or not first9.isdigit() or not first9.isascii():
        raise ValueError(f"expected 9 digits, got {first9!r}")
    total = 0
    for i, ch in enumerate(reversed("80840" + first9)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_npi(rng: random.Random) -> str:
    """Return a random, check-digit-valid 10-digit NPI starting with 1 or 2."""
    first9 = rng.choice("12") + f"{rng.randrange(10**8):08d}"
    return first9 + npi_check_digit(first9)


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


def _d8(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _money(cents: int) -> str:
    """X12 R-type amount without superfluous zeros: 7500 -> '75', 7550 -> '75.5'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    whole, frac = divmod(cents, 100)
    if frac == 0:
        return f"{sign}{whole}"
    if frac % 10 == 0:
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}.{frac:02d}"


class _Out:
    """Segment buffer that counts segments and hands out chunks of bytes."""

    __slots__ = ("count", "parts", "size")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.count = 0

    def seg(self, *elements: str) -> None:
        """Add one segment; trailing empty elements are dropped."""
        n = len(elements)
        while n > 1 and not elements[n - 1]:
            n -= 1
        text = "*".join(elements[:n]) + _SEG_END
        self.parts.append(text)
        self.size += len(text)
        self.count += 1

    def raw(self, text: str, segments: int) -> None:
        self.parts.append(text)
        self.size += len(text)
        self.count += segments

    def full(self) -> bool:
        return self.size >= _CHUNK_BYTES

    def take(self) -> bytes:
        data = "".join(self.parts).encode("ascii")
        self.parts = []
        self.size = 0
        return data


@dataclass(frozen=True, slots=True)
class _Person:
    last: str
    first: str
    middle: str
    cin: str
    dob: dt.date
    sex: str
    street: str
    city: str
    zip9: str


@dataclass(frozen=True, slots=True)
class _Org:
    name: str
    npi: str
    ein: str
    street: str
    city: str
    zip9: str
    taxonomy: str


@dataclass(frozen=True, slots=True)
class _Doc:
    last: str
    first: str
    npi: str
    taxonomy: str


class _Ctx:
    """Per-file state: RNG, dates, control numbers, reusable synthetic parties."""

    def __init__(self, kind: str, seed: int) -> None:
        self.kind = kind
        self.seed = seed
        self.rng = random.Random(seed * 101 + KINDS.index(kind) + 7)
        rng = self.rng
        # file date: fixed in 2026, late enough that every service date stays in 2026
        self.file_date = dt.date(2026, 2, 16) + dt.timedelta(days=rng.randrange(300))
        self.file_time = f"{rng.randrange(6, 20):02d}{rng.randrange(60):02d}"
        self.isa13 = f"{rng.randrange(1, 10**9):09d}"
        self.gs06 = str(rng.randrange(1, 10**9))
        self.st_base = rng.randrange(1, 9000)
        self.pcn_prefix = f"PCN{rng.randrange(100, 1000)}"
        self.claim_seq = rng.randrange(10**6)
        self.cin_seq = rng.randrange(10**7)
        self.used_days: set[dt.date] = set()
        submitter = f"SUBMITTER{rng.randrange(1000, 10000)}"
        if kind == "834":  # state enrollment broker -> managed care plan
            self.sender, self.receiver = "MCALENROLL", "GPHP1EDI"
        elif kind == "835":  # plan -> provider's clearinghouse
            self.sender, self.receiver = "GPHP1EDI", submitter
        else:  # clearinghouse -> plan
            self.sender, self.receiver = submitter, "GPHP1EDI"
        self.submitter_id = f"SUB{rng.randrange(100000, 1000000)}"
        self.payer_ein = f"94{rng.randrange(10**7):07d}"

    # -- synthetic parties -------------------------------------------------------------

    def new_cin(self) -> str:
        self.cin_seq = (self.cin_seq + 7919) % 10**7
        return f"9{self.cin_seq:07d}{self.rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}"

    def address(self) -> tuple[str, str, str]:
        rng = self.rng
        city, zip3 = rng.choice(_CITIES)
        street = f"{rng.randrange(100, 9999)} {rng.choice(_STREETS)}"
        zip9 = f"{zip3}{rng.randrange(100):02d}{rng.randrange(1, 10000):04d}"
        return street, city, zip9

    def person(
        self,
        *,
        min_age: int = 0,
        max_age: int = 90,
        last: str | None = None,
        address: tuple[str, str, str] | None = None,
    ) -> _Person:
        rng = self.rng
        self.used_days = set()
        sex = rng.choice("FM")
        first = rng.choice(_FIRST_NAMES_F if sex == "F" else _FIRST_NAMES_M)
        age_days = rng.randrange(min_age * 365 + 1, max_age * 365 + 1)
        dob = dt.date(2026, 1, 1) - dt.timedelta(days=age_days)
        street, city, zip9 = address if address is not None else self.address()
        return _Person(
            last=last if last is not None else rng.choice(_LAST_NAMES),
            first=first,
            middle=rng.choice(_MIDDLE_INITIALS) if rng.random() < 0.4 else "",
            cin=self.new_cin(),
            dob=dob,
            sex=sex,
            street=street,
            city=city,
            zip9=zip9,
        )

    def org(self, name: str, taxonomy: str) -> _Org:
        street, city, zip9 = self.address()
        return _Org(
            name=name,
            npi=make_npi(self.rng),
            ein=f"{self.rng.choice(('33', '68', '94', '95'))}{self.rng.randrange(10**7):07d}",
            street=street,
            city=city,
            zip9=zip9,
            taxonomy=taxonomy,
        )

    def doc(self, taxonomies: tuple[str, ...]) -> _Doc:
        rng = self.rng
        first = rng.choice(_FIRST_NAMES_F + _FIRST_NAMES_M)
        return _Doc(rng.choice(_LAST_NAMES), first, make_npi(rng), rng.choice(taxonomies))

    def next_pcn(self) -> str:
        self.claim_seq += 1
        return f"{self.pcn_prefix}{self.claim_seq:09d}"

    def service_date(self, back_max: int = 45) -> dt.date:
        """A date of service; each of a person's claims gets a different one, so that
        generated encounters are never duplicates of each other (same member, date and
        procedure)."""
        for _ in range(20):
            day = self.file_date - dt.timedelta(days=self.rng.randrange(3, back_max))
            if day not in self.used_days:
                break
        self.used_days.add(day)
        return day

    # -- envelope ----------------------------------------------------------------------

    def isa(self) -> str:
        d = self.file_date
        elements = (
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            self.sender.ljust(15),
            "ZZ",
            self.receiver.ljust(15),
            f"{d.year % 100:02d}{d.month:02d}{d.day:02d}",
            self.file_time,
            "^",
            "00501",
            self.isa13,
            "0",
            "T",
            ":",
        )
        text = "*".join(elements) + "~"
        assert len(text) == 106, text
        return text + "\n"

    def gs(self) -> str:
        gs01, _, version = _VERSIONS[self.kind]
        return (
            "*".join(
                (
                    "GS",
                    gs01,
                    self.sender,
                    self.receiver,
                    _d8(self.file_date),
                    self.file_time,
                    self.gs06,
                    "X",
                    version,
                )
            )
            + _SEG_END
        )


def _per_st_counts(count: int, per_st: int) -> list[int]:
    if count <= 0:
        return [0]
    full, rest = divmod(count, per_st)
    return [per_st] * full + ([rest] if rest else [])


# --------------------------------------------------------------------------------------
# 837 (professional, institutional, dental)
# --------------------------------------------------------------------------------------


def _837_header(ctx: _Ctx, out: _Out, st02: str, st_index: int) -> None:
    _, st01, version = _VERSIONS[ctx.kind]
    out.seg("ST", st01, st02, version)
    out.seg(
        "BHT",
        "0019",
        "00",
        f"{ctx.isa13[-6:]}{st_index:04d}",
        _d8(ctx.file_date),
        ctx.file_time,
        "CH",
    )
    out.seg(
        "NM1", "41", "2", "SYNTHETIC CLAIMS CLEARINGHOUSE", "", "", "", "", "46", ctx.submitter_id
    )
    out.seg("PER", "IC", "EDI SUPPORT", "TE", f"916555{ctx.rng.randrange(100, 200):04d}")
    out.seg("NM1", "40", "2", _PLAN_NAME, "", "", "", "", "46", _PLAN_PAYER_ID)


def _billing_provider(out: _Out, prov: _Org, hl: int, with_prv: bool) -> None:
    out.seg("HL", str(hl), "", "20", "1")
    if with_prv:
        out.seg("PRV", "BI", "PXC", prov.taxonomy)
    out.seg("NM1", "85", "2", prov.name, "", "", "", "", "XX", prov.npi)
    out.seg("N3", prov.street)
    out.seg("N4", prov.city, "CA", prov.zip9)
    out.seg("REF", "EI", prov.ein)


def _subscriber(out: _Out, p: _Person, hl: int, parent: int) -> None:
    out.seg("HL", str(hl), str(parent), "22", "0")
    out.seg("SBR", "P", "18", "", "", "", "", "", "", "MC")
    out.seg("NM1", "IL", "1", p.last, p.first, p.middle, "", "", "MI", p.cin)
    out.seg("N3", p.street)
    out.seg("N4", p.city, "CA", p.zip9)
    out.seg("DMG", "D8", _d8(p.dob), p.sex)
    out.seg("NM1", "PR", "2", _PLAN_NAME, "", "", "", "", "PI", _PLAN_PAYER_ID)


def _diagnoses(rng: random.Random, codes: tuple[str, ...], n_max: int) -> list[str]:
    return rng.sample(codes, rng.randint(1, n_max))


def _claim_837p(ctx: _Ctx, out: _Out, rendering: list[_Doc]) -> None:
    rng = ctx.rng
    dx = _diagnoses(rng, _ICD10, 4)
    n_lines = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
    day = ctx.service_date()
    lines: list[tuple[str, int, int, str]] = []
    for _ in range(n_lines):
        code, cents, units_choices = rng.choice(_CPT_LINES)
        units = rng.choice(units_choices)
        pointers = ":".join(str(i + 1) for i in sorted(rng.sample(range(len(dx)), min(len(dx), 2))))
        lines.append((code, cents * units, units, pointers))
    total = sum(line[1] for line in lines)
    out.seg("CLM", ctx.next_pcn(), _money(total), "", "", "11:B:1", "Y", "A", "Y", "Y")
    out.seg("HI", *[("ABK:" if i == 0 else "ABF:") + c for i, c in enumerate(dx)])
    if rng.random() < 0.3:
        doc = rng.choice(rendering)
        out.seg("NM1", "82", "1", doc.last, doc.first, "", "", "", "XX", doc.npi)
        out.seg("PRV", "PE", "PXC", doc.taxonomy)
    for i, (code, cents, units, pointers) in enumerate(lines, 1):
        out.seg("LX", str(i))
        out.seg("SV1", f"HC:{code}", _money(cents), "UN", str(units), "", "", pointers)
        out.seg("DTP", "472", "D8", _d8(day))


def _claim_837i(ctx: _Ctx, out: _Out, attendings: list[_Doc]) -> None:
    rng = ctx.rng
    inpatient = rng.random() < 0.25
    lines: list[tuple[str, str, int, str, int]] = []  # rev, hcpcs, cents, unit, qty
    if inpatient:
        los = rng.randint(1, 6)
        # a stay that overlaps none of this person's other claims
        for _ in range(20):
            discharge = ctx.file_date - dt.timedelta(days=rng.randrange(3, 30))
            admit = discharge - dt.timedelta(days=los)
            stay = {admit + dt.timedelta(days=i) for i in range(los + 1)}
            if not stay & ctx.used_days:
                break
        ctx.used_days.update(stay)
        lines.append(("0120", "", 240000 * los, "DA", los))
        for rev, hcpcs, cents in rng.sample(_REV_INPATIENT, rng.randint(1, 3)):
            lines.append((rev, hcpcs, cents, "UN", 1))
        dx = [rng.choice(_ICD10_INPATIENT), *rng.sample(_ICD10, rng.randint(0, 3))]
        admitting = rng.choice(_ICD10_INPATIENT)
        start, end = admit, discharge
    else:
        day = ctx.service_date()
        for rev, hcpcs, cents in rng.sample(_REV_OUTPATIENT, rng.randint(1, 4)):
            lines.append((rev, hcpcs, cents, "UN", 1))
        dx = _diagnoses(rng, _ICD10, 3)
        admitting = ""
        start = end = day
    total = sum(line[2] for line in lines)
    tob = "11:A:1" if inpatient else "13:A:1"
    out.seg("CLM", ctx.next_pcn(), _money(total), "", "", tob, "", "A", "Y", "Y")
    if inpatient:
        out.seg("DTP", "096", "TM", f"{rng.randrange(9, 17):02d}{rng.choice(('00', '30'))}")
    out.seg("DTP", "434", "RD8", f"{_d8(start)}-{_d8(end)}")
    if inpatient:
        admit_time = f"{rng.randrange(0, 24):02d}{rng.randrange(60):02d}"
        out.seg("DTP", "435", "DT", f"{_d8(start)}{admit_time}")
        out.seg("CL1", rng.choice(("1", "2", "3")), rng.choice(("1", "7")), "01")
    else:
        out.seg("CL1", "", rng.choice(("1", "2")), "01")
    out.seg("HI", f"ABK:{dx[0]}")
    if inpatient:
        out.seg("HI", f"ABJ:{admitting}")
    if len(dx) > 1:
        out.seg("HI", *[f"ABF:{c}" for c in dx[1:]])
    doc = rng.choice(attendings)
    out.seg("NM1", "71", "1", doc.last, doc.first, "", "", "", "XX", doc.npi)
    out.seg("PRV", "AT", "PXC", doc.taxonomy)
    for i, (rev, hcpcs, cents, unit, qty) in enumerate(lines, 1):
        out.seg("LX", str(i))
        out.seg("SV2", rev, f"HC:{hcpcs}" if hcpcs else "", _money(cents), unit, str(qty))
        if not inpatient or hcpcs:
            out.seg("DTP", "472", "D8", _d8(start if not inpatient else end))


def _claim_837d(ctx: _Ctx, out: _Out, dentists: list[_Doc], child: bool) -> None:
    rng = ctx.rng
    day = ctx.service_date()
    n_lines = rng.choices((1, 2, 3, 4), weights=(30, 35, 20, 15))[0]
    picks = rng.sample(_CDT_LINES, n_lines)
    with_dx = rng.random() < 0.35
    dx = _diagnoses(rng, _ICD10_DENTAL, 2) if with_dx else []
    total = sum(p[1] for p in picks)
    out.seg("CLM", ctx.next_pcn(), _money(total), "", "", "11:B:1", "Y", "A", "Y", "Y")
    out.seg("DTP", "472", "D8", _d8(day))
    if dx:
        out.seg("HI", *[("ABK:" if i == 0 else "ABF:") + c for i, c in enumerate(dx)])
    if rng.random() < 0.5:
        doc = rng.choice(dentists)
        out.seg("NM1", "82", "1", doc.last, doc.first, "", "", "", "XX", doc.npi)
        out.seg("PRV", "PE", "PXC", doc.taxonomy)
    for i, (code, cents, tooth_kind) in enumerate(picks, 1):
        out.seg("LX", str(i))
        area = rng.choice(_QUADRANTS) if tooth_kind == "Q" else ""
        pointer = "1" if dx else ""
        out.seg("SV3", f"AD:{code}", _money(cents), "", area, "", "", "", "", "", "", pointer)
        if tooth_kind in ("T", "S"):
            if child and tooth_kind == "T" and code == "D7140":
                tooth = rng.choice("ABIJKLST")
            elif tooth_kind == "S":
                tooth = rng.choice(_POSTERIOR_TEETH)
            else:
                tooth = rng.choice(_POSTERIOR_TEETH + _ANTERIOR_TEETH)
            if tooth_kind == "S":
                if code in ("D2391", "D2140"):
                    surfaces = rng.choice(_SURFACES_POSTERIOR)
                else:
                    surfaces = rng.choice(("M:O", "O:D", "O:B", "O:L"))
                out.seg("TOO", "JP", tooth, surfaces)
            else:
                out.seg("TOO", "JP", tooth)


def _gen_837(ctx: _Ctx, counts: list[int]) -> Iterator[bytes]:
    rng = ctx.rng
    kind = ctx.kind
    out = _Out()
    if kind == "837p":
        providers = [ctx.org(n, _CLINIC_TAXONOMY) for n in _CLINIC_NAMES]
        docs = [ctx.doc(_PROF_TAXONOMIES) for _ in range(12)]
    elif kind == "837i":
        providers = [ctx.org(n, _HOSPITAL_TAXONOMY) for n in _HOSPITAL_NAMES]
        docs = [ctx.doc(_ATTENDING_TAXONOMIES) for _ in range(12)]
    else:
        providers = [ctx.org(n, _DENTIST_TAXONOMY) for n in _DENTAL_NAMES]
        docs = [ctx.doc((_DENTIST_TAXONOMY,)) for _ in range(8)]
    out.raw(ctx.isa(), 0)
    out.raw(ctx.gs(), 0)
    for st_index, n_claims in enumerate(counts):
        st02 = f"{ctx.st_base + st_index:04d}"
        out.count = 0
        _837_header(ctx, out, st02, st_index)
        hl = 0
        left = n_claims
        while left > 0:
            prov = rng.choice(providers)
            hl += 1
            prov_hl = hl
            _billing_provider(out, prov, prov_hl, with_prv=kind != "837i" or rng.random() < 0.5)
            for _ in range(rng.randint(3, 40)):
                if left <= 0:
                    break
                child = kind == "837d" and rng.random() < 0.4
                person = ctx.person(min_age=2 if child else 19, max_age=17 if child else 89)
                hl += 1
                _subscriber(out, person, hl, prov_hl)
                n = min(left, rng.choices((1, 2, 3, 4), weights=(50, 25, 15, 10))[0])
                for _ in range(n):
                    if kind == "837p":
                        _claim_837p(ctx, out, docs)
                    elif kind == "837i":
                        _claim_837i(ctx, out, docs)
                    else:
                        _claim_837d(ctx, out, docs, child)
                left -= n
                if out.full():
                    yield out.take()
        out.seg("SE", str(out.count + 1), st02)
    out.raw(f"GE*{len(counts)}*{ctx.gs06}{_SEG_END}IEA*1*{ctx.isa13}{_SEG_END}", 0)
    yield out.take()


# --------------------------------------------------------------------------------------
# 834 benefit enrollment
# --------------------------------------------------------------------------------------


def _member_834(
    ctx: _Ctx,
    out: _Out,
    p: _Person,
    sub_cin: str,
    rel: str,
    group: str,
    plan: str,
    pcp: _Doc,
    start: dt.date,
    end: dt.date | None,
) -> None:
    rng = ctx.rng
    if rel == "18":
        out.seg("INS", "Y", "18", "021", "28", "A", "", "", "FT")
    else:
        out.seg("INS", "N", rel, "021", "28", "A")
    out.seg("REF", "0F", sub_cin)
    out.seg("REF", "1L", group)
    if rel != "18":
        out.seg("REF", "23", p.cin)
    out.seg("DTP", "356", "D8", _d8(start))
    out.seg("NM1", "IL", "1", p.last, p.first, p.middle)
    if rel == "18":
        out.seg(
            "PER",
            "IP",
            "",
            "HP",
            f"{rng.choice(('209', '559', '916', '510'))}555{rng.randrange(100, 200):04d}",
        )
    out.seg("N3", p.street)
    out.seg("N4", p.city, "CA", p.zip9)
    out.seg("DMG", "D8", _d8(p.dob), p.sex)
    if rng.random() < 0.7:
        out.seg("LUI", "LE", rng.choice(_LANGUAGES), "", "7")
    out.seg("HD", "021", "", "HLT", plan, "IND")
    out.seg("DTP", "348", "D8", _d8(start))
    if end is not None:
        out.seg("DTP", "349", "D8", _d8(end))
    out.seg("LX", "1")
    out.seg("NM1", "P3", "1", pcp.last, pcp.first, "", "", "", "XX", pcp.npi, "25")


def _gen_834(ctx: _Ctx, counts: list[int]) -> Iterator[bytes]:
    rng = ctx.rng
    out = _Out()
    pcps = [ctx.doc(_PROF_TAXONOMIES) for _ in range(15)]
    plans = ("MCLHMO01", "MCLHMO02", "MCLCCS01")
    cov_start = ctx.file_date.replace(day=1)
    out.raw(ctx.isa(), 0)
    out.raw(ctx.gs(), 0)
    for st_index, n_members in enumerate(counts):
        st02 = f"{ctx.st_base + st_index:04d}"
        out.count = 0
        out.seg("ST", "834", st02, "005010X220A1")
        out.seg(
            "BGN",
            "00",
            f"ENR{ctx.isa13}{st_index:03d}",
            _d8(ctx.file_date),
            ctx.file_time,
            "",
            "",
            "",
            "2",
        )
        out.seg("REF", "38", f"MCLMC{ctx.seed % 100000:05d}")
        out.seg("DTP", "007", "D8", _d8(cov_start))
        out.seg("N1", "P5", _SPONSOR_NAME, "FI", "680000001")
        out.seg("N1", "IN", _PLAN_NAME, "FI", ctx.payer_ein)
        left = n_members
        while left > 0:
            n_dep = min(left - 1, rng.choices((0, 1, 2, 3), weights=(55, 20, 15, 10))[0])
            sub = ctx.person(min_age=19, max_age=80)
            group = f"MCL{rng.randrange(10000, 100000)}"
            plan = rng.choice(plans)
            end = dt.date(2026, 12, 31) if rng.random() < 0.15 else None
            pcp = rng.choice(pcps)
            _member_834(ctx, out, sub, sub.cin, "18", group, plan, pcp, cov_start, end)
            home = (sub.street, sub.city, sub.zip9)
            for _ in range(n_dep):
                spouse = rng.random() < 0.3
                dep = ctx.person(
                    min_age=19 if spouse else 0,
                    max_age=75 if spouse else 18,
                    last=sub.last,
                    address=home,
                )
                _member_834(
                    ctx,
                    out,
                    dep,
                    sub.cin,
                    "01" if spouse else "19",
                    group,
                    plan,
                    pcp,
                    cov_start,
                    end,
                )
            left -= 1 + n_dep
            if out.full():
                yield out.take()
        out.seg("SE", str(out.count + 1), st02)
    out.raw(f"GE*{len(counts)}*{ctx.gs06}{_SEG_END}IEA*1*{ctx.isa13}{_SEG_END}", 0)
    yield out.take()


# --------------------------------------------------------------------------------------
# 835 remittance advice
# --------------------------------------------------------------------------------------


def _claim_835(ctx: _Ctx, body: _Out) -> int:
    """Write one CLP loop into ``body``; return its CLP04 (cents)."""
    rng = ctx.rng
    status = rng.choices(("1", "2", "4", "22"), weights=(78, 8, 10, 4))[0]
    day = ctx.service_date(60)
    n_lines = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
    # per line: code, charge, paid, [(group, reason, amount)], remark
    lines: list[tuple[str, int, int, list[tuple[str, str, int]], str]] = []
    for _ in range(n_lines):
        code, cents, _units = rng.choice(_CPT_LINES)
        adjustments: list[tuple[str, str, int]] = []
        remark = ""
        if status == "4":
            reason = rng.choice(("16", "29", "96", "197", "204"))
            adjustments.append(("CO", reason, cents))
            paid = 0
            if reason in ("96", "204") and rng.random() < 0.6:
                remark = "N130"
        else:
            allowed = cents * rng.randrange(55, 91) // 100
            patient = 0
            if rng.random() < 0.15:
                patient = min(allowed, rng.choice((500, 1000, 1500)))
            paid = allowed - patient
            if cents - allowed:
                adjustments.append(("CO", "45", cents - allowed))
            if patient:
                adjustments.append(("PR", rng.choice(("1", "2", "3")), patient))
            if rng.random() < 0.03:
                remark = "N130"
        lines.append((code, cents, paid, adjustments, remark))
    charge = sum(line[1] for line in lines)
    line_paid = sum(line[2] for line in lines)
    patient_resp = sum(a[2] for line in lines for a in line[3] if a[0] == "PR")
    claim_adj = 0
    if status == "2" and line_paid > 0:
        claim_adj = line_paid * rng.randrange(20, 60) // 100
    paid = line_paid - claim_adj
    sign = -1 if status == "22" else 1
    m = _money
    body.seg(
        "CLP",
        ctx.next_pcn(),
        status,
        m(sign * charge),
        m(sign * paid),
        m(sign * patient_resp) if patient_resp else "",
        "MC",
        f"{ctx.file_date.year}{rng.randrange(10**9):09d}",
        "11",
        "1",
    )
    if claim_adj:
        body.seg("CAS", "OA", "23", m(sign * claim_adj))
    p = ctx.person(min_age=1, max_age=89)
    body.seg("NM1", "QC", "1", p.last, p.first, p.middle, "", "", "MR", p.cin)
    body.seg("DTM", "050", _d8(day + dt.timedelta(days=2)))
    for code, cents, lpaid, adjustments, remark in lines:
        body.seg("SVC", f"HC:{code}", m(sign * cents), m(sign * lpaid), "", "1")
        body.seg("DTM", "472", _d8(day))
        for group in ("CO", "PR"):
            parts: list[str] = []
            for g, reason, amount in adjustments:
                if g == group:
                    parts += [reason, m(sign * amount), ""]
            if parts:
                body.seg("CAS", group, *parts)
        if remark:
            body.seg("LQ", "HE", remark)
    return sign * paid


def _gen_835(ctx: _Ctx, counts: list[int]) -> Iterator[bytes]:
    rng = ctx.rng
    out = _Out()
    payees = [ctx.org(n, _CLINIC_TAXONOMY) for n in _CLINIC_NAMES]
    payer_street, payer_city, payer_zip = ctx.address()
    routing_payer = f"12100{rng.randrange(1000, 10000)}"
    out.raw(ctx.isa(), 0)
    out.raw(ctx.gs(), 0)
    for st_index, n_claims in enumerate(counts):
        st02 = f"{ctx.st_base + st_index:04d}"
        payee = payees[(st_index + ctx.seed) % len(payees)]
        pay_date = ctx.file_date + dt.timedelta(days=2)
        body = _Out()
        body.seg("LX", "1")
        total_paid = 0
        for _ in range(n_claims):
            total_paid += _claim_835(ctx, body)
        plb: list[tuple[str, str, int]] = []
        if rng.random() < 0.4 and total_paid > 10000:
            plb.append(
                ("WO", f"RCV{rng.randrange(10**6):06d}", total_paid * rng.randint(1, 8) // 100)
            )
            if rng.random() < 0.5:
                plb.append(("L6", "", -rng.randrange(100, 2500)))
        if plb:
            parts: list[str] = []
            for code, ref, amount in plb:
                parts += [f"{code}:{ref}" if ref else code, _money(amount)]
            body.seg("PLB", payee.npi, "20261231", *parts)
        bpr02 = total_paid - sum(a for _, _, a in plb)
        out.count = 0
        out.seg("ST", "835", st02, "005010X221A1")
        if bpr02 > 0:
            out.seg(
                "BPR",
                "I",
                _money(bpr02),
                "C",
                "ACH",
                "CCP",
                "01",
                routing_payer,
                "DA",
                f"{rng.randrange(10**9, 10**10)}",
                f"1{ctx.payer_ein}",
                "",
                "01",
                f"12200{rng.randrange(1000, 10000)}",
                "DA",
                f"{rng.randrange(10**8, 10**9)}",
                _d8(pay_date),
            )
        else:
            out.seg(
                "BPR",
                "H",
                "0",
                "C",
                "NON",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                _d8(pay_date),
            )
        out.seg("TRN", "1", f"EFT{ctx.isa13}{st_index:04d}", f"1{ctx.payer_ein}")
        out.seg("DTM", "405", _d8(ctx.file_date))
        out.seg("N1", "PR", _PLAN_NAME)
        out.seg("N3", payer_street)
        out.seg("N4", payer_city, "CA", payer_zip)
        out.seg("PER", "BL", "PROVIDER EDI SERVICES", "TE", "8005550142")
        out.seg("N1", "PE", payee.name, "XX", payee.npi)
        out.seg("N3", payee.street)
        out.seg("N4", payee.city, "CA", payee.zip9)
        out.seg("REF", "TJ", payee.ein)
        yield out.take()
        # body chunks: ~1 MB at most per yield
        batch: list[str] = []
        size = 0
        for part in body.parts:
            batch.append(part)
            size += len(part)
            if size >= 4 * _CHUNK_BYTES:
                yield "".join(batch).encode("ascii")
                batch, size = [], 0
        if batch:
            yield "".join(batch).encode("ascii")
        n_segments = 1 + out.count + body.count  # ST..header, body, SE
        out.count = 0
        body = _Out()
        out.seg("SE", str(n_segments), st02)
    out.raw(f"GE*{len(counts)}*{ctx.gs06}{_SEG_END}IEA*1*{ctx.isa13}{_SEG_END}", 0)
    yield out.take()


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def generate(
    kind: str, count: int, seed: int = 0, *, claims_per_st: int | None = None
) -> Iterator[bytes]:
    """Yield a valid synthetic X12 5010 file of ``kind`` in chunks of bytes.

    ``count`` is the number of claims (837: CLM loops), members (834: INS loops) or
    claim payments (835: CLP loops).  Transaction sets are split every ``claims_per_st``
    items (default 5,000; 10,000 members for 834).  Chunks are a few KB up to about
    1 MB; only one chunk (plus, for 835, one ST body) is held in memory at a time.
    """
    kind = kind.lower()
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if count < 1:
        raise ValueError("count must be at least 1")
    per_st = _DEFAULT_PER_ST[kind] if claims_per_st is None else claims_per_st
    if per_st < 1:
        raise ValueError("claims_per_st must be at least 1")
    ctx = _Ctx(kind, seed)
    counts = _per_st_counts(count, per_st)
    if kind == "834":
        return _gen_834(ctx, counts)
    if kind == "835":
        return _gen_835(ctx, counts)
    return _gen_837(ctx, counts)


def generate_bytes(kind: str, count: int, seed: int = 0) -> bytes:
    """Return the whole generated file as one ``bytes`` object (small counts only)."""
    return b"".join(generate(kind, count, seed))


def write_file(path: str | os.PathLike[str], kind: str, count: int, seed: int = 0) -> int:
    """Stream a generated file to ``path``; return the number of bytes written."""
    written = 0
    with open(path, "wb") as fh:
        for chunk in generate(kind, count, seed):
            fh.write(chunk)
            written += len(chunk)
    return written
