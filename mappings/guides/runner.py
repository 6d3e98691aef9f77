"""Run a companion guide over parsed units (claims, members, claim payments) and sets.

Scopes: ``claim`` (an 837 2300, 834 2000 or 835 2100 unit), ``line`` (each 837 2400 or 835
2110 service line of the unit), ``set`` (a transaction set: header and trailer loops, the
unit count) and ``file`` (once per interchange: envelope ids and the first set's header).

``GuideRunner.check_unit(unit)`` evaluates the claim- and line-scope rules of one unit;
``check_set(event)`` the set- and file-scope rules at the end of a transaction set. Both
return :class:`parsers.Finding` values with ``rule_id`` and ``guide`` set, located at the
segment and element at fault, exactly like SNIP 1-2 findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from parsers import Finding, Level, SetEvent, Severity
from parsers.tree import Loop, TransactionHeader, Unit

from .kinds import KINDS, Violation
from .model import Condition, Guide, Rule
from .paths import Hit, ValuePath, parse_path

__all__ = ["GuideRunner", "HistoryLookup"]

#: ``history(question, **args)`` answers look-ups against stored data (the gateway's
#: database): "claim_exists" and "member_eligible". None means "cannot tell".
HistoryLookup = Callable[..., bool | None]

_LINE_LOOPS = (
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
_SEVERITY = {s.value: s for s in Severity}


class _Words(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Context:
    def __init__(
        self,
        runner: GuideRunner,
        header: TransactionHeader,
        loops: dict[str, list[Loop]],
        unit_count: int = 0,
        totals: dict[str, Decimal] | None = None,
    ) -> None:
        self.runner = runner
        self.header = header
        self.loops = loops
        self.receipt_date = runner.receipt_date
        self.unit_count = unit_count
        self.totals = totals
        self.memo: dict[str, list[Hit]] = {}

    def values(self, path: ValuePath) -> list[Hit]:
        """Every value the reference finds here (memoised: many rules read the same ones)."""
        cached = self.memo.get(path.text)
        if cached is None:
            cached = self.memo[path.text] = self._values(path)
        return cached

    def _values(self, path: ValuePath) -> list[Hit]:
        if path.envelope:
            value = self.runner.envelope_value(self.header, path.loop, path.element or "")
            return [Hit(value, None, None, f"{path.loop}{path.element}")] if value else []
        if path.loop == "*":
            return path.hits_in([lp for group in self.loops.values() for lp in group])
        hits = path.hits_in(self.loops.get(path.loop, []))
        if not hits and self.totals is not None and path.text in self.totals:
            # A set-level rule over claim-level values (835 BPR02 = sum of CLP04 - PLB):
            # the claims were handed out one by one; their running total stands in.
            return [Hit(str(self.totals[path.text]), None, None, path.text)]
        return hits

    def seen(self, key: str, value: str) -> bool:
        bucket = self.runner.memory.setdefault(key, set())
        if value in bucket:
            return True
        bucket.add(value)
        return False

    def history(self, question: str, **args: str) -> bool | None:
        lookup = self.runner.history_lookup
        return lookup(question, **args) if lookup is not None else None


def _index(loops: Iterable[Loop]) -> dict[str, list[Loop]]:
    index: dict[str, list[Loop]] = {}
    for top in loops:
        for loop in top.walk():
            index.setdefault(loop.id, []).append(loop)
    return index


class GuideRunner:
    def __init__(
        self,
        guide: Guide,
        receipt_date: dt.date | None = None,
        history: HistoryLookup | None = None,
    ) -> None:
        self.guide = guide
        self.receipt_date = receipt_date or dt.date.today()
        self.history_lookup = history
        self.memory: dict[str, set[str]] = {}
        self._rules: dict[tuple[str, str], list[Rule]] = {}
        self._sums: dict[str, list[ValuePath]] = {}
        #: running totals of claim-level amounts, per transaction set, for set-level sums
        self.totals: dict[tuple[str, str, str, int], dict[str, Decimal]] = {}
        self._files_checked: set[str] = set()

    def rules(self, transaction: str, scope: str) -> list[Rule]:
        key = (transaction, scope)
        rules = self._rules.get(key)
        if rules is None:
            rules = self._rules[key] = (
                self.guide.rules_for(transaction, scope)
                if transaction in self.guide.transactions
                else []
            )
        return rules

    @staticmethod
    def envelope_value(header: TransactionHeader, segment: str, element: str) -> str:
        table = {
            ("ISA", "06"): header.sender_id,
            ("ISA", "08"): header.receiver_id,
            ("ISA", "13"): header.isa_control_number,
            ("GS", "02"): header.gs_sender_id,
            ("GS", "03"): header.gs_receiver_id,
            ("GS", "06"): header.gs_control_number,
            ("GS", "08"): header.version,
        }
        return table.get((segment, element), "")

    # --- evaluation --------------------------------------------------------------------------

    def check_unit(self, unit: Unit) -> list[Finding]:
        transaction = unit.header.guide
        claim_rules = self.rules(transaction, "claim")
        line_rules = self.rules(transaction, "line")
        if not claim_rules and not line_rules:
            return []
        out: list[Finding] = []
        index = _index([unit.loop, *unit.context])
        unit_id = _unit_id(unit)
        ctx = _Context(self, unit.header, index)
        for rule in claim_rules:
            out.extend(self._run(rule, ctx, unit.header, unit_id, unit.loop, Level.CLAIM))
        self._accumulate(unit, ctx)
        if line_rules:
            line_loop = "2110" if transaction == "835" else "2400"
            for line in unit.loop.loops_of(line_loop):
                line_index = {k: v for k, v in index.items() if k not in _LINE_LOOPS}
                line_index.update(_index([line]))
                line_ctx = _Context(self, unit.header, line_index)
                for rule in line_rules:
                    out.extend(self._run(rule, line_ctx, unit.header, unit_id, line, Level.CLAIM))
        return out

    def _set_key(self, header: TransactionHeader) -> tuple[str, str, str, int]:
        return (
            header.isa_control_number,
            header.gs_control_number,
            header.st_control_number,
            header.set_index,
        )

    def _accumulate(self, unit: Unit, ctx: _Context) -> None:
        """Sum the claim-level amounts that set-level balancing rules refer to."""
        paths = self._summed_paths(unit.header.guide)
        if not paths:
            return
        totals = self.totals.setdefault(self._set_key(unit.header), {})
        for path in paths:
            if path.loop in ctx.loops:
                for hit in ctx.values(path):
                    try:
                        amount = Decimal(hit.value)
                    except InvalidOperation:
                        continue
                    totals[path.text] = totals.get(path.text, Decimal(0)) + amount

    def _summed_paths(self, transaction: str) -> list[ValuePath]:
        cached = self._sums.get(transaction)
        if cached is None:
            cached = []
            for rule in self.rules(transaction, "set"):
                if rule.kind == "sum_equals":
                    for key in ("parts", "minus"):
                        raw = rule.params.get(key) or []
                        for text in raw if isinstance(raw, list) else [raw]:
                            cached.append(parse_path(str(text)))
            self._sums[transaction] = cached
        return cached

    def check_set(self, event: SetEvent) -> list[Finding]:
        transaction = event.header.guide
        root = event.root
        loops = _index([root]) if root is not None else {}
        totals = self.totals.pop(self._set_key(event.header), {})
        ctx = _Context(self, event.header, loops, event.result.units, totals)
        out: list[Finding] = []
        first_of_file = event.header.isa_control_number not in self._files_checked
        self._files_checked.add(event.header.isa_control_number)
        anchor = root if root is not None else Loop("ST_LOOP", "")
        if first_of_file:
            for rule in self.rules(transaction, "file"):
                out.extend(self._run(rule, ctx, event.header, None, anchor, Level.INTERCHANGE))
        for rule in self.rules(transaction, "set"):
            out.extend(self._run(rule, ctx, event.header, None, anchor, Level.TRANSACTION))
        return out

    def _run(
        self,
        rule: Rule,
        ctx: _Context,
        header: TransactionHeader,
        unit_id: str | None,
        anchor: Loop,
        level: Level,
    ) -> list[Finding]:
        if rule.when is not None and not _holds(rule.when, ctx):
            return []
        kind = KINDS[rule.kind]
        # A problem in a segment above the claim (the billing provider's NM1, say) is found
        # for every claim under it, on purpose: each of those claims is rejected for it.
        return [
            self._finding(rule, v, header, unit_id, anchor, level)
            for v in kind.check(rule.params, ctx)
        ]

    def _finding(
        self,
        rule: Rule,
        v: Violation,
        header: TransactionHeader,
        unit_id: str | None,
        anchor: Loop,
        level: Level,
    ) -> Finding:
        words = _Words(v.words)
        hit = v.hit
        segment = (
            hit.segment if hit is not None else (anchor.segments[0] if anchor.segments else None)
        )
        target = rule.applies_to
        element = (
            hit.element
            if hit is not None
            else (
                f"{target.segment}{target.element}"
                if target and target.element not in (None, "*")
                else (target.segment if target else None)
            )
        )
        is_member = header.guide == "834"
        return Finding(
            snip_level=rule.snip,
            severity=_SEVERITY[rule.severity],
            level=level,
            code=rule.id,
            message=rule.message.format_map(words),
            segment_id=segment.id
            if segment is not None and hit is not None
            else (target.segment if target else (segment.id if segment else None)),
            segment_position=segment.position if segment is not None else None,
            line=segment.line if segment is not None else None,
            loop=(
                hit.loop
                if hit is not None and hit.loop
                else (target.loop if target and target.loop[:1].isdigit() else None)
            ),
            element=element,
            value=hit.value if hit is not None else None,
            claim_id=None if is_member else unit_id,
            member_id=unit_id if is_member else None,
            interchange_control_number=header.isa_control_number,
            group_control_number=header.gs_control_number,
            transaction_control_number=header.st_control_number,
            rule_id=rule.id,
            guide=self.guide.name,
            fix=rule.fix,
        )


def _holds(cond: Condition, ctx: _Context) -> bool:
    if cond.op == "all":
        return all(_holds(c, ctx) for c in cond.parts)
    if cond.op == "any":
        return any(_holds(c, ctx) for c in cond.parts)
    assert cond.path is not None
    values = [h.value for h in ctx.values(cond.path)]
    if cond.op == "present":
        return bool(values)
    if cond.op == "absent":
        return not values
    if cond.op == "equals":
        return any(v == cond.values[0] for v in values)
    if cond.op == "in":
        return any(v in cond.values for v in values)
    return bool(values) and all(v not in cond.values for v in values)  # not_in


def _unit_id(unit: Unit) -> str | None:
    loop = unit.loop
    if unit.header.guide == "834":
        ref = loop.segment("REF", "0F")
        return ref[2] if ref is not None and ref[2] else None
    seg = loop.segments[0] if loop.segments else None
    return seg[1] if seg is not None and seg[1] else None
