"""Response bodies for submissions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ..models import Submission
from ..statuses import PROCESSED


class SubmissionAccepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "6f1c0a2e9b7d4c3e8a5f1b2c3d4e5f60",
                "sha256": "b427000a63aa7a3da0860ef7bffa43bba41ba758af7bf4fd0513652a5d5abf51",
                "size": 2375,
                "status": "received",
                "status_url": "https://gateway.example/v1/submissions/6f1c0a2e9b7d4c3e8a5f1b2c3d4e5f60",
                "repeated": False,
            }
        }
    )

    id: str = Field(description="Submission id")
    sha256: str = Field(description="SHA-256 of the bytes received")
    size: int = Field(description="Bytes received")
    status: str
    status_url: str = Field(description="GET this for progress and results")
    repeated: bool = Field(
        description="These exact bytes were received before; nothing new "
        "was stored and the earlier submission is returned"
    )


class Progress(BaseModel):
    transaction_sets_done: int
    transaction_sets_total: int | None = Field(
        description="Known once the whole file has been read"
    )
    segments_done: int
    bytes_total: int
    units_done: int = Field(
        description="Work units stored: a large transaction set is stored in ranges of about "
        "2,000 claims by every worker (PostgreSQL workers); 0 of 0 for a file stored in one job"
    )
    units_total: int = Field(description="Work units planned (known once the file is read)")


class Counts(BaseModel):
    transaction_sets_accepted: int
    transaction_sets_rejected: int
    claims_total: int = Field(description="Claims, members or claim payments in the file")
    claims_accepted: int
    claims_rejected: int


class Resolution(BaseModel):
    how: str = Field(description="released (its changes applied) or discarded (nothing applied)")
    by: str = Field(description="The ops partner, or gateway for the command line")
    at: datetime


class SubmissionStatus(BaseModel):
    id: str
    status: str = Field(
        description="received, validating, storing, completed (all stored), partially_accepted "
        "(some claims, members or sets rejected), rejected, held (an 834 waiting for ops), "
        "discarded (a held 834 ops set aside), duplicate, failed"
    )
    filename: str | None
    sha256: str
    transaction_type: str | None
    received_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    progress: Progress
    counts: Counts
    error: str | None = Field(description="Why processing failed (no PHI)")
    url: str
    acks: dict[str, str] = Field(description="Where to fetch each acknowledgment")
    resolved: Resolution | None = Field(
        default=None, description="What ops decided about a held 834: how, by whom, when"
    )

    @classmethod
    def from_row(cls, s: Submission, url: str) -> SubmissionStatus:
        finished = s.status in PROCESSED
        return cls(
            id=s.id,
            status=s.status,
            filename=s.filename,
            sha256=s.sha256,
            transaction_type=s.transaction_type,
            received_at=s.received_at,
            started_at=s.started_at,
            completed_at=s.completed_at,
            progress=Progress(
                transaction_sets_done=s.sets_done,
                transaction_sets_total=s.sets_total if finished else None,
                segments_done=s.segments_done,
                bytes_total=s.size,
                units_done=s.work_units_done,
                units_total=s.work_units_total,
            ),
            counts=Counts(
                transaction_sets_accepted=s.sets_accepted,
                transaction_sets_rejected=s.sets_rejected,
                claims_total=s.units_total,
                claims_accepted=s.units_stored,
                claims_rejected=s.units_rejected,
            ),
            error=s.error,
            url=url,
            acks={k: f"{url}/acks/{k}" for k in ("ta1", "999", "277ca")},
            resolved=Resolution(how=s.resolution, by=s.resolved_by or "", at=s.resolved_at)
            if s.resolution and s.resolved_at
            else None,
        )


class SubmissionList(BaseModel):
    items: list[SubmissionStatus]
    next_cursor: str | None
