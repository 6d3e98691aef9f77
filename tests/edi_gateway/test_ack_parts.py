"""Acknowledgments stored in parts (issue 19): a 277CA of several transaction sets is stored
a set at a time (a part each; no more than ``PART_BYTES`` of them held before they are
written), and read back byte-identical through the API (streamed) and
the command line; a repeated run replaces the parts in its own transaction, never adds to
them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from api_support import Api
from conftest import Db
from pyx12_oracle import validate_ack
from sqlalchemy import func, select

from edi_gateway.models import Acknowledgment, AcknowledgmentPart
from edi_gateway.submissions import repository
from edi_gateway.submissions.finishing import conclude
from edi_gateway.submissions.repository import AcknowledgmentRepository
from parsers.generate import generate

SETS = 4
CLI = [sys.executable, "-m", "edi_gateway.cli"]


def _file(tmp_path: Path) -> tuple[Path, str]:
    """A 12-claim 837P in 4 transaction sets; its sender id (ISA06)."""
    data = b"".join(generate("837p", 12, seed=5, claims_per_st=3))
    assert data.count(b"~\nST*837*") == SETS
    path = tmp_path / "claims.x12"
    path.write_bytes(data)
    return path, data.split(b"*")[6].decode().strip()


def _ingest(db: Db, tmp_path: Path, path: Path, partner: str, out: Path) -> str:
    """``edi-gateway ingest --ack-out`` as a user runs it; the submission id."""
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": db.url,
        "EDI_GATEWAY_DATA_DIR": str(db.settings.data_dir),
    }
    args = ["ingest", "--format", "json", "--partner", partner, "--ack-out", str(out), str(path)]
    done = subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [sid] = re.findall(r'"submission_id": "([0-9a-f]+)"', done.stdout)
    return sid


async def _parts(db: Db, sid: str, kind: str) -> list[bytes]:
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(AcknowledgmentPart.content)
            .join(Acknowledgment, Acknowledgment.id == AcknowledgmentPart.acknowledgment_id)
            .where(Acknowledgment.submission_id == sid, Acknowledgment.kind == kind)
            .order_by(AcknowledgmentPart.seq)
        )
        return [bytes(c) for c in rows.scalars()]


async def _part_rows(db: Db) -> int:
    async with db.sessionmaker() as s:
        return int((await s.execute(select(func.count(AcknowledgmentPart.id)))).scalar_one())


async def test_a_277ca_of_several_sets_is_stored_a_set_a_part_and_read_back_whole(
    api: Api, tmp_path: Path
) -> None:
    path, sender = _file(tmp_path)
    await api.partner("clinic", "provider", sender)
    await api.partner("other", "provider", "SOMEONEELSE")
    sid = _ingest(api.db, tmp_path, path, "clinic", tmp_path / "acks")

    parts = await _parts(api.db, sid, "277ca")
    # one part per ST*277, in order: the ISA/GS with the first, the GE/IEA with the last
    assert len(parts) == SETS
    assert parts[0].startswith(b"ISA*") and parts[-1].rstrip().endswith(b"~")
    assert b"\nIEA*1*" in parts[-1] and all(b"IEA*" not in p for p in parts[:-1])
    for seq, part in enumerate(parts):
        assert part.count(b"ST*277*") == 1
        assert f"ST*277*{seq + 1:04d}*".encode() in part
        assert part.endswith(b"\n")
    whole = b"".join(parts)
    assert validate_ack(whole) == []
    assert whole.count(b"TRN*2*") == 12 + SETS  # each claim's, and each set's 2200B
    async with api.db.sessionmaker() as s:
        ack = await AcknowledgmentRepository(s).find(sid, "277ca")
        assert ack is not None and (ack.size, ack.parts) == (len(whole), SETS)
        assert await AcknowledgmentRepository(s).get_content(sid, "277ca") == whole

    # the API streams it part by part: the same bytes, with their length
    got = await api.client.get(f"/v1/submissions/{sid}/acks/277CA", headers=api.auth("clinic"))
    assert got.status_code == 200 and got.headers["content-type"] == "application/edi-x12"
    assert got.content == whole and got.headers["content-length"] == str(len(whole))
    x999 = await api.client.get(f"/v1/submissions/{sid}/acks/999", headers=api.auth("clinic"))
    assert x999.status_code == 200 and x999.content == b"".join(await _parts(api.db, sid, "999"))
    # still only for who may see the submission
    hidden = await api.client.get(f"/v1/submissions/{sid}/acks/277ca", headers=api.auth("other"))
    assert hidden.status_code == 404 and whole not in hidden.content

    # the command line wrote the same bytes
    assert (tmp_path / "acks" / "claims.x12.277ca").read_bytes() == whole
    assert (tmp_path / "acks" / "claims.x12.999").read_bytes() == x999.content


async def test_a_repeated_end_of_run_replaces_the_parts(api: Api, tmp_path: Path) -> None:
    path, sender = _file(tmp_path)
    await api.partner("clinic", "provider", sender)
    sid = _ingest(api.db, tmp_path, path, "clinic", tmp_path / "acks")
    first = await _parts(api.db, sid, "277ca")
    rows = await _part_rows(api.db)

    async with api.db.sessionmaker() as s, s.begin():
        await conclude(s, api.db.settings, sid)
    again = await _parts(api.db, sid, "277ca")
    assert len(again) == len(first) == SETS and await _part_rows(api.db) == rows
    # a new interchange (a new control number), the same claims
    assert again[0][:106] != first[0][:106]
    assert [p.count(b"TRN*2*") for p in again] == [p.count(b"TRN*2*") for p in first]

    # a replacement whose transaction fails leaves the last one whole
    async def killed_halfway() -> None:
        async with api.db.sessionmaker() as s, s.begin():
            out = await AcknowledgmentRepository(s).replace(sid, "277ca")
            await out.write(b"half")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        await killed_halfway()
    assert await _parts(api.db, sid, "277ca") == again

    # a run that starts over (the TA1 and 999 again) drops the old 277CA, parts and all
    async with api.db.sessionmaker() as s, s.begin():
        await AcknowledgmentRepository(s).replace_all_of(sid, {"999": b"999 bytes", "ta1": b""})
        assert await AcknowledgmentRepository(s).kinds_of(sid) == ["999"]
    assert await _parts(api.db, sid, "277ca") == []
    assert await _part_rows(api.db) == 1


async def test_a_piece_longer_than_a_part_is_cut_in_order(db: Db, tmp_path: Path) -> None:
    path, _ = _file(tmp_path)
    from edi_gateway.submissions.ingest import ingest_paths

    [done] = await ingest_paths(db.sessionmaker, db.settings, [path])
    sid = done.submission.id
    size = repository.PART_BYTES
    piece = bytes(range(256)) * (size // 256) * 2 + b"tail"
    async with db.sessionmaker() as s, s.begin():
        out = await AcknowledgmentRepository(s).replace(sid, "277ca")
        await out.write(b"head")
        await out.write(piece)
        await out.close()
    parts = await _parts(db, sid, "277ca")
    assert [len(p) for p in parts] == [4, size, size, 4]
    assert b"".join(parts) == b"head" + piece
    async with db.sessionmaker() as s:
        ack = await AcknowledgmentRepository(s).find(sid, "277ca")
        assert ack is not None and (ack.size, ack.parts) == (len(piece) + 4, 4)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
async def test_an_ack_replaced_while_it_streams_is_not_mixed(db: Db, tmp_path: Path) -> None:
    """A reader never yields the parts of two runs: a part gone under it raises."""
    path, _ = _file(tmp_path)
    from edi_gateway.submissions.ingest import ingest_paths

    [done] = await ingest_paths(db.sessionmaker, db.settings, [path])
    sid = done.submission.id
    async with db.sessionmaker() as reading:
        acks = AcknowledgmentRepository(reading)
        ack = await acks.find(sid, "277ca")
        assert ack is not None
        stream = acks.parts_of(ack.id)
        assert (await anext(stream)).startswith(b"ISA*")
        async with db.sessionmaker() as s, s.begin():
            await conclude(s, db.settings, sid)
        with pytest.raises(LookupError, match="replaced while it was read"):
            await anext(stream)
