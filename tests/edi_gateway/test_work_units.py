"""Work units (issue 19): a large 837 set is stored in claim ranges that any worker takes,
with the same claims, outcomes, findings, 999 and 277CA as one job storing the file; a
set whose guide judges the set or the file as a whole, or that the 999 rejects, stays
whole. On PostgreSQL (units run on the job queue only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Db, _truncate_all
from sqlalchemy import select, text

from edi_gateway.config import Settings
from edi_gateway.db import make_engine, make_sessionmaker
from edi_gateway.models import Submission, TransactionSet, WorkUnit
from edi_gateway.submissions.pipeline import process_submission
from edi_gateway.submissions.schemas import SubmissionStatus
from edi_gateway.submissions.service import receive, store_path
from edi_gateway.submissions.units import advance, run_unit
from parsers.generate import generate_bytes

CLAIMS = 1_200
UNIT = 300


@pytest.fixture
async def pg(postgres_url: str, tmp_path: Path) -> AsyncIterator[Db]:
    await _truncate_all(postgres_url)
    settings = Settings(
        data_dir=tmp_path / "data", database_url=postgres_url, queue="inprocess", unit_claims=UNIT
    )
    engine = make_engine(postgres_url)
    try:
        yield Db(postgres_url, settings, engine, make_sessionmaker(engine), "postgresql")
    finally:
        await engine.dispose()


def large_837(tmp_path: Path, claims: int, receiver: bytes = b"OTHERPAY", seed: int = 7) -> Path:
    """A generated 837P of one set; OTHERPAY has no plan guide (the base guide judges each
    claim alone), GPHP1EDI has the Medi-Cal plan's (claims per set, unique in the file)."""
    path = tmp_path / f"{receiver.decode()}-{claims}.x12"
    path.write_bytes(generate_bytes("837p", claims, seed=seed).replace(b"GPHP1EDI", receiver))
    return path


async def _received(db: Db, path: Path) -> str:
    got = await receive(
        db.sessionmaker,
        db.settings,
        store_path(db.settings, path),
        filename=path.name,
        partner_id=None,
        source="cli",
    )
    return got.submission.id


async def _in_units(db: Db, sid: str) -> list[int]:
    """Run a submission as the job queue does, its units one after another here."""
    queued: list[int] = []
    ends: list[str] = []

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    async def queue_submission(submission_id: str) -> None:
        ends.append(submission_id)

    await advance(db.sessionmaker, db.settings, sid, queue_unit)
    for unit_id in list(queued):
        await run_unit(db.sessionmaker, db.settings, unit_id, queue_submission)
    assert ends == ([sid] if queued else [])  # the last unit, and only it, asks for the end
    if ends:
        await advance(db.sessionmaker, db.settings, sid, queue_unit)
    return queued


async def stored(db: Db, sid: str) -> dict[str, Any]:
    """What a run leaves, without row ids, submission ids and times."""
    queries = {
        "encounters": "SELECT claim_id, total_charge, member_id, billing_npi, status, line, "
        "service_date_from, claim_key FROM encounters WHERE submission_id = :sid "
        "ORDER BY line",
        "lines": "SELECT e.claim_id, l.line_number, l.procedure_code, l.charge, l.line "
        "FROM encounter_lines l JOIN encounters e ON e.id = l.encounter_id "
        "WHERE e.submission_id = :sid ORDER BY l.line",
        "outcomes": "SELECT set_ordinal, st_control_number, claim_id, accepted, charge, line "
        "FROM claim_outcomes WHERE submission_id = :sid ORDER BY line",
        "findings": "SELECT set_ordinal, code, severity, line, segment_position, claim_id, "
        "message FROM findings WHERE submission_id = :sid "
        "ORDER BY line, code, message",
        "sets": "SELECT ordinal, status, units, units_stored, units_rejected, segments, line "
        "FROM transaction_sets WHERE submission_id = :sid ORDER BY ordinal",
        "submission": "SELECT status, segments, sets_total, sets_accepted, units_total, "
        "units_stored, units_rejected FROM submissions WHERE id = :sid",
    }
    out: dict[str, Any] = {}
    async with db.sessionmaker() as s:
        for name, query in queries.items():
            out[name] = [tuple(r) for r in (await s.execute(text(query), {"sid": sid})).all()]
        acks = await s.execute(
            text("SELECT kind, content FROM acknowledgments WHERE submission_id = :sid"),
            {"sid": sid},
        )
        out["acks"] = {kind: _masked(bytes(content)) for kind, content in acks.all()}
    return out


def _masked(ack: bytes) -> str:
    """An acknowledgment without what differs from run to run (our control numbers and
    references, claim numbers that are row ids, the dates and times we write)."""
    from test_worker_recovery import _mask

    return _mask(ack)


async def test_a_large_set_in_units_stores_what_one_job_stores(pg: Db, tmp_path: Path) -> None:
    path = large_837(tmp_path, CLAIMS)
    sid = await _received(pg, path)
    units = await _in_units(pg, sid)
    assert len(units) == 4  # 1,200 claims in ranges of about 300
    in_units = await stored(pg, sid)
    async with pg.sessionmaker() as s:
        rows = (await s.execute(select(WorkUnit).order_by(WorkUnit.ordinal))).scalars().all()
        submission = await s.get(Submission, sid)
        assert submission is not None
        progress = SubmissionStatus.from_row(submission, "/x").progress
    assert [u.status for u in rows] == ["done"] * 4
    assert sum(u.claims for u in rows) == CLAIMS
    assert sum(u.units_stored + u.units_rejected for u in rows) == CLAIMS
    assert all(u.worker for u in rows)
    assert (progress.units_done, progress.units_total) == (4, 4)
    assert in_units["submission"][0][0] == "completed"
    assert in_units["sets"][0][1] == "stored"

    await _truncate_all(pg.url)
    sid = await _received(pg, path)
    await process_submission(pg.sessionmaker, pg.settings, sid)  # one job, no units
    one_job = await stored(pg, sid)
    assert len(one_job["encounters"]) == CLAIMS
    assert in_units == one_job


async def test_a_unit_run_again_stores_nothing_twice(pg: Db, tmp_path: Path) -> None:
    sid = await _received(pg, large_837(tmp_path, 700))
    queued: list[int] = []
    ends: list[str] = []

    async def queue_unit(unit_id: int) -> None:
        queued.append(unit_id)

    async def queue_submission(submission_id: str) -> None:
        ends.append(submission_id)

    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    assert len(queued) == 3  # 300, 300 and 100 claims
    await run_unit(pg.sessionmaker, pg.settings, queued[0], queue_submission)
    await run_unit(pg.sessionmaker, pg.settings, queued[0], queue_submission)  # again
    # the submission's job run again before the end queues only the unit not done
    again: list[int] = []

    async def queue_again(unit_id: int) -> None:
        again.append(unit_id)

    await advance(pg.sessionmaker, pg.settings, sid, queue_again)
    assert again == queued[1:]
    for unit_id in again:
        await run_unit(pg.sessionmaker, pg.settings, unit_id, queue_submission)
    assert ends == [sid]
    await advance(pg.sessionmaker, pg.settings, sid, queue_unit)
    async with pg.sessionmaker() as s:
        count = (
            await s.execute(text("SELECT count(*), count(DISTINCT claim_id) FROM encounters"))
        ).one()
        submission = await s.get(Submission, sid)
        assert submission is not None
    assert tuple(count) == (700, 700)
    assert submission.status == "completed" and submission.units_stored == 700


async def test_a_set_judged_whole_by_its_guide_is_not_split(pg: Db, tmp_path: Path) -> None:
    # the Medi-Cal plan guide limits claims per set (R10) and wants CLM01 unique in the
    # file (R15): verdicts on the whole set, so the set is one unit, stored by one job
    sid = await _received(pg, large_837(tmp_path, 700, receiver=b"GPHP1EDI"))
    assert await _in_units(pg, sid) == []
    async with pg.sessionmaker() as s:
        sets = (await s.execute(select(TransactionSet))).scalars().all()
        submission = await s.get(Submission, sid)
        assert submission is not None
    assert [(t.status, t.units) for t in sets] == [("stored", 700)]
    assert submission.work_units_total == 0
    assert submission.status == "completed"


async def test_a_set_the_999_rejects_is_not_split(pg: Db, tmp_path: Path) -> None:
    path = large_837(tmp_path, 700)
    raw = path.read_bytes()
    se = raw.rindex(b"SE*")
    count = raw[se:].split(b"*")[1]
    path.write_bytes(raw[:se] + b"SE*" + str(int(count) + 1).encode() + raw[se + 3 + len(count) :])
    sid = await _received(pg, path)
    assert await _in_units(pg, sid) == []
    in_one = await stored(pg, sid)
    assert in_one["sets"][0][1:5] == ("rejected", 700, 0, 700)
    assert in_one["submission"][0][0] == "rejected"
    assert in_one["encounters"] == []
    # the claims' own findings are there, as when one job stores it (no unit, no split)
    await _truncate_all(pg.url)
    sid = await _received(pg, path)
    await process_submission(pg.sessionmaker, pg.settings, sid)
    assert await stored(pg, sid) == in_one
