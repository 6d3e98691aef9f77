"""Compiled rule checks on one value at a time: required and forbidden fields, allowed
values, patterns, lengths, code sets and code formats. Checks whose answer depends only on
the value remember the values they have accepted, so the billing provider's NPI under a
thousand claims is checked once. The checks that compare values with each other are in
``cross_checks.py``; what they all run against is in ``evaluation.py`` (its names are
exported here too, with every check kind, for ``kinds.py`` and ``runner.py``). The module is
compiled with mypyc when a C compiler is present, like the parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .cross_checks import (
    CountMaxCheck,
    DateWindowCheck,
    DistinctCheck,
    EligibleCheck,
    EqualsCheck,
    MaxUnitsCheck,
    SumCheck,
    UniqueCheck,
)
from .evaluation import (
    GOOD_MAX,
    AllOf,
    AnyOf,
    Check,
    Cond,
    Env,
    HistoryLookup,
    Present,
    Slots,
    ValueIn,
    Violation,
    amount,
    cents,
    component_separator,
    day_number,
    day_of,
)

__all__ = [
    "AllOf",
    "AllowedCheck",
    "AnyOf",
    "Check",
    "CodeSetCheck",
    "Cond",
    "CountMaxCheck",
    "DateWindowCheck",
    "DistinctCheck",
    "EligibleCheck",
    "Env",
    "EqualsCheck",
    "ForbiddenCheck",
    "FormatCheck",
    "HistoryLookup",
    "LengthCheck",
    "MaxUnitsCheck",
    "PatternCheck",
    "Present",
    "RequiredCheck",
    "Slots",
    "SumCheck",
    "UniqueCheck",
    "ValueIn",
    "Violation",
    "amount",
    "cents",
    "day_number",
    "day_of",
]


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
                if len(self.good) >= GOOD_MAX:
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
                if len(self.good) >= GOOD_MAX:
                    self.good.clear()
                self.good.add(value)
                return True
        return False

    def run(self, env: Env, out: list[Violation]) -> None:
        for hit in env.slots[self.slot]:
            value = hit.value
            if self.component:
                sep = component_separator(hit)
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
                if len(self.good_raw) >= GOOD_MAX:
                    self.good_raw.clear()
                self.good_raw.add(value)
            elif not self._valid(value):
                out.append(Violation(hit, {"value": value, "check": self.check}))
