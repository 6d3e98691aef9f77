"""The ingest pipeline: check a stored file, store each accepted transaction set
atomically, acknowledge.

What happens to each unit, set and file is decided by the check stream
(``mappings.check``); the pipeline stores it. The stream runs in a worker thread (it is
CPU-bound) and hands over its decisions in batches; records are written in batches inside
one database transaction per transaction set, so a set is all there or not at all. Sets
already stored (from an earlier, interrupted run) are skipped, which makes re-running a
submission safe: it finishes without duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.check import Checked, CheckedFile, CheckedSet, CheckedUnit, GuideSelection, check
from parsers import FileResult, SetEvent, TransactionHeader, Validator
from parsers.acks import AckOptions, build_999, build_ta1, build_unusable_ta1

from ..config import Settings
from ..eligibility.history import RosterHistory
from ..eligibility.writer import EnrollmentSetWriter
from ..encounters.originals import OriginalLookup, answering
from ..encounters.writer import EncounterSetWriter
from ..errors import StorageError
from ..forwarding.answers import record_answers
from ..models import Submission
from ..partners.guides import guides_of, plan_guides
from ..partners.tenancy import load_tenant
from ..rejections.service import record_outcome
from ..remittances.writer import RemittanceSetWriter
from ..setwriter import IngestContext, SetStorer, SetWriter
from ..statuses import SetStatus, SubmissionStatus
from ..webhooks.announce import submission_finished
from .acks277 import build_277ca_for
from .filestore import FileStore
from .gctune import fewer_collections
from .interchanges import InterchangeRegistry, release_rejected
from .repository import (
    AcknowledgmentRepository,
    InterchangeRepository,
    SubmissionRunRepository,
    TransactionSetRepository,
)
from .results_repository import FindingRepository

log = logging.getLogger("edi_gateway.ingest")

BATCH_EVENTS = 2000


# --- the check stream, in the parser's thread ----------------------------------------------


class _Batches:
    """Pulls the check stream (parsing, mapping, guides) in a worker thread, a batch at a
    time, so the next batch is checked while this one is written."""

    def __init__(self, stream: Iterator[Checked]) -> None:
        self.stream = stream

    def next_batch(self) -> list[Checked]:
        out: list[Checked] = []
        for item in self.stream:
            out.append(item)
            if len(out) >= BATCH_EVENTS or isinstance(item, CheckedFile):
                break
        return out


def _writer_for(ctx: IngestContext, header: TransactionHeader, ordinal: int) -> SetStorer:
    if header.guide in ("837P", "837I", "837D"):
        return EncounterSetWriter(ctx, header, ordinal)
    if header.guide == "834":
        return EnrollmentSetWriter(ctx, header, ordinal)
    if header.guide == "835":
        return RemittanceSetWriter(ctx, header, ordinal)
    return SetWriter(ctx, header, ordinal)


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
        submission = await SubmissionRunRepository(session).get_by_id(submission_id)
        if submission is None:
            raise LookupError(f"no submission {submission_id}")
        sets = TransactionSetRepository(session)
        done = await sets.get_finished_ordinals(submission_id)
        # A set left half-written by a killed run has status "storing": its transaction
        # never committed, so only an orphan row could exist; remove it to redo the set.
        await sets.delete_storing(submission_id)
        submission.status = SubmissionStatus.VALIDATING
        submission.error = None
        submission.sets_done = len(done)
        submission.started_at = datetime.now(UTC)
        tenant = await load_tenant(session, submission.partner_id)
        plans = (
            plan_guides(await guides_of(session, submission.partner_id))
            if submission.partner_id is not None
            else {}
        )
        await session.commit()
        path = FileStore(settings.data_dir).path(FileStore.relative_for(submission.sha256))
        partner_id = submission.partner_id
    if not path.is_file():
        raise StorageError(
            f"its file is not in this process's data directory ({settings.data_dir}); the "
            "service and every worker must share one data directory"
        )

    ctx = IngestContext(sessionmaker, settings, submission, partner_id, tenant)
    rosters = RosterHistory(sessionmaker, asyncio.get_running_loop())
    originals = OriginalLookup(sessionmaker, asyncio.get_running_loop(), tenant)
    guides = GuideSelection(
        plans,
        submission.received_at.date(),
        by_receiver=True,
        history_for=lambda h: answering(
            originals, rosters.scoped(tenant.roster_senders(h.receiver_id, h.gs_receiver_id))
        ),
    )
    ctx.guides = guides
    seen = InterchangeRegistry(
        sessionmaker,
        asyncio.get_running_loop(),
        submission_id,
        partner_id,
        settings.duplicate_window_days,
    )
    validator = Validator(
        units=True,
        seen_interchanges=seen,
        allowed_senders=tenant.allowed_senders,
        allowed_guides=tenant.allowed_guides,
    )
    batches = _Batches(check(str(path), guides, validator=validator, skip_sets=frozenset(done)))
    writer: SetStorer | None = None
    checked_file: CheckedFile | None = None
    concurrent_writes = not settings.effective_database_url.startswith("sqlite")
    # The parser works on the next batch (in its thread) while this one is written.
    ahead: asyncio.Task[list[Checked]] = asyncio.create_task(asyncio.to_thread(batches.next_batch))
    try:
        while True:
            batch = await ahead
            if not batch:
                break
            ahead = asyncio.create_task(asyncio.to_thread(batches.next_batch))
            for item in batch:
                if isinstance(item, CheckedUnit):
                    header = item.unit.header
                    if writer is None or writer.ordinal != header.set_index:
                        if writer is not None:
                            await writer.abort()
                        writer = _writer_for(ctx, header, header.set_index)
                        await writer.begin(item.line)
                    await writer.add(item)
                elif isinstance(item, CheckedSet):
                    ordinal = item.header.set_index
                    if writer is None or writer.ordinal != ordinal:
                        writer = _writer_for(ctx, item.header, ordinal)
                        await writer.begin(item.event.result.line)
                    status = await writer.finish(item)
                    await _progress(sessionmaker, submission_id, item.event)
                    log.info(
                        "submission %s set %s (ST %s): %s",
                        submission_id,
                        ordinal,
                        item.header.st_control_number,
                        status,
                    )
                    writer = None
                else:
                    checked_file = item
            if isinstance(batch[-1], CheckedUnit) and concurrent_writes:
                # inside a (large) set: say how far (SQLite has one writer: the set's)
                await _reading(sessionmaker, submission_id, batch[-1].line)
    except BaseException:
        with anyio.CancelScope(shield=True):
            if not ahead.done():
                # let the parser thread finish its batch before the file is closed
                await asyncio.wait([ahead])
            if writer is not None:
                await writer.abort()
        raise
    assert checked_file is not None
    await _finish(sessionmaker, settings, submission_id, checked_file)
    async with sessionmaker() as session:
        final = await SubmissionRunRepository(session).get_by_id(submission_id)
        assert final is not None
        return final


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
    checked: CheckedFile,
) -> None:
    """Validation findings, interchanges, acknowledgments and the submission's status."""
    result = checked.result
    opts = AckOptions(control_number=_ack_control_number(submission_id))
    if result.usable:
        ta1 = build_ta1(result, opts)
        x999 = build_999(result, opts)
    else:
        note = next((f.code for f in result.findings if f.is_error), "024")
        ta1 = build_unusable_ta1("UNKNOWN", settings.interchange_id, note, opts)
        x999 = b""
    async with sessionmaker() as session, session.begin():
        findings = FindingRepository(session)
        await findings.delete_file_level(submission_id)
        await findings.add_all(submission_id, [*checked.findings, *result.all_findings()], None)
        await InterchangeRepository(session).replace_all_of(submission_id, result.interchanges)
        await release_rejected(session, submission_id)
        x277 = await build_277ca_for(
            session, submission_id, opts.control_number + 1, settings.interchange_id
        )
        await AcknowledgmentRepository(session).replace_all_of(
            submission_id, {"ta1": ta1, "999": x999, "277ca": x277}
        )
        sets = await TransactionSetRepository(session).get_all_of(submission_id)
        submission = await SubmissionRunRepository(session).get_by_id(submission_id)
        assert submission is not None
        types = sorted({s.transaction_type for s in sets})
        submission.transaction_type = ",".join(types)[:10] or None
        submission.segments = result.segments
        submission.segments_done = result.segments
        submission.sets_total = len(list(result.transaction_sets()))
        submission.sets_accepted = sum(
            1 for s in sets if s.status in (SetStatus.STORED, SetStatus.HELD)
        )
        submission.sets_rejected = submission.sets_total - submission.sets_accepted
        submission.units_total = sum(s.units for s in sets)
        submission.units_stored = sum(s.units_stored for s in sets)
        submission.units_rejected = sum(s.units_rejected for s in sets)
        submission.sets_done = submission.sets_total
        if any(s.status == SetStatus.HELD for s in sets):
            submission.status = SubmissionStatus.HELD
        elif submission.sets_accepted == 0 or (
            submission.units_total and not submission.units_stored
        ):
            submission.status = SubmissionStatus.REJECTED
        elif submission.sets_rejected or submission.units_rejected:
            submission.status = SubmissionStatus.PARTIALLY_ACCEPTED
        else:
            submission.status = SubmissionStatus.COMPLETED
        submission.completed_at = datetime.now(UTC)
        await record_outcome(session, submission)
        await record_answers(session, settings, submission)
        await submission_finished(session, submission)
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
        await SubmissionRunRepository(session).count_set_done(
            submission_id, event.result.line + event.result.segment_count
        )


async def _reading(
    sessionmaker: async_sessionmaker[AsyncSession], submission_id: str, line: int
) -> None:
    async with sessionmaker() as session, session.begin():
        await SubmissionRunRepository(session).record_reading(submission_id, line)


def _ack_control_number(submission_id: str) -> int:
    """A stable 9-digit ISA13 for this submission's acknowledgments."""
    return int(submission_id[:8], 16) % 999_999_999 + 1
