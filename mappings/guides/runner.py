"""Run companion guides over parsed units (claims, members, claim payments) and sets.

Scopes: ``claim`` (an 837 2300, 834 2000 or 835 2100 unit), ``line`` (each 837 2400 or 835
2110 service line of the unit), ``set`` (a transaction set: header and trailer loops, the
unit count) and ``file`` (once per interchange: envelope ids and the first set's header).

``GuideRunner.check_unit(unit)`` evaluates the claim- and line-scope rules of one unit;
``check_set(event)`` the set- and file-scope rules at the end of a transaction set. Both
return :class:`parsers.Finding` values with ``rule_id`` and ``guide`` set, located at the
segment and element at fault, exactly like SNIP 1-2 findings. The rules are compiled once
into a :class:`~mappings.guides.program.Program` (one pass over a claim's segments finds
every value the rules read; each rule is then a compiled check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, Protocol, cast

from mappings.codesets.catalog import CodeLists
from parsers import Finding, Level, SetEvent, Severity
from parsers.tree import Loop, TransactionHeader, Unit

from . import checks as c
from .evaluation import HistoryLookup, Violation
from .history_checks import ORIGINAL_ON_FILE
from .kinds import KINDS, Eligible, ListInstalled, OriginalOnFile, SumEquals, Unique
from .model import Condition, Guide, Rule
from .paths import ValuePath, parse_path
from .program import CompiledRule, Outcome, Program

__all__ = [
    "MEMBER_ELIGIBLE",
    "BatchedHistory",
    "GuideEvaluator",
    "GuideRunner",
    "HistoryLookup",
    "first_value",
    "rule_overrides",
]

#: the look-up eligibility rules (kind ``eligible``) ask: is ``member_id`` enrolled on
#: ``date``?
MEMBER_ELIGIBLE = "member_eligible"


class BatchedHistory(Protocol):
    """A history look-up that can also be told, in one call, the keys the next units'
    rules will ask about (one database round trip for hundreds of claims' members instead
    of one per member). The answers do not change: a key it was not told is asked alone."""

    def __call__(self, question: str, **args: str) -> bool | None: ...

    def prefetch(self, question: str, keys: Sequence[Any]) -> None:
        """``keys``: member ids (str) for ``MEMBER_ELIGIBLE``; (claim id, reference, billing
        NPI) for ``ORIGINAL_ON_FILE``."""
        ...

    def wants(self, question: str) -> bool:
        """Whether keys of ``question`` are worth reading for it (False: it answers without
        looking anything up, e.g. the plan has no roster held)."""
        ...


def first_value(unit: Unit, path: ValuePath) -> str:
    """The first value of ``path`` (a simple element, e.g. ``2010BA/NM109``) in the unit or
    the loops above it; "" when there is none. A loop id stands either above the unit or
    inside it, so the unit's loop and the few loops above are searched first, the unit's
    own tree only when the path is not there (``prefetch`` reads it per unit and path)."""
    if path.envelope or len(path.refs) != 1:
        return ""
    pos, component, _ = path.refs[0]
    for loop in _above_then_within(unit):
        if path.loop not in ("*", loop.id):
            continue
        seg = loop.segment(path.segment, path.qualifier)
        if seg is None:
            continue
        value = seg[pos]
        if component:
            parts = value.split(seg.component_separator) if seg.component_separator else [value]
            value = parts[component - 1] if component <= len(parts) else ""
        if value:
            return value
    return ""


def _above_then_within(unit: Unit) -> Iterator[Loop]:
    """The unit's loop, each loop above it with its child loops (the nearest, the latest
    first), then the loops inside the unit."""
    yield unit.loop
    for loop in reversed(unit.context):
        yield loop
        yield from reversed(loop.loops)
    for child in unit.loop.loops:
        yield from child.walk()


_SEVERITY = {s.value: s for s in Severity}


class _Words(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _condition(cond: Condition, slots: c.Slots) -> c.Cond:
    if cond.op in ("all", "any"):
        parts = [_condition(p, slots) for p in cond.parts]
        return c.AllOf(parts) if cond.op == "all" else c.AnyOf(parts)
    assert cond.path is not None
    slot = slots.slot(cond.path)
    if cond.op in ("present", "absent"):
        return c.Present(slot, cond.op == "absent")
    values = frozenset(cond.values[:1] if cond.op == "equals" else cond.values)
    return c.ValueIn(slot, values, cond.op == "not_in")


def rule_overrides(guides: Sequence[Guide]) -> dict[str, dict[str, Any]]:
    """What a plan guide changes of other guides' rules evaluated with it: its
    ``settings.rule_overrides`` (rule id -> severity and/or message), e.g. to pass on a
    replacement whose original is not on file with a warning instead of rejecting it."""
    out: dict[str, dict[str, Any]] = {}
    for guide in guides:
        for rule_id, change in (guide.settings.get("rule_overrides") or {}).items():
            out.setdefault(str(rule_id), {}).update(change)
    return out


#: what makes a verdict depend on more than one unit
_WHOLE_SCOPES = frozenset(("set", "file"))
_ACROSS_UNITS = frozenset((Unique.name,))
_ONCE_PER_FILE = frozenset((ListInstalled.name,))
_WHOLE_VERDICTS = frozenset((Severity.REJECT_TRANSACTION.value, Severity.REJECT_FILE.value))


class GuideEvaluator:
    """Several guides evaluated together (base guides and a plan's): values are found once
    for all of them; findings come guide by guide in rule order within each scope."""

    def __init__(
        self,
        guides: Sequence[Guide],
        receipt_date: dt.date | None = None,
        history: HistoryLookup | None = None,
        code_lists: CodeLists | None = None,
    ) -> None:
        self.guides = list(guides)
        self.receipt_date = receipt_date or dt.date.today()
        lists = code_lists.received(self.receipt_date) if code_lists else None
        self.history_lookup = history
        self._rules: list[tuple[Guide, Rule]] = []
        self._asking_paths: dict[
            str, tuple[list[ValuePath], list[tuple[ValuePath, ValuePath, ValuePath, ValuePath]]]
        ] = {}
        compiled: list[CompiledRule] = []
        slots = c.Slots()
        summed: list[int] = []
        overrides = rule_overrides(self.guides)
        for guide in self.guides:
            for listed in guide.rules:
                change = overrides.get(listed.id)
                rule = replace(listed, **change) if change else listed
                kind = KINDS[rule.kind]
                transactions = frozenset(
                    t for t in (rule.transactions or guide.transactions) if t in guide.transactions
                )
                slots.take_used()
                when = _condition(rule.when, slots) if rule.when is not None else None
                check = kind.build_in(rule.params, slots, lists)
                compiled.append(
                    CompiledRule(
                        len(self._rules), rule.scope, transactions, when, check, slots.take_used()
                    )
                )
                self._rules.append((guide, rule))
                if rule.scope == "set" and kind is SumEquals:
                    summed.extend(slots.slot(p) for p in SumEquals.summed(rule.params))
        self.program = Program(compiled, slots, summed, self.receipt_date, history)

    def units_stand_alone(self, transaction: str) -> bool:
        """Whether every verdict these guides give a ``transaction`` set is one unit's own:
        no set- or file-scope rule, no rule remembering earlier units (``unique``) and no
        unit rule that rejects its whole set or file. Only then can a set be checked in
        ranges of units (work units) with the same verdicts as in one pass."""
        for guide, rule in self._rules:
            if transaction not in (rule.transactions or guide.transactions):
                continue
            if (
                rule.scope in _WHOLE_SCOPES
                or rule.kind in _ACROSS_UNITS
                or rule.severity in _WHOLE_VERDICTS
            ):
                return False
        return True

    def units_keep_file_whole(self, transaction: str) -> bool:
        """Whether these guides judge a ``transaction`` set with the rest of its file: a
        file-scope rule, a rule remembering the file's earlier units (``unique``) or a
        unit rule that rejects the file. Then no set of the file is checked in ranges
        (a set whose guides only judge the set as a whole stays whole, the others may be
        cut: ``units_stand_alone``)."""
        for guide, rule in self._rules:
            if transaction not in (rule.transactions or guide.transactions):
                continue
            if (
                rule.scope == "file"
                or rule.kind in _ACROSS_UNITS
                or rule.severity == Severity.REJECT_FILE.value
            ):
                return True
        return False

    def said_once(self) -> frozenset[str]:
        """Ids of the rules said once per file (``list_installed``): a file checked in
        ranges says them once per range, of which the first in the file is kept."""
        return frozenset(rule.id for _, rule in self._rules if rule.kind in _ONCE_PER_FILE)

    def prefetch(self, units: Sequence[Unit]) -> None:
        """Tell a batched history (``BatchedHistory``) what these units' rules will ask it,
        before they are checked: the members the eligibility rules read, and the originals
        the replacements and voids name; nothing for any other history."""
        if not units or not hasattr(self.history_lookup, "prefetch"):
            return
        history = cast(BatchedHistory, self.history_lookup)
        members, originals = self._history_paths(units[0].header.guide)
        if members and history.wants(MEMBER_ELIGIBLE):  # not when no roster is held
            keys = {
                value for unit in units for path in members if (value := first_value(unit, path))
            }
            if keys:
                history.prefetch(MEMBER_ELIGIBLE, sorted(keys))
        if not originals or not history.wants(ORIGINAL_ON_FILE):
            return
        named: set[tuple[str, str, str]] = set()
        for unit in units:
            for claim, frequency, reference, npi in originals:
                code = first_value(unit, frequency)
                if code.rpartition(":")[2] in ("7", "8"):  # as OriginalOnFileCheck reads it
                    named.add(
                        (
                            first_value(unit, claim),
                            first_value(unit, reference),
                            first_value(unit, npi),
                        )
                    )
        if named:
            history.prefetch(ORIGINAL_ON_FILE, sorted(named))

    def _history_paths(
        self, transaction: str
    ) -> tuple[list[ValuePath], list[tuple[ValuePath, ValuePath, ValuePath, ValuePath]]]:
        """Where the rules of a ``transaction`` set that ask the history read their keys:
        the eligibility rules' member id; the original-on-file rules' claim, frequency,
        reference and billing NPI."""
        known = self._asking_paths.get(transaction)
        if known is None:
            members: list[ValuePath] = []
            originals: list[tuple[ValuePath, ValuePath, ValuePath, ValuePath]] = []
            for guide, rule in self._rules:
                if transaction not in (rule.transactions or guide.transactions):
                    continue
                p = rule.params
                if rule.kind == Eligible.name:
                    members.append(parse_path(p["member"]))
                elif rule.kind == OriginalOnFile.name:
                    originals.append(
                        (
                            parse_path(p["claim"]),
                            parse_path(p["frequency"]),
                            parse_path(p["reference"]),
                            parse_path(p["npi"]),
                        )
                    )
            known = self._asking_paths[transaction] = (members, originals)
        return known

    def check_unit(self, unit: Unit) -> list[Finding]:
        outcomes = self.program.check_unit(unit)
        if not outcomes:
            return []
        unit_id = _unit_id(unit)
        return [self._finding(o, unit.header, unit_id, Level.CLAIM, unit.loop) for o in outcomes]

    def check_set(self, event: SetEvent) -> list[Finding]:
        outcomes = self.program.check_set(event.header, event.root, event.result.units)
        anchor = event.root if event.root is not None else Loop("ST_LOOP", "")
        out: list[Finding] = []
        for o in outcomes:
            rule = self._rules[o.rule][1]
            level = Level.INTERCHANGE if rule.scope == "file" else Level.TRANSACTION
            out.append(self._finding(o, event.header, None, level, anchor))
        return out

    def _finding(
        self,
        outcome: Outcome,
        header: TransactionHeader,
        unit_id: str | None,
        level: Level,
        default_anchor: Loop,
    ) -> Finding:
        guide, rule = self._rules[outcome.rule]
        anchor = outcome.anchor if outcome.anchor is not None else default_anchor
        return _finding(guide, rule, outcome.violation, header, unit_id, anchor, level)


class GuideRunner(GuideEvaluator):
    """One guide over units and sets."""

    def __init__(
        self,
        guide: Guide,
        receipt_date: dt.date | None = None,
        history: HistoryLookup | None = None,
        code_lists: CodeLists | None = None,
    ) -> None:
        super().__init__([guide], receipt_date, history, code_lists)
        self.guide = guide


def _finding(
    guide: Guide,
    rule: Rule,
    v: Violation,
    header: TransactionHeader,
    unit_id: str | None,
    anchor: Loop,
    level: Level,
) -> Finding:
    words = _Words(v.words)
    hit = v.hit
    segment = hit.segment if hit is not None else (anchor.segments[0] if anchor.segments else None)
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
        guide=guide.name,
        fix=rule.fix,
    )


def _unit_id(unit: Unit) -> str | None:
    loop = unit.loop
    if unit.header.guide == "834":
        ref = loop.segment("REF", "0F")
        return ref[2] if ref is not None and ref[2] else None
    seg = loop.segments[0] if loop.segments else None
    return seg[1] if seg is not None and seg[1] else None
