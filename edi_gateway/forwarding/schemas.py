"""Request and response bodies of the forwarding routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ForwardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str = Field(min_length=1, max_length=100, description="The plan partner's name")
    dry_run: bool = Field(False, description="Write and check the files, store nothing")


class HeldBackClaim(BaseModel):
    encounter_id: int
    claim_id: str
    reasons: list[str]


class BatchOut(BaseModel):
    id: int | None = Field(description="None on a dry run")
    plan: str
    guide: str
    interchange_control: int
    sets: int
    claims: int
    size: int
    sha256: str | None = None
    status: str
    attempts: int = 0
    created_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str | None = None
    ta1_status: str | None = None
    ack_status: str | None = None
    file_url: str | None = None


class ForwardOut(BaseModel):
    plan: str
    dry_run: bool
    claims: int
    batches: list[BatchOut]
    held_back: list[HeldBackClaim]


class BatchClaim(BaseModel):
    encounter_id: int
    submission_id: str
    claim_id: str
    st_control: str
    position: int
    state: str
    plan_claim_number: str | None


class BatchDetail(BatchOut):
    forwarded_claims: list[BatchClaim]


class BatchList(BaseModel):
    items: list[BatchOut]
    next_cursor: str | None
