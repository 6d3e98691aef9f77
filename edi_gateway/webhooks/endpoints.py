"""HTTP routes of webhooks: register, list, read, change, delete, rotate the secret, and read
every delivery with its attempts."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, Limit, after_id, next_cursor
from ..config import Settings
from ..models import Webhook
from ..repository import MAX_ROW_ID
from .repository import WebhookRepository
from .schemas import (
    AttemptOut,
    DeliveryList,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
)
from .service import (
    create_webhook,
    delete_webhook,
    deliveries_of,
    list_webhooks,
    readable_webhook,
    rotate_secret,
    update_webhook,
)

router = APIRouter(prefix="/v1", tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The webhook's id")]
_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"description": "No such webhook of yours (application/problem+json)"}
}


def _out(hook: Webhook, names: dict[int, str]) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        partner=names.get(hook.partner_id),
        url=hook.url,
        events=list(hook.events or []),
        secret_prefix=hook.secret_prefix,
        active=hook.active,
        created_at=hook.created_at,
        secret_rotated_at=hook.secret_rotated_at,
        previous_secret_until=hook.previous_secret_until if hook.previous_secret else None,
    )


async def _names(session: Session, hooks: list[Webhook]) -> dict[int, str]:
    return await WebhookRepository(session).partner_names({h.partner_id for h in hooks})


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    summary="Register a URL for events; the signing secret is shown only in this answer",
    responses={**PROBLEMS, 409: {"description": "Too many webhooks"}},
)
async def post_webhook(
    body: WebhookCreate, request: Request, session: Session, caller: Caller
) -> WebhookCreated:
    settings: Settings = request.app.state.settings
    hook, secret = await create_webhook(session, caller, body.url, body.events, settings)
    out = _out(hook, await _names(session, [hook]))
    return WebhookCreated(**out.model_dump(), secret=secret)


@router.get(
    "/webhooks",
    response_model=WebhookList,
    summary="Your webhooks (ops: every partner's)",
    responses=PROBLEMS,
)
async def get_webhooks(session: Session, caller: Caller) -> WebhookList:
    hooks = await list_webhooks(session, caller)
    names = await _names(session, hooks)
    return WebhookList(items=[_out(h, names) for h in hooks])


@router.get(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    summary="One webhook",
    responses={**PROBLEMS, **_NOT_FOUND},
)
async def get_webhook(webhook_id: WebhookId, session: Session, caller: Caller) -> WebhookOut:
    hook = await readable_webhook(session, caller, webhook_id)
    return _out(hook, await _names(session, [hook]))


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    summary="Remove a webhook with its deliveries (pending ones are not sent)",
    responses={**PROBLEMS, **_NOT_FOUND},
)
async def remove_webhook(webhook_id: WebhookId, session: Session, caller: Caller) -> Response:
    await delete_webhook(session, caller, webhook_id)
    return Response(status_code=204)


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    summary="Change the URL or events, or pause or resume (active); ops may pause any",
    responses={**PROBLEMS, **_NOT_FOUND, 403: {"description": "Not your webhook"}},
)
async def patch_webhook(
    webhook_id: WebhookId, body: WebhookUpdate, request: Request, session: Session, caller: Caller
) -> WebhookOut:
    settings: Settings = request.app.state.settings
    hook = await update_webhook(
        session,
        caller,
        webhook_id,
        settings,
        url=body.url,
        events=body.events,
        active=body.active,
    )
    return _out(hook, await _names(session, [hook]))


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=WebhookCreated,
    summary="A new signing secret, shown only in this answer; the old one keeps signing "
    "beside it for grace_hours",
    responses={**PROBLEMS, **_NOT_FOUND, 403: {"description": "Not your webhook"}},
)
async def post_rotate_secret(
    webhook_id: WebhookId,
    request: Request,
    session: Session,
    caller: Caller,
    grace_hours: Annotated[
        float | None,
        Query(
            ge=0,
            le=168,
            description="How long the previous secret still signs (a second v1 in "
            "Edi-Gateway-Signature); 0 if it leaked; default webhook_secret_grace_hours (24)",
        ),
    ] = None,
) -> WebhookCreated:
    settings: Settings = request.app.state.settings
    hook, secret = await rotate_secret(session, caller, webhook_id, settings, grace_hours)
    out = _out(hook, await _names(session, [hook]))
    return WebhookCreated(**out.model_dump(), secret=secret)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveryList,
    summary="The webhook's deliveries, newest first, each with every attempt",
    responses={**PROBLEMS, **_NOT_FOUND},
)
async def get_deliveries(
    webhook_id: WebhookId,
    session: Session,
    caller: Caller,
    status: Annotated[
        Literal["pending", "delivered", "failed"] | None, Query(description="Only these")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DeliveryList:
    page, attempts = await deliveries_of(
        session, caller, webhook_id, status, limit, after_id(cursor)
    )
    items = [
        DeliveryOut(
            id=d.id,
            event_id=d.event_id,
            event=d.event,
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at,
            finished_at=d.finished_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            payload=json.loads(d.body),
            attempt_log=[
                AttemptOut(
                    number=a.number,
                    started_at=a.started_at,
                    duration_ms=a.duration_ms,
                    status_code=a.status_code,
                    error=a.error,
                )
                for a in attempts.get(d.id, [])
            ],
        )
        for d in page.items
    ]
    return DeliveryList(items=items, next_cursor=next_cursor(page.items, page.more))
