"""SQL of console sessions (only the SHA-256 of each browser's token is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from ..models import ConsoleSession
from ..repository import Repository


class ConsoleSessionRepository(Repository[ConsoleSession]):
    model = ConsoleSession

    async def get_by_hash(self, token_hash: str) -> ConsoleSession | None:
        return await self.get_one_or_none(
            select(ConsoleSession).where(ConsoleSession.token_hash == token_hash)
        )

    async def touch(self, session_id: int, at: datetime) -> None:
        await self.session.execute(
            update(ConsoleSession).where(ConsoleSession.id == session_id).values(last_seen_at=at)
        )

    async def remove(self, session_id: int) -> None:
        await self.session.execute(delete(ConsoleSession).where(ConsoleSession.id == session_id))

    async def remove_idle(self, seen_before: datetime) -> int:
        result = await self.session.execute(
            delete(ConsoleSession).where(ConsoleSession.last_seen_at < seen_before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
