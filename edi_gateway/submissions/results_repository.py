"""SQL for what a run of the pipeline finds: the findings (SNIP 1-7, guides, duplicates) and
what became of each claim (the 277CA and the correction report are built from both)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Delete, Select, bindparam, delete, func, select

from parsers import Finding, Level

from ..db import bulk_insert, rows_for_values, table_of
from ..models import ClaimOutcome, FindingRow
from ..repository import ROWS_ONLY, SUBMISSION_ID, Repository, once

__all__ = [
    "FINDING_COLUMNS",
    "ClaimError",
    "ClaimOutcomeRepository",
    "FindingRepository",
    "FindingValues",
    "OutcomeFor277",
    "finding_row",
]

#: claim ids per look-up
_CHUNK = 400

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

#: a ``findings`` row in ``FINDING_COLUMNS`` order
FindingValues = tuple[
    str,
    int | None,
    int,
    str,
    str,
    str,
    str,
    str | None,
    int | None,
    int | None,
    int | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
]


def finding_row(submission_id: str, f: Finding, ordinal: int | None) -> FindingValues:
    """A finding as a ``findings`` row (``FINDING_COLUMNS`` order)."""
    return (
        submission_id,
        ordinal,
        f.snip_level,
        f.severity.value,
        f.level.value,
        f.code[:40],
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


class ClaimError(NamedTuple):
    """A claim-level error of a submission (a line rule's too: its loop is a 2400 one)."""

    claim_id: str
    guide: str | None
    rule_id: str | None
    code: str
    message: str
    loop: str | None
    line: int | None  # segment ordinal in the file


class FindingRepository(Repository[FindingRow]):
    model = FindingRow

    async def get_all_of(self, submission_id: str) -> Sequence[FindingRow]:
        return await self.get_all(
            select(FindingRow)
            .where(FindingRow.submission_id == submission_id)
            .order_by(FindingRow.id)
        )

    async def add_all(
        self, submission_id: str, findings: Iterable[Finding], ordinal: int | None
    ) -> None:
        """Findings of the submission (of its set ``ordinal``; None: of the file), in bulk."""
        rows = [finding_row(submission_id, f, ordinal) for f in findings]
        if rows:
            await bulk_insert(
                await self.session.connection(), table_of(FindingRow), FINDING_COLUMNS, rows
            )

    async def delete_file_level(self, submission_id: str) -> None:
        """The findings a run writes at its end (all but the claim-level ones the writers
        keep with their sets), so that a run again writes them once."""
        await self.session.execute(
            _delete_file_level(),
            {"submission_id": submission_id},
            execution_options=ROWS_ONLY,  # findings are written by bulk inserts
        )

    async def count_errors(self, submission_id: str) -> int:
        """Findings of the submission that are not warnings."""
        count = await self.session.execute(
            select(func.count(FindingRow.id)).where(
                FindingRow.submission_id == submission_id, FindingRow.severity != "warning"
            )
        )
        return int(count.scalar_one())

    async def get_claim_errors(
        self, submission_id: str, claim_ids: Sequence[str]
    ) -> Sequence[ClaimError]:
        """The claim-level errors (not warnings) of the submission about these claims, in
        file order (each claim probed through the claim id index, a chunk at a time)."""
        dialect = self.session.get_bind().dialect.name
        found: list[tuple[int, int, ClaimError]] = []
        for start in range(0, len(claim_ids), _CHUNK):
            rows = await self.session.execute(
                rows_for_values(
                    [
                        FindingRow.id,
                        FindingRow.claim_id,
                        FindingRow.guide,
                        FindingRow.rule_id,
                        FindingRow.code,
                        FindingRow.message,
                        FindingRow.loop,
                        FindingRow.line,
                    ],
                    FindingRow.claim_id,
                    list(claim_ids[start : start + _CHUNK]),
                    dialect,
                    FindingRow.submission_id == submission_id,
                    FindingRow.level == "claim",
                    FindingRow.severity != "warning",
                )
            )
            found += [
                (ln or 0, i, ClaimError(c or "", g, r, code, m, lp, ln))
                for i, c, g, r, code, m, lp, ln in rows.all()
            ]
        found.sort(key=lambda row: (row[0], row[1]))
        return [error for _, _, error in found]


class OutcomeFor277(NamedTuple):
    """What the 277CA says of one claim."""

    set_ordinal: int
    claim_id: str
    accepted: bool
    charge: str | None
    service_date_from: date | None
    service_date_to: date | None
    patient_last_name: str | None
    patient_first_name: str | None
    member_id: str | None
    billing_npi: str | None
    billing_name: str | None
    encounter_id: int | None
    type_of_bill: str | None
    payer_name: str | None
    service_lines: str | None


class ClaimOutcomeRepository(Repository[ClaimOutcome]):
    model = ClaimOutcome

    async def get_all_of(self, submission_id: str) -> Sequence[ClaimOutcome]:
        """What became of each claim of the submission, in file order."""
        return await self.get_all(
            select(ClaimOutcome)
            .where(ClaimOutcome.submission_id == submission_id)
            .order_by(ClaimOutcome.set_ordinal, ClaimOutcome.line, ClaimOutcome.id)
        )

    async def get_set_ordinals(self, submission_id: str) -> list[int]:
        """The transaction sets of the submission that have claim outcomes, in order."""
        rows = await self.session.execute(_set_ordinals(), {"submission_id": submission_id})
        return [int(o) for o in rows.scalars()]

    async def get_for_277(self, submission_id: str, set_ordinal: int) -> Sequence[OutcomeFor277]:
        """The columns of each claim outcome of one set the 277CA reports, in file order."""
        # on the session's connection (Core): many rows, and no ORM entity among them
        connection = await self.session.connection()
        rows = await connection.execute(
            _outcomes_for_277(), {"submission_id": submission_id, "set_ordinal": set_ordinal}
        )
        return [OutcomeFor277._make(row) for row in rows.all()]


# --- statements every run of a file executes, built once (``once``) ------------------------


@once
def _delete_file_level() -> Delete:
    return delete(FindingRow).where(
        FindingRow.submission_id == SUBMISSION_ID,
        FindingRow.level != Level.CLAIM.value,
        FindingRow.rule_id.is_(None) | (FindingRow.rule_id == "THRESHOLD"),
    )


@once
def _set_ordinals() -> Select[int]:
    return (
        select(ClaimOutcome.set_ordinal)
        .where(ClaimOutcome.submission_id == SUBMISSION_ID)
        .distinct()
        .order_by(ClaimOutcome.set_ordinal)
    )


@once
def _outcomes_for_277() -> Select[*tuple[Any, ...]]:
    o = ClaimOutcome
    return (
        select(
            o.set_ordinal,
            o.claim_id,
            o.accepted,
            o.charge,
            o.service_date_from,
            o.service_date_to,
            o.patient_last_name,
            o.patient_first_name,
            o.member_id,
            o.billing_npi,
            o.billing_name,
            o.encounter_id,
            o.type_of_bill,
            o.payer_name,
            o.service_lines,
        )
        .where(o.submission_id == SUBMISSION_ID, o.set_ordinal == bindparam("set_ordinal"))
        .order_by(o.line)
    )
