"""The edi-gateway command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES

from parsers import validate

CLI = [sys.executable, "-m", "edi_gateway.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_validate_exit_0_when_everything_is_accepted() -> None:
    proc = run(
        "validate",
        str(SAMPLES / "837p" / "837p_valid_basic.x12"),
        str(SAMPLES / "834" / "834_valid_basic.x12"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ACCEPTED") == 2
    # nothing on stderr but the warnings about code lists past their scheduled update
    assert all(line.startswith("warning: code list ") for line in proc.stderr.splitlines())


def test_validate_exit_1_when_anything_is_rejected() -> None:
    proc = run(
        "validate",
        str(SAMPLES / "837p" / "837p_valid_basic.x12"),
        str(SAMPLES / "837i" / "837i_invalid_bad_code.x12"),
    )
    assert proc.returncode == 1
    assert "CLM05-2" in proc.stdout and "PCN153000889365" in proc.stdout


def test_validate_exit_2_when_a_file_is_not_x12() -> None:
    proc = run(
        "validate",
        str(SAMPLES / "837p" / "837p_invalid_too_long.x12"),
        str(SAMPLES / "bad" / "binary.bin"),
    )
    assert proc.returncode == 2
    assert "binary data" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_validate_missing_file_is_a_clear_error() -> None:
    proc = run("validate", "/nonexistent/file.x12")
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_json_output_fields() -> None:
    path = SAMPLES / "837i" / "837i_invalid_bad_code.x12"
    proc = run("validate", "--format", "json", str(path))
    assert proc.returncode == 1
    [line] = proc.stdout.splitlines()
    report = json.loads(line)
    assert report["accepted"] is False
    [st] = report["transaction_sets"]
    assert st["type"] == "837I" and st["implementation_guide"] == "005010X223A2"
    assert st["accepted"] is False and st["control_number"]
    [error] = report["errors"]
    for key in (
        "snip_level",
        "code",
        "segment_id",
        "segment_position",
        "line",
        "loop",
        "element",
        "value",
        "message",
        "claim_id",
        "member_id",
    ):
        assert key in error
    expected = next(f for f in validate(path).all_findings() if f.is_error)
    assert (error["code"], error["line"], error["element"], error["claim_id"]) == (
        expected.code,
        expected.line,
        expected.element,
        expected.claim_id,
    )


def test_ack_out_writes_999_and_ta1(tmp_path: Path) -> None:
    good = SAMPLES / "835" / "835_valid_basic.x12"
    bad = SAMPLES / "bad" / "duplicate_isa13.x12"
    empty = SAMPLES / "bad" / "empty.x12"
    proc = run("validate", "--ack-out", str(tmp_path), str(good), str(bad), str(empty))
    assert proc.returncode == 2
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "835_valid_basic.x12.999",
        "duplicate_isa13.x12.999",
        "duplicate_isa13.x12.ta1",
        "empty.x12.ta1",
    ]
    assert b"IK5*A~" in (tmp_path / "835_valid_basic.x12.999").read_bytes()
    assert b"*R*025~" in (tmp_path / "duplicate_isa13.x12.ta1").read_bytes()
    assert b"*R*024~" in (tmp_path / "empty.x12.ta1").read_bytes()


def test_generate_writes_valid_files(tmp_path: Path) -> None:
    for kind in ("834", "835", "837p", "837i", "837d"):
        out = tmp_path / f"{kind}.x12"
        proc = run("generate", kind, "--count", "25", "--seed", "3", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        result = validate(out)
        assert result.accepted, kind
        assert sum(st.units for st in result.transaction_sets()) == 25
    again = tmp_path / "again.x12"
    run("generate", "837p", "--count", "25", "--seed", "3", "-o", str(again))
    assert again.read_bytes() == (tmp_path / "837p.x12").read_bytes()
