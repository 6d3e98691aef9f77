"""Held 834 files: ops releases one (its changes are applied by running the file again,
the hold lifted, exactly once) or discards it (nothing is applied; its interchange control
numbers are let go, so the corrected file may reuse them). Either is recorded on
the submission (``resolution``, who, when) and in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..errors import Conflict, Forbidden
from ..models import Submission
from ..partners.service import Principal
from ..statuses import SubmissionStatus
from .hold_repository import HoldRepository
from .interchanges import release_all

__all__ = ["DISCARDED", "RELEASED", "resolve_hold"]

RELEASED, DISCARDED = "released", "discarded"
#: the audit action of each resolution
_ACTIONS = {RELEASED: "release", DISCARDED: "discard"}


async def resolve_hold(
    session: AsyncSession, caller: Principal | None, submission: Submission, how: str
) -> Submission:
    """Release or discard a held submission (``caller`` None: the command line). The caller
    commits; after a release it queues the submission, whose held sets are then stored.
    A submission that is not held (or was resolved meanwhile) is a Conflict."""
    action = _ACTIONS[how]
    if caller is not None and not caller.is_ops:
        raise Forbidden(f"Only an ops key may {action} a held file")
    who = caller.name if caller is not None else "gateway"
    status = SubmissionStatus.RECEIVED if how == RELEASED else SubmissionStatus.DISCARDED
    holds = HoldRepository(session)
    if not await holds.resolve(submission.id, how, who[:100], datetime.now(UTC), status):
        await session.refresh(submission)
        earlier = (
            f"; it was {submission.resolution} by {submission.resolved_by} at "
            f"{submission.resolved_at:%Y-%m-%d %H:%M} UTC"
            if submission.resolution and submission.resolved_at
            else ""
        )
        raise Conflict(
            f"Submission {submission.id} is {submission.status}: only a held 834 can be "
            f"released or discarded{earlier}",
            status_now=submission.status,
        )
    held = await holds.get_held_ordinals(submission.id)
    if how == RELEASED:
        await holds.delete_held_sets(submission.id, held)
    else:  # the sender's corrected file may use the same control numbers
        await release_all(session, submission.id)
    await audit(
        session,
        caller,
        action,
        "submission",
        submission.id,
        f"held transaction sets {', '.join(map(str, held)) or 'none'}",
    )
    await session.refresh(submission)
    return submission
