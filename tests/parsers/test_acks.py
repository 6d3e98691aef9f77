"""TA1 and 999 acknowledgments: right content, and every 999 we write is valid X12
that pyx12's own 005010X231A1 map accepts (including for 835s, which pyx12 cannot ack)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CORPUS, SAMPLES
from pyx12_oracle import validate_ack

from parsers import validate
from parsers.acks import AckOptions, build_999, build_ta1

OPTS = AckOptions(control_number=42, now=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
FILES = sorted(
    p
    for p in [*SAMPLES.rglob("*.x12"), *CORPUS.rglob("*.x12")]
    if "999" not in p.parts and "ta1" not in p.parts and "277ca" not in p.parts
)


def _segments(ack: bytes) -> list[list[str]]:
    return [s.strip().split("*") for s in ack.decode().split("~") if s.strip()]


def _named(ack: bytes, seg_id: str) -> list[list[str]]:
    return [s for s in _segments(ack) if s[0] == seg_id]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_999_we_write_validates_with_pyx12(path: Path) -> None:
    result = validate(path)
    ack = build_999(result, OPTS)
    if not any(not isa.rejected and isa.groups for isa in result.interchanges):
        assert ack == b""
        return
    assert validate_ack(ack) == []
    # Our own parser reads it back as an accepted 999 too.
    assert validate(ack).accepted
    # One AK2/IK5 per transaction set received, AK9 counts agree with the IK5s.
    for ak9 in _named(ack, "AK9"):
        assert ak9[2] == ak9[3]
    ik5 = _named(ack, "IK5")
    sets = [
        st
        for isa in result.interchanges
        if not isa.rejected
        for gs in isa.groups
        for st in gs.transaction_sets
    ]
    assert len(ik5) == len(sets) == len(_named(ack, "AK2"))
    assert [s[1] in ("A", "E") for s in ik5] == [st.accepted for st in sets]


def test_999_for_an_accepted_837p() -> None:
    result = validate(SAMPLES / "837p" / "837p_valid_basic.x12")
    ack = build_999(result, OPTS)
    isa = _segments(ack)[0]
    # Addressed back to the sender.
    assert isa[6].strip() == "GPHP1EDI" and isa[8].strip() == "SUBMITTER9856"
    assert isa[13] == "000000042"
    assert _named(ack, "AK1") == [["AK1", "HC", "191703486", "005010X222A1"]]
    assert _named(ack, "AK2") == [["AK2", "837", "1923", "005010X222A1"]]
    assert _named(ack, "IK5") == [["IK5", "A"]]
    assert _named(ack, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_999_names_the_claim_segment_and_element() -> None:
    result = validate(SAMPLES / "837i" / "837i_invalid_bad_code.x12")
    [finding] = [f for f in result.all_findings() if f.is_error]
    ack = build_999(result, OPTS)
    segs = _segments(ack)
    ik3 = segs.index(next(s for s in segs if s[0] == "IK3"))
    assert (
        segs[ik3][1:]
        == [
            finding.segment_id,
            str(finding.segment_position),
            *([finding.loop] if finding.loop and len(finding.loop) <= 4 else [""]),
            "8",
        ][: len(segs[ik3]) - 1]
    )
    assert segs[ik3 + 1] == ["CTX", f"CLM01:{finding.claim_id}"]
    ik4 = segs[ik3 + 2]
    assert ik4[0] == "IK4" and ik4[3] == finding.code
    assert _named(ack, "IK5")[0][:2] == ["IK5", "R"]
    assert _named(ack, "AK9") == [["AK9", "R", "1", "1", "0"]]


def test_999_partial_acceptance_of_a_group() -> None:
    data = (SAMPLES / "837p" / "837p_valid_multi_st.x12").read_bytes()
    # Break only the second transaction set: its SE01 count.
    lines = data.decode().split("~\n")
    se = [i for i, s in enumerate(lines) if s.startswith("SE*")]
    parts = lines[se[1]].split("*")
    parts[1] = str(int(parts[1]) + 1)
    lines[se[1]] = "*".join(parts)
    result = validate("~\n".join(lines).encode())
    ack = build_999(result, OPTS)
    assert [s[1] for s in _named(ack, "IK5")] == ["A", "R", "A"]
    assert _named(ack, "IK5")[1] == ["IK5", "R", "4"]
    assert _named(ack, "AK9") == [["AK9", "P", "3", "3", "2"]]
    assert validate_ack(ack) == []


def test_999_for_835_which_pyx12_cannot_write() -> None:
    result = validate(SAMPLES / "835" / "835_valid_basic.x12")
    ack = build_999(result, OPTS)
    assert _named(ack, "AK1") == [
        ["AK1", "HP", result.interchanges[0].groups[0].control_number, "005010X221A1"]
    ]
    assert _named(ack, "IK5") == [["IK5", "A"]]
    assert validate_ack(ack) == []


def test_ta1_only_when_due() -> None:
    good = validate(SAMPLES / "837p" / "837p_valid_basic.x12")
    assert good.interchanges[0].ack_requested == "0"
    assert build_ta1(good, OPTS) == b""
    ta1 = build_ta1(good, OPTS, always=True)
    assert _named(ta1, "TA1") == [["TA1", "514296314", "261007", "1940", "A", "000"]]
    assert validate_ack(ta1) == []


def test_ta1_when_isa14_asks_for_one() -> None:
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes()
    isa = data[:106]
    data = isa[:100] + b"1" + isa[101:] + data[106:]
    result = validate(data)
    assert result.accepted
    assert _named(build_ta1(result, OPTS), "TA1")[0][4:] == ["A", "000"]


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("duplicate_isa13.x12", "025"),
        ("isa12_00601.x12", "003"),
        ("isa_short.x12", "024"),
        ("truncated_before_iea.x12", "023"),
    ],
)
def test_ta1_rejects_interchange_problems(name: str, note: str) -> None:
    result = validate(SAMPLES / "bad" / name)
    ta1 = build_ta1(result, OPTS)
    rejects = [s for s in _named(ta1, "TA1") if s[4] == "R"]
    assert rejects and rejects[-1][5] == note
    assert validate_ack(ta1) == []
    # A rejected interchange gets no 999.
    rejected = [isa for isa in result.interchanges if isa.rejected]
    assert len(_named(build_999(result, OPTS), "AK1")) == sum(
        len(isa.groups) for isa in result.interchanges if isa not in rejected
    )
