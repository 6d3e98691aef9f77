"""tests/pyx12_oracle.py against the corpus MANIFEST, on acknowledgments and on pyx12's quirks."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pyx12_oracle import OracleError, OracleResult, run_pyx12, validate_ack

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MANIFEST: dict[str, dict[str, Any]] = json.loads((CORPUS / "MANIFEST.json").read_text())
VERDICTS = {"accepted": "accepted", "rejected": "rejected", "exception": "crashed"}

# MANIFEST counted the text lines of pyx12's ERROR log. For an 835 that includes the
# "Failed to create 999 response" record with its 14-line traceback (15 lines in all),
# which is not a validation error; these are the validation errors pyx12 reports.
MANIFEST_COUNTED_ACK_TRACEBACK = {
    "835/lfh_cob_contractural_adjustment.x12": 8,
    "835/lfh_medicare_part_a.x12": 5,
    "835/lfh_secondary_payment.x12": 13,
    "835/lfh_tertiary_payment.x12": 6,
}
NOT_X12 = "does not look like an X12 data file"
ISA_TA1 = (
    b"ISA*00*          *00*          *ZZ*330897513      *ZZ*YAXBCX         "
    b"*241018*0307*^*00501*000000101*0*P*:~\n"
)


@functools.cache
def oracle(name: str) -> OracleResult:
    return run_pyx12(CORPUS / name)


def corpus_bytes(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def summary(errors: list[OracleError]) -> list[tuple[str, str, int | None, str | None]]:
    return [(e.level, e.code, e.line, e.seg_id) for e in errors]


def test_corpus_files_are_the_manifest_files_unchanged() -> None:
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.x12")}
    assert on_disk == set(MANIFEST)
    assert not [name for name in on_disk if Path(name).name.startswith("oop_")]
    for name, entry in MANIFEST.items():
        assert hashlib.sha256(corpus_bytes(name)).hexdigest() == entry["sha256"], name
    notice = (CORPUS / "NOTICE.md").read_text()
    assert all(f"| `{name}` |" in notice for name in MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_run_pyx12_agrees_with_manifest(name: str) -> None:
    expected = MANIFEST[name]["pyx12"]
    result = oracle(name)
    reported = [e for e in result.errors if e.level != "crash"]
    crashes = [e.message for e in result.errors if e.level == "crash"]

    assert result.verdict == VERDICTS[expected["verdict"]]
    assert crashes == ([expected["exception"]] if expected["exception"] else [])
    assert len(reported) == MANIFEST_COUNTED_ACK_TRACEBACK.get(name, expected["n_errors"])
    first = [e.pyx12_log_text() for e in reported[:3]]
    if reported and reported[0].level == "file":  # MANIFEST quotes the path pyx12 was given
        assert [m.endswith(NOT_X12) for m in expected["first_messages"]] == [True]
        assert first[0].startswith(NOT_X12)
    else:
        assert first == expected["first_messages"]
    assert (result.ack is not None) == (expected["ack"] is not None and result.ack_failure is None)


@pytest.mark.parametrize("name", sorted(MANIFEST_COUNTED_ACK_TRACEBACK))
def test_pyx12_cannot_write_a_999_for_an_835(name: str) -> None:
    result = oracle(name)
    assert result.ack is None
    assert result.ack_failure == (
        "Failed to create 999 response: EngineError: Cannot create AK2: err_st.vriic was not set"
    )


def test_line_is_the_segment_ordinal_not_the_text_line() -> None:
    name = "834/lfh_enroll_employee_managed_care.x12"
    text = corpus_bytes(name).decode().replace("\n", "")
    expected = [("seg", "1", 10, "DTP")]
    assert summary(oracle(name).errors) == expected
    assert summary(run_pyx12(text).errors) == expected
    assert summary(run_pyx12(text.replace("~", "~\n\n\n")).errors) == expected
    assert oracle(name).errors[0].seg_pos == 8


def test_element_error_fields() -> None:
    error = oracle("835/lfh_tertiary_payment.x12").errors[0]
    assert error == OracleError(
        level="ele",
        code="1",
        line=4,
        seg_id="BPR",
        seg_pos=2,
        ele_ref="BPR16",
        message='Mandatory data element "Check Issue or EFT Effective Date" (BPR16) is missing',
        value=None,
    )


def test_empty_segment_silently_ends_the_input() -> None:
    segments = corpus_bytes("834/lfh_add_dependent.x12").split(b"~\n")
    dtp = next(i for i, seg in enumerate(segments) if seg.startswith(b"DTP"))
    segments[dtp] = b"DTP*999*XX*2"
    result = run_pyx12(b"~\n".join([*segments[:6], b"", *segments[6:]]))
    assert result.verdict == "rejected"
    assert summary(result.errors) == [
        ("isa", "023", 1, None),
        ("gs", "3", 2, None),
        ("st", "2", 3, None),
    ]


def test_leading_space_before_gs_is_logged_but_not_acknowledged() -> None:
    data = corpus_bytes("834/lfh_add_dependent.x12").replace(b"~\nGS*", b"~ GS*", 1)
    result = run_pyx12(data)
    assert result.verdict == "accepted"
    assert summary(result.errors) == [("seg", "1", 2, None)]
    assert not result.errors[0].attached
    assert result.ack is not None
    assert b"IK5*A~" in result.ack


@pytest.mark.parametrize("data", [b"", b"hello", "ISA~ ~", CORPUS / "no-such-file.x12"])
def test_run_pyx12_never_raises(data: bytes | str | Path) -> None:
    assert run_pyx12(data).verdict in ("rejected", "crashed")


def test_validate_ack_accepts_a_clean_999() -> None:
    assert validate_ack(corpus_bytes("999/pyx12_834_ls_le_ls_999.x12")) == []


def test_validate_ack_accepts_pyx12s_own_999() -> None:
    ack = oracle("834/lfh_enroll_employee_managed_care.x12").ack
    assert ack is not None
    assert b"IK3*DTP*8**1~" in ack
    assert validate_ack(ack) == []


def test_validate_ack_on_ims_999_finds_its_two_envelope_defects() -> None:
    # The sample's GS05 is 10:24:97 and its IEA02 differs from ISA13: real defects,
    # not pyx12 false positives. With both corrected the 999 is clean.
    good = corpus_bytes("999/ims_999_accepted.x12")
    assert summary(validate_ack(good)) == [("ele", "9", 2, "GS"), ("isa", "001", 1, None)]
    fixed = good.replace(b"*102497*", b"*102457*").replace(b"IEA*1*000000001", b"IEA*1*000000286")
    assert validate_ack(fixed) == []


def test_validate_ack_on_ims_277ca_finds_only_pyx12_opinions() -> None:
    # 2200C STC is Required in pyx12's X214 map, and pyx12 rejects dates before 1800;
    # see the module docstring of pyx12_oracle (c) 9.
    good = corpus_bytes("277ca/ims_277ca_accepted.x12")
    assert summary(validate_ack(good)) == [("seg", "3", 19, "STC"), ("ele", "8", 24, "DTP")]
    fixed = (
        good.replace(b"TRN*1*1107000000000135FF~", b"TRN*1*1107000000000135FF~\nSTC*A1:20**WQ*125~")
        .replace(b"D8*10010101", b"D8*20110301")
        .replace(b"SE*23*", b"SE*24*")
    )
    assert validate_ack(fixed) == []


def test_validate_ack_reports_a_missing_ik5() -> None:
    good = corpus_bytes("999/pyx12_834_ls_le_ls_999.x12")
    broken = good.replace(b"IK5*A~\n", b"").replace(b"SE*6*", b"SE*5*")
    assert summary(validate_ack(broken)) == [("seg", "3", 6, "IK5")]


def test_validate_ack_reports_a_277ca_without_claim_status() -> None:
    good = corpus_bytes("277ca/ims_277ca_accepted.x12")
    broken = good.replace(b"STC*A2:20*20110311*WQ*125~\n", b"").replace(b"SE*23*", b"SE*22*")
    found = {(e.level, e.code, e.seg_id) for e in validate_ack(broken)}
    assert ("seg", "3", "STC") in found


def test_validate_ack_does_not_cross_check_ak9_counts() -> None:
    # pyx12 checks each segment against its map, no arithmetic: a blind spot that
    # differential tests must cover themselves.
    good = corpus_bytes("999/pyx12_834_ls_le_ls_999.x12")
    assert validate_ack(good.replace(b"AK9*A*1*1*1", b"AK9*A*2*1*3")) == []


def test_validate_ack_on_ta1_interchanges() -> None:
    ta1 = b"TA1*000000905*030101*1253*A*000~\n"
    assert validate_ack(ISA_TA1 + ta1 + b"IEA*0*000000101~\n") == []
    ack_999 = corpus_bytes("999/pyx12_834_ls_le_ls_999.x12")
    assert validate_ack(ack_999.replace(b"~\nGS*", b"~\n" + ta1 + b"GS*", 1)) == []
    bad = validate_ack(ISA_TA1 + ta1.replace(b"*A*000", b"*Q*000") + b"IEA*0*000000101~\n")
    assert [e.level for e in bad] == ["crash"]
    empty = validate_ack(ISA_TA1 + b"IEA*0*000000101~\n")
    assert summary(empty) == [("seg", "3", 2, None)]
