"""Publishing events to partners' webhooks, by the outbox pattern.

``publish(session, event, partner_id, data)`` runs inside the caller's transaction: it
writes one delivery row per webhook of that partner subscribed to the event, so the
deliveries exist exactly when what they announce was committed (a rollback takes both
away). After the commit, the new deliveries are handed to the sender this process has
bound to its sessions (``bind``: the in-process sender, or the job queue); deliveries that
nobody was told of (the process stopped in between, a command-line run) are due at once
and found by the senders' sweep or by ``edi-gateway webhooks deliver``.

Each event has one id (``evt_...``), the same for every webhook it goes to and on every
attempt: receivers deduplicate on it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from .models import Webhook, WebhookDelivery
from .models.base import utcnow
from .repository import once
from .statuses import DeliveryStatus, EventType

__all__ = ["EventType", "Notify", "bind", "publish", "publish_many"]

log = logging.getLogger("edi_gateway.events")

#: called after a commit with the ids of the deliveries it wrote
Notify = Callable[[Sequence[int]], Awaitable[None]]

_NOTIFY = "edi_gateway.events.notify"
_PENDING = "edi_gateway.events.pending"
_LISTENING = "edi_gateway.events.listening"
#: notifications running (a reference keeps each task alive until it is done)
_RUNNING: set[asyncio.Task[None]] = set()
#: a partner's active webhooks: (webhook id, the events it is subscribed to)
Hooks = list[tuple[int, list[str]]]


def bind(sessionmaker: async_sessionmaker[Any], notify: Notify) -> None:
    """Sessions made by ``sessionmaker`` hand their committed deliveries to ``notify``."""
    sessionmaker.configure(info={_NOTIFY: notify})


async def publish(
    session: AsyncSession,
    event: EventType,
    partner_id: int,
    data: Mapping[str, object],
    hooks: Hooks | None = None,
) -> None:
    """Record the event for every webhook of ``partner_id`` subscribed to it, in the
    caller's transaction; delivery is queued after commit."""
    await publish_many(session, event, partner_id, [data], hooks)


async def publish_many(
    session: AsyncSession,
    event: EventType,
    partner_id: int,
    items: Iterable[Mapping[str, object]],
    hooks: Hooks | None = None,
) -> int:
    """``publish`` for many events of one type and partner (a file's rejected claims) with
    one look-up of the partner's webhooks (none when the caller gives ``hooks``, the
    partner's ``active_hooks``); returns the number of deliveries written."""
    event = EventType(event)
    if hooks is None:
        hooks = await active_hooks(session, partner_id)
    targets = [hook_id for hook_id, events in hooks if event.value in events]
    if not targets:
        return 0
    rows: list[WebhookDelivery] = []
    for data in items:
        event_id = "evt_" + uuid.uuid4().hex
        now = utcnow()
        body = json.dumps(
            {"id": event_id, "type": event.value, "created_at": now.isoformat(), "data": data},
            separators=(",", ":"),
            default=str,
        )
        rows += [
            WebhookDelivery(
                webhook_id=hook_id,
                partner_id=partner_id,
                event_id=event_id,
                event=event.value,
                body=body,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for hook_id in targets
        ]
    if not rows:
        return 0
    session.add_all(rows)
    await session.flush()
    _queue_after_commit(session.sync_session, [row.id for row in rows])
    return len(rows)


async def active_hooks(session: AsyncSession, partner_id: int) -> Hooks:
    """The partner's active webhooks, each with the events it is subscribed to: a caller
    publishing several events reads them once, and builds none that no webhook wants."""
    rows = await session.execute(_hooks_of(), {"partner_id": partner_id})
    return [(int(hook_id), list(events or ())) for hook_id, events in rows.all()]


@once
def _hooks_of() -> Select[int, list[str] | None]:
    return select(Webhook.id, Webhook.events).where(
        Webhook.partner_id == bindparam("partner_id"), Webhook.active.is_(True)
    )


def _queue_after_commit(session: Session, ids: list[int]) -> None:
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        sa_event.listen(session, "after_commit", _after_commit)
        sa_event.listen(session, "after_rollback", _after_rollback)
    session.info.setdefault(_PENDING, []).extend(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    notify: Notify | None = session.info.get(_NOTIFY)
    if not ids or notify is None:
        return  # the sweep finds them
    task = asyncio.get_running_loop().create_task(_notify(notify, ids))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


async def _notify(notify: Notify, ids: list[int]) -> None:
    try:
        await notify(ids)
    except Exception as exc:  # the deliveries stay pending; the sweep sends them
        log.warning("%d webhook deliveries left to the sweep: %s", len(ids), type(exc).__name__)
