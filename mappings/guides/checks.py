"""Compiled rule checks: what each rule kind does at run time, with its parameters resolved.

A guide's rules are turned into these objects once (``kinds.py`` builds them from the YAML
parameters); evaluating a rule is then a method call over the values its references found
(``Env.slots``: one list of :class:`Hit` per distinct reference, filled in one pass over the
claim's segments by ``program.py``). Checks whose answer depends only on the value (code
formats, code sets, patterns) remember the values they have accepted, so the billing
provider's NPI under a thousand claims is checked once. The module is compiled with mypyc
when a C compiler is present, like the parser.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final

from .paths import Hit, ValuePath

__all__ = [
    "Check",
    "Cond",
    "Env",
    "HistoryLookup",
    "Slots",
    "Violation",
]

#: ``history(question, **args)`` answers look-ups against stored data (the gateway's
#: database): "claim_exists" and "member_eligible". None means "cannot tell".
HistoryLookup = Callable[..., bool | None]

#: the largest number of accepted values a check remembers before starting afresh
_GOOD_MAX: Final = 65536


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


def _sep(hit: Hit) -> str:
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
            if len(_DAYS) >= _GOOD_MAX:
                _DAYS.clear()
            known = _DAYS[value] = day_number(value)
        day = hit.day = known
    return day


def _iso(day: int) -> str:
    return dt.date.fromordinal(day).isoformat()


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


class RequiredCheck(Check):
    def __init__(self, slot: int, field: str) -> None:
        self.slot = slot
        self.field = field

    def run(self, env: Env, out: list[Violation]) -> None:
        if not env.slots[self.slot]:
            out.append(Violation(None, {"field": self.field}))


class ForbiddenCheck(Check):
    def __init__(self, slot: int) -> None:
        self.trigger = slot
        self.slot = slot

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            out.append(Violation(hit, {"value": hit.value}))


class AllowedCheck(Check):
    def __init__(self, slot: int, allowed: frozenset[str]) -> None:
        self.trigger = slot
        self.slot = slot
        self.allowed = allowed
        self.expected = ", ".join(sorted(allowed))

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            if hit.value not in self.allowed:
                out.append(Violation(hit, {"value": hit.value, "expected": self.expected}))


class PatternCheck(Check):
    def __init__(self, slot: int, regex: re.Pattern[str], describe: str) -> None:
        self.trigger = slot
        self.slot = slot
        self.regex = regex
        self.describe = describe
        self.good: set[str] = set()

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            value = hit.value
            if value in self.good:
                continue
            if self.regex.fullmatch(value):
                if len(self.good) >= _GOOD_MAX:
                    self.good.clear()
                self.good.add(value)
            else:
                out.append(Violation(hit, {"value": value, "expected": self.describe}))


class LengthCheck(Check):
    def __init__(self, slot: int, low: int, high: int) -> None:
        self.trigger = slot
        self.slot = slot
        self.low = low
        self.high = high

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            if not self.low <= len(hit.value) <= self.high:
                out.append(
                    Violation(
                        hit, {"value": hit.value, "expected": f"{self.low}-{self.high} characters"}
                    )
                )


class DateWindowCheck(Check):
    """``not_after_receipt``, ``max_days_before_receipt`` (-1: none), ``not_before`` (a
    fixed date), ``not_before_slot`` / ``not_after_slot`` (another reference, -1: none)."""

    def __init__(
        self,
        slot: int,
        not_after_receipt: bool,
        max_days: int,
        not_before: dt.date | None,
        not_before_text: str,
        not_before_slot: int,
        not_after_slot: int,
    ) -> None:
        self.trigger = slot
        self.slot = slot
        self.not_after_receipt = not_after_receipt
        self.max_days = max_days
        self.not_before = not_before.toordinal() if not_before is not None else 0
        self.not_before_text = not_before_text
        self.not_before_slot = not_before_slot
        self.not_after_slot = not_after_slot

    def _other(self, env: Env, slot: int, latest: bool) -> int:
        ref = 0
        for other in env.slots[slot]:
            day = day_of(other)
            if day and (not ref or (day > ref if latest else day < ref)):
                ref = day
        return ref

    def run(self, env: Env, out: list[Violation]) -> None:
        receipt = env.receipt_day
        for hit in env.slots[self.slot]:
            day = day_of(hit)
            if not day:
                continue
            late = self.not_after_receipt and day > receipt
            stale = self.max_days >= 0 and receipt - day > self.max_days
            early = day < self.not_before
            before = after = 0
            if self.not_before_slot >= 0:
                # not before any of them: the latest counts
                ref = self._other(env, self.not_before_slot, True)
                if ref and day < ref:
                    before = ref
            if self.not_after_slot >= 0:
                # not after any of them: the earliest counts
                ref = self._other(env, self.not_after_slot, False)
                if ref and day > ref:
                    after = ref
            if late or stale or early or before or after:
                self._violations(hit, day, receipt, late, stale, early, before, after, out)

    def _violations(
        self,
        hit: Hit,
        day: int,
        receipt: int,
        late: bool,
        stale: bool,
        early: bool,
        before: int,
        after: int,
        out: list[Violation],
    ) -> None:
        words = {"value": _iso(day), "receipt": _iso(receipt)}
        if late:
            out.append(Violation(hit, {**words, "expected": "not after the date received"}))
        if stale:
            out.append(
                Violation(
                    hit,
                    {
                        **words,
                        "days": str(receipt - day),
                        "expected": f"within {self.max_days} days of receipt",
                    },
                )
            )
        if early:
            out.append(Violation(hit, {**words, "expected": f"on or after {self.not_before_text}"}))
        for ref, rel in ((before, "before"), (after, "after")):
            if ref:
                out.append(
                    Violation(
                        hit,
                        {**words, "other": _iso(ref), "expected": f"not {rel} {_iso(ref)}"},
                    )
                )


_NO_CENTS: Final = -(2**62)


def cents(value: str) -> int:
    """An amount with at most two decimals in cents (``"125.5"`` is 12550); ``_NO_CENTS``
    for anything else (more decimals, exponents), which then goes through Decimal."""
    n = len(value)
    if n == 0 or n > 15:
        return _NO_CENTS
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
                return _NO_CENTS
            fraction = fraction * 10 + d
            places += 1
            i += 1
    if i != n or digits + places == 0:
        return _NO_CENTS
    if places == 1:
        fraction *= 10
    total = whole * 100 + fraction
    return -total if negative else total


def _sum(env: Env, slots: list[int]) -> Decimal:
    total = Decimal(0)
    for slot in slots:
        for hit in env.slots[slot]:
            value = amount(hit.value)
            if value is not None:
                total += value
    return total


class SumCheck(Check):
    """``total`` equals the sum of ``parts`` minus the sum of ``minus`` (to the cent)."""

    def __init__(self, total: int, parts: list[int], minus: list[int]) -> None:
        self.trigger = total
        self.total = total
        self.parts = parts
        self.minus = minus

    def _balances(self, env: Env) -> bool:
        """The common case in integer cents: True when it balances, False when it does not
        or when some amount needs Decimal."""
        total = cents(env.slots[self.total][0].value)
        if total == _NO_CENTS:
            return False
        for slot in self.parts:
            for hit in env.slots[slot]:
                part = cents(hit.value)
                if part == _NO_CENTS:
                    return False
                total -= part
        for slot in self.minus:
            for hit in env.slots[slot]:
                part = cents(hit.value)
                if part == _NO_CENTS:
                    return False
                total += part
        return total == 0

    def run(self, env: Env, out: list[Violation]) -> None:
        totals = env.slots[self.total]
        if not totals or self._balances(env):
            return
        expected = _sum(env, self.parts)
        if self.minus:
            expected -= _sum(env, self.minus)
        first = totals[0]
        total = amount(first.value)
        if total is not None and total != expected:
            out.append(
                Violation(
                    first,
                    {
                        "total": first.value,
                        "value": first.value,
                        "sum": f"{expected:.2f}",
                        "difference": f"{total - expected:.2f}",
                    },
                )
            )


class EqualsCheck(Check):
    """Every value of ``field`` equals every value of ``other`` (cross-segment equality)."""

    def __init__(self, slot: int, other: int) -> None:
        self.trigger = slot
        self.slot = slot
        self.other = other

    def run(self, env: Env, out: list[Violation]) -> None:
        others = {h.value.strip() for h in env.slots[self.other]}
        if not others:
            return
        for hit in env.slots[self.slot]:
            value = hit.value.strip()
            if value not in others:
                out.append(Violation(hit, {"value": value, "expected": ", ".join(sorted(others))}))


class DistinctCheck(Check):
    """Values of ``field`` occur at most once within the evaluation context (the claim)."""

    def __init__(self, slot: int, qualifier_only: bool) -> None:
        self.trigger = slot
        self.slot = slot
        self.qualifier_only = qualifier_only

    def run(self, env: Env, out: list[Violation]) -> None:
        hits = env.slots[self.slot]
        if len(hits) < 2:
            return
        seen: set[str] = set()
        for hit in hits:
            key = hit.value.split(_sep(hit))[0] if self.qualifier_only else hit.value
            if key in seen:
                out.append(Violation(hit, {"value": key}))
            seen.add(key)


class UniqueCheck(Check):
    """A value (e.g. CLM01 for a billing provider) is unique within the file, or also
    against history (claims accepted before), when the gateway provides history."""

    def __init__(self, slot: int, per: list[int], history: bool) -> None:
        self.trigger = slot
        self.slot = slot
        self.per = per
        self.use_history = history
        self.seen: set[str] = set()

    def run(self, env: Env, out: list[Violation]) -> None:
        hits = env.slots[self.slot]
        if not hits:
            return
        scope = "|".join([h.value for s in self.per for h in env.slots[s]])
        for hit in hits:
            key = f"{scope}|{hit.value}"
            if key in self.seen:
                out.append(Violation(hit, {"value": hit.value, "where": "earlier in this file"}))
                continue
            self.seen.add(key)
            if (
                self.use_history
                and env.history is not None
                and env.history("claim_exists", claim_id=hit.value, scope=scope)
            ):
                out.append(Violation(hit, {"value": hit.value, "where": "in an earlier file"}))


class CodeSetCheck(Check):
    """The value (or its first ``prefix`` characters) is in a code set."""

    def __init__(
        self, slot: int, codes: frozenset[str], prefix: int, name: str, version: str
    ) -> None:
        self.trigger = slot
        self.slot = slot
        self.codes = codes
        self.prefix = prefix
        self.name = name
        self.version = version

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            value = hit.value[: self.prefix] if self.prefix else hit.value
            if value not in self.codes:
                out.append(
                    Violation(hit, {"value": value, "set": self.name, "version": self.version})
                )


class FormatCheck(Check):
    """A check function (NPI check digit, ICD-10 shape...) on the value or one component."""

    def __init__(
        self,
        slot: int,
        check: str,
        fns: list[Callable[[str], bool]],
        component: int,
        skip: frozenset[str],
    ) -> None:
        self.trigger = slot
        self.slot = slot
        self.check = check
        self.fns = fns
        self.component = component
        self.skip = skip
        self.good: set[str] = set()
        #: whole composite values already accepted, for the separator they came with
        self.good_raw: set[str] = set()
        self.good_sep = ""

    def _valid(self, value: str) -> bool:
        if value in self.good:
            return True
        for fn in self.fns:
            if fn(value):
                if len(self.good) >= _GOOD_MAX:
                    self.good.clear()
                self.good.add(value)
                return True
        return False

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            value = hit.value
            if self.component:
                sep = _sep(hit)
                if sep != self.good_sep:
                    self.good_raw.clear()
                    self.good_sep = sep
                elif value in self.good_raw:
                    continue
                parts = value.split(sep)
                if not (self.skip and parts[0] in self.skip):
                    part = parts[self.component - 1] if len(parts) >= self.component else ""
                    if part and not self._valid(part):
                        out.append(Violation(hit, {"value": part, "check": self.check}))
                        continue
                if len(self.good_raw) >= _GOOD_MAX:
                    self.good_raw.clear()
                self.good_raw.add(value)
            elif not self._valid(value):
                out.append(Violation(hit, {"value": value, "check": self.check}))


class CountMaxCheck(Check):
    def __init__(self, slot: int, most: int) -> None:
        self.trigger = slot
        self.slot = slot
        self.most = most

    def run(self, env: Env, out: list[Violation]) -> None:
        hits = env.slots[self.slot]
        if len(hits) > self.most:
            out.append(Violation(hits[self.most], {"count": str(len(hits)), "max": str(self.most)}))


class MaxUnitsCheck(Check):
    def __init__(self, most: int) -> None:
        self.most = most

    def run(self, env: Env, out: list[Violation]) -> None:
        if env.unit_count > self.most:
            out.append(Violation(None, {"count": str(env.unit_count), "max": str(self.most)}))


class EligibleCheck(Check):
    """The member is eligible on the date of service, per the 834 data the gateway holds."""

    def __init__(self, member: int, date: int) -> None:
        self.trigger = member
        self.member = member
        self.date = date

    def run(self, env: Env, out: list[Violation]) -> None:
        members = env.slots[self.member]
        if not members or env.history is None:
            return
        day = 0
        for hit in env.slots[self.date]:
            d = day_of(hit)
            if d and (not day or d < day):
                day = d
        if not day:
            return
        member = members[0]
        answer = env.history("member_eligible", member_id=member.value, date=_iso(day))
        if answer is False:
            out.append(Violation(member, {"value": member.value, "date": _iso(day)}))
