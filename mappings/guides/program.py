"""A companion guide compiled for speed: one pass over a claim's segments finds every value
the rules refer to, then each rule runs as a compiled check over those values.

``Program(rules, slots)`` is built by ``runner.py`` from one or several guides. Per unit
(837 claim, 834 member, 835 claim payment) it:

1. resolves every value reference in one walk over the unit's segments: a table keyed by
   segment id (and qualifier) says which references read which element of it;
2. reuses that work for the loops above the unit (the submitter, the billing provider, the
   subscriber), which are the same objects for every claim under them;
3. runs the claim-scope rules over the claim with all its lines, then the line-scope rules
   once per service line (the claim's values plus that line's).

Findings come back as (rule number, violation, anchor loop) for ``runner.py`` to turn into
:class:`parsers.Finding` values. How the values are read and kept is in ``reading.py``.
Compiled with mypyc when a C compiler is present.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

from parsers.tree import Loop, Segment, TransactionHeader, Unit

from .evaluation import Check, Cond, Env, HistoryLookup, Slots, Violation, amount
from .paths import ENVELOPE_FIELDS, Hit, ValuePath
from .reading import (
    DISPLAYS,
    EMPTY,
    NOTHING,
    CachedLoop,
    Direct,
    Events,
    Reader,
    Reading,
    SegmentPlan,
    Sink,
    Splits,
    Table,
    readers_of,
)

__all__ = ["CompiledRule", "Outcome", "Program"]

#: the service-line loop of each transaction: line-scope rules run once per instance
LINE_LOOP = {"835": "2110", "837P": "2400", "837I": "2400", "837D": "2400"}

_LINE_LOOPS: Final = frozenset(
    (
        "2110",
        "2400",
        "2410",
        "2420",
        "2420A",
        "2420B",
        "2420C",
        "2420D",
        "2420E",
        "2420F",
        "2420G",
        "2420H",
        "2430",
        "2440",
    )
)


class CompiledRule:
    """A rule as the program runs it: its number (into the caller's rule list), the
    transactions and scope it applies to, its condition and its check."""

    def __init__(
        self,
        number: int,
        scope: str,
        transactions: frozenset[str],
        when: Cond | None,
        check: Check,
        refs: list[int],
    ) -> None:
        self.number = number
        self.scope = scope
        self.transactions = transactions
        self.when = when
        self.check = check
        #: the references (slot numbers) the rule reads, its condition's included
        self.refs = refs


class Outcome:
    """One violation of one rule, anchored at the loop it was evaluated for."""

    __slots__ = ("anchor", "rule", "violation")

    def __init__(self, rule: int, violation: Violation, anchor: Loop | None) -> None:
        self.rule = rule
        self.violation = violation
        self.anchor = anchor


class _TxPlan:
    """The rules of one transaction type, by scope."""

    def __init__(
        self,
        transaction: str,
        rules: list[CompiledRule],
        paths: list[ValuePath],
        summed: list[int],
    ) -> None:
        self.transaction = transaction
        self.file = [r for r in rules if r.scope == "file" and transaction in r.transactions]
        self.set = [r for r in rules if r.scope == "set" and transaction in r.transactions]
        self.claim = [r for r in rules if r.scope == "claim" and transaction in r.transactions]
        self.line = [r for r in rules if r.scope == "line" and transaction in r.transactions]
        self.line_loop = LINE_LOOP.get(transaction, "")
        #: references the line rules read that can find values in service lines: these
        #: are narrowed to one line's values when the line rules run
        self.line_refs: list[int] = []
        #: claim-level amounts the set-level balancing rules sum, claim by claim
        self.summed = [s for s in summed if any(s in r.refs for r in self.set)]
        #: whether claim or line rules read envelope values (ISA/GS): only then are they set
        self.envelope = any(
            paths[ref].envelope for rule in (*self.claim, *self.line) for ref in rule.refs
        )
        for rule in self.line:
            for ref in rule.refs:
                path = paths[ref]
                if (path.loop == "*" or path.loop in _LINE_LOOPS) and ref not in self.line_refs:
                    self.line_refs.append(ref)
        #: the references read for a claim, and for the set as a whole: nothing else
        self.unit_reading = Reading(
            {ref for rule in (*self.claim, *self.line) for ref in rule.refs} | set(self.summed)
        )
        self.set_reading = Reading({ref for rule in (*self.set, *self.file) for ref in rule.refs})


class Program:
    def __init__(
        self,
        rules: list[CompiledRule],
        slots: Slots,
        summed: list[int],
        receipt_date: dt.date,
        history: HistoryLookup | None,
    ) -> None:
        self.rules = rules
        self.paths = slots.paths
        self.nslots = len(slots.paths)
        self.summed = summed
        self.receipt_date = receipt_date
        self.history = history
        #: segment id -> [(loop id or "" for any, qualifier or None, readers)]
        self._sources: dict[str, list[tuple[str, str | None, list[Reader]]]] = {}
        self.envelope: list[tuple[int, str, str]] = []
        for number, path in enumerate(slots.paths):
            if path.envelope:
                self.envelope.append((number, path.loop, path.element or ""))
                continue
            loop = "" if path.loop == "*" else path.loop
            self._sources.setdefault(path.segment, []).append(
                (loop, path.qualifier, readers_of(number, path))
            )
        self.tx: dict[str, _TxPlan] = {}
        self._splits = Splits()
        self._context: list[CachedLoop] = []
        #: running totals of claim-level amounts per transaction set (set-level sums)
        self.totals: dict[tuple[str, str, str, int], dict[int, Decimal]] = {}
        self._files_checked: set[str] = set()
        self._envelope_header: TransactionHeader | None = None
        self._envelope_events = Events()
        self._claim = Table(self.nslots)
        self._own = Direct(self._claim)
        self._claim_env = Env(self._claim.slots, receipt_date, history)

    def _plan_for(self, transaction: str) -> _TxPlan:
        plan = self.tx.get(transaction)
        if plan is None:
            plan = self.tx[transaction] = _TxPlan(transaction, self.rules, self.paths, self.summed)
        return plan

    # --- value extraction ---------------------------------------------------------------------

    def _loop_plans(self, reading: Reading, loop_id: str) -> dict[str, SegmentPlan]:
        """What each segment id is read for in loops ``loop_id`` (built on first sight)."""
        plans = reading.loops.get(loop_id)
        if plans is not None:
            return plans
        plans = {}
        for seg_id, sources in self._sources.items():
            plan = SegmentPlan()
            for loop, qualifier, all_readers in sources:
                if loop and loop != loop_id:
                    continue
                readers = [r for r in all_readers if r.slot in reading.wanted]
                if qualifier is None:
                    plan.plain.extend(readers)
                elif readers:
                    plan.by_qualifier.setdefault(qualifier, []).extend(readers)
            if plan.plain or plan.by_qualifier:
                plans[seg_id] = plan
        reading.loops[loop_id] = plans
        return plans

    def _segment(
        self, seg: Segment, plans: dict[str, SegmentPlan], loop_id: str, out: Sink
    ) -> None:
        elems = seg.elements
        plan = plans.get(elems[0])
        if plan is None:
            return
        if plan.plain:
            self._read(plan.plain, seg, elems, loop_id, out)
        if plan.by_qualifier and len(elems) > 1:
            qualified = plan.by_qualifier.get(elems[1])
            if qualified is not None:
                self._read(qualified, seg, elems, loop_id, out)

    def _read(
        self,
        readers: list[Reader],
        seg: Segment,
        elems: list[str],
        loop_id: str,
        out: Sink,
    ) -> None:
        n = len(elems)
        split_pos = -1
        parts: list[str] = []
        for r in readers:
            if r.mode == 2:
                pos = r.pos
                if pos >= n:
                    continue
                value = elems[pos]
                if not value:
                    continue
                comp = r.comp
                if comp:
                    if pos != split_pos:  # CLM05-1 and CLM05-3: split CLM05 once
                        parts = self._splits.components(value, seg)
                        split_pos = pos
                    if comp > len(parts):
                        continue
                    value = parts[comp - 1]
                    if not value:
                        continue
                out.add(r.slot, value, seg, loop_id, r.display)
            elif r.mode == 1:
                for pos in range(r.start, n):
                    if elems[pos]:
                        display = r.displays[pos] if pos < DISPLAYS else f"{r.segment}{pos:02d}"
                        out.add(r.slot, elems[pos], seg, loop_id, display)
            else:
                out.add(r.slot, r.segment, seg, loop_id, r.segment)

    def _tree(self, loop: Loop, out: Sink, reading: Reading) -> None:
        """Every value in a loop and the loops below it, depth first."""
        loop_id = loop.id
        plans = self._loop_plans(reading, loop_id)
        if plans:
            for seg in loop.segments:
                self._segment(seg, plans, loop_id, out)
        for child in loop.loops:
            self._tree(child, out, reading)

    def _context_events(self, context: list[Loop], reading: Reading) -> list[Events]:
        """The values of the loops above the unit, reused while they are the same loops."""
        cache = self._context
        fresh: list[CachedLoop] = []
        events: list[Events] = []
        for i, loop in enumerate(context):
            hit: CachedLoop | None = None
            if i < len(cache):
                known = cache[i]
                if (
                    known.loop is loop
                    and known.segments == len(loop.segments)
                    and known.loops == len(loop.loops)
                ):
                    hit = known
            if hit is None:
                found = Events()
                self._tree(loop, found, reading)
                hit = CachedLoop(loop, len(loop.segments), len(loop.loops), found)
            fresh.append(hit)
            events.append(hit.events)
        self._context = fresh
        return events

    def _fill_envelope(self, table: Table, header: TransactionHeader) -> None:
        if header is not self._envelope_header:
            found = Events()
            for slot, seg, element in self.envelope:
                value = envelope_value(header, seg, element)
                if value:
                    found.add(slot, value, None, None, f"{seg}{element}")
            self._envelope_header = header
            self._envelope_events = found
        table.fill(self._envelope_events)

    # --- evaluation ----------------------------------------------------------------------------

    def _run(self, rules: list[CompiledRule], env: Env, anchor: Loop, out: list[Outcome]) -> None:
        found: list[Violation] = []
        slots = env.slots
        for rule in rules:
            trigger = rule.check.trigger
            if trigger >= 0 and not slots[trigger]:
                continue  # nothing to check: the field is not there
            if rule.when is not None and not rule.when.holds(env):
                continue
            rule.check.run(env, found)
            if found:
                for v in found:
                    out.append(Outcome(rule.number, v, anchor))
                found = []

    def check_unit(self, unit: Unit) -> list[Outcome]:
        plan = self._plan_for(unit.header.guide)
        out: list[Outcome] = []
        if not plan.claim and not plan.line:
            return out
        table = self._claim
        table.reset()
        if plan.envelope:
            self._fill_envelope(table, unit.header)
        # the claim's own values, then its service lines', then the loops above the claim
        own = self._own
        own.n = 0
        top = unit.loop
        top_id = top.id
        reading = plan.unit_reading
        plans = self._loop_plans(reading, top_id)
        for seg in top.segments:
            self._segment(seg, plans, top_id, own)
        lines: list[Loop] = []
        for child in top.loops:
            if child.id == plan.line_loop:
                lines.append(child)
            else:
                self._tree(child, own, reading)
        for line in lines:
            self._tree(line, own, reading)
        for events in self._context_events(unit.context, reading):
            table.fill(events)
        env = self._claim_env
        if plan.claim:
            self._run(plan.claim, env, top, out)
        if plan.summed:
            self._accumulate(unit.header, plan.summed, table.slots)
        if plan.line:
            if len(lines) == 1:
                self._run(plan.line, env, lines[0], out)  # the claim's values are the line's
            elif lines:
                self._run_lines(plan, lines, out)
        return out

    def _run_lines(self, plan: _TxPlan, lines: list[Loop], out: list[Outcome]) -> None:
        """Line-scope rules once per service line: the claim's values, but for references
        that found values in the lines, only this line's (lines are the claim's last loops:
        a line holds the segments from its first one up to the next line's)."""
        claim_slots = self._claim.slots
        starts = [line.segments[0].position if line.segments else 0 for line in lines]
        first = starts[0]
        line_slots: list[int] = []
        for slot in plan.line_refs:
            for hit in claim_slots[slot]:
                seg = hit.segment
                if seg is not None and seg.position >= first:
                    line_slots.append(slot)  # values from the lines: narrow to each line's
                    break
        saved = [claim_slots[slot] for slot in line_slots]
        ones = self._claim.ones
        env = self._claim_env
        for i, line in enumerate(lines):
            low = starts[i]
            high = starts[i + 1] if i + 1 < len(starts) else -1
            for k, slot in enumerate(line_slots):
                hits = saved[k]
                # the claim's values and the loops' above it, and this line's: most often
                # one value, put in the reference's one-item list (no new list)
                count = 0
                single = NOTHING
                mine = EMPTY
                for hit in hits:
                    seg = hit.segment
                    if seg is not None and seg.position >= first:
                        position = seg.position
                        if position < low or (high >= 0 and position >= high):
                            continue  # another line's
                    if count == 0:
                        single = hit
                    elif count == 1:
                        mine = [single, hit]
                    else:
                        mine.append(hit)
                    count += 1
                if count == 0:
                    claim_slots[slot] = EMPTY
                elif count > 1:
                    claim_slots[slot] = mine
                elif hits is ones[slot]:
                    claim_slots[slot] = hits
                else:
                    one = ones[slot]
                    one[0] = single
                    claim_slots[slot] = one
            self._run(plan.line, env, line, out)
        for k, slot in enumerate(line_slots):
            claim_slots[slot] = saved[k]

    def _accumulate(
        self, header: TransactionHeader, summed: list[int], slots: list[list[Hit]]
    ) -> None:
        """Sum the claim-level amounts that set-level balancing rules refer to."""
        totals = self.totals.setdefault(_set_key(header), {})
        for slot in summed:
            for hit in slots[slot]:
                value = amount(hit.value)
                if value is not None:
                    totals[slot] = totals.get(slot, Decimal(0)) + value

    def check_set(
        self, header: TransactionHeader, root: Loop | None, unit_count: int
    ) -> list[Outcome]:
        plan = self._plan_for(header.guide)
        totals = self.totals.pop(_set_key(header), {})
        out: list[Outcome] = []
        first_of_file = header.isa_control_number not in self._files_checked
        self._files_checked.add(header.isa_control_number)
        if not plan.set and not (first_of_file and plan.file):
            return out
        table = Table(self.nslots)
        self._fill_envelope(table, header)
        if root is not None:
            found = Events()
            self._tree(root, found, plan.set_reading)
            table.fill(found)
        for slot, total in totals.items():
            # A set-level rule over claim-level values (835 BPR02 = sum of CLP04 - PLB):
            # the claims were handed out one by one; their running total stands in.
            if not table.slots[slot]:
                table.add(slot, Hit(str(total), None, None, self.paths[slot].text))
        env = Env(table.slots, self.receipt_date, self.history, unit_count)
        anchor = root if root is not None else Loop("ST_LOOP", "")
        if first_of_file:
            self._run(plan.file, env, anchor, out)
        self._run(plan.set, env, anchor, out)
        return out


def _set_key(header: TransactionHeader) -> tuple[str, str, str, int]:
    return (
        header.isa_control_number,
        header.gs_control_number,
        header.st_control_number,
        header.set_index,
    )


def envelope_value(header: TransactionHeader, segment: str, element: str) -> str:
    """An envelope value a rule reads (``parse_path`` accepts only these)."""
    return str(getattr(header, ENVELOPE_FIELDS[(segment, element)]))
