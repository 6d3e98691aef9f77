"""No claim stored twice, by construction (issue 19, problem 1): two files carrying the
same claims (new ISA13s) processed at the same time each read "not on file" before the
other commits; the unique claim key makes the database keep one row per claim, and the
claims found at insert time become duplicate findings like any other duplicate."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import Db
from sqlalchemy import func, select

from edi_gateway.models import Encounter, FindingRow
from edi_gateway.partners.service import create_partner, partner_by_name
from edi_gateway.submissions.pipeline import process_submission
from edi_gateway.submissions.service import receive, store_path
from parsers.generate import write_file

CLAIMS = 400


async def _received(db: Db, path: Path, partner_id: int) -> str:
    stored = store_path(db.settings, path)
    got = await receive(
        db.sessionmaker,
        db.settings,
        stored,
        filename=path.name,
        partner_id=partner_id,
        source="api",
    )
    return got.submission.id


async def test_two_files_with_the_same_claims_at_once_store_each_claim_once(
    db: Db, tmp_path: Path
) -> None:
    first = tmp_path / "first.x12"
    write_file(first, "837p", CLAIMS, seed=3)
    text = first.read_text()
    isa13 = text.split("*")[13]
    second = tmp_path / "second.x12"
    new13 = f"{int(isa13) % 999999999 + 1:09d}"
    second.write_text(
        text.replace(f"*{isa13}*", f"*{new13}*", 1).replace(f"IEA*1*{isa13}", f"IEA*1*{new13}")
    )
    sender = text.split("*")[6].strip()
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", [sender], None)
    async with db.sessionmaker() as s:
        partner = await partner_by_name(s, "clinic")
        assert partner is not None
        partner_id = partner.id
    ids = [await _received(db, p, partner_id) for p in (first, second)]

    done = await asyncio.gather(
        *(process_submission(db.sessionmaker, db.settings, sid) for sid in ids)
    )

    async with db.sessionmaker() as s:
        rows, distinct = (
            await s.execute(select(func.count(), func.count(func.distinct(Encounter.claim_id))))
        ).one()
        duplicates = (
            await s.execute(
                select(func.count()).where(
                    FindingRow.element == "CLM01",
                    FindingRow.message.like("Duplicate claim:%"),
                )
            )
        ).scalar_one()
    assert (rows, distinct) == (CLAIMS, CLAIMS)
    assert sum(d.units_stored for d in done) == CLAIMS
    assert sum(d.units_rejected for d in done) == CLAIMS
    assert duplicates == CLAIMS  # each claim of the later file says why it was refused
    assert {d.status for d in done} <= {"completed", "rejected", "partially_accepted"}
