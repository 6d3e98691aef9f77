"""Member eligibility for the check stream's guide rules (R46): the plan's rosters."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.guides import MEMBER_ELIGIBLE

from .repository import RosterRepository

__all__ = ["PlanRoster", "RosterHistory"]


#: members whose coverage is remembered at once; past this the memory starts over, so a
#: worker's memory does not grow with the members of a large file
SPANS_KEPT = 20_000


class RosterHistory:
    """The history look-ups guide rules ask (is this member eligible on this date?),
    answered from the plan's stored rosters on the event loop while the check stream runs
    in the parser's thread. Scoped: a claim is checked against its own plan's rosters."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], loop: asyncio.AbstractEventLoop
    ) -> None:
        self.sessionmaker = sessionmaker
        self.loop = loop
        #: a member's current coverage spans, by (plan's ISA06 values, member id)
        self.spans: dict[
            tuple[frozenset[str], str], list[tuple[date | None, date | None]] | None
        ] = {}
        #: whether any roster of a plan (its ISA06 values) is held
        self.rosters: dict[frozenset[str], bool] = {}

    def scoped(self, plan_senders: frozenset[str]) -> PlanRoster:
        """The look-up for claims of one plan: its rosters (sent under these ISA06) only."""
        return PlanRoster(self, plan_senders)

    def ask(self, plan_senders: frozenset[str], question: str, **args: str) -> bool | None:
        if question != MEMBER_ELIGIBLE or not plan_senders:
            return None  # duplicates against history are checked when storing
        if self.rosters.get(plan_senders) is False:
            return None  # no roster of this plan held (found on the first look-up)
        key = (plan_senders, args["member_id"])
        if key not in self.spans:  # not told ahead (``prefetch``): looked up alone
            self.prefetch(plan_senders, [args["member_id"]])
        spans = self.spans[key]
        if spans is None:
            return None  # no roster of the claim's plan held: cannot tell
        on = date.fromisoformat(args["date"])
        return any(b is not None and b <= on and (e is None or e >= on) for b, e in spans)

    def prefetch(self, plan_senders: frozenset[str], member_ids: Sequence[str]) -> None:
        """Look up, in one round trip, the coverage of the members the next claims will be
        asked about (those not remembered yet)."""
        if not plan_senders or self.rosters.get(plan_senders) is False:
            return
        wanted = [m for m in member_ids if (plan_senders, m) not in self.spans]
        if not wanted:
            return
        future = asyncio.run_coroutine_threadsafe(self._spans_of(plan_senders, wanted), self.loop)
        found = future.result(timeout=60)
        if len(self.spans) + len(wanted) > SPANS_KEPT:
            self.spans.clear()
        for member_id in wanted:
            self.spans[(plan_senders, member_id)] = (
                None if found is None else found.get(member_id, [])
            )

    async def _spans_of(
        self, plan_senders: frozenset[str], member_ids: list[str]
    ) -> dict[str, list[tuple[date | None, date | None]]] | None:
        """Each member's coverage in force now; None when no roster of the plan is held."""
        async with self.sessionmaker() as session:
            rosters = RosterRepository(session)
            if plan_senders not in self.rosters:
                self.rosters[plan_senders] = await rosters.any_roster_of(sorted(plan_senders))
            if not self.rosters[plan_senders]:
                return None
            return await rosters.current_spans_of(sorted(plan_senders), member_ids)


class PlanRoster:
    """The eligibility look-up for the claims of one plan (a ``BatchedHistory``)."""

    def __init__(self, history: RosterHistory, plan_senders: frozenset[str]) -> None:
        self.history = history
        self.plan_senders = plan_senders

    def __call__(self, question: str, **args: str) -> bool | None:
        return self.history.ask(self.plan_senders, question, **args)

    def prefetch(self, question: str, keys: Sequence[Any]) -> None:
        if question == MEMBER_ELIGIBLE:
            self.history.prefetch(self.plan_senders, keys)

    def wants(self, question: str) -> bool:
        return (
            question == MEMBER_ELIGIBLE
            and bool(self.plan_senders)
            and self.history.rosters.get(self.plan_senders) is not False
        )
