"""One attempt to deliver a webhook event, and the in-process sender.

An attempt first takes the delivery (one UPDATE: pending, due, attempts + 1, leased for
the request's timeout and a margin) and records the attempt row, so that two senders
never send the same attempt and a sender that dies mid-request leaves a row that shows
it. A URL whose name resolves to a loopback, private or link-local address is not sent
to (the error ``AddressNotAllowed``): a partner's URL must not reach the service's own
network; the request connects to the address that was checked, never to a second
resolution of the name. Then it POSTs the stored body with its signature, outside any
transaction, and records the answer: a 2xx delivers; anything else (another status, no
connection, a timeout) is tried again after ``webhook_retry_seconds * 2 ** (n - 1)`` until
``webhook_attempts`` attempts have failed, and then the delivery is ``failed``.

Log lines name the delivery, the event id and type and the receiver's host, never the
URL's path or query or the payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .. import __version__, metrics
from ..config import Settings
from ..events import bind
from ..models import WebhookAttempt, WebhookDelivery
from ..models.base import utcnow
from ..statuses import DeliveryStatus
from .repository import DeliveryRepository
from .signing import (
    ATTEMPT_HEADER,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

__all__ = [
    "Outcome",
    "WebhookSender",
    "attempt",
    "backoff",
    "deliver_now",
    "http_client",
    "prune_old",
]

log = logging.getLogger("edi_gateway.webhooks")

#: how long past the request's timeout an attempt's lease lasts
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    #: delivered, pending (to be tried again), failed, or skipped (not due, taken, gone)
    status: str
    next_attempt_at: datetime | None = None
    attempt: int | None = None
    status_code: int | None = None
    duration_ms: float | None = None
    error: str | None = None


def backoff(settings: Settings, failed_attempts: int) -> timedelta:
    return timedelta(seconds=settings.webhook_retry_seconds * 2 ** (failed_attempts - 1))


def http_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        headers={"User-Agent": f"edi-gateway-webhooks/{__version__}"},
    )


async def vetted_address(url: str, settings: Settings) -> tuple[str | None, str | None]:
    """(error, address): ``("AddressNotAllowed", None)`` when the URL's name resolves to
    an address no partner's receiver has (loopback, private, link-local: the service's
    own network), else ``(None, the first address)`` — the one the request must connect
    to, so that a name cannot resolve to a public address for this check and to a private
    one for the connection (DNS rebinding). ``(None, None)`` when the name does not
    resolve (the request reports it). Loopback passes only when
    ``webhook_allow_http_loopback`` is set (tests)."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parsed.host, port, type=socket.SOCK_STREAM
        )
    except OSError:
        return None, None
    addresses = [ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_, sockaddr in found]
    for address in addresses:
        if address.is_global:
            continue
        if address.is_loopback and settings.webhook_allow_http_loopback:
            continue
        return "AddressNotAllowed", None
    return None, (str(addresses[0]) if addresses else None)


async def refused_address(url: str, settings: Settings) -> str | None:
    """``"AddressNotAllowed"`` when the URL may not be sent to (see ``vetted_address``)."""
    return (await vetted_address(url, settings))[0]


def pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """The request to make to ``url`` over the vetted ``address``: the URL with the
    address as its host, the Host header, and the TLS server name (so the certificate is
    still checked against the URL's name)."""
    if address is None:
        return url, {}, {}
    parsed = httpx.URL(url)
    host = parsed.host
    netloc = parsed.netloc.decode("ascii")
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return str(parsed.copy_with(host=address)), {"Host": netloc}, extensions


def host_of(url: str) -> str:
    try:
        return httpx.URL(url).host or "?"
    except httpx.InvalidURL:
        return "?"


async def attempt(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    client: httpx.AsyncClient,
    delivery_id: int,
) -> Outcome:
    """Make the next attempt of a delivery, when it is due and nobody else is making it."""
    now = utcnow()
    lease = now + timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN
    async with sessionmaker() as session, session.begin():
        deliveries = DeliveryRepository(session)
        taken = await deliveries.claim(delivery_id, now, lease)
        target = await deliveries.target(delivery_id)
        if target is None:
            return Outcome(delivery_id, "skipped")
        delivery, hook = target
        if not taken:
            return Outcome(delivery_id, "skipped", delivery.next_attempt_at)
        number = delivery.attempts
        record = WebhookAttempt(delivery_id=delivery_id, number=number, started_at=now)
        session.add(record)
        await session.flush()
        attempt_id = record.id
        url, secret, body = hook.url, hook.secret, delivery.body.encode()
        still = hook.previous_secret_until
        previous = [hook.previous_secret] if hook.previous_secret and still and still > now else []
        event_id, event = delivery.event_id, delivery.event
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(secret, body, also=previous),
        EVENT_ID_HEADER: event_id,
        EVENT_HEADER: event,
        ATTEMPT_HEADER: str(number),
    }
    status_code: int | None = None
    error: str | None = None
    started = time.perf_counter()
    try:
        error, address = await vetted_address(url, settings)
        if error is None:
            pinned_url, host, extensions = pinned(url, address)
            # the answer's body is never read: only its status counts
            async with client.stream(
                "POST", pinned_url, content=body, headers={**headers, **host}, extensions=extensions
            ) as response:
                status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
    except Exception as exc:  # no connection, a timeout, a bad answer: tried again later
        error = type(exc).__name__
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    done = utcnow()
    if error is None:
        status, next_at = DeliveryStatus.DELIVERED, None
    elif number >= settings.webhook_attempts:
        status, next_at = DeliveryStatus.FAILED, None
    else:
        status, next_at = DeliveryStatus.PENDING, done + backoff(settings, number)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(WebhookAttempt)
            .where(WebhookAttempt.id == attempt_id)
            .values(duration_ms=duration_ms, status_code=status_code, error=error)
        )
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                status=status,
                next_attempt_at=next_at,
                finished_at=None if status == DeliveryStatus.PENDING else done,
                last_status_code=status_code,
                last_error=error,
            )
        )
    metrics.WEBHOOK_ATTEMPTS.labels(event, status).inc()
    metrics.WEBHOOK_SECONDS.observe(duration_ms / 1000)
    # a failed attempt is worth ops' attention (the partner's receiver is down or
    # refusing): logged as a warning, with why
    log.log(
        logging.INFO if error is None else logging.WARNING,
        "webhook delivery %d (%s %s) to %s: attempt %d %s in %.0f ms: %s",
        delivery_id,
        event,
        event_id,
        host_of(url),
        number,
        error or f"HTTP {status_code}",
        duration_ms,
        status,
    )
    return Outcome(delivery_id, status, next_at, number, status_code, duration_ms, error)


async def deliver_now(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    ids: Collection[int] | None = None,
    failed: bool = False,
    limit: int = 10_000,
) -> list[Outcome]:
    """Ops' flush: one attempt now for every pending delivery (or those of ``ids``),
    whatever its schedule, and for failed ones too when ``failed``."""
    statuses = [DeliveryStatus.PENDING] + ([DeliveryStatus.FAILED] if failed else [])
    async with sessionmaker() as session, session.begin():
        deliveries = DeliveryRepository(session)
        chosen = await deliveries.selected(ids, statuses, limit)
        await deliveries.make_due(chosen, utcnow())
    gate = asyncio.Semaphore(max(1, settings.webhook_concurrency))
    async with http_client(settings) as client:

        async def one(delivery_id: int) -> Outcome:
            async with gate:
                return await attempt(sessionmaker, settings, client, delivery_id)

        return list(await asyncio.gather(*(one(i) for i in chosen)))


#: how often a process removes deliveries older than ``webhook_keep_days``
PRUNE_EVERY = 3600.0
_pruned_at: dict[str, float] = {}


async def prune_old(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, force: bool = False
) -> int:
    """Remove finished deliveries older than ``webhook_keep_days``, at most once an hour
    per database from one process (unless ``force``)."""
    key = settings.effective_database_url
    now = time.monotonic()
    if not force and now - _pruned_at.get(key, -PRUNE_EVERY) < PRUNE_EVERY:
        return 0
    _pruned_at[key] = now
    before = utcnow() - timedelta(days=settings.webhook_keep_days)
    async with sessionmaker() as session, session.begin():
        removed = await DeliveryRepository(session).prune(before)
    if removed:
        log.info("removed %d webhook deliveries finished before %s", removed, f"{before:%Y-%m-%d}")
    return removed


class WebhookSender:
    """Sends deliveries in this process (the embedded, in-process mode): told of new ones
    after each commit (``events.bind``), and sweeping for those due (retries, and
    deliveries written by other processes) at least every ``webhook_poll_seconds``."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.concurrency = max(1, settings.webhook_concurrency)
        self.wake = asyncio.Event()
        self.running: dict[int, asyncio.Task[Any]] = {}
        self.loop_task: asyncio.Task[None] | None = None
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self.client = http_client(self.settings)
        bind(self.sessionmaker, self.notify)
        self.loop_task = asyncio.create_task(self._loop())

    async def notify(self, ids: Collection[int]) -> None:
        self.wake.set()

    async def _loop(self) -> None:
        while True:
            self.wake.clear()
            wait = self.settings.webhook_poll_seconds
            try:
                await prune_old(self.sessionmaker, self.settings)
                wait = min(wait, await self._start_due())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away for a moment
                log.error("webhook sweep failed: %s", type(exc).__name__)
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancellation
            # that arrives as the wake-up does, and the loop then outlived stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(wait, 0.01)):
                    await self.wake.wait()

    async def _start_due(self) -> float:
        """Start attempts for due deliveries (as many as free slots); returns seconds until
        the next one is due."""
        now = utcnow()
        free = self.concurrency - len(self.running)
        async with self.sessionmaker() as session:
            deliveries = DeliveryRepository(session)
            due = await deliveries.due(now, free, besides=self.running) if free > 0 else []
            next_at = await deliveries.next_due_at()
        for delivery_id in due:
            self.running[delivery_id] = asyncio.create_task(self._one(delivery_id))
        if due and len(due) == free:
            return self.settings.webhook_poll_seconds  # woken when a slot frees
        if next_at is None:
            return self.settings.webhook_poll_seconds
        return max((next_at - utcnow()).total_seconds(), 0.0)

    async def _one(self, delivery_id: int) -> None:
        assert self.client is not None
        try:
            await attempt(self.sessionmaker, self.settings, self.client, delivery_id)
        except Exception as exc:
            log.error("webhook delivery %d: attempt failed: %s", delivery_id, type(exc).__name__)
        finally:
            self.running.pop(delivery_id, None)
            self.wake.set()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until no delivery is pending: each delivered or failed (tests, ops)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.sessionmaker() as session:
                pending = await DeliveryRepository(session).next_due_at()
            if pending is None and not self.running:
                return
            self.wake.set()
            await asyncio.sleep(0.02)
        raise TimeoutError("webhook deliveries still pending")

    async def stop(self) -> None:
        tasks = [t for t in (self.loop_task, *self.running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
