"""Every acknowledgment we send has control numbers of its own (issue 18): the GS06 of each
999 and 277CA functional group, and the ISA13 of every TA1, 999 and 277CA interchange,
are never shared, not between the acks of one submission and not between submissions
(drawn from one counter in the database). On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import command_line
from conftest import Db
from pyx12_oracle import validate_ack
from sqlalchemy import select
from x12_edit import dump, find, load, set_element

from edi_gateway.models import Acknowledgment, ControlCounter
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.control_numbers import MAX_CONTROL, draw
from edi_gateway.submissions.ingest import ingest_paths
from edi_gateway.submissions.repository import AcknowledgmentRepository

NPI = "1551312931"
_control = iter(range(830000001, 899999999))


def _with_isa13(segs: list[str]) -> list[str]:
    control = str(next(_control))
    segs = set_element(segs, "ISA", 1, 13, control)
    return set_element(segs, "IEA", 1, 2, control)


def _two_groups() -> list[str]:
    """The sample 837P with its functional group sent twice (GS06 and ST02 changed)."""
    segs = load("837P")
    gs, iea = find(segs, "GS"), find(segs, "IEA")
    second = set_element(segs[gs:iea], "GS", 1, 6, "191703487")
    second = set_element(second, "GE", 1, 2, "191703487")
    second = set_element(second, "ST", 1, 2, "1924")
    second = set_element(second, "SE", 1, 2, "1924")
    second = [s.replace("PCN2670000323", "PCN2670009323") for s in second]
    return set_element([*segs[:iea], *second, *segs[iea:]], "IEA", 1, 1, "2")


def _envelope(ack: bytes) -> tuple[list[str], list[str]]:
    """The ISA13s and GS06s of an acknowledgment."""
    segs = [s.strip().split("*") for s in ack.decode().split("~") if s.strip()]
    return [s[13] for s in segs if s[0] == "ISA"], [s[6] for s in segs if s[0] == "GS"]


async def test_no_two_acknowledgments_share_a_control_number(db: Db, tmp_path: Path) -> None:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", ["SUBMITTER9856"], [NPI])
    files = []
    asks_ta1 = set_element(load("837P"), "ISA", 1, 14, "1")  # a TA1 requested (ISA14)
    for n, segs in enumerate((load("837P"), _two_groups(), asks_ta1)):
        path = tmp_path / f"{n}.x12"
        path.write_bytes(dump(_with_isa13(segs)))
        files.append(path)
    done = await ingest_paths(db.sessionmaker, db.settings, files, "clinic")
    async with db.sessionmaker() as s:
        found = (
            await s.execute(
                select(Acknowledgment.submission_id, Acknowledgment.kind)
                .where(Acknowledgment.submission_id.in_([d.submission.id for d in done]))
                .order_by(Acknowledgment.id)
            )
        ).all()
        repo = AcknowledgmentRepository(s)
        rows = [(sub, kind, await repo.get_content(sub, kind)) for sub, kind in found]
    kinds = [(sub, kind) for sub, kind, _ in rows]
    # each file a 999 and a 277CA; the third a TA1 too
    assert sorted(k for _, k in kinds) == ["277ca"] * 3 + ["999"] * 3 + ["ta1"]
    isa13s: list[str] = []
    gs06s: list[str] = []
    for _, kind, content in rows:
        assert content is not None
        ack = content
        if kind != "ta1":
            assert validate_ack(ack) == [], kind
        isas, groups = _envelope(ack)
        isa13s += isas
        gs06s += groups
        if kind == "999":
            # the 999's ISA13 is its first group's GS06
            assert int(isas[0]) == int(groups[0])
    assert len(gs06s) == (1 + 2 + 1) + 3  # 999s: 1 + 2 + 1 groups; 277CAs: 1 each
    assert len(isa13s) == 3 + 3 + 1
    assert len(set(gs06s)) == len(gs06s), gs06s
    assert len(set(isa13s)) == len(isa13s), isa13s


async def test_a_block_never_straddles_the_end(db: Db) -> None:
    async with db.sessionmaker() as s, s.begin():
        s.add(ControlCounter(name="ack", value=MAX_CONTROL - 1))
    async with db.sessionmaker() as s, s.begin():
        assert await draw(s, 1) == MAX_CONTROL
        first = await draw(s, 3)
        assert first >= 1 and first + 2 <= MAX_CONTROL
        assert await draw(s, 1) == first + 3


async def test_acknowledgments_start_above_the_previous_system_s_numbers(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An MSO moving from another engine starts our acknowledgments' ISA13 above the last
    one that engine sent (partners reject a number they have seen); going back is refused
    unless asked for."""
    with command_line(db, monkeypatch, capsys) as cli:
        assert await cli("control-numbers", "show") == (
            0,
            "next acknowledgment ISA13: 000000001\n",
            "",
        )
        code, out, err = await cli("control-numbers", "start", "480000001")
        assert (code, err) == (0, "")
        assert out == "next acknowledgment ISA13: 480000001 (was 000000001)\n"
        path = tmp_path / "claims.x12"
        path.write_bytes(dump(_with_isa13(load("837P"))))
        [outcome] = await ingest_paths(db.sessionmaker, db.settings, [path])
        async with db.sessionmaker() as s:
            acks = AcknowledgmentRepository(s)
            sid = outcome.submission.id
            isa13 = {
                kind: (await acks.get_content(sid, kind) or b"").split(b"*")[13]
                for kind in await acks.kinds_of(sid)
            }
        # the TA1 (not asked for by ISA14, so not sent) and the 999 drawn with the file's
        # verdict, then the 277CA
        assert isa13 == {"999": b"480000002", "277ca": b"480000003"}
        # back below what was sent: refused (exit 2), the counter unchanged
        code, out, err = await cli("control-numbers", "start", "1000")
        assert code == 2 and out == ""
        assert "already gets 480000004" in err and "--lower" in err
        assert (await cli("control-numbers", "show"))[1].endswith("480000004\n")
        assert (await cli("control-numbers", "start", "1000", "--lower"))[0] == 0
        assert (await cli("control-numbers", "show"))[1].endswith("000001000\n")
        code, _, err = await cli("control-numbers", "start", "1000000000")
        assert code == 2 and "from 1 to 999,999,999" in err
