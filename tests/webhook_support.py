"""A real HTTP receiver for webhook tests, on a loopback port in a thread of its own,
answering each POST with the next status of a script (the last one repeats)."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from api_support import Api
from conftest import Db

from edi_gateway.app import create_app
from edi_gateway.events import publish
from edi_gateway.partners.service import partner_by_name
from edi_gateway.statuses import EventType


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/edi?x=1"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append(
                        Received(time.monotonic(), self.path, dict(self.headers.items()), body)
                    )
                    n = len(receiver.received)
                status = receiver.statuses[min(n, len(receiver.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    async def wait_for(self, n: int, timeout: float = 15.0) -> list[Received]:
        """Wait (letting the event loop run the senders) until ``n`` POSTs came."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= n:
                    return list(self.received)
            await asyncio.sleep(0.01)
        raise AssertionError(f"received {len(self.received)} of {n} deliveries")


@dataclasses.dataclass
class Env:
    api: Api
    app: Any
    receiver: Receiver

    async def publish(self, partner: str, event: EventType, data: dict[str, object]) -> None:
        async with self.app.state.sessionmaker() as s, s.begin():
            found = await partner_by_name(s, partner)
            assert found is not None
            await publish(s, event, found.id, data)

    async def register(self, partner: str, events: list[str], url: str | None = None) -> Any:
        r = await self.api.client.post(
            "/v1/webhooks",
            json={"url": url or self.receiver.url, "events": events},
            headers=self.api.auth(partner),
        )
        assert r.status_code == 201, r.text
        return r.json()


async def open_env(db: Db, partners: bool = True) -> AsyncIterator[Env]:
    """The app on the test database (loopback http allowed, 3 attempts 0.3 s apart at
    first), a receiver, and (``partners``) clinic-a, clinic-b and ops."""
    settings = db.settings.model_copy(
        update={
            "webhook_allow_http_loopback": True,
            "webhook_attempts": 3,
            "webhook_retry_seconds": 0.3,
            "webhook_timeout_seconds": 3.0,
        }
    )
    db = dataclasses.replace(db, settings=settings)
    receiver = Receiver().start()
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                api = Api(db, client)
                if partners:
                    await api.partner("clinic-a", "provider", "SUBMITTER9856")
                    await api.partner("clinic-b", "provider", "SUBMITTER9857")
                    await api.partner("ops", "ops")
                yield Env(api, app, receiver)
    finally:
        receiver.stop()
