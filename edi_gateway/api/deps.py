"""Request dependencies: one database session per request, and the calling principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import TooManyRequests, Unauthorized
from ..partners.service import Principal, authenticate
from .ratelimit import FailureLimiter


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commits when the request succeeds, rolls back when it fails."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


Session = Annotated[AsyncSession, Depends(get_session)]


#: declares the scheme in the OpenAPI document; the problem responses are our own
bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_principal(request: Request, session: Session, credentials: Credentials) -> Principal:
    limiter: FailureLimiter = request.app.state.auth_failures
    address = client_address(request)
    wait = limiter.retry_after(address)
    if wait is not None:
        raise TooManyRequests(
            f"Too many failed API-key attempts from this address; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    key = credentials.credentials.strip() if credentials else ""
    if not key:
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`")
    principal = await authenticate(session, key, request.app.state.key_cache)
    if principal is None:
        limiter.failed(address)
        raise Unauthorized("The API key is not valid or has been revoked")
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(get_principal)]
