"""Code-set checks that depend on the date of service: a code is judged against the list
in effect on that day (compiled with mypyc like ``checks.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .evaluation import Check, Env, Violation, day_of

__all__ = ["CodeOnDateCheck"]


class CodeOnDateCheck(Check):
    """Each code of ``field`` (component ``component`` of a composite, values whose first
    component is in ``skip`` left out) is in the list in effect on the earliest date of
    service among ``dates``; ``in_list(code, day)`` answers None when no list for that day
    is installed, and then nothing is said."""

    def __init__(
        self,
        slot: int,
        dates: list[int],
        component: int,
        skip: frozenset[str],
        in_list: Callable[[str, dt.date], bool | None],
        version: str,
    ) -> None:
        self.trigger = slot
        self.slot = slot
        self.dates = dates
        self.component = component
        self.skip = skip
        self.in_list = in_list
        self.version = version

    def run(self, env: Env, out: list[Violation]) -> None:
        day = 0
        for s in self.dates:
            for hit in env.slots[s]:
                d = day_of(hit)
                if d and (not day or d < day):
                    day = d
        if not day:
            return
        on = dt.date.fromordinal(day)
        for hit in env.slots[self.slot]:
            parts = (
                hit.value.split(hit.segment.component_separator or ":")
                if (hit.segment is not None and self.component)
                else [hit.value]
            )
            if self.component:
                if parts[0] in self.skip or len(parts) < self.component:
                    continue
                code = parts[self.component - 1]
            else:
                code = parts[0]
            if code and self.in_list(code, on) is False:
                words = {"value": code, "date": on.isoformat(), "version": self.version}
                out.append(Violation(hit, words))
