"""What the 277CA says of each claim of an ingested 837 (issue 18, acknowledgments): the
specific status of the rule that rejected it (member id A7:164 with entity IL, procedure
code A7:454), a 2220D loop for each rejected service line (SVC, STC, REF*FJ, DTP*472), the
payer's name from the 837's 2010BB in 2100A NM103; every 277CA passes pyx12's X214 map.
On SQLite and PostgreSQL, through the ingest pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Db
from pyx12_oracle import validate_ack
from x12_edit import dump, find, insert_segment, load, set_element

from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.ingest import ingest_paths
from edi_gateway.submissions.repository import AcknowledgmentRepository

FIRST, SECOND = "PCN267000032363", "PCN267000032364"
NPI = "1551312931"
_control = iter(range(820000001, 899999999))


def _file(tmp_path: Path, segs: list[str]) -> Path:
    control = str(next(_control))
    segs = set_element(segs, "ISA", 1, 13, control)
    segs = set_element(segs, "IEA", 1, 2, control)
    path = tmp_path / f"{control}.x12"
    path.write_bytes(dump(segs))
    return path


async def _ingest(db: Db, tmp_path: Path, segs: list[str]) -> str:
    [done] = await ingest_paths(db.sessionmaker, db.settings, [_file(tmp_path, segs)], "clinic")
    async with db.sessionmaker() as s:
        content = await AcknowledgmentRepository(s).get_content(done.submission.id, "277ca")
    assert content is not None
    ack = content
    assert validate_ack(ack) == []
    return ack.decode()


def _claim_part(ack: str, claim_id: str) -> list[str]:
    """The segments of one claim's 2200D (and its 2220D loops), up to the next HL or SE."""
    segs = [s.strip() for s in ack.split("~") if s.strip()]
    start = segs.index(f"TRN*2*{claim_id}")
    end = next(i for i in range(start, len(segs)) if segs[i].startswith(("HL*", "SE*")))
    return segs[start + 1 : end]


@pytest.fixture
async def clinic(db: Db) -> Db:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", ["SUBMITTER9856"], [NPI])
    return db


async def test_member_id_rejection_is_a7_164_for_the_subscriber(clinic: Db, tmp_path: Path) -> None:
    segs = set_element(load("837P"), "NM1*IL", 1, 9, "12345")  # not a Medi-Cal CIN (R43)
    part = _claim_part(await _ingest(clinic, tmp_path, segs), FIRST)
    assert part[0].startswith("STC*A7:164:IL*"), part
    assert not any(s.startswith("SVC*") for s in part)


async def test_a_billing_provider_not_registered_is_a7_496_for_the_provider(
    clinic: Db, tmp_path: Path
) -> None:
    # a valid NPI, but not one the clinic is registered to send claims for
    segs = set_element(load("837P"), "NM1*85", 1, 9, "1234567893")
    ack = await _ingest(clinic, tmp_path, segs)
    for claim in (FIRST, SECOND):
        assert _claim_part(ack, claim)[0].startswith("STC*A7:496:85*")


async def test_a_bad_procedure_code_rejects_its_line_in_a_2220d_loop(
    clinic: Db, tmp_path: Path
) -> None:
    segs = set_element(load("837P"), "SV1*HC:99203", 1, "01-2", "ZZZZZ")
    dtp = find(segs, "SV1*HC:ZZZZZ") + 1
    assert segs[dtp].startswith("DTP*472")
    segs = insert_segment(segs, dtp, "REF*6R*LN0002")
    part = _claim_part(await _ingest(clinic, tmp_path, segs), FIRST)
    assert part[0].startswith("STC*A7:454*") and "*U*312" in part[0], part
    # one 2220D loop, for the line with the bad code only
    assert part[part.index("DTP*472*D8*20260907") + 1 :] == [
        "SVC*HC:ZZZZZ*160",
        f"STC*A7:454*{part[0].split('*')[2]}*U",
        "REF*FJ*LN0002",
        "DTP*472*D8*20260907",
    ]


async def test_a_line_without_control_number_has_no_ref_fj(clinic: Db, tmp_path: Path) -> None:
    segs = set_element(load("837P"), "SV1*HC:36415", 1, "01-2", "ZZZZZ")
    part = _claim_part(await _ingest(clinic, tmp_path, segs), FIRST)
    svc = part.index("SVC*HC:ZZZZZ*15")
    assert part[svc + 1].startswith("STC*A7:454*")
    assert part[svc + 2 :] == ["DTP*472*D8*20260907"]


async def test_the_payer_name_comes_from_the_837(clinic: Db, tmp_path: Path) -> None:
    ack = await _ingest(clinic, tmp_path, load("837P"))
    [nm1] = re.findall(r"NM1\*PR\*[^~]*", ack)
    assert nm1 == "NM1*PR*2*GOLDEN POPPY HEALTH PLAN*****46*GPHP1EDI"
    segs = set_element(load("837P"), "NM1*PR", 1, 3, "MEDI-CAL PLAN OF THE VALLEY")
    ack = await _ingest(clinic, tmp_path, segs)
    assert "NM1*PR*2*MEDI-CAL PLAN OF THE VALLEY*****46*GPHP1EDI~" in ack
