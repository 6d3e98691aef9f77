"""Work units: one large file shared by every worker (PostgreSQL job queue only).

A submission's job plans, its units store, and the last unit has it concluded:

- **planning** (the submission's job, :func:`advance`): a quick pass of the tokenizer
  (``parsers.ranges``) finds where large sets can be cut. An 837 set of more than
  ``UNIT_CLAIMS`` claims is left to units of about that many claims, each starting at a
  2000A or 2000B HL, when its guides judge each claim alone (no set- or file-scope rule,
  no "unique in the file" rule, no claim rule rejecting the set: see
  ``GuideEvaluator.units_stand_alone``; the file's other sets are stored whole by the
  planning job), no guide of the file has file-scope, "unique in the file" or
  file-rejecting rules (``units_keep_file_whole``), no
  acceptance threshold applies, none of its claims may judge or be judged by another
  claim of the file (duplicates, a replacement, in this set or another: only file order
  decides which is the duplicate) and at least ``UNIT_MIN_WORKERS`` workers are alive. The
  units' rows commit ("wait"); then the job reads the file for what needs all of it
  (SNIP 1-2 and the 999, the interchange keys, the sets it stores itself) and gives its
  verdict: the units of sets the 999 accepts may commit ("todo") and their jobs are
  queued, those of sets it rejects are given up and the set is stored whole.
- **a unit** (:func:`run_unit`) checks its range with the same check stream (its own
  stream: the envelope, the set's header and billing provider, the range), stores its
  claims, outcomes and findings and marks itself done in one transaction: a unit run
  again after a kill stores nothing twice, and a claim another run stored meanwhile is a
  duplicate by the tenant's claim key, as in one run. A unit runs only once its set is
  judged: one taken before (queued by a run stopped before its verdict) ends at once,
  giving its worker back, and is queued again with the verdict. (Units that checked
  their range while the file was read and then waited for the verdict, holding their
  worker, made the file no faster: see benchmarks/README.md, "Work units".)
- **conclusion**: the unit that finds itself last (the count of done units is taken
  under the submission row's lock) queues the submission's job again, which keeps the
  first of the findings said once per file, puts the findings in one job's order, builds
  the 277CA from the stored outcomes and sets the status (``finishing.conclude``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import aclosing
from datetime import datetime

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.check import Checked, CheckedFile, CheckedUnit, GuideSelection, check
from parsers import TransactionHeader, Validator
from parsers.ranges import RangeEvents, RangeLayout, SetOutline, plan_ranges, range_stream

from ..codesets.service import load_code_lists
from ..config import Settings
from ..encounters.writer import EncounterSetWriter
from ..models import WorkUnit
from ..partners.guides import guides_of, plan_guides
from ..partners.tenancy import load_tenant_and_guides
from ..setwriter import IngestContext
from ..statuses import SetStatus, SubmissionStatus
from .filestore import FileStore
from .finishing import conclude, record_file
from .gctune import fewer_collections
from .pipeline import Batches, Run, guides_for, process_submission
from .repository import SubmissionRunRepository, TransactionSetRepository
from .units_repository import DONE, WAIT, PlannedUnit, WorkUnitRepository
from .worker import Attempt, record_failure, runnable

__all__ = ["UnitPlanner", "advance", "run_unit", "unit_failed", "units_all_done", "worker_name"]

log = logging.getLogger("edi_gateway.units")

#: an `edi-gateway worker` process runs two procrastinate workers, each with its row and
#: heartbeat: the submissions queue's and the webhooks queue's (``jobs.run_worker``)
PROCRASTINATE_WORKERS_PER_PROCESS = 2

#: queues a job: a unit's (by id) or a submission's (by id)
QueueUnit = Callable[[int], Awaitable[object]]
QueueSubmission = Callable[[str], Awaitable[object]]


def worker_name() -> str:
    """Who runs a unit: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class UnitPlanner:
    """The planning job's part in ``process_submission`` (a ``pipeline.Planner``)."""

    def __init__(self, settings: Settings, queue_unit: QueueUnit) -> None:
        self.settings = settings
        self.queue_unit = queue_unit
        self.outlines: dict[int, SetOutline] = {}
        self.split_sets: list[int] = []

    async def split(self, run: Run) -> tuple[Collection[int], int]:
        """Plan the units (or take up the plan of a run stopped before its verdict); they
        are queued with the verdict (``record``)."""
        size = self.settings.unit_claims
        if size <= 0 or run.guides.acceptance_threshold is not None:
            return (), 0
        outlines = await asyncio.to_thread(plan_ranges, run.path, size)
        self.outlines = {o.ordinal: o for o in outlines}
        headers = [h for h in (o.header() for o in outlines) if h is not None]
        if any(run.guides.for_header(h).units_keep_file_whole(h.guide) for h in headers):
            return (), len(outlines)
        # a set judged whole by its guides stays whole (stored by this job as it reads)
        alone = {
            h.set_index for h in headers if run.guides.for_header(h).units_stand_alone(h.guide)
        }
        sid = run.submission_id
        wanted = [
            o.ordinal
            for o in outlines
            if len(o.ranges) > 1 and o.ordinal not in run.done and o.ordinal in alone
        ]
        if not wanted and not run.done:
            # nothing to split, and no earlier run planned units (it would have left its
            # split sets among the done ones): a small file takes no transaction here
            return (), len(outlines)
        async with run.ctx.sessionmaker() as session, session.begin():
            units = WorkUnitRepository(session)
            self.split_sets = sorted(await units.get_set_ordinals(sid))
            if not self.split_sets:  # else planned by a run stopped since
                if not await self._workers_enough(units):
                    return (), len(outlines)
                self.split_sets = wanted
                ids = await self._plan(session, sid)
                if ids:
                    log.info(
                        "submission %s: %d work units for set(s) %s",
                        sid,
                        len(ids),
                        ",".join(map(str, self.split_sets)),
                    )
        return self.split_sets, len(outlines)

    async def _workers_enough(self, units: WorkUnitRepository) -> bool:
        wanted = self.settings.unit_min_workers
        if wanted <= 1:
            return True
        alive = await units.count_live_workers(self.settings.stalled_after_seconds)
        return alive // PROCRASTINATE_WORKERS_PER_PROCESS >= wanted

    async def _plan(self, session: AsyncSession, submission_id: str) -> list[int]:
        sets = TransactionSetRepository(session)
        planned: list[PlannedUnit] = []
        for ordinal in self.split_sets:
            outline = self.outlines[ordinal]
            header = outline.header()
            assert header is not None
            # the set's line is its first unit's, as when one job stores it
            set_id = await sets.insert(
                submission_id, ordinal, header, SetStatus.IN_UNITS, outline.first_claim_line
            )
            planned += [
                PlannedUnit(ordinal, set_id, RangeLayout.of(outline, r), r.claims)
                for r in outline.ranges
            ]
        return await WorkUnitRepository(session).add_plan(submission_id, planned)

    def redo(self, checked: CheckedFile) -> frozenset[int]:
        """The split sets to store whole after all: the 999 rejects them (or the file's
        sets are not where the quick pass found them)."""
        results = list(checked.result.transaction_sets())
        out = set()
        for ordinal in self.split_sets:
            outline = self.outlines.get(ordinal)
            found = results[ordinal - 1] if ordinal <= len(results) else None
            if (
                outline is None
                or found is None
                or found.control_number != outline.st_control_number
                or not found.accepted
            ):
                out.add(ordinal)
        return frozenset(out)

    async def drop(self, run: Run, redo: frozenset[int]) -> None:
        """Give up the units of sets to be stored whole (their waiting runs roll back)."""
        async with run.ctx.sessionmaker() as session, session.begin():
            await WorkUnitRepository(session).drop_sets(run.submission_id, redo)

    async def record(self, run: Run, checked: CheckedFile, redo: frozenset[int]) -> bool:
        """The verdict: the file's acknowledgments, and the units of the accepted sets
        free to commit, queued; False when no set is left to units."""
        keep = [o for o in self.split_sets if o not in redo]
        if not keep:
            return False
        results = list(checked.result.transaction_sets())
        sid = run.submission_id
        async with run.ctx.sessionmaker() as session, session.begin():
            await record_file(session, self.settings, sid, checked, earlier=run.earlier)
            units = WorkUnitRepository(session)
            total = await units.go(sid, {o: results[o - 1].segment_count for o in keep})
            ids = await units.get_pending_ids(sid)
            await SubmissionRunRepository(session).set_status(sid, SubmissionStatus.STORING, None)
        log.info("submission %s: read; its %d work units queued", sid, total)
        for unit_id in ids:
            await self.queue_unit(unit_id)
        return True


async def advance(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    submission_id: str,
    queue_unit: QueueUnit,
) -> None:
    """The submission's job: plan it (and store what is not split), queue the units a
    stopped run left, or conclude it once every unit is done."""
    async with sessionmaker() as session:
        submission = await SubmissionRunRepository(session).get_by_id(submission_id)
        if submission is None or not runnable(submission.status):
            return  # finished by an earlier job, or gone
        status, total = submission.status, submission.work_units_total
        if status == SubmissionStatus.FAILED:
            return  # a unit failed for good: ops retry the submission (it is then received)
        if not total:
            # not planned yet: the run begins in this transaction (nothing read twice)
            await process_submission(
                sessionmaker, settings, submission_id, UnitPlanner(settings, queue_unit), session
            )
            return
        pending = await WorkUnitRepository(session).get_pending_ids(submission_id)
    if pending:
        async with sessionmaker() as session, session.begin():
            await SubmissionRunRepository(session).set_status(
                submission_id, SubmissionStatus.STORING, None
            )
        log.info("submission %s: %d work units queued again", submission_id, len(pending))
        for unit_id in pending:
            await queue_unit(unit_id)
        return
    async with sessionmaker() as session, session.begin():
        units = WorkUnitRepository(session)
        await units.close_sets(submission_id)
        await units.keep_first_said(submission_id, await _said_once(session, submission_id))
        await units.findings_in_file_order(submission_id)
        done = await conclude(session, settings, submission_id)
    log.info("submission %s: %d work units stored; %s", submission_id, total, done.status)


async def _said_once(session: AsyncSession, submission_id: str) -> frozenset[str]:
    """The rules said once per file by the guides of the submission's split sets."""
    submission = await SubmissionRunRepository(session).get_by_id(submission_id)
    assert submission is not None
    plans = (
        plan_guides(await guides_of(session, submission.partner_id))
        if submission.partner_id is not None
        else {}
    )
    guides = GuideSelection(plans, submission.received_at.date(), by_receiver=True)
    out: set[str] = set()
    for s in await TransactionSetRepository(session).get_all_of(submission_id):
        header = TransactionHeader(
            s.transaction_type,
            s.version,
            s.st_control_number,
            s.gs_control_number,
            s.isa_control_number,
            s.sender_id,
            s.receiver_id,
            s.gs_sender_id,
            s.gs_receiver_id,
            0,
            0,
            s.ordinal,
        )
        out |= guides.for_header(header).said_once()
    return frozenset(out)


async def run_unit(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    unit_id: int,
    queue_submission: QueueSubmission,
) -> None:
    """Check and store one unit (nothing when it is done already); the last one queues
    its submission's conclusion."""
    async with sessionmaker() as session:
        unit = await WorkUnitRepository(session).get_by_id(unit_id)
        if unit is None or unit.status == DONE:
            return
        if unit.status == WAIT:
            # taken before its set's verdict: the worker is free for other jobs meanwhile;
            # the planning job queues the unit again with the verdict
            log.info(
                "submission %s unit %d: waits for the file's verdict",
                unit.submission_id,
                unit.ordinal,
            )
            return
        submission = await SubmissionRunRepository(session).get_by_id(unit.submission_id)
        assert submission is not None
        tenant, set_for = await load_tenant_and_guides(session, submission.partner_id)
        code_lists = await load_code_lists(session)  # imported with `codesets import`
        plans = plan_guides(set_for)
    path = FileStore(settings.data_dir).path(FileStore.relative_for(submission.sha256))
    layout = RangeLayout.from_dict(json.loads(unit.layout))
    ctx = IngestContext(sessionmaker, settings, submission, submission.partner_id, tenant)
    ctx.guides = guides_for(ctx, plans, code_lists)
    who = worker_name()
    log.info(
        "submission %s unit %d (set %d, line %d, %d claims): started by %s",
        submission.id,
        unit.ordinal,
        unit.set_ordinal,
        unit.first_line,
        unit.claims,
        who,
    )
    with fewer_collections():
        data = await asyncio.to_thread(range_stream, path, layout)
        validator = Validator(
            units=True,
            allowed_senders=tenant.allowed_senders,
            allowed_guides=tenant.allowed_guides,
        )
        stream = check(data, ctx.guides, validator=RangeEvents(validator, layout))
        result = await _store(ctx, unit.transaction_set_id, unit.set_ordinal, stream, unit, who)
    if result is None:
        return  # another run of this unit stored it first
    done, total, stored, rejected = result
    log.info(
        "submission %s unit %d of %d: %d stored, %d rejected",
        submission.id,
        unit.ordinal,
        total,
        stored,
        rejected,
    )
    if done >= total:
        await queue_submission(submission.id)


async def _store(
    ctx: IngestContext,
    set_id: int,
    set_ordinal: int,
    stream: Iterator[Checked],
    unit: WorkUnit,
    who: str,
) -> tuple[int, int, int, int] | None:
    """The range's rows and the unit marked done, in one transaction."""
    writer: EncounterSetWriter | None = None
    try:
        async with aclosing(Batches(stream).ahead()) as ahead:
            async for batch in ahead:
                for item in batch:
                    if not isinstance(item, CheckedUnit):
                        continue  # the range's own envelope: the 999 is the whole file's
                    if writer is None:
                        writer = EncounterSetWriter(ctx, item.unit.header, set_ordinal)
                        await writer.join(set_id)
                    await writer.add(item)
        if writer is None:
            return None
        session = await writer.store_range()
        units = WorkUnitRepository(session)
        if not await units.mark_done(unit, writer.units, writer.stored, writer.rejected, who):
            await writer.abort()
            return None
        done, total = await units.count_done(unit.submission_id)
        await session.commit()
        await session.close()
        return done, total, writer.stored, writer.rejected
    except BaseException:
        if writer is not None:
            with anyio.CancelScope(shield=True):
                await writer.abort()
        raise


async def unit_failed(
    sessionmaker: async_sessionmaker[AsyncSession],
    unit_id: int,
    attempt: Attempt,
    exc: Exception,
) -> None:
    """A unit's run failed: said on its submission, retried by the queue until the last
    attempt, after which the submission is ``failed`` (ops retry it: its job queues the
    units not done)."""
    async with sessionmaker() as session:
        unit = await WorkUnitRepository(session).get_by_id(unit_id)
    if unit is None:
        raise exc
    await record_failure(
        sessionmaker,
        unit.submission_id,
        attempt,
        exc,
        SubmissionStatus.STORING,
        f"work unit {unit.ordinal}, run",
    )


async def units_all_done(
    sessionmaker: async_sessionmaker[AsyncSession], finished_before: datetime
) -> list[str]:
    """Submissions whose units are all stored, the last one before ``finished_before``,
    but which were not concluded."""
    async with sessionmaker() as session:
        return await WorkUnitRepository(session).get_ids_all_done(finished_before)
