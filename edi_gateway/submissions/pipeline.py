"""The ingest pipeline: validate a stored file, store each accepted transaction set
atomically, acknowledge.

The parser runs in a worker thread (it is CPU-bound) and hands over events in batches;
records are written in batches inside one database transaction per transaction set, so
a set is all there or not at all. Sets already stored (from an earlier, interrupted run)
are skipped, which makes re-running a submission safe: it finishes without duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parsers import FileEvent, FileResult, Finding, Level, SetEvent, Severity, UnitEvent, Validator
from parsers.acks import AckOptions, build_999, build_ta1, build_unusable_ta1

from ..config import Settings
from ..db import bulk_insert, table_of
from ..models import (
    Acknowledgment,
    FindingRow,
    Interchange,
    Partner,
    Submission,
    TransactionSet,
)
from ..partners.tenancy import Tenant, load_tenant
from .filestore import FileStore
from .gctune import fewer_collections

log = logging.getLogger("edi_gateway.ingest")

BATCH_EVENTS = 2000


@dataclass
class IngestContext:
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    submission: Submission
    partner_id: int | None
    #: whose stored records this file's claims, members and payments may link to or judge
    tenant: Tenant
    #: set when a file-level rule (or the acceptance threshold) rejects the whole file
    file_rejected: bool = False


class SetWriter:
    """Stores one transaction set's units inside one database transaction."""

    kind = "base"

    def __init__(self, ctx: IngestContext, event_header: Any, ordinal: int) -> None:
        self.ctx = ctx
        self.header = event_header
        self.ordinal = ordinal
        self.session: AsyncSession | None = None
        self.set_id = 0
        self.units = 0
        self.stored = 0
        self.rejected = 0
        self.findings: list[Finding] = []
        self.buffer: list[tuple[Any, int]] = []
        self.dialect = ""  # the database's, known once the set's transaction has begun

    async def begin(self, line: int) -> None:
        self.session = self.ctx.sessionmaker()
        await self.session.begin()
        self.set_id = await self._insert_set("storing", line)
        self.dialect = (await self.session.connection()).dialect.name

    async def _insert_set(self, status: str, line: int, session: AsyncSession | None = None) -> int:
        h = self.header
        db = session or self.session
        assert db is not None
        result = await db.execute(
            insert(TransactionSet).returning(TransactionSet.id),
            [
                {
                    "submission_id": self.ctx.submission.id,
                    "ordinal": self.ordinal,
                    "isa_control_number": h.isa_control_number[:9],
                    "gs_control_number": h.gs_control_number[:9],
                    "st_control_number": h.st_control_number[:9],
                    "sender_id": h.sender_id[:15],
                    "receiver_id": h.receiver_id[:15],
                    "gs_sender_id": h.gs_sender_id[:15],
                    "gs_receiver_id": h.gs_receiver_id[:15],
                    "transaction_type": h.guide,
                    "version": h.version[:12],
                    "status": status,
                    "line": line,
                }
            ],
        )
        return int(result.scalar_one())

    #: what a readable unit maps to, and how to name an unreadable one in a finding
    record_type: type | None = None
    unit_name = "unit"
    unit_segment = "ST"
    unit_loop: str | None = None
    #: the element of the unit's first segment naming its claim in findings (835 CLP01)
    unit_claim_element = 0
    flush_every = 1000

    async def add(self, unit: Any, record: Any, findings: list[Any] | None = None) -> None:
        """Buffer one unit for storing, unless a guide rule or the mapping rejects it."""
        self.units += 1
        line = unit.loop.segments[0].line
        await self.prepare(unit)
        if not self.screen(findings or []):
            self.rejected += 1
            return
        problem = self.unreadable(record)
        if problem is not None:
            self.rejected += 1
            id_element = self.unit_claim_element
            self.finding(
                line,
                f"The {self.unit_name} could not be read: {problem}",
                claim_id=(unit.loop.segments[0][id_element] or None) if id_element else None,
                code="MAP",
                segment_id=self.unit_segment,
                loop=self.unit_loop,
            )
            return
        self.buffer.append((record, line))
        if len(self.buffer) >= self.flush_every:
            await self.flush()

    async def prepare(self, unit: Any) -> None:
        """Set-level details taken from the first unit (subclasses)."""

    def unreadable(self, record: Any) -> str | None:
        if self.record_type is None or isinstance(record, self.record_type):
            return None
        return str(record)

    def screen(self, findings: list[Finding]) -> bool:
        """Keep a unit's companion-guide findings; False when they reject the unit itself
        (the claim is not stored; the rest of the set is, as partial acceptance wants)."""
        if not findings:
            return True
        self.findings.extend(findings)
        return not any(f.severity is Severity.REJECT_CLAIM for f in findings)

    async def flush(self) -> None:
        """Write buffered records (subclasses)."""

    async def complete(self, event: SetEvent) -> str:
        """Set-level work before commit; returns the set status ("stored" or "held")."""
        return "stored"

    def finding(
        self,
        unit_line: int,
        message: str,
        *,
        claim_id: str | None = None,
        member_id: str | None = None,
        code: str = "DUP",
        segment_id: str = "CLM",
        severity: Severity = Severity.REJECT_CLAIM,
        element: str | None = None,
        value: str | None = None,
        loop: str | None = None,
    ) -> None:
        h = self.header
        self.findings.append(
            Finding(
                snip_level=7,
                severity=severity,
                level=Level.CLAIM,
                code=code,
                message=message,
                segment_id=segment_id,
                line=unit_line,
                loop=loop,
                element=element,
                value=value,
                claim_id=claim_id,
                member_id=member_id,
                interchange_control_number=h.isa_control_number,
                group_control_number=h.gs_control_number,
                transaction_control_number=h.st_control_number,
            )
        )

    async def finish(self, event: SetEvent, set_findings: list[Finding] | None = None) -> str:
        assert self.session is not None
        set_findings = set_findings or []
        session = self.session
        try:
            self.findings.extend(set_findings)
            blocking = self.ctx.file_rejected or any(
                f.severity in (Severity.REJECT_TRANSACTION, Severity.REJECT_FILE)
                for f in self.findings
            )
            if not event.result.accepted or blocking:
                await session.rollback()
                status = "rejected"
                async with self.ctx.sessionmaker() as s2, s2.begin():
                    await self._insert_set(status, event.result.line, s2)
                    await s2.execute(
                        update(TransactionSet)
                        .where(
                            TransactionSet.submission_id == self.ctx.submission.id,
                            TransactionSet.ordinal == self.ordinal,
                        )
                        .values(
                            units=event.result.units,
                            units_rejected=event.result.units,
                            segments=event.result.segment_count,
                        )
                    )
                    await self._write_findings(s2)
                self.stored = 0
                self.rejected = event.result.units
                return status
            await self.flush()
            status = await self.complete(event)
            if status == "held":
                await session.rollback()
                async with self.ctx.sessionmaker() as s2, s2.begin():
                    await self._insert_set(status, event.result.line, s2)
                    await self._write_findings(s2)
                    await self.on_held(s2)
                return status
            await session.execute(
                update(TransactionSet)
                .where(TransactionSet.id == self.set_id)
                .values(
                    status=status,
                    units=event.result.units,
                    units_stored=self.stored,
                    units_rejected=self.rejected,
                    segments=event.result.segment_count,
                )
            )
            await self._write_findings(session)
            await self.before_commit(session)
            await session.commit()
            return status
        finally:
            await session.close()

    async def on_held(self, session: AsyncSession) -> None:
        """Record why a set was held (834 full files)."""

    async def before_commit(self, session: AsyncSession) -> None:
        """Last rows of a stored set, in its transaction (subclasses)."""

    async def _write_findings(self, session: AsyncSession) -> None:
        await write_findings(session, self.ctx.submission.id, self.findings, self.ordinal)

    async def abort(self) -> None:
        if self.session is not None:
            await self.session.rollback()
            await self.session.close()


#: column order of ``finding_row``
FINDING_COLUMNS = (
    "submission_id",
    "set_ordinal",
    "snip_level",
    "severity",
    "level",
    "code",
    "message",
    "segment_id",
    "segment_position",
    "line",
    "offset",
    "loop",
    "element",
    "value",
    "claim_id",
    "member_id",
    "isa_control_number",
    "gs_control_number",
    "st_control_number",
    "rule_id",
    "guide",
)


def finding_row(submission_id: str, f: Finding, ordinal: int | None) -> tuple[Any, ...]:
    """A finding as a ``findings`` row (``FINDING_COLUMNS`` order)."""
    return (
        submission_id,
        ordinal,
        f.snip_level,
        f.severity.value,
        f.level.value,
        f.code[:10],
        f.message,
        (f.segment_id or None) and f.segment_id[:10],
        f.segment_position,
        f.line,
        f.offset,
        f.loop,
        f.element,
        f.value,
        f.claim_id and f.claim_id[:80],
        f.member_id and f.member_id[:80],
        f.interchange_control_number and f.interchange_control_number[:9],
        f.group_control_number and f.group_control_number[:9],
        f.transaction_control_number and f.transaction_control_number[:9],
        f.rule_id,
        f.guide,
    )


async def write_findings(
    session: AsyncSession, submission_id: str, findings: Iterable[Finding], ordinal: int | None
) -> None:
    rows = [finding_row(submission_id, f, ordinal) for f in findings]
    if rows:
        await bulk_insert(await session.connection(), table_of(FindingRow), FINDING_COLUMNS, rows)


# --- mapping in the parser thread ------------------------------------------------------------


def _mapper(guide: str) -> Callable[[Any], Any] | None:
    mapper: Callable[[Any], Any] | None = None
    if guide in ("837P", "837I", "837D"):
        from mappings.x837 import map_claim

        mapper = map_claim
    elif guide == "834":
        from mappings.x834 import map_member

        mapper = map_member
    elif guide == "835":
        from mappings.x835 import map_claim_payment

        mapper = map_claim_payment
    return mapper


class _Pump:
    """Runs the parser, maps units to records and applies the companion guides, in a worker
    thread, batch by batch."""

    def __init__(
        self, events: Iterator[Any], skip: set[int], checks: Callable[[Any], Any] | None = None
    ) -> None:
        self.events = events
        self.skip = skip
        self.checks = checks
        self.mappers: dict[str, Callable[[Any], Any] | None] = {}

    def next_batch(self) -> list[tuple[Any, Any, list[Finding]]]:
        out: list[tuple[Any, Any, list[Finding]]] = []
        for event in self.events:
            record = None
            findings: list[Finding] = []
            if isinstance(event, UnitEvent):
                header = event.unit.header
                if header.set_index in self.skip:
                    continue
                mapper = self.mappers.get(header.guide)
                if header.guide not in self.mappers:
                    mapper = self.mappers[header.guide] = _mapper(header.guide)
                if mapper is not None:
                    try:
                        record = mapper(event.unit)
                    except (ValueError, KeyError, IndexError, ArithmeticError) as exc:
                        record = exc
                if self.checks is not None:
                    findings = self.checks(event.unit.header).check_unit(event.unit)
            elif (
                isinstance(event, SetEvent)
                and self.checks is not None
                and event.header.set_index not in self.skip
            ):
                findings = self.checks(event.header).check_set(event)
            out.append((event, record, findings))
            if len(out) >= BATCH_EVENTS or isinstance(event, FileEvent):
                break
        return out


class _EligibilityLookup:
    """History look-ups for guide rules, answered from the database on the event loop
    (the guides run in the parser's thread)."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], loop: asyncio.AbstractEventLoop
    ) -> None:
        self.sessionmaker = sessionmaker
        self.loop = loop
        self.cache: dict[tuple[frozenset[str], str, str], bool | None] = {}
        #: whether any roster of a plan (its ISA06 values) is held
        self.rosters: dict[frozenset[str], bool] = {}

    def scoped(self, plan_senders: frozenset[str]) -> Callable[..., bool | None]:
        """The look-up for claims of one plan: its rosters (sent under these ISA06) only."""

        def history(question: str, **args: str) -> bool | None:
            return self.ask(plan_senders, question, **args)

        return history

    def ask(self, plan_senders: frozenset[str], question: str, **args: str) -> bool | None:
        if question != "member_eligible" or not plan_senders:
            return None  # duplicates against history are checked when storing
        if self.rosters.get(plan_senders) is False:
            return None  # no roster of this plan held (found on the first look-up)
        key = (plan_senders, args["member_id"], args["date"])
        if key not in self.cache:
            future = asyncio.run_coroutine_threadsafe(self._eligible(*key), self.loop)
            self.cache[key] = future.result(timeout=60)
        return self.cache[key]

    async def _eligible(
        self, plan_senders: frozenset[str], member_id: str, day: str
    ) -> bool | None:
        from datetime import date

        from ..models import CoverageSpan, Member, MemberIdentifier

        on = date.fromisoformat(day)
        senders = sorted(plan_senders)
        async with self.sessionmaker() as session:
            if plan_senders not in self.rosters:
                self.rosters[plan_senders] = (
                    await session.execute(
                        select(Member.id).where(Member.plan_sender_id.in_(senders)).limit(1)
                    )
                ).first() is not None
            if not self.rosters[plan_senders]:
                return None  # no roster of the claim's plan held: cannot tell
            ids = select(MemberIdentifier.member_id).where(MemberIdentifier.value == member_id)
            found = (
                await session.execute(
                    select(CoverageSpan.id)
                    .join(Member, Member.id == CoverageSpan.member_id)
                    .where(
                        Member.plan_sender_id.in_(senders),
                        (Member.subscriber_id == member_id) | Member.id.in_(ids),
                        CoverageSpan.superseded_at.is_(None),
                        CoverageSpan.begin_date <= on,
                        (CoverageSpan.end_date.is_(None)) | (CoverageSpan.end_date >= on),
                    )
                    .limit(1)
                )
            ).first()
            return found is not None


class _GuideSelection:
    """Which guides check a file: the base guides always, plus the partner's plan guide or
    the plan guide that serves the file's receiver id."""

    def __init__(
        self,
        plan_name: str | None,
        receipt: Any,
        history: _EligibilityLookup | None,
        tenant: Tenant | None = None,
    ) -> None:
        from mappings.guides import load_guide

        self.plan = load_guide(plan_name) if plan_name else None
        self.receipt = receipt
        self.history = history
        self.tenant = tenant or Tenant(None)
        self._by_receiver: dict[tuple[str, str], Any] = {}

    def for_header(self, header: Any) -> Any:
        from mappings.guides import GuideChecks, guide_for_receiver

        key = (header.guide, header.receiver_id)
        checks = self._by_receiver.get(key)
        if checks is None:
            plan = (
                self.plan
                if self.plan is not None and header.guide in self.plan.transactions
                else guide_for_receiver(header.receiver_id, header.guide)
                or guide_for_receiver(header.gs_receiver_id, header.guide)
            )
            history = None
            if self.history is not None:
                history = self.history.scoped(
                    self.tenant.roster_senders(header.receiver_id, header.gs_receiver_id)
                )
            checks = self._by_receiver[key] = GuideChecks(plan, self.receipt, history)
        return checks

    def needs_prepass(self, path: Any) -> bool:
        return self.plan is not None and self.plan.acceptance_threshold is not None

    def acceptance_share(self, path: Any) -> tuple[float | None, float | None]:
        """Share of units that no guide rule rejects (claim level), for the threshold.
        Runs on fresh runners: rules that remember values (unique in file) start clean."""
        total = bad = 0
        fresh = _GuideSelection(None, self.receipt, self.history, self.tenant)
        fresh.plan = self.plan
        for event in Validator(units=True).events(str(path)):
            if isinstance(event, UnitEvent):
                total += 1
                found = fresh.for_header(event.unit.header).check_unit(event.unit)
                if any(f.severity is Severity.REJECT_CLAIM for f in found):
                    bad += 1
        threshold = self.plan.acceptance_threshold if self.plan is not None else None
        return ((total - bad) / total if total else None), threshold


def _writer_for(ctx: IngestContext, header: Any, ordinal: int) -> SetWriter:
    if header.guide in ("837P", "837I", "837D"):
        from ..encounters.writer import EncounterSetWriter

        return EncounterSetWriter(ctx, header, ordinal)
    if header.guide == "834":
        from ..eligibility.writer import EnrollmentSetWriter

        return EnrollmentSetWriter(ctx, header, ordinal)
    if header.guide == "835":
        from ..remittances.writer import RemittanceSetWriter

        return RemittanceSetWriter(ctx, header, ordinal)
    return SetWriter(ctx, header, ordinal)


async def _seen_interchanges(
    session: AsyncSession, submission_id: str, window_days: int
) -> set[tuple[str, str, str]]:
    since = datetime.now(UTC) - timedelta(days=window_days)
    rows = await session.execute(
        select(Interchange.sender_id, Interchange.receiver_id, Interchange.control_number).where(
            Interchange.submission_id != submission_id,
            Interchange.received_at >= since,
            Interchange.accepted.is_(True),
        )
    )
    return {(a, b, c) for a, b, c in rows.all()}


async def process_submission(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
) -> Submission:
    """Validate, store and acknowledge one received submission (safe to run again)."""
    with fewer_collections():
        return await _process(sessionmaker, settings, submission_id)


async def _process(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, submission_id: str
) -> Submission:
    async with sessionmaker() as session:
        submission = await session.get(Submission, submission_id)
        if submission is None:
            raise LookupError(f"no submission {submission_id}")
        done = set(
            (
                await session.execute(
                    select(TransactionSet.ordinal).where(
                        TransactionSet.submission_id == submission_id,
                        TransactionSet.status.in_(("stored", "rejected", "held")),
                    )
                )
            ).scalars()
        )
        # A set left half-written by a killed run has status "storing": its transaction
        # never committed, so only an orphan row could exist; remove it to redo the set.
        await session.execute(
            delete(TransactionSet).where(
                TransactionSet.submission_id == submission_id,
                TransactionSet.status == "storing",
            )
        )
        submission.status = "validating"
        submission.error = None
        submission.sets_done = len(done)
        submission.started_at = datetime.now(UTC)
        seen = await _seen_interchanges(session, submission_id, settings.duplicate_window_days)
        tenant = await load_tenant(session, submission.partner_id)
        plan_guide: str | None = None
        if submission.partner_id is not None:
            plan_guide = (
                await session.execute(
                    select(Partner.guide).where(Partner.id == submission.partner_id)
                )
            ).scalar_one()
        await session.commit()
        path = FileStore(settings.data_dir).path(FileStore.relative_for(submission.sha256))
        partner_id = submission.partner_id

    ctx = IngestContext(sessionmaker, settings, submission, partner_id, tenant)
    checks = _GuideSelection(
        plan_guide,
        submission.received_at.date(),
        _EligibilityLookup(sessionmaker, asyncio.get_running_loop()),
        tenant,
    )
    if checks.needs_prepass(path):
        share, threshold = await asyncio.to_thread(checks.acceptance_share, path)
        if share is not None and threshold is not None and share < threshold:
            ctx.file_rejected = True
            ctx_note = (
                f"Only {share:.1%} of the claims pass the companion guide; the plan "
                f"rejects files below {threshold:.0%}. Correct the rejected claims and "
                "send the whole file again."
            )
            async with sessionmaker() as session, session.begin():
                await session.execute(
                    insert(FindingRow),
                    [
                        {
                            "submission_id": submission_id,
                            "set_ordinal": None,
                            "snip_level": 7,
                            "severity": Severity.REJECT_FILE.value,
                            "level": Level.INTERCHANGE.value,
                            "code": "THRESHOLD",
                            "message": ctx_note,
                            "rule_id": "THRESHOLD",
                            "guide": checks.plan.name if checks.plan else None,
                        }
                    ],
                )
    validator = Validator(
        units=True,
        seen_interchanges=seen,
        allowed_senders=tenant.allowed_senders,
        allowed_guides=tenant.allowed_guides,
    )
    pump = _Pump(validator.events(str(path)), done, checks.for_header)
    writer: SetWriter | None = None
    result: FileResult | None = None
    stored_units = rejected_units = 0
    # The parser works on the next batch (in its thread) while this one is written.
    ahead: asyncio.Task[list[tuple[Any, Any, list[Finding]]]] = asyncio.create_task(
        asyncio.to_thread(pump.next_batch)
    )
    try:
        while True:
            batch = await ahead
            if not batch:
                break
            ahead = asyncio.create_task(asyncio.to_thread(pump.next_batch))
            for event, record, findings in batch:
                if isinstance(event, UnitEvent):
                    header = event.unit.header
                    if writer is None or writer.ordinal != header.set_index:
                        if writer is not None:
                            await writer.abort()
                        writer = _writer_for(ctx, header, header.set_index)
                        await writer.begin(event.unit.loop.segments[0].line)
                    await writer.add(event.unit, record, findings)
                elif isinstance(event, SetEvent):
                    ordinal = event.header.set_index
                    if ordinal in done:
                        continue
                    if writer is None or writer.ordinal != ordinal:
                        writer = _writer_for(ctx, event.header, ordinal)
                        await writer.begin(event.result.line)
                    if any(f.severity is Severity.REJECT_FILE for f in findings):
                        ctx.file_rejected = True
                    status = await writer.finish(event, findings)
                    stored_units += writer.stored
                    rejected_units += writer.rejected
                    await _progress(sessionmaker, submission_id, event)
                    log.info(
                        "submission %s set %s (ST %s): %s",
                        submission_id,
                        ordinal,
                        event.header.st_control_number,
                        status,
                    )
                    writer = None
                elif isinstance(event, FileEvent):
                    result = event.result
    except BaseException:
        with anyio.CancelScope(shield=True):
            if not ahead.done():
                # let the parser thread finish its batch before the file is closed
                await asyncio.wait([ahead])
            if writer is not None:
                await writer.abort()
        raise
    assert result is not None
    await _finish(sessionmaker, settings, submission_id, result)
    async with sessionmaker() as session:
        final = await session.get(Submission, submission_id)
        assert final is not None
        return final


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
    result: FileResult,
) -> None:
    """Validation findings, interchanges, acknowledgments and the submission's status."""
    opts = AckOptions(control_number=_ack_control_number(submission_id))
    if result.usable:
        ta1 = build_ta1(result, opts)
        x999 = build_999(result, opts)
    else:
        note = next((f.code for f in result.findings if f.is_error), "024")
        ta1 = build_unusable_ta1("UNKNOWN", settings.interchange_id, note, opts)
        x999 = b""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            delete(FindingRow).where(
                FindingRow.submission_id == submission_id,
                FindingRow.level != Level.CLAIM.value,
                FindingRow.rule_id.is_(None),
            )
        )
        await write_findings(session, submission_id, result.all_findings(), None)
        await session.execute(delete(Interchange).where(Interchange.submission_id == submission_id))
        if result.interchanges:
            await session.execute(
                insert(Interchange),
                [
                    {
                        "submission_id": submission_id,
                        "sender_qualifier": isa.sender_qualifier[:2],
                        "sender_id": isa.sender_id[:15],
                        "receiver_qualifier": isa.receiver_qualifier[:2],
                        "receiver_id": isa.receiver_id[:15],
                        "control_number": isa.control_number[:9],
                        "interchange_date": isa.date[:6],
                        "usage": isa.usage[:1],
                        "accepted": not isa.rejected,
                        "note_code": isa.note_code,
                    }
                    for isa in result.interchanges
                ],
            )
        await session.execute(
            delete(Acknowledgment).where(Acknowledgment.submission_id == submission_id)
        )
        from .acks277 import build_277ca_for

        x277 = await build_277ca_for(
            session, submission_id, opts.control_number + 1, settings.interchange_id
        )
        for kind, content in (("ta1", ta1), ("999", x999), ("277ca", x277)):
            if content:
                await session.execute(
                    insert(Acknowledgment),
                    [{"submission_id": submission_id, "kind": kind, "content": content}],
                )
        sets = (
            (
                await session.execute(
                    select(TransactionSet).where(TransactionSet.submission_id == submission_id)
                )
            )
            .scalars()
            .all()
        )
        submission = await session.get(Submission, submission_id)
        assert submission is not None
        types = sorted({s.transaction_type for s in sets})
        submission.transaction_type = ",".join(types)[:10] or None
        submission.segments = result.segments
        submission.segments_done = result.segments
        submission.sets_total = len(list(result.transaction_sets()))
        submission.sets_accepted = sum(1 for s in sets if s.status in ("stored", "held"))
        submission.sets_rejected = submission.sets_total - submission.sets_accepted
        submission.units_total = sum(s.units for s in sets)
        submission.units_stored = sum(s.units_stored for s in sets)
        submission.units_rejected = sum(s.units_rejected for s in sets)
        submission.sets_done = submission.sets_total
        if any(s.status == "held" for s in sets):
            submission.status = "held"
        elif submission.sets_accepted == 0:
            submission.status = "rejected"
        else:
            submission.status = "completed"
        submission.completed_at = datetime.now(UTC)
        _count(submission, result)


def _count(submission: Submission, result: FileResult) -> None:
    from .. import metrics

    metrics.FILES.labels(submission.transaction_type or "unknown", submission.status).inc()
    metrics.SEGMENTS.inc(result.segments)
    metrics.UNITS.labels("stored").inc(submission.units_stored)
    metrics.UNITS.labels("rejected").inc(submission.units_rejected)
    for f in result.all_findings():
        metrics.FINDINGS.labels(str(f.snip_level), f.severity.value).inc()


async def _progress(
    sessionmaker: async_sessionmaker[AsyncSession], submission_id: str, event: SetEvent
) -> None:
    """Record that one more transaction set is done (for GET /v1/submissions/{id})."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(
                status="storing",
                sets_done=Submission.sets_done + 1,
                segments_done=event.result.line + event.result.segment_count,
            )
        )


def _ack_control_number(submission_id: str) -> int:
    """A stable 9-digit ISA13 for this submission's acknowledgments."""
    return int(submission_id[:8], 16) % 999_999_999 + 1
