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
from collections.abc import AsyncGenerator, Collection, Iterator, Mapping
from contextlib import aclosing, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.check import Checked, CheckedFile, CheckedSet, CheckedUnit, GuideSelection, check
from mappings.codesets.catalog import CodeLists
from mappings.guides import Guide
from parsers import TransactionHeader, Validator

from ..codesets.service import load_code_lists
from ..config import Settings
from ..eligibility.history import RosterHistory
from ..eligibility.writer import EnrollmentSetWriter
from ..encounters.originals import OriginalLookup, answering
from ..encounters.writer import EncounterSetWriter
from ..errors import StorageError
from ..models import Submission
from ..partners.guides import plan_guides
from ..partners.tenancy import load_tenant_and_guides
from ..remittances.writer import RemittanceSetWriter
from ..setwriter import IngestContext, SetStorer, SetWriter
from ..statuses import SubmissionStatus
from .filestore import FileStore
from .finishing import finish_file
from .gctune import fewer_collections
from .interchanges import InterchangeRegistry
from .repository import SubmissionRunRepository, TransactionSetRepository

log = logging.getLogger("edi_gateway.ingest")

BATCH_EVENTS = 2000


# --- the check stream, in the parser's thread ----------------------------------------------


class Batches:
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

    async def ahead(self) -> AsyncGenerator[list[Checked], None]:
        """The batches, the next one read in the worker thread while this one is written.
        Use it under ``contextlib.aclosing``: leaving early (an error, a cancellation) waits
        for the thread's batch, so the file is not closed under the parser."""
        task = asyncio.create_task(asyncio.to_thread(self.next_batch))
        try:
            while batch := await task:
                task = asyncio.create_task(asyncio.to_thread(self.next_batch))
                yield batch
        finally:
            if not task.done():
                with anyio.CancelScope(shield=True):
                    await asyncio.wait([task])


def writer_for(ctx: IngestContext, header: TransactionHeader, ordinal: int) -> SetStorer:
    if header.guide in ("837P", "837I", "837D"):
        return EncounterSetWriter(ctx, header, ordinal)
    if header.guide == "834":
        return EnrollmentSetWriter(ctx, header, ordinal)
    if header.guide == "835":
        return RemittanceSetWriter(ctx, header, ordinal)
    return SetWriter(ctx, header, ordinal)


@dataclass
class Run:
    """One run of a submission: its file, what checks it and where it is stored."""

    submission_id: str
    path: Path
    ctx: IngestContext
    guides: GuideSelection
    #: the sets stored, rejected or held by an earlier run
    done: frozenset[int]
    #: whether an earlier run of the submission began (and may have left rows that this
    #: run replaces); on a first run there is nothing to find or delete
    earlier: bool = True

    def validator(self, units: bool = True) -> Validator:
        """A validator for one read of the file (it claims the file's interchange keys)."""
        ctx = self.ctx
        seen = InterchangeRegistry(
            ctx.sessionmaker,
            asyncio.get_running_loop(),
            self.submission_id,
            ctx.partner_id,
            ctx.settings.duplicate_window_days,
        )
        return Validator(
            units=units,
            seen_interchanges=seen,
            allowed_senders=ctx.tenant.allowed_senders,
            allowed_guides=ctx.tenant.allowed_guides,
        )


class Planner(Protocol):
    """Work units (``units.py``): which sets are stored in claim ranges by any worker, and
    the plan recorded once the file has been read."""

    async def split(self, run: Run) -> tuple[Collection[int], int]:
        """The sets left to work units, and how many sets the file has."""
        ...

    def redo(self, checked: CheckedFile) -> frozenset[int]:
        """The split sets to store here after all (the 999 rejects them)."""
        ...

    async def drop(self, run: Run, redo: frozenset[int]) -> None:
        """Give up the units of those sets."""
        ...

    async def record(self, run: Run, checked: CheckedFile, redo: frozenset[int]) -> bool:
        """Record the plan and queue its units; False when no set is left to units."""
        ...


async def process_submission(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
    planner: Planner | None = None,
    session: AsyncSession | None = None,
) -> Submission:
    """Validate, store and acknowledge one received submission (safe to run again). With a
    ``planner``, large sets are left to work units and the run ends when the plan is
    recorded (the last unit concludes it). ``session``: one in which the caller has read
    the submission; the run's first transaction goes on in it."""
    with fewer_collections():
        run = await start_run(sessionmaker, settings, submission_id, session)
        split: frozenset[int] = frozenset()
        sets = 0
        if planner is not None:
            ordinals, sets = await planner.split(run)
            split = frozenset(ordinals)
        # a file left wholly to units is read for SNIP 1-2 only (no claim trees)
        whole = bool(split) and len(split | run.done) >= sets
        checked = await _store_sets(run, run.done | split, units=not whole)
        if planner is not None and split:
            redo = planner.redo(checked)
            if redo:
                await planner.drop(run, redo)
                every = frozenset(range(1, len(list(checked.result.transaction_sets())) + 1))
                await _store_sets(run, (every - redo) | (run.done - redo), units=True)
            if await planner.record(run, checked, redo):
                return await _submission(sessionmaker, submission_id)
        return await _finish(run, checked)


async def _submission(
    sessionmaker: async_sessionmaker[AsyncSession], submission_id: str
) -> Submission:
    async with sessionmaker() as session:
        final = await SubmissionRunRepository(session).get_by_id(submission_id)
        assert final is not None
        return final


async def start_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
    session: AsyncSession | None = None,
) -> Run:
    """Mark the submission validating and gather what checking and storing it needs (in
    ``session`` when given: the submission read there is not read again)."""
    async with sessionmaker() if session is None else nullcontext(session) as session:
        submission = await SubmissionRunRepository(session).get_by_id(submission_id)
        if submission is None:
            raise LookupError(f"no submission {submission_id}")
        # every run begins by setting ``started_at`` (below), in this transaction, before
        # it writes anything: without it, no earlier run left a row
        earlier = submission.started_at is not None
        done: set[int] = set()
        if earlier:
            sets = TransactionSetRepository(session)
            done = await sets.get_finished_ordinals(submission_id)
            # A set left half-written by a killed run has status "storing": its transaction
            # never committed, so only an orphan row could exist; remove it to redo the set.
            await sets.delete_storing(submission_id)
        submission.status = SubmissionStatus.VALIDATING
        submission.error = None
        submission.sets_done = len(done)
        submission.started_at = datetime.now(UTC)
        tenant, set_for = await load_tenant_and_guides(session, submission.partner_id)
        code_lists = await load_code_lists(session)  # imported with `codesets import`
        plans = plan_guides(set_for)
        await session.commit()
        path = FileStore(settings.data_dir).path(FileStore.relative_for(submission.sha256))
        partner_id = submission.partner_id
    if not path.is_file():
        raise StorageError(
            f"its file is not in this process's data directory ({settings.data_dir}); the "
            "service and every worker must share one data directory"
        )
    ctx = IngestContext(sessionmaker, settings, submission, partner_id, tenant)
    ctx.guides = guides_for(ctx, plans, code_lists)
    return Run(submission_id, path, ctx, ctx.guides, frozenset(done), earlier)


def guides_for(
    ctx: IngestContext, plans: Mapping[str, Guide], code_lists: CodeLists | None = None
) -> GuideSelection:
    """The guides checking a submission's sets, with the history their rules may ask and
    the code lists imported into the database (``codesets import``)."""
    loop = asyncio.get_running_loop()
    tenant = ctx.tenant
    rosters = RosterHistory(ctx.sessionmaker, loop)
    originals = OriginalLookup(ctx.sessionmaker, loop, tenant)
    return GuideSelection(
        plans,
        ctx.submission.received_at.date(),
        by_receiver=True,
        history_for=lambda h: answering(
            originals, rosters.scoped(tenant.roster_senders(h.receiver_id, h.gs_receiver_id))
        ),
        code_lists=code_lists,
    )


async def _store_sets(run: Run, skip: frozenset[int], *, units: bool) -> CheckedFile:
    """One read of the file: every set not in ``skip`` checked and stored."""
    ctx, submission_id = run.ctx, run.submission_id
    sessionmaker, settings = ctx.sessionmaker, ctx.settings
    validator = run.validator(units)
    batches = Batches(check(str(run.path), run.guides, validator=validator, skip_sets=skip))
    writer: SetStorer | None = None
    checked_file: CheckedFile | None = None
    concurrent_writes = not settings.effective_database_url.startswith("sqlite")
    # The parser works on the next batch (in its thread) while this one is written.
    try:
        async with aclosing(batches.ahead()) as ahead:
            async for batch in ahead:
                for item in batch:
                    if isinstance(item, CheckedUnit):
                        header = item.unit.header
                        if writer is None or writer.ordinal != header.set_index:
                            if writer is not None:
                                await writer.abort()
                            writer = writer_for(ctx, header, header.set_index)
                            await writer.begin(item.line)
                        await writer.add(item)
                    elif isinstance(item, CheckedSet):
                        ordinal = item.header.set_index
                        if writer is None or writer.ordinal != ordinal:
                            writer = writer_for(ctx, item.header, ordinal)
                            await writer.begin(item.event.result.line)
                        status = await writer.finish(item)  # counted in the status's progress
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
        if writer is not None:
            with anyio.CancelScope(shield=True):
                await writer.abort()
        raise
    assert checked_file is not None
    return checked_file


async def _finish(run: Run, checked: CheckedFile) -> Submission:
    """The whole file's acknowledgments and findings, then the 277CA and the status; the
    submission as committed."""
    ctx = run.ctx
    async with ctx.sessionmaker() as session, session.begin():
        return await finish_file(
            session,
            ctx.settings,
            run.submission_id,
            checked,
            earlier=run.earlier,
            role=ctx.tenant.role,
        )


async def _reading(
    sessionmaker: async_sessionmaker[AsyncSession], submission_id: str, line: int
) -> None:
    async with sessionmaker() as session, session.begin():
        await SubmissionRunRepository(session).record_reading(submission_id, line)
