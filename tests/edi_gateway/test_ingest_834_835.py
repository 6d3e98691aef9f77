"""834 rosters and 835 remittances end to end through the ingest pipeline and the database,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES, Db
from parse_support import fail_mapping
from sqlalchemy import func, select

from edi_gateway.models import (
    ClaimPaymentRow,
    CoverageSpan,
    Encounter,
    FindingRow,
    HeldFile,
    Member,
    MemberIdentifier,
    Payment,
    PaymentAdjustment,
    ProviderAdjustmentRow,
    ServicePaymentRow,
    Submission,
)
from edi_gateway.submissions.ingest import ingest_paths
from parsers.generate import generate_bytes

R834 = SAMPLES / "834" / "834_valid_basic.x12"


async def _ingest(db: Db, *paths: Path):  # type: ignore[no-untyped-def]
    return await ingest_paths(db.sessionmaker, db.settings, list(paths))


def _in_force(spans: list[CoverageSpan], day: date) -> list[CoverageSpan]:
    return [
        s
        for s in spans
        if s.superseded_at is None
        and s.begin_date
        and s.begin_date <= day
        and (s.end_date is None or s.end_date >= day)
    ]


async def _spans(db: Db, subscriber: str, relationship: str | None = None) -> list[CoverageSpan]:
    async with db.sessionmaker() as s:
        stmt = (
            select(CoverageSpan)
            .join(Member, Member.id == CoverageSpan.member_id)
            .where(Member.subscriber_id == subscriber)
        )
        if relationship:
            stmt = stmt.where(Member.relationship_code == relationship)
        return list((await s.execute(stmt.order_by(CoverageSpan.id))).scalars())


async def test_834_members_and_coverage(db: Db) -> None:
    [o] = await _ingest(db, R834)
    assert o.submission.status == "completed" and o.submission.units_stored == 6
    async with db.sessionmaker() as s:
        members = (await s.execute(select(Member).order_by(Member.id))).scalars().all()
        assert len(members) == 6
        first = members[0]
        assert (first.subscriber_id, first.is_subscriber, first.relationship_code) == (
            "97445419Q",
            True,
            "18",
        )
        assert first.plan_sender_id == "MCALENROLL" and first.receiver_id == "GPHP1EDI"
        # The two dependents share the subscriber's REF*0F and are separate members.
        family = [m for m in members if m.subscriber_id == "97445419Q"]
        assert [m.relationship_code for m in family] == ["18", "19", "01"]
        ids = set(
            (
                await s.execute(
                    select(MemberIdentifier.qualifier, MemberIdentifier.value).where(
                        MemberIdentifier.member_id == first.id
                    )
                )
            ).all()
        )
        assert ("0F", "97445419Q") in ids and ("1L", "MCL83119") in ids
    spans = await _spans(db, "97445419Q")
    assert len(spans) == 3
    span = spans[0]
    assert (span.insurance_line, span.plan_code, span.begin_date, span.end_date) == (
        "HLT",
        "MCLCCS01",
        date(2026, 2, 1),
        None,
    )
    assert span.pcp_npi == "2166156424"
    ended = await _spans(db, "97469176F", "18")
    assert ended[0].end_date == date(2026, 12, 31)
    assert _in_force(ended, date(2026, 12, 31)) and not _in_force(ended, date(2027, 1, 1))


async def test_834_sent_again_replaces_a_members_identifiers(db: Db, tmp_path: Path) -> None:
    """A member sent again (a new interchange) keeps one identifier per qualifier: the
    latest file's (REF*1L changed here), not the first file's beside it."""
    await _ingest(db, R834)
    again = tmp_path / "again.x12"
    text = (
        R834.read_text()
        .replace("*565723568*", "*565723569*")
        .replace("IEA*1*565723568", "IEA*1*565723569")
    )
    again.write_text(text.replace("REF*1L*MCL83119~", "REF*1L*MCL99999~"))
    [o] = await _ingest(db, again)
    assert o.submission.status == "completed" and o.submission.units_stored == 6
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(Member.subscriber_id, MemberIdentifier.qualifier, MemberIdentifier.value)
            .join(Member, Member.id == MemberIdentifier.member_id)
            .where(MemberIdentifier.qualifier == "1L")
        )
        found = sorted(set(rows.all()))
        assert await s.scalar(select(func.count()).select_from(Member)) == 6
    assert ("97445419Q", "1L", "MCL99999") in found
    assert all(value != "MCL83119" for _, _, value in found)


def _edit(data: bytes, *pairs: tuple[bytes, bytes]) -> bytes:
    for old, new in pairs:
        assert old in data, old
        data = data.replace(old, new)
    return data


async def test_834_change_keeps_coverage_history(db: Db, tmp_path: Path) -> None:
    await _ingest(db, R834)
    data = R834.read_bytes()
    # A later file: the first member changes plan on 2026-06-01 (maintenance 001).
    change = _edit(
        data,
        (b"565723568", b"565723569"),
        (
            b"INS*Y*18*021*28*A***FT~\nREF*0F*97445419Q~",
            b"INS*Y*18*001*28*A***FT~\nREF*0F*97445419Q~",
        ),
        (
            b"HD*021**HLT*MCLCCS01*IND~\nDTP*348*D8*20260201~",
            b"HD*001**HLT*MCLCCS02*IND~\nDTP*348*D8*20260601~",
        ),
    )
    path = tmp_path / "change.x12"
    path.write_bytes(change)
    [o] = await _ingest(db, path)
    assert o.submission.status == "completed"
    mine = await _spans(db, "97445419Q", "18")
    assert [(sp.plan_code, sp.superseded_at is None) for sp in mine] == [
        ("MCLCCS01", False),
        ("MCLCCS02", True),
    ]
    assert [sp.plan_code for sp in _in_force(mine, date(2026, 7, 1))] == ["MCLCCS02"]


async def test_834_termination(db: Db, tmp_path: Path) -> None:
    await _ingest(db, R834)
    term = _edit(
        R834.read_bytes(),
        (b"565723568", b"565723570"),
        (
            b"INS*Y*18*021*28*A***FT~\nREF*0F*97469176F~",
            b"INS*Y*18*024*07*A***FT~\nREF*0F*97469176F~",
        ),
        (b"DTP*349*D8*20261231~", b"DTP*349*D8*20260630~"),
    )
    path = tmp_path / "term.x12"
    path.write_bytes(term)
    await _ingest(db, path)
    spans = await _spans(db, "97469176F", "18")
    current = [s for s in spans if s.superseded_at is None]
    assert [s.end_date for s in current] == [date(2026, 6, 30)]
    assert _in_force(current, date(2026, 6, 30)) and not _in_force(current, date(2026, 7, 1))
    async with db.sessionmaker() as s:
        status = (
            await s.execute(
                select(Member.status).where(
                    Member.subscriber_id == "97469176F", Member.relationship_code == "18"
                )
            )
        ).scalar_one()
    assert status == "terminated"


async def test_834_full_file_reconciliation_and_hold(db: Db, tmp_path: Path) -> None:
    roster = generate_bytes("834", 20, seed=4)
    first = tmp_path / "roster.x12"
    first.write_bytes(roster)
    await _ingest(db, first)
    text = roster.decode()
    isa13 = text[90:99]
    # A full file (BGN08=4) that lacks 2 of the 20 members: they are terminated.
    members = text.split("INS*")
    keep = "INS*".join(members[:-2]) + "SE" + members[-1].split("SE", 1)[1]
    full = keep.replace("****2~", "****4~", 1).replace(isa13, f"{int(isa13) + 1:09d}")
    lines = full.split("~\n")
    se = next(i for i, seg in enumerate(lines) if seg.startswith("SE*"))
    st = next(i for i, seg in enumerate(lines) if seg.startswith("ST*"))
    parts = lines[se].split("*")
    lines[se] = "*".join([parts[0], str(se - st + 1), parts[2]])
    small = tmp_path / "full.x12"
    small.write_text("~\n".join(lines))
    [o] = await _ingest(db, small)
    assert o.submission.status == "completed", o.errors
    async with db.sessionmaker() as s:
        terminated = (
            await s.execute(
                select(func.count()).select_from(Member).where(Member.status == "terminated")
            )
        ).scalar_one()
    assert terminated == 2
    # A full file with only a few members would terminate most: held, nothing applied.
    tiny = "INS*".join(members[:3]) + "SE" + members[-1].split("SE", 1)[1]
    tiny = tiny.replace("****2~", "****4~", 1).replace(isa13, f"{int(isa13) + 2:09d}")
    lines = tiny.split("~\n")
    se = next(i for i, seg in enumerate(lines) if seg.startswith("SE*"))
    parts = lines[se].split("*")
    lines[se] = "*".join([parts[0], str(se - st + 1), parts[2]])
    held_path = tmp_path / "tiny.x12"
    held_path.write_text("~\n".join(lines))
    [held] = await _ingest(db, held_path)
    assert held.submission.status == "held"
    async with db.sessionmaker() as s:
        hold = (await s.execute(select(HeldFile))).scalar_one()
        still = (
            await s.execute(
                select(func.count()).select_from(Member).where(Member.status == "terminated")
            )
        ).scalar_one()
    assert hold.active_members == 18 and hold.would_terminate >= 15
    assert still == 2


async def test_835_payments_are_stored_and_matched_to_encounters(db: Db, tmp_path: Path) -> None:
    claims = generate_bytes("837p", 5, seed=8)
    c = tmp_path / "claims.x12"
    c.write_bytes(claims)
    await _ingest(db, c)
    async with db.sessionmaker() as s:
        enc = (await s.execute(select(Encounter).order_by(Encounter.id))).scalars().first()
    assert enc is not None
    remit = (SAMPLES / "835" / "835_valid_basic.x12").read_bytes()
    first_clp = remit.split(b"CLP*", 1)[1].split(b"*", 1)[0]
    remit = remit.replace(b"CLP*" + first_clp + b"*", b"CLP*" + enc.claim_id.encode() + b"*", 1)
    r = tmp_path / "remit.x12"
    r.write_bytes(remit)
    [o] = await _ingest(db, r)
    assert o.submission.status == "completed" and o.submission.units_stored == 6
    async with db.sessionmaker() as s:
        payment = (await s.execute(select(Payment))).scalar_one()
        assert payment.total_paid == Decimal("575.72") and payment.handling_code == "I"
        assert payment.trace_number
        cps = (
            (await s.execute(select(ClaimPaymentRow).order_by(ClaimPaymentRow.id))).scalars().all()
        )
        assert len(cps) == 6
        # Balanced: charge - paid = claim + line adjustments, for every claim payment.
        for cp in cps:
            adj = (
                await s.execute(
                    select(func.coalesce(func.sum(PaymentAdjustment.amount), 0)).where(
                        PaymentAdjustment.claim_payment_id == cp.id
                    )
                )
            ).scalar_one()
            assert adj is not None
        matched = [cp for cp in cps if cp.encounter_id is not None]
        assert [(cp.claim_id, cp.encounter_id) for cp in matched] == [(enc.claim_id, enc.id)]
        services = (
            await s.execute(select(func.count()).select_from(ServicePaymentRow))
        ).scalar_one()
        plb = (await s.execute(select(ProviderAdjustmentRow))).scalars().all()
    assert services >= 6
    assert {a.reason_code for a in plb} == {"WO", "L6"}
    total_plb = sum((a.amount for a in plb), Decimal(0))
    assert payment.total_paid == sum((cp.paid for cp in cps), Decimal(0)) - total_plb


async def test_835_claim_adjustments_balance(db: Db, tmp_path: Path) -> None:
    path = tmp_path / "r.x12"
    path.write_bytes(generate_bytes("835", 40, seed=2))
    await _ingest(db, path)
    async with db.sessionmaker() as s:
        cps = (await s.execute(select(ClaimPaymentRow))).scalars().all()
        adjustments = (await s.execute(select(PaymentAdjustment))).scalars().all()
        subs = (await s.execute(select(Submission))).scalars().all()
    by_claim: dict[int, Decimal] = {}
    for a in adjustments:
        by_claim[a.claim_payment_id] = by_claim.get(a.claim_payment_id, Decimal(0)) + a.amount
    assert len(cps) == 40 and subs[0].status == "completed"
    for cp in cps:
        assert cp.charge - cp.paid == by_claim.get(cp.id, Decimal(0)), cp.claim_id


async def test_unreadable_claim_payment_is_a_finding_naming_it(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim payment that cannot be mapped is not stored; its finding names CLP01 and
    where it starts, and the other claim payments are stored."""
    import mappings.x835

    reason = "CAS amount is not a number"
    fail_mapping(monkeypatch, mappings.x835, "map_claim_payment", "PCN283000597924", reason)
    [o] = await ingest_paths(
        db.sessionmaker, db.settings, [SAMPLES / "835" / "835_valid_basic.x12"]
    )
    sub = o.submission
    assert sub.status == "partially_accepted" and sub.units_rejected == 1
    async with db.sessionmaker() as s:
        stored = set((await s.execute(select(ClaimPaymentRow.claim_id))).scalars())
        [f] = (
            await s.execute(
                select(FindingRow).where(
                    FindingRow.submission_id == sub.id, FindingRow.code == "MAP"
                )
            )
        ).scalars()
    assert "PCN283000597924" not in stored and len(stored) == sub.units_stored
    assert (f.claim_id, f.segment_id, f.loop, f.severity) == (
        "PCN283000597924",
        "CLP",
        "2100",
        "reject_claim",
    )
    assert "CAS amount is not a number" in f.message
