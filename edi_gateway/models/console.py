"""Console sign-ins: a browser session opened with an API key, kept server-side."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, UTCDateTime, utcnow


class ConsoleSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is kept; the session
    acts with the API key it was opened with, and ends with it (revoking the key signs the
    browser out), at sign-out, or after ``console_idle_minutes`` without a request."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
