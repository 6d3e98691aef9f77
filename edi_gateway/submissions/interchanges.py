"""Interchange control numbers held once per tenant, even by workers reading at once.

The validator asks, for every ISA it reads, whether (ISA06, ISA08, ISA13) was received
before. The answer comes from the ``interchange_keys`` table: the first submission to
claim a key holds it (an ``INSERT ... ON CONFLICT`` on the primary key, so of two files
read at the same time exactly one wins); a key held longer than the duplicate window is
taken over (control numbers wrap around); a key whose interchange ends up rejected is
let go when the submission finishes, so a corrected file may use the number again. So are
all the keys of a submission whose run failed for good (after its last retry) or that ops
discarded: a run retried later claims its keys again, unless a corrected file took them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .key_repository import InterchangeKeyRepository, Key

__all__ = ["InterchangeRegistry", "release_all", "release_rejected", "scope_of"]


def scope_of(partner_id: int | None) -> str:
    """The tenant an interchange control number is unique in."""
    return "local" if partner_id is None else f"p{partner_id}"


class InterchangeRegistry:
    """The validator's ``seen_interchanges`` for one submission (a
    :class:`parsers.SeenInterchanges`): called from the parser's thread, it claims each
    new key on the event loop. A key is "seen" when this file had it already or another
    submission of the tenant holds it."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        loop: asyncio.AbstractEventLoop,
        submission_id: str,
        partner_id: int | None,
        window_days: int,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.loop = loop
        self.submission_id = submission_id
        self.scope = scope_of(partner_id)
        self.window = timedelta(days=window_days)
        self.in_file: set[Key] = set()

    def __contains__(self, key: object) -> bool:
        if key in self.in_file:
            return True
        assert isinstance(key, tuple)
        sender, receiver, control = (str(part) for part in key)
        future = asyncio.run_coroutine_threadsafe(
            self.claim((sender, receiver, control)), self.loop
        )
        return future.result(timeout=60) != self.submission_id

    def add(self, key: Key, /) -> None:
        self.in_file.add(key)

    async def claim(self, key: Key) -> str:
        """Claim the key for this submission; the id of the submission that holds it."""
        async with self.sessionmaker() as session, session.begin():
            return await InterchangeKeyRepository(session).claim(
                self.scope, key, self.submission_id, datetime.now(UTC), self.window
            )


async def release_rejected(session: AsyncSession, submission_id: str) -> None:
    """Let go of the keys of this submission's interchanges that were not accepted (their
    Interchange rows are written first, in the same transaction)."""
    await InterchangeKeyRepository(session).release_rejected(submission_id)


async def release_all(session: AsyncSession, submission_id: str) -> None:
    """Let go of every key this submission holds (its run failed for good, or it was
    discarded): the sender's corrected file may use the same control numbers."""
    await InterchangeKeyRepository(session).release_all(submission_id)
