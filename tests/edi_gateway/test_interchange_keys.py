"""Interchange control numbers are held once per tenant, by construction (issue 19): two
files with the same ISA06/ISA08/ISA13 read at the same time end with one accepted
interchange and one TA1 025; a rejected interchange lets its number go; another
partner's number is not ours to judge; a run that failed for good lets its numbers go
(kept while a retry is pending, claimed again by `submissions retry`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cli_support import command_line
from conftest import Db
from sqlalchemy import select

from edi_gateway.models import Encounter, Interchange, InterchangeKey, Submission
from edi_gateway.partners.service import create_partner, partner_by_name
from edi_gateway.submissions.pipeline import process_submission
from edi_gateway.submissions.repository import AcknowledgmentRepository
from edi_gateway.submissions.service import receive, store_path
from edi_gateway.submissions.worker import Attempt, run_one
from parsers.generate import write_file


async def _partner(db: Db, name: str, sender: str) -> int:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, name, "provider", [sender], None)
    async with db.sessionmaker() as s:
        partner = await partner_by_name(s, name)
        assert partner is not None
        return partner.id


async def _received(db: Db, path: Path, partner_id: int) -> str:
    got = await receive(
        db.sessionmaker,
        db.settings,
        store_path(db.settings, path),
        filename=path.name,
        partner_id=partner_id,
        source="api",
    )
    return got.submission.id


def _files(tmp_path: Path) -> tuple[Path, Path, str]:
    """Two files with other claims under the same sender, receiver and ISA13."""
    first = tmp_path / "first.x12"
    write_file(first, "837p", 60, seed=5)
    second = tmp_path / "second.x12"
    second.write_text(first.read_text().replace("CLM*", "CLM*B"))
    one = first.read_text().split("*")
    return first, second, one[6].strip()


async def _ta1(db: Db, submission_id: str) -> bytes:
    """The TA1 sent back (none for an accepted interchange that asked for none, ISA14 0)."""
    async with db.sessionmaker() as s:
        content = await AcknowledgmentRepository(s).get_content(submission_id, "ta1")
    return content or b""


async def test_same_isa13_read_at_once_is_accepted_once(db: Db, tmp_path: Path) -> None:
    first, second, sender = _files(tmp_path)
    partner_id = await _partner(db, "clinic", sender)
    ids = [await _received(db, p, partner_id) for p in (first, second)]

    done = await asyncio.gather(
        *(process_submission(db.sessionmaker, db.settings, sid) for sid in ids)
    )

    statuses = sorted(d.status for d in done)
    assert statuses == ["completed", "rejected"]
    ta1s = [await _ta1(db, sid) for sid in ids]
    assert sorted(b"*R*025~" in t for t in ta1s) == [False, True]
    async with db.sessionmaker() as s:
        accepted = (
            (await s.execute(select(Interchange.submission_id).where(Interchange.accepted)))
            .scalars()
            .all()
        )
        held = (await s.execute(select(InterchangeKey.submission_id))).scalars().all()
        stored = len((await s.execute(select(Encounter.id))).all())
    winner = next(d.id for d in done if d.status == "completed")
    assert accepted == [winner] and held == [winner]
    assert stored == 60


async def test_rejected_interchange_lets_its_number_go(db: Db, tmp_path: Path) -> None:
    first, second, sender = _files(tmp_path)
    partner_id = await _partner(db, "clinic", sender)
    # the first file's IEA names another ISA13: the interchange is rejected (TA1 001)
    broken = tmp_path / "broken.x12"
    text = first.read_text()
    isa13 = text.split("*")[13]
    broken.write_text(text.replace(f"IEA*1*{isa13}", "IEA*1*000000999"))
    rejected = await process_submission(
        db.sessionmaker, db.settings, await _received(db, broken, partner_id)
    )
    assert rejected.status == "rejected"
    async with db.sessionmaker() as s:
        assert (await s.execute(select(InterchangeKey))).first() is None

    # the corrected file, same ISA13, is not a duplicate of the rejected one
    again = await process_submission(
        db.sessionmaker, db.settings, await _received(db, second, partner_id)
    )
    assert again.status == "completed"


async def test_another_tenants_isa13_is_not_a_duplicate(db: Db, tmp_path: Path) -> None:
    """The operator's own files (no partner) and a partner's hold numbers apart."""
    first, second, sender = _files(tmp_path)
    one = await _partner(db, "clinic", sender)
    a = await process_submission(db.sessionmaker, db.settings, await _received(db, first, one))
    local = await receive(
        db.sessionmaker,
        db.settings,
        store_path(db.settings, second),
        filename=second.name,
        partner_id=None,
        source="cli",
    )
    b = await process_submission(db.sessionmaker, db.settings, local.submission.id)
    assert (a.status, b.status) == ("completed", "completed")
    assert b"*R*025~" not in await _ta1(db, b.id)
    async with db.sessionmaker() as s:
        scopes = sorted((await s.execute(select(InterchangeKey.scope))).scalars().all())
    assert scopes == ["local", f"p{one}"]


def _dies_when_storing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run of an 837P dies as its set is stored (the database went away, say)."""
    from edi_gateway.encounters.writer import EncounterSetWriter

    async def dies(self: Any, checked: Any) -> Any:
        raise ConnectionResetError("database connection lost")

    monkeypatch.setattr(EncounterSetWriter, "finish", dies)


async def _holders(db: Db) -> list[str]:
    async with db.sessionmaker() as s:
        return list((await s.execute(select(InterchangeKey.submission_id))).scalars())


async def _status(db: Db, submission_id: str) -> str:
    async with db.sessionmaker() as s:
        sub = await s.get(Submission, submission_id)
        assert sub is not None
        return str(sub.status)


async def test_a_run_failed_for_good_lets_its_numbers_go(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept while a retry is pending (another file with the number is a duplicate), let go
    after the last try (the corrected file is accepted)."""
    first, second, sender = _files(tmp_path)
    partner_id = await _partner(db, "clinic", sender)
    failing = await _received(db, first, partner_id)
    with monkeypatch.context() as patched:
        _dies_when_storing(patched)
        with pytest.raises(ConnectionResetError):
            await run_one(db.sessionmaker, db.settings, failing, Attempt(1, 2))
    assert await _holders(db) == [failing]
    meanwhile = await process_submission(
        db.sessionmaker, db.settings, await _received(db, second, partner_id)
    )
    assert meanwhile.status == "rejected"
    assert b"*R*025~" in await _ta1(db, meanwhile.id)

    with monkeypatch.context() as patched:
        _dies_when_storing(patched)
        await run_one(db.sessionmaker, db.settings, failing, Attempt(2, 2))
    assert await _status(db, failing) == "failed"
    assert await _holders(db) == []

    corrected = tmp_path / "corrected.x12"
    corrected.write_text(first.read_text().replace("CLM*", "CLM*C"))
    fixed = await process_submission(
        db.sessionmaker, db.settings, await _received(db, corrected, partner_id)
    )
    assert fixed.status == "completed"
    assert b"*R*025~" not in await _ta1(db, fixed.id)
    assert await _holders(db) == [fixed.id]


async def test_submissions_retry_claims_the_numbers_again(
    db: Db,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, _, sender = _files(tmp_path)
    partner_id = await _partner(db, "clinic", sender)
    sid = await _received(db, first, partner_id)
    with monkeypatch.context() as patched:
        _dies_when_storing(patched)
        await run_one(db.sessionmaker, db.settings, sid, Attempt(1, 1))
    assert (await _status(db, sid), await _holders(db)) == ("failed", [])

    with command_line(db, monkeypatch, capsys) as cli:
        code, out, err = await cli("submissions", "retry", sid)
    assert code == 0, err
    assert f"submission {sid}: completed (60 stored" in out
    assert await _holders(db) == [sid]
    assert b"*R*025~" not in await _ta1(db, sid)
