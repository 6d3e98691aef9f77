"""Console sign-in: an API key exchanged for a browser session kept server-side.

The browser holds a random token in an HttpOnly, SameSite=Strict cookie (Secure under
TLS); the database holds only its SHA-256 and the id of the key it was opened with. Every
request resumes the session through that key, so revoking the key ends the session. A
session not used for ``console_idle_minutes`` is over. The CSRF token of a session is an
HMAC of its cookie token: forms carry it, and nobody who cannot read the cookie can make
it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..models import ConsoleSession
from ..partners.service import Principal, authenticate, key_id_of, principal_of_key
from .repository import ConsoleSessionRepository

__all__ = ["Resumed", "csrf_token", "csrf_valid", "resume", "sign_in", "sign_out"]

#: last_seen_at is written at most this often (a write per page would be wasteful)
TOUCH_EVERY = timedelta(seconds=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str) -> str:
    """The CSRF token of the session whose cookie holds ``token``."""
    return hmac.new(token.encode(), b"edi_gateway console csrf", hashlib.sha256).hexdigest()


def csrf_valid(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


@dataclass(frozen=True, slots=True)
class Resumed:
    principal: Principal
    session_id: int
    csrf: str


async def sign_in(session: AsyncSession, key: str, idle: timedelta) -> tuple[str, Principal] | None:
    """A new session for a valid key: (the cookie token, who signed in); None for a key
    that is wrong or revoked. Sessions idle past ``idle`` are cleared on the way."""
    principal = await authenticate(session, key)
    key_id = await key_id_of(session, key) if principal is not None else None
    if principal is None or key_id is None:
        return None
    sessions = ConsoleSessionRepository(session)
    now = datetime.now(UTC)
    await sessions.remove_idle(now - idle)
    token = secrets.token_urlsafe(32)
    sessions.add(
        ConsoleSession(token_hash=_hash(token), api_key_id=key_id, created_at=now, last_seen_at=now)
    )
    await sessions.flush()
    await audit(session, principal, "sign_in", "console_session")
    return token, principal


async def resume(session: AsyncSession, token: str | None, idle: timedelta) -> Resumed | None:
    """The session of a cookie token, if it is still valid (its key unrevoked, used within
    ``idle``); an idle one is removed. The last use is written and committed before the
    request's own work, so its transaction stays read-only until it writes something."""
    if not token:
        return None
    row = await ConsoleSessionRepository(session).get_by_hash(_hash(token))
    if row is None:
        return None
    now = datetime.now(UTC)
    expired = row.last_seen_at <= now - idle
    principal = None if expired else await principal_of_key(session, row.api_key_id)
    if principal is None or now - row.last_seen_at >= TOUCH_EVERY:
        # committed at once, in the request's session (no second connection while it holds
        # one): the request's own transaction starts after it
        sessions = ConsoleSessionRepository(session)
        if principal is None:
            await sessions.remove(row.id)
        else:
            await sessions.touch(row.id, now)
        await session.commit()
    if principal is None:
        return None
    return Resumed(principal, row.id, csrf_token(token))


async def sign_out(session: AsyncSession, resumed: Resumed) -> None:
    await ConsoleSessionRepository(session).remove(resumed.session_id)
    await audit(session, resumed.principal, "sign_out", "console_session")
