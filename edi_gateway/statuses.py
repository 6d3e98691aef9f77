"""The states a submission, a transaction set and an encounter move through.

``StrEnum`` values are the strings stored in the database and shown by the API, so a
member compares equal to its stored text (``SubmissionStatus.HELD == "held"``).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "OPEN_STATES",
    "PROCESSED",
    "DeliveryStatus",
    "EncounterStatus",
    "EventType",
    "SetStatus",
    "SubmissionStatus",
    "WorkItemKind",
    "WorkItemState",
]


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    VALIDATING = "validating"
    STORING = "storing"
    #: everything stored: every transaction set and every claim, member or payment in it
    COMPLETED = "completed"
    #: some units stored, some rejected (a claim, a member change or a whole set)
    PARTIALLY_ACCEPTED = "partially_accepted"
    #: nothing stored
    REJECTED = "rejected"
    #: an 834 full file ending too many members, waiting for ops
    HELD = "held"
    #: a held 834 that ops discarded: nothing of its held sets applied
    DISCARDED = "discarded"
    #: the same bytes as an earlier submission
    DUPLICATE = "duplicate"
    FAILED = "failed"


#: a submission processed to the end (what it stored, if anything, is final)
PROCESSED = (
    SubmissionStatus.COMPLETED,
    SubmissionStatus.PARTIALLY_ACCEPTED,
    SubmissionStatus.REJECTED,
    SubmissionStatus.HELD,
    SubmissionStatus.DISCARDED,
)


class SetStatus(StrEnum):
    #: being written (a set left so by a killed run is redone)
    STORING = "storing"
    #: a large set whose claim ranges work units are storing (PostgreSQL workers)
    IN_UNITS = "in_units"
    STORED = "stored"
    REJECTED = "rejected"
    HELD = "held"


class EncounterStatus(StrEnum):
    ACTIVE = "active"
    REPLACED = "replaced"
    VOIDED = "voided"


class WorkItemState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_PROVIDER = "waiting_on_provider"
    RESOLVED = "resolved"
    WONT_FIX = "wont_fix"
    CLOSED_BY_RESUBMISSION = "closed_by_resubmission"


#: states in which an item still needs someone
OPEN_STATES = (WorkItemState.OPEN, WorkItemState.IN_PROGRESS, WorkItemState.WAITING_ON_PROVIDER)


class WorkItemKind(StrEnum):
    REJECTED_BY_GATEWAY = "rejected_by_gateway"
    DENIED = "denied"
    REJECTED_BY_PLAN = "rejected_by_plan"


class EventType(StrEnum):
    """What partners may subscribe to with a webhook (the ``type`` of each payload)."""

    #: a submission was processed to the end (completed, partially accepted, rejected, held)
    SUBMISSION_COMPLETED = "submission.completed"
    #: the gateway rejected one claim of a submission
    CLAIM_REJECTED = "claim.rejected"
    #: a forwarded encounter's state at the plan moved
    ENCOUNTER_PLAN_STATE_CHANGED = "encounter.plan_state_changed"
    #: a work-queue item closed (resolved, won't fix, closed by a resubmission)
    REJECTION_CLOSED = "rejection.closed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
