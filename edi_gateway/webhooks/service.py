"""Registering webhooks: create, list, read, delete, rotate the secret; each partner only
its own (ops reads and deletes any, and rotates only its own).

A webhook's signing secret is stored as issued, not hashed: the service must compute an
HMAC with it on every delivery, which a hash cannot do. It is shown once, in the answer
to the create or rotate call, and afterwards only its prefix.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..config import Settings
from ..errors import Conflict, Forbidden, NotFound, Problem
from ..models import Webhook, WebhookAttempt, WebhookDelivery
from ..models.base import utcnow
from ..partners.service import Principal
from ..repository import Page
from ..statuses import EventType
from .repository import DeliveryRepository, WebhookRepository
from .signing import new_secret

__all__ = [
    "MAX_WEBHOOKS",
    "InvalidWebhook",
    "check_url",
    "create_webhook",
    "delete_webhook",
    "deliveries_of",
    "list_webhooks",
    "readable_webhook",
    "rotate_secret",
    "update_webhook",
]

#: webhooks one partner may register
MAX_WEBHOOKS = 20


class InvalidWebhook(Problem):
    status = 422
    title = "Invalid webhook"


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _internal(host: str) -> bool:
    """A literal address no partner's receiver has: loopback, private, link-local (cloud
    metadata), multicast, reserved. (A name is not resolved here.)"""
    if _loopback(host):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_url(url: str, settings: Settings) -> str:
    """The URL as stored, or InvalidWebhook saying what is wrong with it."""
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidWebhook("url is not a valid URL") from None
    host = parsed.host
    if not parsed.scheme or not host:
        raise InvalidWebhook("url must be absolute, like https://receiver.example/edi-events")
    if parsed.userinfo:
        raise InvalidWebhook(
            "url must not carry a user name or password: verify our signature instead"
        )
    if parsed.fragment:
        raise InvalidWebhook("url must not have a #fragment")
    allow_loopback = settings.webhook_allow_http_loopback
    if parsed.scheme == "https":
        if _internal(host) and not (allow_loopback and _loopback(host)):
            raise InvalidWebhook("url must reach a public address, not a loopback or private one")
    elif parsed.scheme == "http":
        if not (allow_loopback and _loopback(host)):
            raise InvalidWebhook(
                "url must be https"
                + (" (plain http is allowed only to a loopback address)" if allow_loopback else "")
            )
    else:
        raise InvalidWebhook("url must be https")
    return url


def _events(events: Sequence[EventType | str]) -> list[str]:
    known = {e.value for e in EventType}
    out: list[str] = []
    for e in events:
        value = EventType(e).value if e in known else None
        if value is None:
            raise InvalidWebhook(f"unknown event {e!r}; events are {', '.join(sorted(known))}")
        if value not in out:
            out.append(value)
    if not out:
        raise InvalidWebhook("events must name at least one event")
    return out


async def create_webhook(
    session: AsyncSession,
    who: Principal,
    url: str,
    events: Sequence[EventType | str],
    settings: Settings,
) -> tuple[Webhook, str]:
    """Register a webhook for the caller; returns it and its secret (shown only now)."""
    stored_url = check_url(url, settings)
    names = _events(events)
    hooks = WebhookRepository(session)
    if await hooks.count_of(who.partner_id) >= MAX_WEBHOOKS:
        raise Conflict(f"a partner may register at most {MAX_WEBHOOKS} webhooks")
    secret = new_secret()
    hook = hooks.add(
        Webhook(
            partner_id=who.partner_id,
            url=stored_url,
            events=names,
            secret=secret,
            secret_prefix=secret[:12],
            active=True,
        )
    )
    await hooks.flush()
    await audit(session, who, "webhook.create", "webhook", str(hook.id), ",".join(names))
    return hook, secret


async def list_webhooks(session: AsyncSession, who: Principal) -> list[Webhook]:
    hooks = WebhookRepository(session)
    stmt = hooks.listed(None if who.is_ops else who.partner_id).order_by(Webhook.id)
    return list(await hooks.get_all(stmt))


async def readable_webhook(session: AsyncSession, who: Principal, webhook_id: int) -> Webhook:
    """The webhook, when the caller owns it or is ops; 404 otherwise (another partner's
    webhook is not revealed to exist)."""
    hook = await WebhookRepository(session).get(webhook_id)
    if hook is None or not (who.is_ops or hook.partner_id == who.partner_id):
        raise NotFound(f"No webhook {webhook_id}")
    return hook


async def delete_webhook(session: AsyncSession, who: Principal, webhook_id: int) -> None:
    """Remove a webhook with its deliveries (pending ones are not sent)."""
    hook = await readable_webhook(session, who, webhook_id)
    await session.delete(hook)
    await audit(session, who, "webhook.delete", "webhook", str(webhook_id), None)


async def rotate_secret(
    session: AsyncSession,
    who: Principal,
    webhook_id: int,
    settings: Settings,
    grace_hours: float | None = None,
) -> tuple[Webhook, str]:
    """A new secret for the caller's own webhook. Every attempt from now on is signed with
    it and, for ``grace_hours`` (``webhook_secret_grace_hours`` unless given; 0 when the
    old secret leaked), also with the previous one, so that the receiver can switch to the
    new secret without failing a delivery."""
    hook = await readable_webhook(session, who, webhook_id)
    if hook.partner_id != who.partner_id:
        raise Forbidden("Only the partner a webhook belongs to may rotate its secret")
    hours = settings.webhook_secret_grace_hours if grace_hours is None else grace_hours
    if not 0 <= hours <= 24 * 7:
        raise InvalidWebhook("grace_hours must be from 0 to 168 (a week)")
    now = utcnow()
    secret = new_secret()
    hook.previous_secret = hook.secret if hours > 0 else None
    hook.previous_secret_until = now + timedelta(hours=hours) if hours > 0 else None
    hook.secret = secret
    hook.secret_prefix = secret[:12]
    hook.secret_rotated_at = now
    await session.flush()
    await audit(
        session, who, "webhook.rotate_secret", "webhook", str(webhook_id), f"grace {hours:g} h"
    )
    return hook, secret


async def update_webhook(
    session: AsyncSession,
    who: Principal,
    webhook_id: int,
    settings: Settings,
    *,
    url: str | None = None,
    events: Sequence[EventType | str] | None = None,
    active: bool | None = None,
) -> Webhook:
    """Change a webhook's URL, events or whether it is active. The partner it belongs to
    changes anything; ops may only pause or resume another partner's webhook (an
    endpoint that keeps failing). A paused webhook gets no new deliveries."""
    hook = await readable_webhook(session, who, webhook_id)
    owner = hook.partner_id == who.partner_id
    if not owner and (url is not None or events is not None):
        raise Forbidden("Only the partner a webhook belongs to may change its URL or events")
    changed: list[str] = []
    if url is not None:
        hook.url = check_url(url, settings)
        changed.append("url")
    if events is not None:
        hook.events = _events(events)
        changed.append("events=" + ",".join(hook.events))
    if active is not None and active != hook.active:
        hook.active = active
        changed.append("active" if active else "paused")
    if changed:
        await session.flush()
        await audit(session, who, "webhook.update", "webhook", str(webhook_id), "; ".join(changed))
    return hook


async def deliveries_of(
    session: AsyncSession,
    who: Principal,
    webhook_id: int,
    status: str | None,
    limit: int,
    after: int | None,
) -> tuple[Page[WebhookDelivery], dict[int, list[WebhookAttempt]]]:
    """A webhook's deliveries, newest first, each with its attempts."""
    await readable_webhook(session, who, webhook_id)
    deliveries = DeliveryRepository(session)
    page = await deliveries.page_of(webhook_id, status, limit, after)
    return page, await deliveries.attempts_of([d.id for d in page.items])
