"""Bodies of the webhook routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..statuses import EventType


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="Where events are POSTed: https (plain http only to a loopback address "
        "when the service allows it, for local tests)",
    )
    events: list[EventType] = Field(min_length=1, max_length=len(EventType))


class WebhookUpdate(BaseModel):
    """What to change; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    events: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EventType))
    active: bool | None = Field(
        default=None, description="false pauses the webhook: no new deliveries until true"
    )


class WebhookOut(BaseModel):
    id: int
    partner: str | None = Field(description="The partner the webhook belongs to")
    url: str
    events: list[str]
    secret_prefix: str = Field(description="The first characters of the signing secret")
    active: bool
    created_at: datetime
    secret_rotated_at: datetime | None
    previous_secret_until: datetime | None = Field(
        description="Until when the secret before the last rotation still signs beside "
        "the new one (None: it no longer does)"
    )


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret, shown only now: keep it to verify "
        "`Edi-Gateway-Signature` (rotate it with POST /v1/webhooks/{id}/rotate-secret)"
    )


class WebhookList(BaseModel):
    items: list[WebhookOut]


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    duration_ms: float | None = Field(description="None while running, or if interrupted")
    status_code: int | None = Field(description="The receiver's HTTP status")
    error: str | None = Field(description='"HTTP 503", or the error class (ConnectError ...)')


class DeliveryOut(BaseModel):
    id: int
    event_id: str = Field(description="Edi-Gateway-Event-Id: the same on every attempt")
    event: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    payload: dict[str, Any] = Field(description="The body sent on every attempt")
    attempt_log: list[AttemptOut]


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
