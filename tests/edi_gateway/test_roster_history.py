"""The eligibility look-up behind companion rule R46 (``RosterHistory``), on both
databases: a member is found by the subscriber id or by any other id the roster gave them,
on dates inside a current coverage span only, in the claim's own plan's roster only."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import Db
from sqlalchemy import select

from edi_gateway.eligibility.history import RosterHistory
from edi_gateway.models import CoverageSpan, FindingRow, Member, MemberIdentifier
from mappings.guides import MEMBER_ELIGIBLE


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


async def _two_plans(db: Db) -> None:
    """A PLANA member (subscriber id and another id) covered in Q1 and from June, whose
    April-May span a later roster replaced; a PLANB member covered since 2020."""
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


async def test_eligibility_on_the_date_of_service(db: Db) -> None:
    await _two_plans(db)
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


async def test_members_told_ahead_are_answered_as_when_asked_one_by_one(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``prefetch`` (the check stream's batch of upcoming claims) looks the members up in
    one round trip; the answers are those of one look-up per member, scoping included."""
    await _two_plans(db)
    history = RosterHistory(db.sessionmaker, asyncio.get_running_loop())

    looked_up: list[list[str]] = []
    spans_of = history._spans_of

    async def counted(plan: frozenset[str], ids: list[str]) -> object:
        looked_up.append(ids)
        return await spans_of(plan, ids)

    monkeypatch.setattr(history, "_spans_of", counted)
    plan_a, plan_c = history.scoped(frozenset({"PLANA"})), history.scoped(frozenset({"PLANC"}))
    members = ["91234567A", "DEP0001", "99999999B", "NOSUCHCIN"]

    def told_then_asked() -> list[bool | None]:
        plan_a.prefetch(MEMBER_ELIGIBLE, members)
        plan_c.prefetch(MEMBER_ELIGIBLE, members)
        return [
            plan_a("member_eligible", member_id=m, date=day)
            for m in members
            for day in ("2026-02-15", "2026-04-15", "2026-07-01")
        ] + [plan_c("member_eligible", member_id="91234567A", date="2026-02-15")]

    answers = await asyncio.to_thread(told_then_asked)
    assert looked_up == [members, members]  # the two batches, no member looked up alone
    assert answers == [
        *(True, False, True),  # the subscriber id: Q1, a replaced span, from June
        *(True, False, True),  # the member's other id
        *(False, False, False),  # another plan's member
        *(False, False, False),  # no such member on the plan's roster
        None,  # no roster of PLANC held: cannot tell
    ]


async def test_an_ingest_looks_its_claims_members_up_in_batches(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 (problem 4): with the plan's roster held, a 1,200-claim 837P asks about its
    members in a few batches, not one round trip per claim, and R46 still names exactly the
    claims whose member the roster does not cover."""
    from edi_gateway.eligibility.repository import RosterRepository
    from edi_gateway.submissions.ingest import ingest_paths
    from parsers.generate import write_file

    path = tmp_path / "claims.x12"
    write_file(path, "837p", 1200, seed=3)
    segments = path.read_text().split("~")
    plan = segments[0].split("*")[8].strip()
    claims_of: dict[str, list[str]] = {}
    member = ""
    for seg in (s.strip() for s in segments):
        if seg.startswith("NM1*IL"):
            member = seg.split("*")[9]
        elif seg.startswith("CLM*"):
            claims_of.setdefault(member, []).append(seg.split("*")[1])
    members = sorted(claims_of)
    assert len(members) > 500  # more than one batch
    uncovered = set(members[::7])
    for cin in members:
        if cin not in uncovered:
            await _member(db, plan, cin, None, (date(2000, 1, 1), None, False))
    calls: list[int] = []
    batched = RosterRepository.current_spans_of

    async def counted(self: RosterRepository, senders: list[str], ids: list[str]) -> object:
        calls.append(len(ids))
        return await batched(self, senders, ids)

    monkeypatch.setattr(RosterRepository, "current_spans_of", counted)
    [done] = await ingest_paths(db.sessionmaker, db.settings, [path])
    assert done.submission.status == "completed", done.submission.error
    assert sum(calls) == len(members) and len(calls) <= 1200 // 500 + 2, calls
    assert min(calls) > 1, calls  # no member looked up alone
    async with db.sessionmaker() as s:
        flagged = {
            f.claim_id
            for f in (
                await s.execute(
                    select(FindingRow).where(FindingRow.submission_id == done.submission.id)
                )
            ).scalars()
            if (f.rule_id or "").startswith("R46")
        }
    assert flagged == {c for m in uncovered for c in claims_of[m]}
