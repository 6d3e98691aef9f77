"""The events the gateway announces where they happen, and what their payloads hold.

Payloads carry ids, states, counts and codes, never member data: a rejected claim is
named by its submission, CLM01 and billing NPI (claim ids are the provider's own
references, not PHI here); member ids, names and dates of birth stay out, and so do
findings' messages (which may quote a value from the file).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..events import publish, publish_many
from ..models import Submission, WorkItem
from ..statuses import OPEN_STATES, EventType, WorkItemKind

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


async def submission_finished(session: AsyncSession, submission: Submission) -> None:
    """In the transaction that finishes a submission (after its work items are opened and
    closed): ``submission.completed``, ``claim.rejected`` for each claim the gateway
    rejected in it, and ``rejection.closed`` for each item its claims closed."""
    partner_id = submission.partner_id
    if partner_id is None:  # a local file: no partner to tell
        return
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
    )
    rejected = (
        await session.execute(
            select(WorkItem)
            .where(
                WorkItem.submission_id == submission.id,
                WorkItem.kind == WorkItemKind.REJECTED_BY_GATEWAY,
                WorkItem.subject == "claim",
            )
            .order_by(WorkItem.id)
        )
    ).scalars()
    await publish_many(
        session,
        EventType.CLAIM_REJECTED,
        partner_id,
        (
            {
                "submission_id": submission.id,
                "claim_id": item.claim_id,
                "billing_npi": item.billing_npi,
                "transaction_type": item.transaction_type,
                "st_control_number": item.st_control_number,
                "rejection_id": item.id,
                "findings": [
                    {key: f.get(key) for key in _FINDING_KEYS} for f in item.findings or []
                ],
            }
            for item in rejected
        ),
    )
    closed = (
        await session.execute(
            select(WorkItem)
            .where(WorkItem.closed_by_submission_id == submission.id)
            .order_by(WorkItem.id)
        )
    ).scalars()
    await work_items_closed(session, closed)
