"""What the provider sent in CLM06-09, SBR01, CL101-02, the 2300 NTE and the admission
hour is stored and forwarded as sent, not replaced by fixed defaults or dropped, on SQLite
and PostgreSQL (pyx12 accepts the forwarded 837P)."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLES, Db
from test_forwarding_roundtrip import _round_trip, _stored

from mappings.x837_write import write_837

from test_forwarding_roundtrip import ENVELOPE  # isort: skip

BASIC_P = SAMPLES / "837p" / "837p_valid_basic.x12"
BASIC_I = SAMPLES / "837i" / "837i_valid_basic.x12"


def _edited_837p(tmp_path: Path) -> Path:
    """The first claim: no provider signature (N), assignment C, no benefits assignment
    (N), release limited to the claim (I), a claim note."""
    data = BASIC_P.read_bytes().replace(
        b"CLM*PCN267000032363*312***11:B:1*Y*A*Y*Y~\n",
        b"CLM*PCN267000032363*312***11:B:1*N*C*N*I~\nNTE*ADD*SEEN AFTER HOURS~\n",
    )
    assert b"NTE*ADD*SEEN AFTER HOURS" in data and data.count(b"SE*86*1923~") == 1
    data = data.replace(b"SE*86*1923~", b"SE*87*1923~")  # one segment more
    path = tmp_path / "837p_claim_codes.x12"
    path.write_bytes(data)
    return path


async def test_clm06_to_09_and_the_note_are_forwarded_as_sent(db: Db, tmp_path: Path) -> None:
    assert await _round_trip(db, _edited_837p(tmp_path)) == 5
    first, second = (await _stored(db))[:2]
    assert (
        first.signature_indicator,
        first.assignment_code,
        first.benefits_assignment,
        first.release_of_information,
        first.note_code,
        first.note,
        first.payer_responsibility,
    ) == ("N", "C", "N", "I", "ADD", "SEEN AFTER HOURS", "P")
    assert (second.signature_indicator, second.assignment_code, second.note) == ("Y", "A", None)
    written = write_837(ENVELOPE, "837P", [("0001", [first, second])]).data.decode()
    assert "CLM*PCN267000032363*312***11:B:1*N*C*N*I~" in written
    assert "NTE*ADD*SEEN AFTER HOURS~" in written
    assert "CLM*PCN267000032364*203***11:B:1*Y*A*Y*Y~" in written


async def test_cl101_and_cl102_are_forwarded_as_sent(db: Db) -> None:
    await _round_trip(db, BASIC_I)
    stored = await _stored(db)
    assert [(c.admission_type, c.admission_source, c.patient_status) for c in stored] == [
        (None, "1", "01"),
        ("2", "7", "01"),
        (None, "1", "01"),
        (None, "1", "01"),
    ]
    written = write_837(ENVELOPE, "837I", [("0001", stored)]).data.decode()
    assert written.count("CL1**1*01~") == 3 and written.count("CL1*2*7*01~") == 1


async def test_an_inpatient_admission_hour_is_forwarded_with_the_date(db: Db) -> None:
    # the second claim is an inpatient stay admitted 2026-11-23 at 23:53 (DTP*435 DT); the
    # others are outpatient without DTP*435
    assert b"DTP*435*DT*202611232353~" in BASIC_I.read_bytes()
    await _round_trip(db, BASIC_I)
    stored = await _stored(db)
    assert [(str(c.admission_date), c.admission_hour) for c in stored] == [
        ("None", None),
        ("2026-11-23", "2353"),
        ("None", None),
        ("None", None),
    ]
    written = write_837(ENVELOPE, "837I", [("0001", stored)]).data.decode()
    assert written.count("DTP*435*") == 1 and "DTP*435*DT*202611232353~" in written
