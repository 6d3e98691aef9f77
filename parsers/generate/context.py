"""What every generator shares: the kinds and their versions, NPIs, the segment buffer
(``Out``), the synthetic parties and the per-file state (``Context``: RNG, dates, control
numbers, ISA and GS)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .vocabulary import CITIES, FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, MIDDLE_INITIALS, STREETS

__all__ = [
    "CHUNK_BYTES",
    "DEFAULT_PER_ST",
    "KINDS",
    "SEG_END",
    "VERSIONS",
    "Context",
    "Doc",
    "Org",
    "Out",
    "Person",
    "d8",
    "make_npi",
    "money",
    "npi_check_digit",
    "per_st_counts",
]

KINDS = ("834", "835", "837p", "837i", "837d")

#: kind -> (GS01 functional identifier code, ST01, GS08/ST03 version)
VERSIONS: dict[str, tuple[str, str, str]] = {
    "834": ("BE", "834", "005010X220A1"),
    "835": ("HP", "835", "005010X221A1"),
    "837p": ("HC", "837", "005010X222A1"),
    "837i": ("HC", "837", "005010X223A2"),
    "837d": ("HC", "837", "005010X224A2"),
}

DEFAULT_PER_ST = {"834": 10_000, "835": 5_000, "837p": 5_000, "837i": 5_000, "837d": 5_000}

CHUNK_BYTES = 256 * 1024
SEG_END = "~\n"


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


def d8(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def money(cents: int) -> str:
    """X12 R-type amount without superfluous zeros: 7500 -> '75', 7550 -> '75.5'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    whole, frac = divmod(cents, 100)
    if frac == 0:
        return f"{sign}{whole}"
    if frac % 10 == 0:
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}.{frac:02d}"


class Out:
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
        text = "*".join(elements[:n]) + SEG_END
        self.parts.append(text)
        self.size += len(text)
        self.count += 1

    def raw(self, text: str, segments: int) -> None:
        self.parts.append(text)
        self.size += len(text)
        self.count += segments

    def full(self) -> bool:
        return self.size >= CHUNK_BYTES

    def take(self) -> bytes:
        data = "".join(self.parts).encode("ascii")
        self.parts = []
        self.size = 0
        return data


@dataclass(frozen=True, slots=True)
class Person:
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
class Org:
    name: str
    npi: str
    ein: str
    street: str
    city: str
    zip9: str
    taxonomy: str


@dataclass(frozen=True, slots=True)
class Doc:
    last: str
    first: str
    npi: str
    taxonomy: str


class Context:
    """Per-file state: RNG, dates, control numbers, reusable synthetic parties."""

    def __init__(self, kind: str, seed: int) -> None:
        self.kind = kind
        self.seed = seed
        self.rng = random.Random(seed * 101 + KINDS.index(kind) + 7)
        rng = self.rng
        # file date: fixed in 2026, late enough that every service date stays in 2026, and
        # no later than 2026-12-01, so that no service date is after a file received since
        # (a future date of service rejects the claim)
        self.file_date = min(
            dt.date(2026, 2, 16) + dt.timedelta(days=rng.randrange(300)), dt.date(2026, 12, 1)
        )
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
        city, zip3 = rng.choice(CITIES)
        street = f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}"
        zip9 = f"{zip3}{rng.randrange(100):02d}{rng.randrange(1, 10000):04d}"
        return street, city, zip9

    def person(
        self,
        *,
        min_age: int = 0,
        max_age: int = 90,
        last: str | None = None,
        address: tuple[str, str, str] | None = None,
    ) -> Person:
        rng = self.rng
        self.used_days = set()
        sex = rng.choice("FM")
        first = rng.choice(FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M)
        age_days = rng.randrange(min_age * 365 + 1, max_age * 365 + 1)
        dob = dt.date(2026, 1, 1) - dt.timedelta(days=age_days)
        street, city, zip9 = address if address is not None else self.address()
        return Person(
            last=last if last is not None else rng.choice(LAST_NAMES),
            first=first,
            middle=rng.choice(MIDDLE_INITIALS) if rng.random() < 0.4 else "",
            cin=self.new_cin(),
            dob=dob,
            sex=sex,
            street=street,
            city=city,
            zip9=zip9,
        )

    def org(self, name: str, taxonomy: str) -> Org:
        street, city, zip9 = self.address()
        return Org(
            name=name,
            npi=make_npi(self.rng),
            ein=f"{self.rng.choice(('33', '68', '94', '95'))}{self.rng.randrange(10**7):07d}",
            street=street,
            city=city,
            zip9=zip9,
            taxonomy=taxonomy,
        )

    def doc(self, taxonomies: tuple[str, ...]) -> Doc:
        rng = self.rng
        first = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
        return Doc(rng.choice(LAST_NAMES), first, make_npi(rng), rng.choice(taxonomies))

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
        gs01, _, version = VERSIONS[self.kind]
        return (
            "*".join(
                (
                    "GS",
                    gs01,
                    self.sender,
                    self.receiver,
                    d8(self.file_date),
                    self.file_time,
                    self.gs06,
                    "X",
                    version,
                )
            )
            + SEG_END
        )


def per_st_counts(count: int, per_st: int) -> list[int]:
    if count <= 0:
        return [0]
    full, rest = divmod(count, per_st)
    return [per_st] * full + ([rest] if rest else [])
