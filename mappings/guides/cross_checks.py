"""Compiled rule checks that compare values with each other or with stored data: date
windows, sums and equal amounts, distinct and unique values, counts, units and
eligibility on the date of service. What they run against is in ``evaluation.py``. The
module is compiled with mypyc when a C compiler is present, like the parser.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .evaluation import (
    NO_CENTS,
    Check,
    Env,
    Violation,
    amount,
    cents,
    component_separator,
    day_of,
    iso_date,
)
from .filekeys import FileKeys
from .paths import Hit

__all__ = [
    "CountMaxCheck",
    "DateWindowCheck",
    "DistinctCheck",
    "EligibleCheck",
    "EqualsCheck",
    "MaxUnitsCheck",
    "SumCheck",
    "UniqueCheck",
]


class DateWindowCheck(Check):
    """``not_after_receipt``, ``max_days_before_receipt`` (-1: none), ``not_before`` (a
    fixed date), ``not_before_slot`` / ``not_after_slot`` (another reference, -1: none).
    ``describe``, when not empty, is the guide's own wording of what is expected;
    ``once`` reports a context (a claim) once, at its earliest date in violation, with the
    number of dates in violation as ``{count}``."""

    def __init__(
        self,
        slot: int,
        not_after_receipt: bool,
        max_days: int,
        not_before: dt.date | None,
        not_before_text: str,
        not_before_slot: int,
        not_after_slot: int,
        describe: str = "",
        once: bool = False,
    ) -> None:
        self.describe = describe
        self.once = once
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
        if not (self.once or self.describe):
            self._run(env, out)
            return
        found: list[Violation] = []
        self._run(env, found)
        if self.describe:
            for v in found:
                v.words["expected"] = self.describe
        if self.once and found:
            first = min(found, key=lambda v: v.words.get("value", ""))
            first.words["count"] = str(len(found))
            found = [first]
        out.extend(found)

    def _run(self, env: Env, out: list[Violation]) -> None:
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
        words = {"value": iso_date(day), "receipt": iso_date(receipt)}
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
                        {**words, "other": iso_date(ref), "expected": f"not {rel} {iso_date(ref)}"},
                    )
                )


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
        if total == NO_CENTS:
            return False
        for slot in self.parts:
            for hit in env.slots[slot]:
                part = cents(hit.value)
                if part == NO_CENTS:
                    return False
                total -= part
        for slot in self.minus:
            for hit in env.slots[slot]:
                part = cents(hit.value)
                if part == NO_CENTS:
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
            key = hit.value.split(component_separator(hit))[0] if self.qualifier_only else hit.value
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
        self.seen = FileKeys()

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
        answer = env.history("member_eligible", member_id=member.value, date=iso_date(day))
        if answer is False:
            out.append(Violation(member, {"value": member.value, "date": iso_date(day)}))
