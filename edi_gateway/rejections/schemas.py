"""Bodies of the work-queue routes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from ..statuses import WorkItemState

#: states a person may set (``closed_by_resubmission`` is the gateway's own)
SettableState = Literal["open", "in_progress", "waiting_on_provider", "resolved", "wont_fix"]
SETTABLE = tuple(s.value for s in WorkItemState if s is not WorkItemState.CLOSED_BY_RESUBMISSION)


class ItemFinding(BaseModel):
    rule_id: str | None
    code: str | None
    snip_level: int | None
    severity: str | None
    message: str | None
    fix: str | None = Field(description="How to correct it")
    segment_id: str | None
    element: str | None
    loop: str | None
    line: int | None = Field(description="Segment ordinal in the file (the ISA is 1)")
    guide: str | None


class WorkItemOut(BaseModel):
    id: int
    kind: str = Field(description="rejected_by_gateway, denied or rejected_by_plan")
    subject: str = Field(description="claim, member, transaction_set or file")
    state: str
    partner: str | None = Field(description="Who sent the file (who corrects it)")
    plan: str | None
    transaction_type: str | None
    submission_id: str
    set_ordinal: int | None
    st_control_number: str | None
    line: int | None
    claim_id: str | None
    member_id: str | None
    billing_npi: str | None
    service_date: date | None
    amount: Decimal | None
    rule_id: str | None
    code: str | None
    findings: list[ItemFinding]
    assignee: str | None
    age_days: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_by_submission_id: str | None
    closed_by_encounter_id: int | None


class WorkItemList(BaseModel):
    items: list[WorkItemOut]
    next_cursor: str | None


class ItemEvent(BaseModel):
    at: datetime
    actor: str
    action: str
    old_value: str | None
    new_value: str | None
    note: str | None


class WorkItemDetail(WorkItemOut):
    history: list[ItemEvent]


class WorkItemChange(BaseModel):
    """What to change; every field is optional, at least one is needed."""

    state: SettableState | None = None
    assignee: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=4000)


class ItemFilter(BaseModel):
    """Which items a bulk change applies to (the list route's filters)."""

    state: str | None = Field(default=None, max_length=30)
    kind: str | None = Field(default=None, max_length=30)
    partner: str | None = Field(default=None, max_length=120)
    plan: str | None = Field(default=None, max_length=120)
    transaction_type: str | None = Field(default=None, max_length=10)
    rule_id: str | None = Field(default=None, max_length=40)
    code: str | None = Field(default=None, max_length=10)
    claim_id: str | None = Field(default=None, max_length=80)
    member_id: str | None = Field(default=None, max_length=80)
    assignee: str | None = Field(default=None, max_length=120)
    min_age_days: int | None = Field(default=None, ge=0, le=36500)
    submission_id: str | None = Field(default=None, max_length=36)


class BulkChange(WorkItemChange):
    """One change applied to every item the filter matches (up to 10,000)."""

    filter: ItemFilter


class BulkResult(BaseModel):
    matched: int
    changed: int
