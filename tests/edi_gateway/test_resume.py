"""Nothing lost: a process killed in the middle of a large file, started again, finishes
the file without duplicate rows."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import Db
from sqlalchemy import func, select

from edi_gateway.models import Encounter, Submission, TransactionSet
from parsers.generate import generate

SETS = 8
PER_SET = 400


async def _stored_sets(db: Db) -> int:
    async with db.sessionmaker() as s:
        return int(
            (
                await s.execute(
                    select(func.count())
                    .select_from(TransactionSet)
                    .where(TransactionSet.status == "stored")
                )
            ).scalar_one()
        )


async def test_kill_and_restart_finishes_without_duplicates(db: Db, tmp_path: Path) -> None:
    path = tmp_path / "large.x12"
    with open(path, "wb") as out:
        for chunk in generate("837p", SETS * PER_SET, seed=21, claims_per_st=PER_SET):
            out.write(chunk)
    env = {
        **os.environ,
        "EDI_GATEWAY_DATA_DIR": str(db.settings.data_dir),
        "EDI_GATEWAY_DATABASE_URL": db.url,
    }
    cmd = [sys.executable, "-m", "edi_gateway.cli", "ingest", str(path)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(1200):
            if await _stored_sets(db) >= 2:
                break
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = await _stored_sets(db)
    assert 2 <= partial < SETS, "the kill must land in the middle of the file"
    async with db.sessionmaker() as s:
        status = (await s.execute(select(Submission.status))).scalar_one()
    assert status not in ("completed", "rejected")

    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resumed" in again.stdout
    async with db.sessionmaker() as s:
        total = (await s.execute(select(func.count()).select_from(Encounter))).scalar_one()
        distinct = (
            await s.execute(select(func.count(func.distinct(Encounter.claim_id))))
        ).scalar_one()
        sub = (await s.execute(select(Submission))).scalar_one()
        sets = (await s.execute(select(func.count()).select_from(TransactionSet))).scalar_one()
    assert total == distinct == SETS * PER_SET
    assert sets == SETS
    assert (sub.status, sub.units_stored, sub.sets_accepted) == ("completed", SETS * PER_SET, SETS)
