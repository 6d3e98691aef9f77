"""Progress within a large transaction set (issue 19, problem 4): on PostgreSQL, while a
single 5,000-claim set is being stored, GET /v1/submissions/{id} already shows how far
processing has read (it used to show nothing until the set ended)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import Db

from edi_gateway.models import Submission
from edi_gateway.submissions.pipeline import process_submission
from edi_gateway.submissions.service import receive, store_path
from parsers.generate import write_file


# SQLite has one writer at a time, the set's own transaction: there progress moves per set
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
async def test_progress_moves_inside_one_large_set(db: Db, tmp_path: Path) -> None:
    path = tmp_path / "large.x12"
    write_file(path, "837p", 5000, seed=4)
    got = await receive(
        db.sessionmaker,
        db.settings,
        store_path(db.settings, path),
        filename=path.name,
        partner_id=None,
        source="cli",
    )
    sid = got.submission.id
    run = asyncio.create_task(process_submission(db.sessionmaker, db.settings, sid))
    seen: list[int] = []
    while not run.done():
        async with db.sessionmaker() as s:
            row = await s.get(Submission, sid)
            assert row is not None
            if row.sets_done == 0 and row.segments_done:
                seen.append(row.segments_done)
        await asyncio.sleep(0.02)
    final = await run
    assert final.status == "completed"
    assert seen, "no progress was shown before the set ended"
    assert 0 < min(seen) < final.segments
    assert seen == sorted(seen)
