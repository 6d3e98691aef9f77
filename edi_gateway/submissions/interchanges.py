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

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..models import Interchange, InterchangeKey

__all__ = ["InterchangeRegistry", "release_all", "release_rejected", "scope_of"]

Key = tuple[str, str, str]


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
        sender, receiver, control = (key[0][:15], key[1][:15], key[2][:9])
        now = datetime.now(UTC)
        async with self.sessionmaker() as session, session.begin():
            dialect = session.get_bind().dialect.name
            make = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = make(InterchangeKey).values(
                scope=self.scope,
                sender_id=sender,
                receiver_id=receiver,
                control_number=control,
                submission_id=self.submission_id,
                claimed_at=now,
            )
            upsert = stmt.on_conflict_do_update(
                index_elements=["scope", "sender_id", "receiver_id", "control_number"],
                set_={"submission_id": self.submission_id, "claimed_at": now},
                where=(InterchangeKey.claimed_at < now - self.window)
                | (InterchangeKey.submission_id == self.submission_id),
            ).returning(InterchangeKey.submission_id)
            won = (await session.execute(upsert)).scalar_one_or_none()
            if won is not None:
                return str(won)
            holder = await session.execute(
                select(InterchangeKey.submission_id).where(
                    InterchangeKey.scope == self.scope,
                    InterchangeKey.sender_id == sender,
                    InterchangeKey.receiver_id == receiver,
                    InterchangeKey.control_number == control,
                )
            )
            return str(holder.scalar_one())


async def release_rejected(session: AsyncSession, submission_id: str) -> None:
    """Let go of the keys of this submission's interchanges that were not accepted (their
    Interchange rows are written first, in the same transaction)."""
    accepted = exists().where(
        and_(
            Interchange.submission_id == submission_id,
            Interchange.accepted.is_(True),
            Interchange.sender_id == InterchangeKey.sender_id,
            Interchange.receiver_id == InterchangeKey.receiver_id,
            Interchange.control_number == InterchangeKey.control_number,
        )
    )
    await session.execute(
        delete(InterchangeKey).where(InterchangeKey.submission_id == submission_id, ~accepted)
    )


async def release_all(session: AsyncSession, submission_id: str) -> None:
    """Let go of every key this submission holds (its run failed for good, or it was
    discarded): the sender's corrected file may use the same control numbers."""
    await session.execute(
        delete(InterchangeKey).where(InterchangeKey.submission_id == submission_id)
    )
