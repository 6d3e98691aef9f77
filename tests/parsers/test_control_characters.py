"""A NUL or other control character inside an element is an invalid character (999 IK403
6): the set is rejected with a TA1 and a 999 naming the element, on SQLite and PostgreSQL
(which refuses NUL in text), and no finding or acknowledgment carries the character."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

from parsers import Level, validate
from parsers.acks import build_999, build_ta1

CLI = [sys.executable, "-m", "edi_gateway.cli"]

# (sample, segment prefix, text inside it to corrupt, the element, its data element number)
CASES = {
    "837P NM103 NUL": ("837p/837p_valid_basic.x12", "NM1*IL*1*", "FARNSWICK", "NM103", "1035"),
    "837P CLM01 NUL": ("837p/837p_valid_basic.x12", "CLM*", "PCN267000032363", "CLM01", "1028"),
    "834 NM104 BEL": ("834/834_valid_basic.x12", "NM1*IL*1*", "FELIPE", "NM104", "1036"),
    "835 NM103 ESC": ("835/835_valid_basic.x12", "NM1*QC*1*", "ULLASTRO", "NM103", "1035"),
}
_CHARS = {"NUL": b"\x00", "BEL": b"\x07", "ESC": b"\x1b"}


def _corrupt(name: str) -> tuple[bytes, str]:
    """The sample with a control character in the middle of the element, ISA14 = 1 (a TA1
    is always due), and a unique ISA13 per case; and the element's IK4 reference."""
    sample, prefix, text, element, _num = CASES[name]
    data = (SAMPLES / sample).read_bytes()
    char = _CHARS[name.rsplit(" ", 1)[1]]
    start = data.index(prefix.encode()) + len(prefix)
    at = data.index(text.encode(), start) + 3
    data = data[:at] + char + data[at:]
    isa = data[:106].split(b"*")
    isa13 = f"{list(CASES).index(name) + 700000001:09d}".encode()
    data = data[106:].replace(b"IEA*1*" + isa[13], b"IEA*1*" + isa13)
    isa[13], isa[14] = isa13, b"1"
    return b"*".join(isa) + data, element


def _no_control(text: str) -> bool:
    return text.isprintable()


@pytest.mark.parametrize("name", CASES)
def test_control_character_is_an_invalid_character_at_its_element(name: str) -> None:
    data, element = _corrupt(name)
    result = validate(data)
    errors = [f for f in result.all_findings() if f.is_error]
    assert [(f.level, f.code, f.element) for f in errors] == [(Level.ELEMENT, "6", element)]
    assert not result.accepted
    for f in result.all_findings():
        for text in (f.message, f.value, f.claim_id, f.member_id, f.segment_id):
            assert text is None or _no_control(text), f
    for ack in (build_ta1(result), build_999(result)):
        assert ack and all(b >= 32 or b == 10 for b in ack)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("name", CASES)
def test_ingest_rejects_it_with_ta1_and_999(
    kind: str, name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'edi.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    data, element = _corrupt(name)
    path = tmp_path / "control.x12"
    path.write_bytes(data)
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_QUEUE": "inprocess",
    }
    if kind == "sqlite":
        up = subprocess.run([*CLI, "db", "upgrade"], env=env, capture_output=True, text=True)
        assert up.returncode == 0, up.stderr
    acks = tmp_path / "acks"
    proc = subprocess.run(
        [*CLI, "ingest", str(path), "--ack-out", str(acks)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "REJECTED" in proc.stdout and "Traceback" not in proc.stderr, proc.stderr
    ta1 = (acks / "control.x12.ta1").read_bytes()
    x999 = (acks / "control.x12.999").read_bytes()
    assert b"TA1*" in ta1
    for ack in (ta1, x999):
        assert all(b >= 32 or b == 10 for b in ack)
    segments = [s.strip().split("*") for s in x999.decode().split("~") if s.strip()]
    [ik4] = [s for s in segments if s[0] == "IK4"]
    num = CASES[name][4]
    assert ik4[1:4] == [element[-2:].lstrip("0"), num, "6"]
    [ik5] = [s for s in segments if s[0] == "IK5"]
    assert ik5[1] == "R"
