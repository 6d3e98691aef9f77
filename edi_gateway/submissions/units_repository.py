"""The SQL of work units (``units.py``): the plan's rows, a unit marked done with its
set's counts, and the count that tells the last unit it is the last."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import aliased

from parsers.ranges import RangeLayout

from ..models import FindingRow, Submission, TransactionSet, WorkUnit
from ..repository import Repository
from ..statuses import SetStatus, SubmissionStatus

__all__ = ["PlannedUnit", "WorkUnitRepository"]

#: planned, waiting for the planning job's verdict on its set (the 999)
WAIT = "wait"
#: its set accepted: ready to commit (stored as "todo", as procrastinate names a job not
#: yet run)
READY = "todo"
DONE = "done"


@dataclass(frozen=True, slots=True)
class PlannedUnit:
    set_ordinal: int
    transaction_set_id: int
    layout: RangeLayout
    claims: int


class WorkUnitRepository(Repository[WorkUnit]):
    model = WorkUnit

    async def add_plan(self, submission_id: str, units: Sequence[PlannedUnit]) -> list[int]:
        """The units of a submission, in file order, waiting for the verdict."""
        ids = []
        for n, unit in enumerate(units, 1):
            body = unit.layout.pieces[-1]
            result = await self.session.execute(
                insert(WorkUnit).returning(WorkUnit.id),
                [
                    {
                        "submission_id": submission_id,
                        "ordinal": n,
                        "set_ordinal": unit.set_ordinal,
                        "transaction_set_id": unit.transaction_set_id,
                        "first_line": body.line,
                        "byte_start": body.start,
                        "byte_end": body.end,
                        "layout": json.dumps(unit.layout.as_dict()),
                        "status": WAIT,
                        "claims": unit.claims,
                        "units_stored": 0,
                        "units_rejected": 0,
                    }
                ],
            )
            ids.append(int(result.scalar_one()))
        return ids

    async def count_live_workers(self, seconds: float) -> int:
        """Workers of the job queue whose heartbeat is recent (procrastinate's table)."""
        found = await self.session.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
            ),
            {"seconds": seconds},
        )
        return int(found.scalar_one())

    async def get_set_ordinals(self, submission_id: str) -> set[int]:
        """The sets a submission's units store."""
        return set(
            await self.get_all(
                select(WorkUnit.set_ordinal).where(WorkUnit.submission_id == submission_id)
            )
        )

    async def get_status(self, unit_id: int) -> str | None:
        return await self.get_one_or_none(select(WorkUnit.status).where(WorkUnit.id == unit_id))

    async def drop_sets(self, submission_id: str, ordinals: Collection[int]) -> None:
        """Sets to be stored whole after all: their rows go, their units with them."""
        await self.session.execute(
            delete(TransactionSet).where(
                TransactionSet.submission_id == submission_id,
                TransactionSet.ordinal.in_(sorted(ordinals)),
                TransactionSet.status == SetStatus.IN_UNITS,
            )
        )

    async def go(self, submission_id: str, segments: dict[int, int]) -> int:
        """The verdict: the units of these (accepted) sets may commit; their sets' segment
        counts; the count the last unit checks. Returns the number of units."""
        for ordinal, count in segments.items():
            await self.session.execute(
                update(TransactionSet)
                .where(
                    TransactionSet.submission_id == submission_id,
                    TransactionSet.ordinal == ordinal,
                )
                .values(segments=count)
            )
        await self.session.execute(
            update(WorkUnit)
            .where(WorkUnit.submission_id == submission_id, WorkUnit.status == WAIT)
            .values(status=READY)
        )
        total = await self.count_of(submission_id)
        await self.session.execute(
            update(Submission).where(Submission.id == submission_id).values(work_units_total=total)
        )
        return total

    async def get_pending_ids(self, submission_id: str) -> list[int]:
        return list(
            await self.get_all(
                select(WorkUnit.id)
                .where(WorkUnit.submission_id == submission_id, WorkUnit.status != DONE)
                .order_by(WorkUnit.ordinal)
            )
        )

    async def count_of(self, submission_id: str) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count(WorkUnit.id)).where(WorkUnit.submission_id == submission_id)
                )
            ).scalar_one()
        )

    async def mark_done(
        self, unit: WorkUnit, units: int, stored: int, rejected: int, worker: str
    ) -> bool:
        """The unit is done, its counts added to its set's; False when another run of it
        got there first or its set is not to be stored in units after all (nothing is
        then to be committed)."""
        done = await self.session.execute(
            update(WorkUnit)
            .where(WorkUnit.id == unit.id, WorkUnit.status == READY)
            .values(
                status=DONE,
                units_stored=stored,
                units_rejected=rejected,
                worker=worker[:80],
                finished_at=datetime.now(UTC),
            )
            .returning(WorkUnit.id)
        )
        if done.scalar_one_or_none() is None:
            return False
        await self.session.execute(
            update(TransactionSet)
            .where(TransactionSet.id == unit.transaction_set_id)
            .values(
                units=TransactionSet.units + units,
                units_stored=TransactionSet.units_stored + stored,
                units_rejected=TransactionSet.units_rejected + rejected,
            )
        )
        return True

    async def count_done(self, submission_id: str) -> tuple[int, int]:
        """One more unit done: (done, total). The row lock this update takes orders the
        units finishing at once, so exactly one of them sees done == total."""
        row = (
            await self.session.execute(
                update(Submission)
                .where(Submission.id == submission_id)
                .values(work_units_done=Submission.work_units_done + 1)
                .returning(Submission.work_units_done, Submission.work_units_total)
            )
        ).one()
        return int(row[0]), int(row[1])

    async def get_ids_all_done(self, finished_before: datetime) -> list[str]:
        """Submissions whose every unit is stored, the last one before ``finished_before``,
        but which are not concluded (the last unit's worker stopped before it queued the
        conclusion)."""
        return list(
            await self.get_all(
                select(Submission.id).where(
                    Submission.status == SubmissionStatus.STORING,
                    Submission.work_units_total > 0,
                    Submission.work_units_done >= Submission.work_units_total,
                    ~select(WorkUnit.id)
                    .where(
                        WorkUnit.submission_id == Submission.id,
                        WorkUnit.finished_at >= finished_before,
                    )
                    .exists(),
                )
            )
        )

    async def keep_first_said(self, submission_id: str, rule_ids: Collection[str]) -> None:
        """Of the findings of rules said once per file, which each unit says once, keep
        the first in the file (as one job says it)."""
        if not rule_ids:
            return
        later = aliased(FindingRow)
        earlier = (
            select(later.id)
            .where(
                later.submission_id == FindingRow.submission_id,
                later.rule_id == FindingRow.rule_id,
                (later.line < FindingRow.line)
                | ((later.line == FindingRow.line) & (later.id < FindingRow.id)),
            )
            .exists()
        )
        await self.session.execute(
            delete(FindingRow).where(
                FindingRow.submission_id == submission_id,
                FindingRow.rule_id.in_(sorted(rule_ids)),
                earlier,
            )
        )

    async def findings_in_file_order(self, submission_id: str) -> None:
        """Findings in the order one job writes them (reports and work items read them by
        id): set by set, a split set's unit by unit, the file's own last. Units and the
        plan wrote them in whatever order they ran; they are written again in that order."""
        starts: dict[int, list[int]] = {}
        for set_ordinal, first_line in (
            await self.session.execute(
                select(WorkUnit.set_ordinal, WorkUnit.first_line)
                .where(WorkUnit.submission_id == submission_id)
                .order_by(WorkUnit.ordinal)
            )
        ).all():
            starts.setdefault(set_ordinal, []).append(first_line)
        where = FindingRow.submission_id == submission_id
        rows = (
            (await self.session.execute(select(FindingRow).where(where).order_by(FindingRow.id)))
            .scalars()
            .all()
        )

        def place(r: FindingRow) -> tuple[int, int, int, int]:
            if r.set_ordinal is None:
                return (1, 0, 0, r.id)
            unit = bisect_right(starts.get(r.set_ordinal, []), r.line or 0)
            return (0, r.set_ordinal, unit, r.id)

        ordered = sorted(rows, key=place)
        if [r.id for r in ordered] == [r.id for r in rows]:
            return
        columns = [c.key for c in FindingRow.__table__.columns if c.key != "id"]
        values = [{c: getattr(r, c) for c in columns} for r in ordered]
        await self.session.execute(delete(FindingRow).where(where))
        await self.session.execute(insert(FindingRow), values)

    async def close_sets(self, submission_id: str) -> None:
        """The sets stored in units are stored, now that every unit is."""
        await self.session.execute(
            update(TransactionSet)
            .where(
                TransactionSet.submission_id == submission_id,
                TransactionSet.status == SetStatus.IN_UNITS,
            )
            .values(status=SetStatus.STORED)
        )
