"""Bad input gets findings that say what and where, never an exception, and good
transaction sets in the same file are still processed."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from parsers import FileResult, Level, validate
from parsers.acks import AckOptions, build_999, build_ta1


def _errors(result: FileResult) -> list[tuple[str, str, int | None, str | None]]:
    return [
        (f.level.value, f.code, f.line, f.element or f.segment_id)
        for f in result.all_findings()
        if f.is_error
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.x12", "The file is empty"),
        ("whitespace.x12", "only whitespace"),
        ("binary.bin", "binary data"),
        ("truncated_in_isa.x12", "ISA segment is truncated"),
    ],
)
def test_unusable_files_say_why(samples, name: str, message: str) -> None:
    result = validate(samples / "bad" / name)
    assert not result.usable and not result.accepted
    assert result.interchanges == []
    [finding] = result.findings
    assert message in finding.message
    assert finding.line == 1 and finding.level is Level.INTERCHANGE


def test_utf8_bom_is_a_warning_and_the_file_is_read(samples) -> None:
    result = validate(samples / "bad" / "bom_837p.x12")
    assert result.accepted
    [warning] = result.findings
    assert not warning.is_error and "byte-order mark" in warning.message
    assert [st.units for st in result.transaction_sets()] == [5]


def test_non_ascii_name_is_an_invalid_character_at_its_element(samples) -> None:
    result = validate(samples / "bad" / "non_ascii_name.x12")
    [finding] = [f for f in result.all_findings() if f.is_error]
    assert (finding.code, finding.element, finding.line, finding.loop) == (
        "6",
        "NM103",
        16,
        "2010BA",
    )
    assert finding.value == "MUÑOZ" and "MUÑOZ" in finding.message


def test_nul_byte_is_an_invalid_character(samples) -> None:
    result = validate(samples / "bad" / "nul_byte.x12")
    assert _errors(result) == [("element", "6", 16, "NM103")]


def test_short_isa_names_the_short_field(samples) -> None:
    result = validate(samples / "bad" / "isa_short.x12")
    errors = _errors(result)
    assert ("interchange", "024", 1, "ISA") in errors
    assert ("interchange", "006", 1, "ISA06") in errors
    assert not any(st.accepted for st in result.transaction_sets())


def test_truncated_mid_segment(samples) -> None:
    result = validate(samples / "bad" / "truncated_mid_segment.x12")
    errors = _errors(result)
    assert ("interchange", "023", 44, "CLM") in errors  # no terminator after the last segment
    assert ("interchange", "023", 44, "IEA") in errors
    assert ("group", "3", 44, "GE") in errors
    assert ("transaction", "2", 44, "SE") in errors


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("truncated_before_se.x12", {("transaction", "2"), ("group", "3"), ("interchange", "023")}),
        ("truncated_before_ge.x12", {("group", "3"), ("interchange", "023")}),
        ("truncated_before_iea.x12", {("interchange", "023")}),
    ],
)
def test_truncated_trailers(samples, name: str, expected: set[tuple[str, str]]) -> None:
    result = validate(samples / "bad" / name)
    assert {(lvl, code) for lvl, code, _, _ in _errors(result)} == expected
    assert not result.accepted


def test_empty_segment_is_located_and_the_rest_still_read(samples) -> None:
    result = validate(samples / "bad" / "empty_segment.x12")
    [finding] = [f for f in result.all_findings() if f.is_error]
    assert finding.line == 20 and "Empty segment" in finding.message
    [st] = result.transaction_sets()
    assert st.units == 5 and st.complete  # reading did not stop at "~~"


def test_separator_mismatch_is_one_clear_finding(samples) -> None:
    result = validate(samples / "bad" / "separator_mismatch.x12")
    first = next(f for f in result.all_findings() if f.code == "026")
    assert first.line == 2 and first.segment_id == "GS"
    assert "'|'" in first.message and "'*'" in first.message
    assert "more segments" in first.message
    assert len([f for f in result.all_findings() if f.code == "026"]) == 1


def test_isa12_00601_is_not_supported(samples) -> None:
    result = validate(samples / "bad" / "isa12_00601.x12")
    assert ("interchange", "003", 1, "ISA12") in _errors(result)
    assert not any(st.accepted for st in result.transaction_sets())


def test_unknown_gs08(samples) -> None:
    result = validate(samples / "bad" / "unknown_gs08.x12")
    assert ("group", "2", 2, "GS08") in _errors(result)
    assert not result.accepted


def test_duplicate_isa13_rejects_only_the_second_interchange(samples) -> None:
    result = validate(samples / "bad" / "duplicate_isa13.x12")
    first, second = result.interchanges
    assert not first.rejected and second.rejected
    assert second.note_code == "025"
    assert [st.accepted for st in first.groups[0].transaction_sets] == [True]
    assert [st.accepted for st in second.groups[0].transaction_sets] == [False]


def test_two_interchanges_one_bad(samples) -> None:
    result = validate(samples / "bad" / "two_interchanges_one_bad.x12")
    sets = list(result.transaction_sets())
    assert [st.accepted for st in sets] == [True, False]
    assert ("transaction", "4", 127, "SE01") in _errors(result)


#: the first error of each mangled file below (level, X12 code: TA1 note, AK905, IK304
#: or IK403), in file order
MANGLED_FIRST_ERROR = {
    0: ("element", "3"),
    1: ("segment", "2"),
    2: ("segment", "1"),
    3: ("element", "3"),
    4: ("element", "6"),
    5: ("interchange", "024"),
    6: ("interchange", "024"),
    7: ("segment", "1"),
    8: ("interchange", "026"),
    9: ("interchange", "013"),
    10: ("interchange", "026"),
    11: ("group", "6"),
    12: ("interchange", "024"),
    13: ("interchange", "024"),
    14: ("element", "6"),
    15: ("group", "6"),
    16: ("interchange", "013"),
    17: ("group", "6"),
    18: ("element", "6"),
    19: ("element", "5"),
    20: ("segment", "2"),
    21: ("element", "1"),
    22: ("segment", "1"),
    23: ("interchange", "024"),
    24: ("element", "I10"),
    25: ("interchange", "024"),
    26: ("interchange", "024"),
    27: ("interchange", "024"),
    28: ("element", "6"),
    29: ("group", "6"),
}


def _mangled(samples: Path, seed: int) -> bytes:
    rng = random.Random(seed)
    data = bytearray((samples / "837p" / "837p_valid_basic.x12").read_bytes())
    for _ in range(rng.randint(1, 12)):
        op = rng.random()
        pos = rng.randrange(len(data))
        if op < 0.4:
            data[pos] = rng.randrange(256)
        elif op < 0.7:
            del data[pos : pos + rng.randint(1, 40)]
        else:
            data[pos:pos] = bytes(rng.choice(b"*:~^\n\x00AZ09") for _ in range(rng.randint(1, 5)))
    return bytes(data)


@pytest.mark.parametrize("seed", sorted(MANGLED_FIRST_ERROR))
def test_mangled_files_are_rejected_with_a_located_reason(samples: Path, seed: int) -> None:
    """Never an exception: each mangled file is rejected, says first what is wrong where,
    rejects its transaction set, and its acknowledgment says so (TA1 or 999)."""
    result = validate(_mangled(samples, seed))
    assert not result.accepted
    errors = [f for f in result.all_findings() if f.is_error]
    assert (errors[0].level.value, errors[0].code) == MANGLED_FIRST_ERROR[seed]
    assert all(f.line and f.line >= 1 and f.message for f in errors)
    assert not any(st.accepted for st in result.transaction_sets())
    if not result.usable:
        assert result.interchanges == [] and [f.code for f in errors] == ["024"]
        return
    options = AckOptions(control_number=1)
    ta1_rejects = re.findall(rb"TA1\*[^*]*\*[^*]*\*[^*]*\*R", build_ta1(result, options))
    ak9 = re.findall(rb"AK9\*(\w)", build_999(result, options))
    if not ta1_rejects:  # the interchange was read: its 999 rejects every group
        assert ak9 and set(ak9) == {b"R"}
