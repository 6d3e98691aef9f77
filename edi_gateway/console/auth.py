"""Sign-in (an API key for a session cookie) and sign-out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ..api.deps import client_address
from ..api.ratelimit import FailureLimiter
from .sessions import csrf_valid, resume, sign_in, sign_out
from .web import (
    COOKIE,
    SIGN_IN,
    ConsoleRoute,
    CsrfRefused,
    DbSession,
    Form,
    User,
    idle_timeout,
    render,
    safe_next,
    see_other,
)

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

#: the sign-in form's CSRF token (double submit: this cookie and the form field agree)
PRE_COOKIE = "edi_console_signin"


def _cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _form(request: Request, next_url: str, status: int = 200, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "console/sign_in.html",
        None,
        status,
        pre_csrf=token,
        next_url=next_url,
        error=error,
    )
    _cookie(response, request, PRE_COOKIE, token)
    return response


@router.get("/sign-in")
async def sign_in_page(
    request: Request,
    session: DbSession,
    next_url: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> Response:
    target = safe_next(next_url)
    if await resume(session, request.cookies.get(COOKIE), idle_timeout(request)) is not None:
        return see_other(target)
    return _form(request, target)


@router.post("/sign-in")
async def sign_in_post(request: Request, session: DbSession) -> Response:
    form = await request.form()
    given, key, target = (form.get(n) for n in ("csrf_token", "api_key", "next"))
    target = safe_next(target if isinstance(target, str) else None)
    if not csrf_valid(
        request.cookies.get(PRE_COOKIE, ""), given if isinstance(given, str) else None
    ):
        raise CsrfRefused("The sign-in form was refused: its security token is missing or old")
    limiter: FailureLimiter = request.app.state.auth_failures
    address = client_address(request)
    wait = limiter.retry_after(address)
    if wait is not None:
        response = _form(
            request, target, 429, f"Too many failed attempts; try again in {wait} seconds."
        )
        response.headers["Retry-After"] = str(wait)
        return response
    key = key.strip() if isinstance(key, str) else ""
    opened = await sign_in(session, key, idle_timeout(request)) if key else None
    if opened is None:
        limiter.failed(address)
        return _form(request, target, 401, "That API key is not valid or has been revoked.")
    token, principal = opened
    request.state.principal = principal
    response = see_other(target)
    _cookie(response, request, COOKIE, token)
    response.delete_cookie(PRE_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out_post(session: DbSession, user: User, form: Form) -> Response:
    await sign_out(session, user)
    response = see_other(SIGN_IN)
    response.delete_cookie(COOKIE, path="/console")
    return response
