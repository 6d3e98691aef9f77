"""The one place that decides what happens to a file, its transaction sets and its units.

``check(source, ...)`` reads a file once and yields, in file order:

- a :class:`CheckedUnit` per claim (837 2300), member (834 2000) or claim payment (835
  2100): the unit, its normalized record or the :class:`~mappings.errors.MappingError`
  that kept it from being read, every finding about it (companion-guide rules, SNIP 3-7,
  and the ``MAP`` finding of an unreadable unit) and whether it passes on its own;
- a :class:`CheckedSet` at the end of each transaction set: SNIP 1-2 (the 999), the set-
  and file-scope guide rules, and the set's verdict (a set rejected takes all its units
  with it; a unit's own verdict stands only in an accepted set);
- one :class:`CheckedFile` last: the SNIP 1-2 result of the whole file, file-level
  findings such as the acceptance threshold, the counts and the file's verdict.

What is checked comes in through two small seams: a :class:`GuideSelection` (which guides
apply to a transaction set; the history look-ups a guide rule may ask, such as member
eligibility on the date of service, are given to it) and the validator's options (sender
ids and transaction types the partner may send, interchanges already received). The
ingest pipeline stores what this stream decides; ``edi-gateway validate``, ``report FILE``,
``POST /v1/validate`` and the benchmarks print or time it. None of them decides anything
itself.

A plan guide with an acceptance threshold (a file is rejected when too few of its units
pass) needs the whole file before the first set's verdict is known: the stream then holds
the checked units until the end of the file and yields them once the threshold is decided,
still reading the file once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import BinaryIO, Protocol

from parsers import (
    FileEvent,
    FileResult,
    Finding,
    Level,
    SetEvent,
    Severity,
    TransactionHeader,
    Unit,
    UnitEvent,
    Validator,
)
from parsers.ranges import EventSource

from . import x834, x835, x837
from .codesets.catalog import CodeLists
from .errors import MappingError
from .guides import (
    Guide,
    GuideChecks,
    HistoryLookup,
    guide_for_receiver,
    plans_by_transaction,
)
from .records import ClaimPayment, EncounterClaim, MemberRecord

__all__ = [
    "MAPPER_REFUSALS",
    "UNIT_KINDS",
    "Checked",
    "CheckedFile",
    "CheckedSet",
    "CheckedUnit",
    "FileVerdict",
    "GuideSelection",
    "Guides",
    "UnitKind",
    "UnitRecord",
    "check",
    "threshold_message",
]

Source = bytes | str | BinaryIO
UnitRecord = EncounterClaim | MemberRecord | ClaimPayment

_BLOCKING = (Severity.REJECT_TRANSACTION, Severity.REJECT_FILE)
#: what a mapper raises for a unit it cannot read (anything else is a bug, not the file's)
MAPPER_REFUSALS = (ValueError, KeyError, IndexError, ArithmeticError)


class FileVerdict(StrEnum):
    """What became of a file as a whole."""

    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially accepted"
    REJECTED = "rejected"
    NOT_X12 = "not X12"


@dataclass(frozen=True, slots=True)
class UnitKind:
    """How a transaction type's units are read and named in findings."""

    name: str  # "claim", "member", "claim payment"
    segment: str  # the unit's first segment: CLM, INS, CLP
    loop: str
    #: the element of the first segment that names the claim in findings (0: none)
    claim_element: int
    mapper: Callable[[Unit], UnitRecord]
    #: a record that maps but cannot be stored (e.g. a member without a subscriber id)
    unusable: Callable[[UnitRecord], str | None] = lambda record: None
    #: say that a claim could not be read even when a guide rule already rejects it (the
    #: 277CA and report name what was read of it); a member or payment only when not
    always_report_unreadable: bool = False


def _member_unusable(record: UnitRecord) -> str | None:
    assert isinstance(record, MemberRecord)
    return None if record.subscriber_id else "no REF*0F subscriber id"


# The mappers are looked up when called, so a test can stand in for one.
_CLAIM = UnitKind(
    "claim", "CLM", "2300", 1, lambda u: x837.map_claim(u), always_report_unreadable=True
)
UNIT_KINDS: dict[str, UnitKind] = {
    "837P": _CLAIM,
    "837I": _CLAIM,
    "837D": _CLAIM,
    "834": UnitKind("member", "INS", "2000", 0, lambda u: x834.map_member(u), _member_unusable),
    "835": UnitKind("claim payment", "CLP", "2100", 1, lambda u: x835.map_claim_payment(u)),
}


@dataclass(slots=True)
class CheckedUnit:
    unit: Unit
    #: the normalized record, None when the unit could not be read (see ``error``)
    record: UnitRecord | None
    error: MappingError | None
    findings: list[Finding]
    #: the unit passes its own checks (it is stored only if its set is accepted too)
    accepted: bool

    @property
    def line(self) -> int:
        """Where the unit starts (its first segment's ordinal in the file)."""
        return self.unit.loop.segments[0].line


@dataclass(slots=True)
class CheckedSet:
    event: SetEvent
    #: set- and file-scope guide findings (SNIP 1-2 findings are in ``event.result``)
    findings: list[Finding]
    accepted: bool
    #: units of the set that pass their own checks (all of them count as rejected when
    #: the set is rejected)
    units_accepted: int = 0

    @property
    def header(self) -> TransactionHeader:
        return self.event.header


@dataclass(slots=True)
class CheckedFile:
    result: FileResult
    #: file-level decisions beyond SNIP 1-2 (the acceptance threshold)
    findings: list[Finding]
    verdict: FileVerdict
    guides: list[str]
    sets: int = 0
    sets_accepted: int = 0
    units: int = 0
    units_accepted: int = 0
    #: share of units passing their own checks (the acceptance threshold's measure)
    acceptance_share: float | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict is FileVerdict.ACCEPTED


Checked = CheckedUnit | CheckedSet | CheckedFile


class Guides(Protocol):
    """Which companion guides check a transaction set (see :class:`GuideSelection`)."""

    def for_header(self, header: TransactionHeader) -> GuideChecks | None: ...

    def prefetch(self, units: Sequence[Unit]) -> None:
        """The units about to be checked, for history look-ups made in one batch."""
        ...

    @property
    def acceptance_threshold(self) -> float | None: ...

    @property
    def threshold_guide(self) -> str | None: ...

    @property
    def names(self) -> list[str]: ...


class GuideSelection:
    """The base guides of each transaction set's own type, plus the plan guide of that
    type: the partner's guide for the type (a partner holds one guide per transaction
    type) or the one named (``--guide``: it serves the types it lists), else, when
    ``by_receiver``, the guide that serves the set's receiver id (ISA08, then GS03). A set
    of a type no plan guide serves is checked by its base guide alone. ``history_for``
    gives the look-ups a set's guide rules may ask (scoped by the caller, e.g. to the
    rosters of the set's plan)."""

    def __init__(
        self,
        plan: Guide | Mapping[str, Guide] | None,
        receipt_date: dt.date | None = None,
        *,
        by_receiver: bool = False,
        history_for: Callable[[TransactionHeader], HistoryLookup | None] | None = None,
        code_lists: CodeLists | None = None,
    ) -> None:
        #: transaction type (837P, 837I, 837D, 834, 835) -> its plan guide
        self.plans: Mapping[str, Guide] = (
            plans_by_transaction(plan) if isinstance(plan, Guide) else dict(plan or {})
        )
        self.receipt_date = receipt_date
        self.by_receiver = by_receiver
        self.history_for = history_for
        #: the imported code lists (the gateway's database), judged before those shipped
        self.code_lists = code_lists
        self._checks: dict[tuple[str, str], GuideChecks] = {}
        self._threshold = next(
            (g for g in self.plans.values() if g.acceptance_threshold is not None), None
        )

    def _plan_for(self, header: TransactionHeader) -> Guide | None:
        plan = self.plans.get(header.guide)
        if plan is not None or not self.by_receiver:
            return plan
        return guide_for_receiver(header.receiver_id, header.guide) or guide_for_receiver(
            header.gs_receiver_id, header.guide
        )

    def for_header(self, header: TransactionHeader) -> GuideChecks:
        key = (header.guide, header.receiver_id if self.by_receiver else "")
        checks = self._checks.get(key)
        if checks is None:
            history = self.history_for(header) if self.history_for is not None else None
            checks = GuideChecks(
                self._plan_for(header),
                self.receipt_date,
                history,
                transaction=header.guide,
                code_lists=self.code_lists,
            )
            self._checks[key] = checks
        return checks

    def prefetch(self, units: Sequence[Unit]) -> None:
        """Tell each set's history what the units' rules will ask about (``BatchedHistory``:
        the members of hundreds of claims looked up at once)."""
        by_set: dict[int, list[Unit]] = {}
        for unit in units:
            by_set.setdefault(unit.header.set_index, []).append(unit)
        for same_set in by_set.values():
            self.for_header(same_set[0].header).prefetch(same_set)

    @property
    def acceptance_threshold(self) -> float | None:
        return self._threshold.acceptance_threshold if self._threshold is not None else None

    @property
    def threshold_guide(self) -> str | None:
        return self._threshold.name if self._threshold is not None else None

    @property
    def names(self) -> list[str]:
        """The guides that checked a transaction set (none for a file without one)."""
        seen: dict[str, None] = {}
        for checks in self._checks.values():
            seen.update(dict.fromkeys(checks.names))
        return list(seen)

    def applied(self) -> list[Guide]:
        """Every guide that checked a set, in order."""
        seen: dict[str, Guide] = {}
        for checks in self._checks.values():
            for g in checks.guides:
                seen.setdefault(g.name, g)
        return list(seen.values())


def threshold_message(share: float, threshold: float) -> str:
    return (
        f"Only {share:.1%} of the claims pass the companion guide; the plan rejects files "
        f"below {threshold:.0%}. Correct the rejected claims and send the whole file again."
    )


def unreadable_message(kind_name: str, problem: str) -> str:
    return f"The {kind_name} could not be read: {problem}"


@dataclass(slots=True)
class _State:
    file_rejected: bool = False
    units: int = 0
    #: units passing their own checks, and those of them in accepted sets
    units_passing: int = 0
    units_accepted: int = 0
    sets: int = 0
    sets_accepted: int = 0
    set_passing: dict[int, int] = field(default_factory=dict)
    #: sets holding a unit whose finding rejects the whole set
    blocked_sets: set[int] = field(default_factory=set)


def _read(unit: Unit) -> tuple[UnitRecord | None, MappingError | None, UnitKind | None]:
    kind = UNIT_KINDS.get(unit.header.guide)
    if kind is None:
        return None, None, None
    try:
        record = kind.mapper(unit)
    except MAPPER_REFUSALS as exc:
        return None, MappingError(str(exc)), kind
    problem = kind.unusable(record)
    if problem is not None:
        return None, MappingError(problem), kind
    return record, None, kind


def _map_finding(unit: Unit, kind: UnitKind, error: MappingError) -> Finding:
    h = unit.header
    first = unit.loop.segments[0]
    return Finding(
        snip_level=7,
        severity=Severity.REJECT_CLAIM,
        level=Level.CLAIM,
        code="MAP",
        message=unreadable_message(kind.name, str(error)),
        segment_id=kind.segment,
        line=first.line,
        loop=kind.loop,
        claim_id=(first[kind.claim_element] or "?") if kind.claim_element else None,
        interchange_control_number=h.isa_control_number,
        group_control_number=h.gs_control_number,
        transaction_control_number=h.st_control_number,
    )


def _check_unit(unit: Unit, guides: Guides | None, map_units: bool) -> CheckedUnit:
    checks = guides.for_header(unit.header) if guides is not None else None
    findings = checks.check_unit(unit) if checks is not None else []
    record: UnitRecord | None = None
    error: MappingError | None = None
    if map_units:
        record, error, kind = _read(unit)
        if error is not None and kind is not None:
            rejected = any(f.severity is Severity.REJECT_CLAIM for f in findings)
            if kind.always_report_unreadable or not rejected:
                findings.append(_map_finding(unit, kind, error))
            return CheckedUnit(unit, record, error, findings, False)
    accepted = not any(f.severity is Severity.REJECT_CLAIM for f in findings)
    return CheckedUnit(unit, record, error, findings, accepted)


def check(
    source: Source,
    guides: Guides | None = None,
    *,
    validator: EventSource | None = None,
    map_units: bool = True,
    skip_sets: frozenset[int] = frozenset(),
) -> Iterator[Checked]:
    """Check a file (bytes, a path or a binary stream) in one pass; see the module text.

    ``guides`` None checks SNIP 1-2 only (and, with ``map_units``, whether units can be
    read); ``validator`` carries the partner's limits (default: none); the sets whose
    ordinals are in ``skip_sets`` (stored by an earlier, interrupted run) are read but not
    yielded.
    """
    wants_units = guides is not None or map_units
    v: EventSource = validator or Validator(units=wants_units)
    threshold = guides.acceptance_threshold if guides is not None else None
    events: Iterator[UnitEvent | SetEvent | FileEvent] = v.events(source)
    if guides is not None:
        events = _read_ahead(events, guides, skip_sets)
    if threshold is None:
        yield from _decide(events, guides, map_units, skip_sets, None, wants_units)
        return
    # The threshold is a verdict on the whole file: hold what was checked until its end.
    held = list(_decide(events, guides, map_units, skip_sets, None, wants_units))
    last = held[-1]
    assert isinstance(last, CheckedFile)
    share = last.acceptance_share
    if share is None or share >= threshold:
        yield from held
        return
    # Rejected: every set with it, decided again over what was held (no second read).
    yield from _decide(iter(held), guides, map_units, skip_sets, (share, threshold), True)


#: units read before the first of them is checked, so that what their rules ask of the
#: gateway's history (member eligibility, the originals replacements name) is looked up
#: in one batch, not once per unit
READ_AHEAD_UNITS = 500


def _read_ahead(
    events: Iterator[UnitEvent | SetEvent | FileEvent], guides: Guides, skip_sets: frozenset[int]
) -> Iterator[UnitEvent | SetEvent | FileEvent]:
    """The events as read, up to ``READ_AHEAD_UNITS`` units of a set at a time, each batch
    of units shown to ``guides.prefetch`` before it is passed on. Done whenever guides
    check the file, whoever reads it (validate, reports, ingest), so each unit is checked
    at the same point of the reading by all of them."""
    ahead: list[UnitEvent] = []
    for event in events:
        if isinstance(event, UnitEvent):
            ahead.append(event)
            if len(ahead) < READ_AHEAD_UNITS:
                continue
        if ahead:
            guides.prefetch([e.unit for e in ahead if e.unit.header.set_index not in skip_sets])
            yield from ahead
            ahead.clear()
        if not isinstance(event, UnitEvent):
            yield event
    if ahead:
        guides.prefetch([e.unit for e in ahead if e.unit.header.set_index not in skip_sets])
        yield from ahead


#: checked units and sets held until their interchange closes (its trailer can still reject
#: them: a wrong GE/IEA count or control number, a file cut short); past this many, what
#: is held is passed on with the verdicts known so far
HOLD_UNITS = 2000


def _decide(
    events: Iterator[UnitEvent | SetEvent | FileEvent | Checked],
    guides: Guides | None,
    map_units: bool,
    skip_sets: frozenset[int],
    below_threshold: tuple[float, float] | None,
    counts_units: bool,
) -> Iterator[Checked]:
    state = _State(file_rejected=below_threshold is not None)
    held: list[Checked] = []
    interchange = -1
    for event in events:
        if isinstance(event, UnitEvent | CheckedUnit):
            if isinstance(event, UnitEvent):
                if event.unit.header.set_index in skip_sets:
                    continue
                checked = _check_unit(event.unit, guides, map_units)
            else:
                checked = event  # held for the threshold: already checked
            header = checked.unit.header
            if header.interchange_index != interchange or len(held) >= HOLD_UNITS:
                yield from _release(held, state)
                interchange = header.interchange_index
            ordinal = header.set_index
            state.units += 1
            if checked.accepted:
                state.units_passing += 1
                state.set_passing[ordinal] = state.set_passing.get(ordinal, 0) + 1
            if any(f.severity in _BLOCKING for f in checked.findings):
                state.blocked_sets.add(ordinal)
            held.append(checked)
        elif isinstance(event, SetEvent | CheckedSet):
            if isinstance(event, SetEvent):
                if event.header.set_index in skip_sets:
                    continue
                checks = guides.for_header(event.header) if guides is not None else None
                found = checks.check_set(event) if checks is not None else []
                set_event = event
            else:
                found, set_event = event.findings, event.event
            if set_event.header.interchange_index != interchange:
                yield from _release(held, state)
                interchange = set_event.header.interchange_index
            ordinal = set_event.header.set_index
            if any(f.severity is Severity.REJECT_FILE for f in found):
                state.file_rejected = True
            accepted = (
                not state.file_rejected
                and ordinal not in state.blocked_sets
                and not any(f.severity in _BLOCKING for f in found)
            )
            held.append(CheckedSet(set_event, found, accepted, 0))
        else:
            yield from _release(held, state)
            result = event.result if isinstance(event, FileEvent | CheckedFile) else None
            assert result is not None
            yield _file(result, guides, state, below_threshold, counts_units)


def _release(held: list[Checked], state: _State) -> Iterator[Checked]:
    """Pass on what was held, each set's verdict now including its envelope's (SNIP 1-2
    as far as the file has been read: the 999 and TA1)."""
    for item in held:
        if isinstance(item, CheckedSet):
            item.accepted = item.accepted and item.event.result.accepted
            passing = state.set_passing.get(item.header.set_index, 0) if item.accepted else 0
            item.units_accepted = passing
            state.sets += 1
            state.sets_accepted += item.accepted
            state.units_accepted += passing
        yield item
    held.clear()


def _file(
    result: FileResult,
    guides: Guides | None,
    state: _State,
    below_threshold: tuple[float, float] | None,
    counts_units: bool,
) -> CheckedFile:
    findings: list[Finding] = []
    if below_threshold is not None:
        share, threshold = below_threshold
        findings.append(
            Finding(
                snip_level=7,
                severity=Severity.REJECT_FILE,
                level=Level.INTERCHANGE,
                code="THRESHOLD",
                message=threshold_message(share, threshold),
                rule_id="THRESHOLD",
                guide=guides.threshold_guide if guides is not None else None,
            )
        )
    units = state.units if counts_units else 0
    if not result.usable:
        verdict = FileVerdict.NOT_X12
    elif state.sets_accepted == 0 or (units and state.units_accepted == 0):
        verdict = FileVerdict.REJECTED
    elif (
        result.accepted
        and not state.file_rejected
        and state.sets_accepted == state.sets
        and state.units_accepted == units
    ):
        verdict = FileVerdict.ACCEPTED
    else:
        verdict = FileVerdict.PARTIALLY_ACCEPTED
    return CheckedFile(
        result,
        findings,
        verdict,
        guides.names if guides is not None else [],
        state.sets,
        state.sets_accepted,
        units,
        state.units_accepted if counts_units else 0,
        state.units_passing / state.units if state.units else None,
    )
