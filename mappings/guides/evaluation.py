"""What a compiled rule is evaluated against, and with what.

A guide's rules are turned into :class:`Check` objects once (``kinds.py`` builds them from
the YAML parameters; ``checks.py`` and ``cross_checks.py`` hold the kinds); evaluating a rule
is then a method call over the values its references found (``Env.slots``: one list of
:class:`Hit` per distinct reference, filled in one pass over the claim's segments by
``program.py``). Here: the environment, the violations, the reference numbering, the
conditions (``when``) and the value readers (amounts, cents, dates) every check shares.
The module is compiled with mypyc when a C compiler is present, like the parser.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final

from .paths import Hit, ValuePath

__all__ = [
    "GOOD_MAX",
    "NO_CENTS",
    "AllOf",
    "AnyOf",
    "Check",
    "Cond",
    "Env",
    "HistoryLookup",
    "Present",
    "Slots",
    "ValueIn",
    "Violation",
    "amount",
    "cents",
    "component_separator",
    "day_number",
    "day_of",
    "iso_date",
]

#: ``history(question, **args)`` answers look-ups against stored data (the gateway's
#: database): "claim_exists" and "member_eligible". None means "cannot tell".
HistoryLookup = Callable[..., bool | None]

#: the largest number of accepted values a check remembers before starting afresh
GOOD_MAX: Final = 65536


class Violation:
    """A value that breaks a rule (or None when something is missing) and the words that
    fill the rule's message."""

    __slots__ = ("hit", "words")

    def __init__(self, hit: Hit | None, words: dict[str, str]) -> None:
        # a copy: the program reuses its Hit objects from one claim to the next
        self.hit = Hit(hit.value, hit.segment, hit.loop, hit.element) if hit is not None else None
        self.words = words


class Slots:
    """The distinct value references of a program, numbered; rules refer to them by number."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.paths: list[ValuePath] = []
        #: the numbers handed out since the last ``take_used`` (the references of one rule)
        self.used: list[int] = []

    def slot(self, path: ValuePath) -> int:
        known = self.index.get(path.text)
        if known is None:
            known = self.index[path.text] = len(self.paths)
            self.paths.append(path)
        if known not in self.used:
            self.used.append(known)
        return known

    def take_used(self) -> list[int]:
        used = self.used
        self.used = []
        return used


class Env:
    """One evaluation: the values each reference found, and what rules may consult."""

    def __init__(
        self,
        slots: list[list[Hit]],
        receipt_date: dt.date,
        history: HistoryLookup | None,
        unit_count: int = 0,
    ) -> None:
        self.slots = slots
        self.receipt_date = receipt_date
        self.receipt_day = receipt_date.toordinal()
        self.history = history
        self.unit_count = unit_count


def component_separator(hit: Hit) -> str:
    """The file's component separator (ISA16) for splitting a composite value."""
    seg = hit.segment
    if seg is not None and seg.component_separator:
        return seg.component_separator
    return ":"


def amount(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


_MONTH_DAYS: Final[tuple[int, ...]] = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DAYS_BEFORE: Final[tuple[int, ...]] = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def day_number(value: str) -> int:
    """A D8 date, or the first date of an RD8 range, as a proleptic ordinal (as
    ``date.toordinal``); 0 when it is not a valid date. Plain integer work: rules compare
    dates for every claim."""
    if len(value) < 8 or (len(value) > 8 and value[8] != "-"):
        return 0
    digits = 0
    for i in range(8):
        d = ord(value[i]) - 48
        if d < 0 or d > 9:
            return 0
        digits = digits * 10 + d
    year = digits // 10000
    month = digits // 100 % 100
    day = digits % 100
    if year < 1 or month < 1 or month > 12 or day < 1:
        return 0
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > (29 if month == 2 and leap else _MONTH_DAYS[month]):
        return 0
    y = year - 1
    ordinal = y * 365 + y // 4 - y // 100 + y // 400 + _DAYS_BEFORE[month] + day
    return ordinal + 1 if month > 2 and leap else ordinal


#: day numbers of the date texts seen lately (a file repeats its dates claim after claim)
_DAYS: Final[dict[str, int]] = {}


def day_of(hit: Hit) -> int:
    """The hit's value as a day number, worked out once per hit (several rules read it)
    and remembered by text."""
    day = hit.day
    if day < 0:
        value = hit.value
        known = _DAYS.get(value)
        if known is None:
            if len(_DAYS) >= GOOD_MAX:
                _DAYS.clear()
            known = _DAYS[value] = day_number(value)
        day = hit.day = known
    return day


_ISO: Final[dict[int, str]] = {}


def iso_date(day: int) -> str:
    """The day number as CCYY-MM-DD, remembered by number (a late claim's words name the
    same few dates again and again)."""
    text = _ISO.get(day)
    if text is None:
        if len(_ISO) >= GOOD_MAX:
            _ISO.clear()
        text = _ISO[day] = dt.date.fromordinal(day).isoformat()
    return text


# --- conditions (``when``) --------------------------------------------------------------------


class Cond(ABC):
    """A rule's ``when`` condition over the values found."""

    @abstractmethod
    def holds(self, env: Env) -> bool:
        """Whether the condition holds for these values."""


class AllOf(Cond):
    def __init__(self, parts: list[Cond]) -> None:
        self.parts = parts

    def holds(self, env: Env) -> bool:
        return all(part.holds(env) for part in self.parts)


class AnyOf(Cond):
    def __init__(self, parts: list[Cond]) -> None:
        self.parts = parts

    def holds(self, env: Env) -> bool:
        return any(part.holds(env) for part in self.parts)


class Present(Cond):
    def __init__(self, slot: int, negate: bool) -> None:
        self.slot = slot
        self.negate = negate

    def holds(self, env: Env) -> bool:
        found = len(env.slots[self.slot]) > 0
        return not found if self.negate else found


class ValueIn(Cond):
    """Some value is one of ``values`` (equals, in); with ``negate``: there are values and
    none of them is one of ``values`` (not_in)."""

    def __init__(self, slot: int, values: frozenset[str], negate: bool) -> None:
        self.slot = slot
        self.values = values
        self.negate = negate

    def holds(self, env: Env) -> bool:
        hits = env.slots[self.slot]
        if self.negate:
            if not hits:
                return False
            return all(hit.value not in self.values for hit in hits)
        return any(hit.value in self.values for hit in hits)


# --- checks ----------------------------------------------------------------------------------


class Check(ABC):
    """One rule kind with its parameters; ``run`` appends a violation per value at fault.

    ``trigger``: a reference without which the check finds nothing (its field), so the
    program skips the check when that reference found no value; -1 when there is none
    (``required``, ``max_units``)."""

    trigger: int = -1

    @abstractmethod
    def run(self, env: Env, out: list[Violation]) -> None:
        """Append a violation for each value at fault."""


NO_CENTS: Final = -(2**62)


def cents(value: str) -> int:
    """An amount with at most two decimals in cents (``"125.5"`` is 12550); ``NO_CENTS``
    for anything else (more decimals, exponents), which then goes through Decimal."""
    n = len(value)
    if n == 0 or n > 15:
        return NO_CENTS
    i = 0
    negative = False
    if ord(value[0]) == 45:  # -
        negative = True
        i = 1
    whole = 0
    digits = 0
    while i < n:
        d = ord(value[i]) - 48
        if d < 0 or d > 9:
            break
        whole = whole * 10 + d
        i += 1
        digits += 1
    fraction = 0
    places = 0
    if i < n and ord(value[i]) == 46:  # .
        i += 1
        while i < n:
            d = ord(value[i]) - 48
            if d < 0 or d > 9:
                break
            if places == 2:
                return NO_CENTS
            fraction = fraction * 10 + d
            places += 1
            i += 1
    if i != n or digits + places == 0:
        return NO_CENTS
    if places == 1:
        fraction *= 10
    total = whole * 100 + fraction
    return -total if negative else total
