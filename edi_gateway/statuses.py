"""The states a submission, a transaction set and an encounter move through.

``StrEnum`` values are the strings stored in the database and shown by the API, so a
member compares equal to its stored text (``SubmissionStatus.HELD == "held"``).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PROCESSED", "EncounterStatus", "SetStatus", "SubmissionStatus"]


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    VALIDATING = "validating"
    STORING = "storing"
    #: at least one transaction set stored
    COMPLETED = "completed"
    #: nothing stored
    REJECTED = "rejected"
    #: an 834 full file ending too many members, waiting for ops
    HELD = "held"
    #: the same bytes as an earlier submission
    DUPLICATE = "duplicate"
    FAILED = "failed"


#: a submission processed to the end (what it stored, if anything, is final)
PROCESSED = (SubmissionStatus.COMPLETED, SubmissionStatus.REJECTED, SubmissionStatus.HELD)


class SetStatus(StrEnum):
    #: being written (a set left so by a killed run is redone)
    STORING = "storing"
    STORED = "stored"
    REJECTED = "rejected"
    HELD = "held"


class EncounterStatus(StrEnum):
    ACTIVE = "active"
    REPLACED = "replaced"
    VOIDED = "voided"
