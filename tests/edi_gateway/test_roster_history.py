"""The eligibility look-up behind companion rule R46 (``RosterHistory``), on both
databases: a member is found by the subscriber id or by any other id the roster gave them,
on dates inside a current coverage span only, in the claim's own plan's roster only."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from conftest import Db

from edi_gateway.eligibility.history import RosterHistory
from edi_gateway.models import CoverageSpan, Member, MemberIdentifier


async def _member(
    db: Db, plan: str, cin: str, other: str | None, *spans: tuple[date, date | None, bool]
) -> None:
    async with db.sessionmaker() as s, s.begin():
        m = Member(plan_sender_id=plan, subscriber_id=cin, member_key=cin)
        s.add(m)
        await s.flush()
        s.add(MemberIdentifier(member_id=m.id, qualifier="0F", value=cin))
        if other:
            s.add(MemberIdentifier(member_id=m.id, qualifier="23", value=other))
        for begin, end, superseded in spans:
            s.add(
                CoverageSpan(
                    member_id=m.id,
                    submission_id="s",
                    begin_date=begin,
                    end_date=end,
                    superseded_at=datetime.now(UTC) if superseded else None,
                )
            )


async def test_eligibility_on_the_date_of_service(db: Db) -> None:
    await _member(
        db,
        "PLANA",
        "91234567A",
        "DEP0001",
        (date(2026, 1, 1), date(2026, 3, 31), False),
        (date(2026, 6, 1), None, False),
        (date(2026, 4, 1), date(2026, 5, 31), True),  # replaced by a later roster
    )
    await _member(db, "PLANB", "99999999B", None, (date(2020, 1, 1), None, False))
    history = RosterHistory(db.sessionmaker, asyncio.get_running_loop())
    plan_a = frozenset({"PLANA"})

    def ask(member: str, day: str, plan: frozenset[str] = plan_a) -> bool | None:
        return history.ask(plan, "member_eligible", member_id=member, date=day)

    answers = await asyncio.to_thread(
        lambda: [
            ask("91234567A", "2026-02-15"),  # in the first span
            ask("91234567A", "2026-04-15"),  # only a superseded span covers it
            ask("91234567A", "2026-07-01"),  # open-ended span
            ask("DEP0001", "2026-02-15"),  # by the member's other id
            ask("91234567A", "2025-12-31"),  # before any coverage
            ask("99999999B", "2026-02-15"),  # another plan's member
            ask("99999999B", "2026-02-15", frozenset({"PLANB"})),
            ask("91234567A", "2026-02-15", frozenset({"PLANC"})),  # no roster held: unknown
        ]
    )
    assert answers == [True, False, True, True, False, False, True, None]


async def test_remembered_coverage_is_bounded(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file's members are not all kept for the whole run: past SPANS_KEPT the
    remembered coverage starts over, and answers stay right."""
    from edi_gateway.eligibility import history as module

    monkeypatch.setattr(module, "SPANS_KEPT", 3)
    for n in range(8):
        await _member(db, "PLANA", f"9100000{n}A", None, (date(2026, 1, 1), None, False))
    history = RosterHistory(db.sessionmaker, asyncio.get_running_loop())
    plan = frozenset({"PLANA"})

    def ask_all() -> list[bool | None]:
        answers = []
        for n in [*range(8), 0]:
            answers.append(
                history.ask(plan, "member_eligible", member_id=f"9100000{n}A", date="2026-02-01")
            )
            assert len(history.spans) <= 3
        return answers

    assert await asyncio.to_thread(ask_all) == [True] * 9
