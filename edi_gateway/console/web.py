"""What every console page shares: the signed-in user (a dependency that sends a browser
without a valid session to the sign-in page), the CSRF check of a form, one database
session per request committed before the response is sent, and rendering a template with
the page's headers. Errors are pages too: :class:`ConsoleRoute` turns a domain error or
an invalid query into an HTML page with the right status."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from ..api.deps import get_session
from ..errors import Problem
from ..templating import environment
from .sessions import Resumed, csrf_valid, resume

COOKIE = "edi_console"
SIGN_IN = "/console/sign-in"
#: the pages load scripts, styles and images from the service only, post forms to it
#: only, and may not be framed
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}
NAV = (
    ("/console", "Dashboard", False),
    ("/console/queue", "Work queue", False),
    ("/console/submissions", "Submissions", False),
    ("/console/members", "Eligibility", False),
    ("/console/forwarding", "Forwarding", True),  # ops only
    ("/console/audit", "Audit log", True),  # ops only
)

#: a database session per request, committed (or rolled back) when the page function
#: returns, before the response is sent: the page a redirect leads to sees the change
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class CsrfRefused(Problem):
    status = 403
    title = "Forbidden"


def idle_timeout(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.console_idle_minutes)


async def console_user(request: Request, session: DbSession) -> Resumed:
    resumed = await resume(session, request.cookies.get(COOKIE), idle_timeout(request))
    if resumed is None:
        raise SignInRequired
    request.state.console = resumed
    request.state.principal = resumed.principal
    return resumed


User = Annotated[Resumed, Depends(console_user)]


async def checked_form(request: Request, user: User) -> FormData:
    """The posted form, once its ``csrf_token`` field is the session's (403 otherwise)."""
    form = await request.form()
    given = form.get("csrf_token")
    if not csrf_valid(user.csrf, given if isinstance(given, str) else None):
        raise CsrfRefused("The form was refused: its security token is missing or out of date")
    return form


Form = Annotated[FormData, Depends(checked_form)]


def _dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _usd(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _query(params: Mapping[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from the current filters with some changed (None drops one)."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


HELPERS: dict[str, Callable[..., str]] = {
    "dt": _dt,
    "day": _day,
    "usd": _usd,
    "pct": _pct,
    "query": _query,
}


def render(
    request: Request,
    template: str,
    user: Resumed | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    principal = user.principal if user is not None else None
    path = request.url.path.replace("/console/items/", "/console/queue/")
    nav = [
        (href, label, path == href or (href != "/console" and path.startswith(href + "/")))
        for href, label, ops_only in NAV
        if principal is not None and (principal.is_ops or not ops_only)
    ]
    html = (
        environment()
        .get_template(template)
        .render(
            static_url="/static/",
            user=principal,
            csrf=user.csrf if user is not None else "",
            nav=nav,
            **HELPERS,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(path: str) -> str:
    return path if path.startswith("/console") and not path.startswith("//") else "/console"


class ConsoleRoute(APIRoute):
    """Console routes answer errors with pages: no session -> the sign-in page; a domain
    error (404, 403...) or an invalid query (422) -> an error page with that status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                target = wanted if request.method == "GET" else request.url.path
                return see_other(f"{SIGN_IN}?{urlencode({'next': _safe_next(target)})}")
            except Problem as exc:
                return _error(request, exc.status, exc.title, exc.detail)
            except RequestValidationError as exc:
                details = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return _error(request, 422, "Invalid request", details)

        return route


def _error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    user = getattr(request.state, "console", None)
    return render(request, "console/error.html", user, status, title=title, detail=detail)


def safe_next(value: str | None) -> str:
    return _safe_next(value or "/console")
