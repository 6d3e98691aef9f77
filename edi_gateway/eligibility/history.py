"""Member eligibility for the check stream's guide rules (R46): the plan's rosters."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..models import CoverageSpan, Member, MemberIdentifier

__all__ = ["RosterHistory"]


class RosterHistory:
    """The history look-ups guide rules ask (is this member eligible on this date?),
    answered from the plan's stored rosters on the event loop while the check stream runs
    in the parser's thread. Scoped: a claim is checked against its own plan's rosters."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], loop: asyncio.AbstractEventLoop
    ) -> None:
        self.sessionmaker = sessionmaker
        self.loop = loop
        self.cache: dict[tuple[frozenset[str], str, str], bool | None] = {}
        #: whether any roster of a plan (its ISA06 values) is held
        self.rosters: dict[frozenset[str], bool] = {}

    def scoped(self, plan_senders: frozenset[str]) -> Callable[..., bool | None]:
        """The look-up for claims of one plan: its rosters (sent under these ISA06) only."""

        def history(question: str, **args: str) -> bool | None:
            return self.ask(plan_senders, question, **args)

        return history

    def ask(self, plan_senders: frozenset[str], question: str, **args: str) -> bool | None:
        if question != "member_eligible" or not plan_senders:
            return None  # duplicates against history are checked when storing
        if self.rosters.get(plan_senders) is False:
            return None  # no roster of this plan held (found on the first look-up)
        key = (plan_senders, args["member_id"], args["date"])
        if key not in self.cache:
            future = asyncio.run_coroutine_threadsafe(self._eligible(*key), self.loop)
            self.cache[key] = future.result(timeout=60)
        return self.cache[key]

    async def _eligible(
        self, plan_senders: frozenset[str], member_id: str, day: str
    ) -> bool | None:
        on = date.fromisoformat(day)
        senders = sorted(plan_senders)
        async with self.sessionmaker() as session:
            if plan_senders not in self.rosters:
                self.rosters[plan_senders] = (
                    await session.execute(
                        select(Member.id).where(Member.plan_sender_id.in_(senders)).limit(1)
                    )
                ).first() is not None
            if not self.rosters[plan_senders]:
                return None  # no roster of the claim's plan held: cannot tell
            ids = select(MemberIdentifier.member_id).where(MemberIdentifier.value == member_id)
            found = (
                await session.execute(
                    select(CoverageSpan.id)
                    .join(Member, Member.id == CoverageSpan.member_id)
                    .where(
                        Member.plan_sender_id.in_(senders),
                        (Member.subscriber_id == member_id) | Member.id.in_(ids),
                        CoverageSpan.superseded_at.is_(None),
                        CoverageSpan.begin_date <= on,
                        (CoverageSpan.end_date.is_(None)) | (CoverageSpan.end_date >= on),
                    )
                    .limit(1)
                )
            ).first()
            return found is not None
