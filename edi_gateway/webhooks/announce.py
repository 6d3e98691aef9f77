"""The events the gateway announces where they happen, and what their payloads hold.

Payloads carry ids, states, counts and codes, never member data: a rejected claim is
named by its submission, CLM01 and billing NPI (claim ids are the provider's own
references, not PHI here); member ids, names and dates of birth stay out, and so do
findings' messages (which may quote a value from the file).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..events import Hooks, active_hooks, publish, publish_many
from ..models import Submission, WorkItem
from ..reports.explain import scan_file
from ..statuses import OPEN_STATES, EventType, WorkItemKind
from ..submissions.filestore import FileStore

__all__ = ["rejection_closed_data", "submission_finished", "work_items_closed"]

_FINDING_KEYS = ("rule_id", "code", "snip_level", "severity", "segment_id", "element", "loop")


def _when(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def rejection_closed_data(item: WorkItem) -> dict[str, object]:
    return {
        "rejection_id": item.id,
        "kind": item.kind,
        "subject": item.subject,
        "state": item.state,
        "submission_id": item.submission_id,
        "transaction_type": item.transaction_type,
        "claim_id": item.claim_id,
        "billing_npi": item.billing_npi,
        "closed_at": _when(item.closed_at),
        "closed_by_submission_id": item.closed_by_submission_id,
        "closed_by_encounter_id": item.closed_by_encounter_id,
    }


async def work_items_closed(session: AsyncSession, items: Iterable[WorkItem]) -> None:
    """``rejection.closed`` to the partner each item belongs to."""
    by_partner: dict[int, list[dict[str, object]]] = defaultdict(list)
    for item in items:
        if item.partner_id is not None and item.state not in OPEN_STATES:
            by_partner[item.partner_id].append(rejection_closed_data(item))
    for partner_id, data in by_partner.items():
        await publish_many(session, EventType.REJECTION_CLOSED, partner_id, data)


async def _claims_in(
    data_dir: Path, submission: Submission, items: list[WorkItem]
) -> list[tuple[WorkItem, str, str | None, str]]:
    """The claims inside the transaction sets (or the whole file) those work items
    rejected, read from the stored file in a worker thread: (item, CLM01, billing NPI,
    the set's ST02)."""
    path = FileStore(data_dir).path(FileStore.relative_for(submission.sha256))
    if not items or not path.is_file():
        return []
    scan = await asyncio.to_thread(scan_file, path, set(), claim_ids=True)
    spans = {span.ordinal: span for span in scan.sets if span.st01 == "837"}
    out: list[tuple[WorkItem, str, str | None, str]] = []
    for item in items:
        chosen = (
            list(spans.values())
            if item.subject == "file"
            else [spans[item.set_ordinal]]
            if item.set_ordinal in spans
            else []
        )
        for span in chosen:
            out.extend((item, claim, npi, span.st_control_number) for claim, npi in span.claim_ids)
    return out


async def submission_finished(
    session: AsyncSession,
    submission: Submission,
    data_dir: Path | None = None,
    *,
    closed_any: bool = True,
) -> None:
    """In the transaction that finishes a submission (after its work items are opened and
    closed): ``submission.completed``, ``claim.rejected`` for each claim the gateway
    rejected in it (with ``data_dir``, where the submission's file is kept, also for each
    claim of a transaction set or file rejected as a whole: ``rejected_with``
    ``transaction_set`` or ``file`` and the findings of that rejection), and
    ``rejection.closed`` for each item its claims closed (``closed_any`` False: they closed
    none)."""
    partner_id = submission.partner_id
    if partner_id is None:  # a local file: no partner to tell
        return
    hooks = await active_hooks(session, partner_id)
    wanted = {name for _, events in hooks for name in events}
    if EventType.SUBMISSION_COMPLETED.value in wanted:
        await _completed(session, submission, partner_id, hooks)
    if EventType.CLAIM_REJECTED.value in wanted:
        await _claims_rejected(session, submission, partner_id, data_dir, hooks)
    if not closed_any:
        return
    # closed items may be another partner's (a peer's for the same provider): always told
    closed = (
        await session.execute(
            select(WorkItem)
            .where(WorkItem.closed_by_submission_id == submission.id)
            .order_by(WorkItem.id)
        )
    ).scalars()
    await work_items_closed(session, closed)


async def _completed(
    session: AsyncSession, submission: Submission, partner_id: int, hooks: Hooks
) -> None:
    await publish(
        session,
        EventType.SUBMISSION_COMPLETED,
        partner_id,
        {
            "submission_id": submission.id,
            "status": submission.status,
            "transaction_type": submission.transaction_type,
            "received_at": _when(submission.received_at),
            "completed_at": _when(submission.completed_at),
            "sets_total": submission.sets_total,
            "sets_accepted": submission.sets_accepted,
            "sets_rejected": submission.sets_rejected,
            "units_total": submission.units_total,
            "units_stored": submission.units_stored,
            "units_rejected": submission.units_rejected,
        },
        hooks,
    )


async def _claims_rejected(
    session: AsyncSession,
    submission: Submission,
    partner_id: int,
    data_dir: Path | None,
    hooks: Hooks,
) -> None:
    items = (
        (
            await session.execute(
                select(WorkItem)
                .where(
                    WorkItem.submission_id == submission.id,
                    WorkItem.kind == WorkItemKind.REJECTED_BY_GATEWAY,
                    WorkItem.subject.in_(("claim", "transaction_set", "file")),
                )
                .order_by(WorkItem.id)
            )
        )
        .scalars()
        .all()
    )
    claims: list[tuple[WorkItem, str | None, str | None, str | None]] = [
        (item, item.claim_id, item.billing_npi, item.st_control_number)
        for item in items
        if item.subject == "claim"
    ]
    if data_dir is not None:
        whole = [item for item in items if item.subject != "claim"]
        claims += await _claims_in(data_dir, submission, whole)
    await publish_many(
        session,
        EventType.CLAIM_REJECTED,
        partner_id,
        (
            {
                "submission_id": submission.id,
                "claim_id": claim_id,
                "billing_npi": npi,
                "transaction_type": item.transaction_type,
                "st_control_number": st,
                "rejection_id": item.id,
                "rejected_with": item.subject,
                "findings": [
                    {key: f.get(key) for key in _FINDING_KEYS} for f in item.findings or []
                ],
            }
            for item, claim_id, npi, st in claims
        ),
        hooks,
    )
