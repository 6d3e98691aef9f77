"""837 files end to end through the ingest pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from conftest import SAMPLES, Db, migrate
from sqlalchemy import func, select

from edi_gateway.models import (
    Acknowledgment,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterParty,
    FindingRow,
    Submission,
    TransactionSet,
)
from edi_gateway.submissions.ingest import ingest_paths
from edi_gateway.submissions.repository import AcknowledgmentRepository
from parsers.generate import write_file


async def _count(db: Db, model: type) -> int:
    async with db.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_837p_claims_become_encounters(db: Db) -> None:
    [outcome] = await ingest_paths(
        db.sessionmaker, db.settings, [SAMPLES / "837p" / "837p_valid_basic.x12"]
    )
    sub = outcome.submission
    assert sub.status == "completed" and sub.units_stored == 5 and sub.units_rejected == 0
    assert (sub.sets_total, sub.sets_accepted) == (1, 1)
    async with db.sessionmaker() as s:
        enc = (
            await s.execute(select(Encounter).where(Encounter.claim_id == "PCN267000032363"))
        ).scalar_one()
        assert enc.guide == "837P" and enc.total_charge == Decimal("312")
        assert enc.billing_npi == "1551312931" and enc.member_id == "96994177R"
        assert enc.place_of_service == "11" and enc.frequency_code == "1"
        lines = (
            (
                await s.execute(
                    select(EncounterLine)
                    .where(EncounterLine.encounter_id == enc.id)
                    .order_by(EncounterLine.line_number)
                )
            )
            .scalars()
            .all()
        )
        assert [ln.procedure_code for ln in lines] == ["81002", "99203", "99213", "36415"]
        assert sum(ln.charge for ln in lines) == enc.total_charge
        dx = (
            await s.execute(
                select(EncounterDiagnosis.qualifier, EncounterDiagnosis.code)
                .where(EncounterDiagnosis.encounter_id == enc.id)
                .order_by(EncounterDiagnosis.sequence)
            )
        ).all()
        assert [tuple(r) for r in dx] == [("ABK", "R109"), ("ABF", "J209")]
        roles = set(
            (
                await s.execute(
                    select(EncounterParty.role).where(EncounterParty.encounter_id == enc.id)
                )
            ).scalars()
        )
        assert {"billing", "subscriber", "payer", "rendering"} <= roles
        # the patient is the subscriber (SBR02 18, no 2000C): one row stands for both
        assert enc.patient_relationship == "18" and "patient" not in roles
        acks = set(
            (
                await s.execute(
                    select(Acknowledgment.kind).where(Acknowledgment.submission_id == sub.id)
                )
            ).scalars()
        )
        assert acks == {"999", "277ca"}
        ts = (await s.execute(select(TransactionSet))).scalar_one()
        assert ts.status == "stored" and ts.units_stored == 5 and ts.st_control_number == "1923"


async def test_same_bytes_twice_are_not_stored_twice(db: Db) -> None:
    path = SAMPLES / "837p" / "837p_valid_basic.x12"
    [first] = await ingest_paths(db.sessionmaker, db.settings, [path])
    [second] = await ingest_paths(db.sessionmaker, db.settings, [path])
    assert second.repeated and second.submission.id == first.submission.id
    assert await _count(db, Encounter) == 5
    assert await _count(db, Submission) == 1
    files = list((Path(db.settings.data_dir) / "files").rglob("*.x12"))
    assert len(files) == 1 and files[0].read_bytes() == path.read_bytes()


async def test_reused_isa13_is_rejected_and_nothing_stored(db: Db, tmp_path: Path) -> None:
    original = (SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes()
    await ingest_paths(db.sessionmaker, db.settings, [SAMPLES / "837p" / "837p_valid_basic.x12"])
    # Other bytes (a different claim number), same sender and ISA13.
    changed = tmp_path / "again.x12"
    changed.write_bytes(original.replace(b"PCN267000032363", b"PCN999999999999"))
    [outcome] = await ingest_paths(db.sessionmaker, db.settings, [changed])
    assert outcome.submission.status == "rejected"
    async with db.sessionmaker() as s:
        codes = (
            (
                await s.execute(
                    select(FindingRow.code).where(FindingRow.submission_id == outcome.submission.id)
                )
            )
            .scalars()
            .all()
        )
        ta1 = await AcknowledgmentRepository(s).get_content(outcome.submission.id, "ta1")
        assert ta1 is not None
    assert "025" in codes and b"*R*025~" in ta1
    assert await _count(db, Encounter) == 5


async def test_duplicate_claims_become_findings_not_rows(db: Db, tmp_path: Path) -> None:
    original = (SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes()
    await ingest_paths(db.sessionmaker, db.settings, [SAMPLES / "837p" / "837p_valid_basic.x12"])
    resent = tmp_path / "resent.x12"
    resent.write_bytes(original.replace(b"514296314", b"514296315"))  # new ISA13 and IEA02
    [outcome] = await ingest_paths(db.sessionmaker, db.settings, [resent])
    sub = outcome.submission
    assert sub.status == "rejected" and sub.units_stored == 0 and sub.units_rejected == 5
    async with db.sessionmaker() as s:
        dups = (
            (
                await s.execute(
                    select(FindingRow).where(
                        FindingRow.submission_id == sub.id, FindingRow.code == "DUP"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(dups) == 5 and all(f.snip_level == 7 and f.claim_id for f in dups)
    assert await _count(db, Encounter) == 5


async def test_replacement_and_void_change_the_original(db: Db, tmp_path: Path) -> None:
    original = (SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes()
    await ingest_paths(db.sessionmaker, db.settings, [SAMPLES / "837p" / "837p_valid_basic.x12"])
    text = original.decode()
    replacement = text.replace("514296314", "514296316").replace(
        "CLM*PCN267000032363*312***11:B:1*", "CLM*PCN267000032363*312***11:B:7*"
    )
    # REF*F8 after the CLM of the replaced claim (SE01 grows by one).
    replacement = replacement.replace(
        "CLM*PCN267000032363*312***11:B:7*Y*A*Y*Y~\n",
        "CLM*PCN267000032363*312***11:B:7*Y*A*Y*Y~\nREF*F8*PCN267000032363~\n",
    )
    lines = replacement.split("~\n")
    se = next(i for i, seg in enumerate(lines) if seg.startswith("SE*"))
    parts = lines[se].split("*")
    lines[se] = "*".join([parts[0], str(int(parts[1]) + 1), parts[2]])
    path = tmp_path / "replacement.x12"
    path.write_text("~\n".join(lines))
    [outcome] = await ingest_paths(db.sessionmaker, db.settings, [path])
    assert outcome.submission.status == "partially_accepted", outcome
    async with db.sessionmaker() as s:
        rows = (
            await s.execute(
                select(Encounter.id, Encounter.status, Encounter.replaces_id)
                .where(Encounter.claim_id == "PCN267000032363")
                .order_by(Encounter.id)
            )
        ).all()
    assert [r.status for r in rows] == ["replaced", "active"]
    assert rows[1].replaces_id == rows[0].id
    # The other four claims of the replacement file are duplicates of accepted ones.
    assert outcome.submission.units_stored == 1 and outcome.submission.units_rejected == 4


async def test_rejected_transaction_set_stores_nothing_of_it(db: Db) -> None:
    [outcome] = await ingest_paths(
        db.sessionmaker, db.settings, [SAMPLES / "837i" / "837i_invalid_bad_code.x12"]
    )
    assert outcome.submission.status == "rejected"
    assert await _count(db, Encounter) == 0
    async with db.sessionmaker() as s:
        ts = (await s.execute(select(TransactionSet))).scalar_one()
        [sub_id] = (await s.execute(select(Acknowledgment.submission_id))).scalars().unique()
        ack = await AcknowledgmentRepository(s).get_content(sub_id, "999")
        assert ack is not None
    assert ts.status == "rejected" and ts.units_rejected == 4
    assert b"IK5*R" in ack


async def test_large_file_in_several_sets(db: Db, tmp_path: Path) -> None:
    path = tmp_path / "big.x12"
    from parsers.generate import generate

    with open(path, "wb") as out:
        for chunk in generate("837i", 1200, seed=11, claims_per_st=500):
            out.write(chunk)
    [outcome] = await ingest_paths(db.sessionmaker, db.settings, [path])
    sub = outcome.submission
    assert (sub.sets_total, sub.sets_accepted, sub.units_stored) == (3, 3, 1200)
    assert await _count(db, Encounter) == 1200


def test_generator_is_used_with_write_file(tmp_path: Path) -> None:
    assert write_file(tmp_path / "x.x12", "837d", 3, seed=1) > 0


async def _claim_parties(db: Db, role: str) -> dict[str, tuple[object, ...] | None]:
    """Each claim's claim-level row of ``role`` (its fields but the role), else None."""
    fields = [c for c in EncounterParty.__table__.columns if c.name not in ("id", "role")]
    async with db.engine.connect() as conn:
        claims = (await conn.execute(select(Encounter.claim_id))).scalars().all()
        rows = await conn.execute(
            select(Encounter.claim_id, *fields)
            .join(Encounter, Encounter.id == EncounterParty.encounter_id)
            .where(EncounterParty.role == role, EncounterParty.service_line.is_(None))
        )
        found = {row[0]: tuple(row[1:]) for row in rows}
    return {claim: found.get(claim) for claim in claims}


async def test_patient_rows_only_for_a_patient_of_their_own(db: Db) -> None:
    """A claim whose patient is the subscriber (no 2000C) stores no second row for them;
    a dependent's claim keeps the patient's (2010CA). Migration 0011v removes the copies
    stored before and its downgrade puts them back, equal to the subscriber's rows."""
    await ingest_paths(
        db.sessionmaker,
        db.settings,
        [SAMPLES / "837p" / "837p_valid_basic.x12", SAMPLES / "837d" / "837d_valid_dependent.x12"],
    )
    fresh = await _claim_parties(db, "patient")
    own = {claim for claim, row in fresh.items() if row is not None}
    assert own and len(own) < len(fresh)  # both kinds of claim are in the two files
    async with db.sessionmaker() as s:
        related = (
            await s.execute(select(Encounter.claim_id, Encounter.patient_relationship))
        ).all()
    assert {claim for claim, relationship in related if relationship != "18"} == own

    await migrate(db, "downgrade", "0011u")
    try:
        before = await _claim_parties(db, "patient")
        subscribers = await _claim_parties(db, "subscriber")
        for claim, row in before.items():  # every claim had one
            assert row is not None and row == (fresh[claim] if claim in own else subscribers[claim])
    finally:
        await migrate(db, "upgrade", "head")
    assert await _claim_parties(db, "patient") == fresh
