"""Code-set checks that depend on the date of service: a code is judged against the list
in effect on that day (compiled with mypyc like ``checks.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .evaluation import Check, Env, Violation, day_of

__all__ = ["CodeOnDateCheck", "DrugLineCheck", "ListInstalledCheck"]


def _earliest(env: Env, dates: list[int]) -> int:
    day = 0
    for s in dates:
        for hit in env.slots[s]:
            d = day_of(hit)
            if d and (not day or d < day):
                day = d
    return day


def _codes(env: Env, slot: int, component: int, skip: frozenset[str]) -> list[tuple[int, str]]:
    """(hit index, code) of each value of ``slot``: component ``component`` of a composite
    (values whose first component is in ``skip`` left out), or the whole value."""
    out: list[tuple[int, str]] = []
    for i, hit in enumerate(env.slots[slot]):
        parts = (
            hit.value.split(hit.segment.component_separator or ":")
            if (hit.segment is not None and component)
            else [hit.value]
        )
        if component:
            if parts[0] in skip or len(parts) < component:
                continue
            code = parts[component - 1]
        else:
            code = parts[0]
        if code:
            out.append((i, code))
    return out


class CodeOnDateCheck(Check):
    """Each code of ``field`` (component ``component`` of a composite, values whose first
    component is in ``skip`` left out) is in the list in effect on the earliest date of
    service among ``dates``; ``judge(code, day)`` answers None when the code is fine or
    no list for that day is installed, else the version of the list it is not in (no
    ``judge``: no list is installed at all, nothing is judged)."""

    def __init__(
        self,
        slot: int,
        dates: list[int],
        component: int,
        skip: frozenset[str],
        judge: Callable[[str, dt.date], str | None] | None,
    ) -> None:
        self.trigger = slot
        self.slot = slot
        self.dates = dates
        self.component = component
        self.skip = skip
        self.judge = judge

    def run(self, env: Env, out: list[Violation]) -> None:
        judge = self.judge
        if judge is None:
            return  # no list installed that could judge (no HCPCS list imported)
        day = _earliest(env, self.dates)
        if not day:
            return
        on = dt.date.fromordinal(day)
        hits = env.slots[self.slot]
        for i, code in _codes(env, self.slot, self.component, self.skip):
            version = judge(code, on)
            if version is not None:
                words = {"value": code, "date": on.isoformat(), "version": version}
                out.append(Violation(hits[i], words))


class ListInstalledCheck(Check):
    """Says once per file (per evaluator) that codes of ``field`` on a date of service with
    no list installed were not judged: ``missing(day)`` gives the words (the release to
    import and the command), None when a list is installed; ``wanted(code)`` picks the
    codes the list would judge."""

    def __init__(
        self,
        slot: int,
        dates: list[int],
        component: int,
        skip: frozenset[str],
        missing: Callable[[dt.date], dict[str, str] | None],
        wanted: Callable[[str], bool],
    ) -> None:
        self.trigger = slot
        self.slot = slot
        self.dates = dates
        self.component = component
        self.skip = skip
        self.missing = missing
        self.wanted = wanted
        self.said = False

    def run(self, env: Env, out: list[Violation]) -> None:
        if self.said:
            return
        found = -1
        code = ""
        for i, value in _codes(env, self.slot, self.component, self.skip):
            if self.wanted(value):
                found, code = i, value
                break
        if found < 0:
            return  # no code this list would judge (a CPT code among HCPCS)
        day = _earliest(env, self.dates)
        if not day:
            return
        words = self.missing(dt.date.fromordinal(day))
        if words is not None:
            self.said = True
            out.append(Violation(env.slots[self.slot][found], dict(words, value=code)))


def _is_drug(code: str, prefixes: tuple[str, ...], ranges: tuple[tuple[str, str], ...]) -> bool:
    for p in prefixes:
        if code.startswith(p):
            return True
    return any(len(code) == len(low) and low <= code <= high for low, high in ranges)


def _ndc_problem(qualifier: str, ndc: str) -> str | None:
    if qualifier != "N4":
        return f"LIN02 is {qualifier or 'empty'}, not N4 (National Drug Code in 5-4-2 format)"
    if len(ndc) != 11 or not ndc.isdigit() or not ndc.isascii():
        return f"the NDC {ndc or '(empty)'} is not 11 digits (5-4-2, no hyphens)"
    if ndc == "00000000000":
        return "the NDC is all zeroes"
    return None


class DrugLineCheck(Check):
    """A service line billing a physician-administered drug (procedure code ``procedure``
    starting with one of ``prefixes`` or inside one of ``ranges``) carries in loop 2410
    the drug's NDC (``what`` "ndc": LIN02 N4 and LIN03 of 11 digits) or its quantity and
    unit (``what`` "quantity": CTP04 and CTP05-1)."""

    def __init__(
        self,
        procedure: int,
        first: int,
        second: int,
        what: str,
        prefixes: tuple[str, ...],
        ranges: tuple[tuple[str, str], ...],
    ) -> None:
        self.trigger = procedure
        self.procedure = procedure
        self.first = first  # LIN02 / CTP04
        self.second = second  # LIN03 / CTP05-1
        self.what = what
        self.prefixes = prefixes
        self.ranges = ranges

    def run(self, env: Env, out: list[Violation]) -> None:
        codes = env.slots[self.procedure]
        code = codes[0].value if codes else ""
        if ":" in code:
            parts = code.split(":")
            code = parts[1] if len(parts) > 1 else ""
        if not code or not _is_drug(code, self.prefixes, self.ranges):
            return
        firsts = env.slots[self.first]
        seconds = env.slots[self.second]
        if self.what == "ndc":
            if not seconds:
                problem = "no 2410 LIN segment with the drug's NDC"
                out.append(Violation(None, {"value": code, "problem": problem}))
                return
            qualifier = firsts[0].value if firsts else ""
            problem_or_none = _ndc_problem(qualifier, seconds[0].value)
            if problem_or_none is not None:
                hit = seconds[0] if qualifier == "N4" or not firsts else firsts[0]
                out.append(Violation(hit, {"value": code, "problem": problem_or_none}))
            return
        quantity = firsts[0].value if firsts else ""
        unit = seconds[0].value if seconds else ""
        if not quantity:
            problem = "no drug quantity (2410 CTP04)"
            out.append(Violation(None, {"value": code, "problem": problem}))
        elif not unit:
            problem = "no unit of measure for the drug quantity (2410 CTP05-1)"
            out.append(Violation(firsts[0], {"value": code, "problem": problem}))
