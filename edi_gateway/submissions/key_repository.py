"""The SQL of interchange control numbers held once per tenant (``interchange_keys``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Delete, and_, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import conflict_insert
from ..models import Interchange, InterchangeKey
from ..repository import ROWS_ONLY, SUBMISSION_ID, once

__all__ = ["InterchangeKeyRepository", "Key"]

#: (ISA06, ISA08, ISA13)
Key = tuple[str, str, str]


class InterchangeKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, scope: str, key: Key, submission_id: str, now: datetime, window: timedelta
    ) -> str:
        """Claim the key for the submission: an ``INSERT ... ON CONFLICT`` that takes over
        a key held longer than ``window`` (or by this submission already); the id of the
        submission that holds the key afterwards."""
        sender, receiver, control = (key[0][:15], key[1][:15], key[2][:9])
        make = conflict_insert(self.session.get_bind().dialect.name)
        stmt = make(InterchangeKey).values(
            scope=scope,
            sender_id=sender,
            receiver_id=receiver,
            control_number=control,
            submission_id=submission_id,
            claimed_at=now,
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=["scope", "sender_id", "receiver_id", "control_number"],
            set_={"submission_id": submission_id, "claimed_at": now},
            where=(InterchangeKey.claimed_at < now - window)
            | (InterchangeKey.submission_id == submission_id),
        ).returning(InterchangeKey.submission_id)
        won = (await self.session.execute(upsert)).scalar_one_or_none()
        if won is not None:
            return str(won)
        holder = await self.session.execute(
            select(InterchangeKey.submission_id).where(
                InterchangeKey.scope == scope,
                InterchangeKey.sender_id == sender,
                InterchangeKey.receiver_id == receiver,
                InterchangeKey.control_number == control,
            )
        )
        return str(holder.scalar_one())

    async def release_rejected(self, submission_id: str) -> None:
        """Delete the submission's keys whose interchange was not accepted (its
        Interchange rows are written first, in the same transaction)."""
        await self.session.execute(
            _release_rejected(), {"submission_id": submission_id}, execution_options=ROWS_ONLY
        )

    async def release_all(self, submission_id: str) -> None:
        await self.session.execute(
            delete(InterchangeKey).where(InterchangeKey.submission_id == submission_id)
        )


@once
def _release_rejected() -> Delete:
    accepted = exists().where(
        and_(
            Interchange.submission_id == SUBMISSION_ID,
            Interchange.accepted.is_(True),
            Interchange.sender_id == InterchangeKey.sender_id,
            Interchange.receiver_id == InterchangeKey.receiver_id,
            Interchange.control_number == InterchangeKey.control_number,
        )
    )
    return delete(InterchangeKey).where(InterchangeKey.submission_id == SUBMISSION_ID, ~accepted)
