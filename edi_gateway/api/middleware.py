"""The service's ASGI middleware, outermost first:

- ``AccessLog``: one line per request, method, route template, status and duration, and
  the duration in the request-latency histogram (``/metrics``); never the real path or the
  query string, which carry member ids and names.
- ``SecurityHeaders``: ``Cache-Control: no-store`` on every ``/v1`` response (they carry
  member and claim data), ``nosniff`` everywhere, and no framing of any HTML page.
- ``ErrorBoundary``: the one place an unexpected exception is logged (by type and code
  location, ``logsafe.describe``) and answered (500 problem); it goes no further, so the
  server does not log it again with its message and traceback.
- ``RequestGuard``: 400 for a NUL character in the path or the query, which PostgreSQL
  refuses in text.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import unquote_to_bytes

from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logsafe import describe
from ..metrics import LATENCY
from .problems import problem_response

access_log = logging.getLogger("edi_gateway.access")
error_log = logging.getLogger("edi_gateway.api")

FRAME_ANCESTORS = "frame-ancestors 'none'"


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/members/{member_id}/eligibility``)."""
    return str(getattr(scope.get("route"), "path", None) or "unmatched")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            LATENCY.labels(scope["method"], route).observe(elapsed)
            access_log.info("%s %s %d %.1fms", scope["method"], route, status, elapsed * 1000)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith("/v1/") or scope["path"] == "/v1"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if private:
                    headers["Cache-Control"] = "no-store"
                if headers.get("content-type", "").startswith("text/html"):
                    policy = headers.get("content-security-policy")
                    if not policy:
                        headers["Content-Security-Policy"] = FRAME_ANCESTORS
                    elif "frame-ancestors" not in policy:
                        headers["Content-Security-Policy"] = f"{policy}; {FRAME_ANCESTORS}"
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, sending)


#: seconds a client is asked to wait when the database connections are all busy
BUSY_RETRY_AFTER = 5


class ErrorBoundary:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except PoolTimeout as exc:
            # every database connection of this process stayed busy for the pool's timeout:
            # a load peak, not a fault of the request; the client may send it again
            error_log.warning(
                "database busy on %s %s: %s", scope["method"], route_template(scope), describe(exc)
            )
            if not started:
                response = problem_response(
                    503,
                    "Service busy",
                    "Every database connection of the service is in use; nothing of the "
                    "request was kept. Send it again in a few seconds.",
                    route_template(scope),
                    headers={"Retry-After": str(BUSY_RETRY_AFTER)},
                )
                await response(scope, receive, send)
        except Exception as exc:
            error_log.error(
                "unhandled error on %s %s: %s",
                scope["method"],
                route_template(scope),
                describe(exc),
            )
            if not started:
                response = problem_response(
                    500,
                    "Internal error",
                    "Something went wrong on our side; the "
                    "request was not completed. Try again or contact support.",
                    route_template(scope),
                )
                await response(scope, receive, send)


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope["query_string"])
        ):
            response = problem_response(
                400,
                "Bad request",
                "The path or the query string contains a NUL character",
                "about:blank",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: Any) -> None:
    """Add the middleware (the last added runs first)."""
    app.add_middleware(RequestGuard)
    app.add_middleware(ErrorBoundary)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
