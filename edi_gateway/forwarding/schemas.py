"""Request and response bodies of the forwarding routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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


class PlanCode(BaseModel):
    code: str = Field(description="STC01 composite (category:status[:entity]), or 999/TA1 code")
    meaning: str = Field(description="What it means, from the X12 code lists")


class PlanStep(BaseModel):
    at: datetime
    state: str
    codes: list[PlanCode]
    detail: str | None
    answer_kind: str | None = Field(description="TA1, 999, 277CA or 835 (None: forwarding)")
    answer_submission_id: str | None


class PlanTracking(BaseModel):
    """Where the encounter stands with its plan, and how it got there."""

    plan: str
    state: str = Field(description="forwarded, accepted_by_plan, rejected_by_plan, paid or denied")
    forwarded_at: datetime
    state_at: datetime
    plan_claim_number: str | None
    batch_id: int
    st_control: str
    position: int
    timeline: list[PlanStep]


class PlanAnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    submission_id: str
    plan: str
    kind: str = Field(description="TA1, 999, 277CA or 835")
    received_at: datetime
    status: str = Field(
        description="matched, partly (some parts matched nothing), held (nothing matched) or "
        "released (closed by ops without applying it)"
    )
    matched: int
    unmatched: int
    detail: str | None


class AnswerRematch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str | None = Field(
        default=None,
        max_length=100,
        description="Match among the files forwarded to this plan (its name) instead of the "
        "plan that sent the answer",
    )


class AnswerRelease(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, description="Why it is not applied")


class PlanAnswerList(BaseModel):
    items: list[PlanAnswerOut]
    next_cursor: str | None


class OutboundIn(BaseModel):
    """A plan's outbound settings; fields left out keep their value (or the default)."""

    model_config = ConfigDict(extra="forbid")

    receiver_id: str = Field(min_length=1, max_length=15, description="The plan's ISA08")
    sender_id: str = Field(min_length=1, max_length=15, description="Our ISA06")
    payer_ids: list[str] | None = Field(
        None, max_length=100, description="2010BB payer ids routed to the plan (replaces)"
    )
    guide: str | None = Field(None, max_length=100, description="The plan's 837 guide")
    destination: Literal["download", "https", "directory"] | None = None
    url: str | None = Field(None, max_length=500, description="For destination https")
    directory: str | None = Field(None, max_length=500, description="For destination directory")
    sender_qualifier: str | None = Field(None, max_length=2)
    receiver_qualifier: str | None = Field(None, max_length=2)
    gs_sender_id: str | None = Field(None, max_length=15)
    gs_receiver_id: str | None = Field(None, max_length=15)
    usage: Literal["T", "P"] | None = None
    submitter_name: str | None = Field(None, max_length=60)
    contact_name: str | None = Field(None, max_length=60)
    contact_email: str | None = Field(None, max_length=80)
    claims_per_set: int | None = Field(None, ge=1, le=5000)
    sets_per_file: int | None = Field(None, ge=1, le=1000)
    bytes_per_file: int | None = Field(None, ge=10_000, le=2**40)
    every_minutes: int | None = Field(None, ge=1, le=100_000)
    first_interchange_control: int | None = Field(
        None,
        ge=1,
        le=999_999_999,
        description="ISA13 of the files to this plan start here (the last file's + 1 when "
        "higher): above the last number your previous system sent the plan",
    )
    auth: Literal["none", "bearer", "basic"] | None = Field(
        None, description="HTTPS delivery: Authorization Bearer <token> or Basic user:password"
    )
    auth_env: str | None = Field(
        None,
        max_length=64,
        description="The environment variable (on every delivering machine) that holds the "
        "token or user:password; the secret itself is never sent to or stored by the API",
    )
    client_cert: str | None = Field(
        None, max_length=500, description="Mutual TLS: our client certificate (PEM path; '' clears)"
    )
    client_key: str | None = Field(None, max_length=500, description="Its key (PEM path)")
    ca_file: str | None = Field(
        None, max_length=500, description="The plan's CA bundle, when not publicly trusted"
    )


class OutboundOut(BaseModel):
    plan: str
    sender_qualifier: str
    sender_id: str
    gs_sender_id: str
    receiver_qualifier: str
    receiver_id: str
    gs_receiver_id: str
    usage: str
    payer_ids: list[str]
    guides: dict[str, str] = Field(description="Claim type -> the plan's guide")
    submitter_name: str
    contact_name: str
    contact_email: str
    claims_per_set: int
    sets_per_file: int
    bytes_per_file: int
    destination: str
    url: str | None
    directory: str | None
    every_minutes: int | None
    first_interchange_control: int | None
    next_interchange_control: int = Field(description="ISA13 of the next file to this plan")
    auth: str
    auth_env: str | None
    client_cert: str | None
    client_key: str | None
    ca_file: str | None
    updated_at: datetime
