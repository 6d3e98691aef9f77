"""Differential test: our validator against pyx12 4.0.0 over every sample and corpus file.

For each file under ``sample_edi/``, ``tests/corpus/`` and ``../shared/corpus/`` (the
files of the shared corpus that are not copied into this repository, when it is there):

1. pyx12 reads it, or it is in ``KNOWN_PYX12_FAILURES`` with the reason; we still give
   a result without raising, with the verdict listed there where it can be said.
2. Our verdict (``FileResult.accepted``) is pyx12's, or the file is in
   ``VERDICT_DIFFERENCES`` with the reason.
3. Every error pyx12 attached (one that reaches its 999/TA1) is reported by us at the
   same segment (``tests/differential_support.reports`` says what "same" means for
   envelope errors), or it is in ``ERROR_DIFFERENCES`` (one error) or
   ``ERROR_DIFFERENCE_RULES`` (a kind of error) with the reason.
4. Where pyx12 finds no error (besides the listed ones), we find none either.

Every listed difference is a pyx12 mistake or a documented choice of ours; each entry
is checked to still be needed, so the lists cannot go stale. The pyx12 misbehaviours are
described, with evidence, in the docstring of ``tests/pyx12_oracle.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from differential_support import (
    BOM,
    Ours,
    build_map_dir,
    compared_errors,
    describe,
    describe_ours,
    differential_files,
    reports,
    run_oracle,
)
from pyx12_oracle import OracleError, OracleResult

from parsers import validate

FILES = differential_files()


@dataclass(frozen=True)
class Pyx12Failure:
    """A file pyx12 cannot validate: it crashes or refuses it."""

    pyx12_says: str  # part of pyx12's crash or refusal message
    reason: str
    accepted: bool | None  # our verdict, where it can be said; None: see the comparison
    compare_without_bom: bool = False  # pyx12 reads the bytes after the BOM: compare on them


_NO_MAP = "Map not found"
_NOT_X12 = "does not look like an X12 data file"
_NON_ASCII = "UnicodeDecodeError"
_X222A2 = Pyx12Failure(
    f"{_NO_MAP}.  icvn=00501, fic=HC, vriic=005010X222A2",
    "pyx12 has no map for GS08 005010X222A2 (oracle c1); we do not read that version either "
    "(837P is 005010X222A1) and reject the group (AK905=2)",
    accepted=False,
)
_X223A3 = Pyx12Failure(
    f"{_NO_MAP}.  icvn=00501, fic=HC, vriic=005010X223A3",
    "pyx12 has no map for GS08 005010X223A3 (oracle c1); we read 837I as 005010X223A2 only "
    "and reject the group (AK905=2)",
    accepted=False,
)
_BOM_ONLY = Pyx12Failure(
    f"{_NON_ASCII}: 'ascii' codec can't decode byte 0xef in position 0",
    "a UTF-8 byte-order mark makes pyx12 raise UnicodeDecodeError (oracle c2); we ignore it "
    "with a warning, so pyx12 is run on the bytes after it",
    accepted=None,
    compare_without_bom=True,
)

KNOWN_PYX12_FAILURES: dict[str, Pyx12Failure] = {
    "sample_edi/bad/binary.bin": Pyx12Failure(
        _NON_ASCII,
        "random bytes: pyx12 decodes as strict ASCII and raises; we refuse it as binary (024)",
        accepted=False,
    ),
    "sample_edi/bad/bom_837p.x12": Pyx12Failure(
        _BOM_ONLY.pyx12_says,
        "the valid 837P behind a UTF-8 BOM: pyx12 raises UnicodeDecodeError (oracle c2); we "
        "accept it with a warning, and so does pyx12 on the bytes after the BOM",
        accepted=True,
        compare_without_bom=True,
    ),
    "sample_edi/bad/empty.x12": Pyx12Failure(
        _NOT_X12, "0 bytes: pyx12 refuses it; we reject it as empty", accepted=False
    ),
    "sample_edi/bad/whitespace.x12": Pyx12Failure(
        _NOT_X12, "whitespace only: pyx12 refuses it; we reject it", accepted=False
    ),
    "sample_edi/bad/isa12_00601.x12": Pyx12Failure(
        _NOT_X12,
        "ISA12 00601: pyx12 refuses it (oracle c3); we reject it with TA105=003",
        accepted=False,
    ),
    "sample_edi/bad/isa_short.x12": Pyx12Failure(
        _NOT_X12,
        "ISA of 105 characters: pyx12 refuses it; we reject the interchange (ISA is fixed width)",
        accepted=False,
    ),
    "sample_edi/bad/truncated_in_isa.x12": Pyx12Failure(
        _NOT_X12, "file ends inside ISA08: pyx12 refuses it; we reject it (023)", accepted=False
    ),
    "sample_edi/bad/non_ascii_name.x12": Pyx12Failure(
        f"{_NON_ASCII}: 'ascii' codec can't decode byte 0xc3",
        "UTF-8 'Ñ' in NM103: pyx12 raises UnicodeDecodeError (oracle c2); we reject the set "
        "with IK403=6 at line 16",
        accepted=False,
    ),
    "sample_edi/bad/unknown_gs08.x12": Pyx12Failure(
        f"{_NO_MAP}.  icvn=00501, fic=HC, vriic=005010X999",
        "GS08 005010X999 is no guide: pyx12 raises EngineError; we reject the group (AK905=2)",
        accepted=False,
    ),
    "tests/corpus/837i/lfh_out_of_network_repriced_claim.x12": _X223A3,
    "tests/corpus/837i/lfh_ppo_repriced_claim.x12": _X223A3,
    "tests/corpus/837i/lfh_two_claims_single_provider.x12": _X223A3,
    **{
        f"tests/corpus/837p/lfh_{name}.x12": _X222A2
        for name in (
            "ambulance_example5",
            "autoaccident",
            "cob_2ndary_example4",
            "cob_example3_B",
            "cob_example3_C",
            "cob_example4",
            "drug_example10_2",
            "drug_example10_3",
            "example1",
            "example12",
            "example2",
            "example6",
            "example8",
            "example9",
        )
    },
    "tests/corpus/837p/staedi_sample837_indented.x12": Pyx12Failure(
        _NOT_X12,
        "ISA12 00402: pyx12 refuses it (oracle c3); we reject it (TA105=003, GS08 005010X222)",
        accepted=False,
    ),
    "tests/corpus/broken/ims_missing_first_gs.x12": Pyx12Failure(
        "IndexError: list index out of range",
        "no GS before the first ST: pyx12 crashes at the GE (oracle c2); we reject (024)",
        accepted=False,
    ),
    "tests/corpus/broken/ims_missing_first_st.x12": Pyx12Failure(
        "IndexError: list index out of range",
        "no ST before the first BHT: pyx12 crashes at the GE (oracle c2); we reject (024)",
        accepted=False,
    ),
    "tests/corpus/broken/ims_no_isa_line.x12": Pyx12Failure(
        _NOT_X12,
        "starts with GS: pyx12 refuses it (oracle c3); we reject it as not X12",
        accepted=False,
    ),
    "tests/corpus/broken/staedi_837_hl_nested.x12": Pyx12Failure(
        f"{_NO_MAP}.  icvn=00501, fic=HC, vriic=005010",
        "GS08 005010 names no guide: pyx12 raises EngineError (oracle c1); we reject (AK905=2)",
        accepted=False,
    ),
    "tests/corpus/ta1/ims_ta1_then_999.x12": Pyx12Failure(
        "AttributeError: 'NoneType' object has no attribute 'children'",
        "TA101 '101' before any ST crashes pyx12 (oracle c2); we reject the 999 behind it "
        "(AK202 '002' is shorter than 4)",
        accepted=False,
    ),
    "../shared/corpus/834/oop_dhcs_example1.x12": _BOM_ONLY,
    "../shared/corpus/834/oop_dhcs_example2.x12": _BOM_ONLY,
    "../shared/corpus/999/oop_dhs_wisconsin_999.x12": _BOM_ONLY,
    "../shared/corpus/837i/oop_spec_3_1_2_two_claims.x12": Pyx12Failure(
        _BOM_ONLY.pyx12_says,
        "UTF-8 BOM (UnicodeDecodeError), and after it GS08 005010X222 has no pyx12 map; we "
        "reject the group: 005010X222 (without A1) is not a guide we read",
        accepted=False,
    ),
    "../shared/corpus/837p/oop_example1_health_insurance.x12": Pyx12Failure(
        _BOM_ONLY.pyx12_says,
        "UTF-8 BOM (UnicodeDecodeError), and after it GS08 005010X222 has no pyx12 map; we "
        "reject the group: 005010X222 (without A1) is not a guide we read",
        accepted=False,
    ),
    "../shared/corpus/ta1/oop_ta1_two_accepts_4010.x12": Pyx12Failure(
        _BOM_ONLY.pyx12_says,
        "UTF-8 BOM (UnicodeDecodeError), and after it this 4010 TA1-only interchange crashes "
        "pyx12 (oracle c2); we reject ISA12 00401 (TA105=003)",
        accepted=False,
    ),
}

VERDICT_DIFFERENCES: dict[str, str] = {
    "sample_edi/835/835_valid_basic.x12": (
        "pyx12 rejects every 835 for its ST03 'Not Used' false positive (oracle a); this 835 "
        "has no other error and we accept it"
    ),
}


@dataclass(frozen=True)
class ErrorDifference:
    """One pyx12 error we do not report as pyx12 does."""

    reason: str
    instead: tuple[str, str, int] | None = None  # (level, code, line) of what we report


#: (file, pyx12 line, pyx12 code) -> why we differ.
ERROR_DIFFERENCES: dict[tuple[str, int, str], ErrorDifference] = {
    **{
        ("sample_edi/bad/empty_segment.x12", line, code): ErrorDifference(
            "pyx12 stops reading at the empty segment '~~' (oracle b) and reports the "
            "trailers missing; we report the empty segment (line 20) and read on to the real "
            "SE/GE/IEA",
            instead=("segment", "1", 20),
        )
        for line, code in ((1, "023"), (2, "3"), (3, "2"))
    },
    ("tests/corpus/277ca/ims_277ca_accepted.x12", 24, "8"): ErrorDifference(
        "pyx12 calls DTP03 10010101 an invalid date because it is before 1800 (oracle c9); "
        "X12 DT is any calendar date CCYYMMDD"
    ),
    ("../shared/corpus/999/oop_dhs_wisconsin_999.x12", 15, "5"): ErrorDifference(
        "pyx12 counts both CTX of loop 2100 (Segment Context, max 9; Business Unit "
        "Identifier, max 1) under one key, their shared path .../2100/CTX, so a trigger "
        "CTX then CTX*CLM01 is 'Found 2, should have 1'; the 999 TR3 allows both"
    ),
    **{
        (f"tests/corpus/broken/{name}.x12", line, "3"): ErrorDifference(
            "pyx12 reports the same missing required loop twice in one parent loop (at the "
            f"segment after it and again at line {line}); we report it once, at line {first}",
            instead=("segment", "3", first),
        )
        for name, first, line in (
            ("ims_bad_valid_code", 15, 18),
            ("ims_bad_segment_identifier", 21, 22),
            ("ims_loop_errors3_missing_loops", 9, 12),
            ("ims_missing_required_loop_in_one_repeat", 20, 21),
        )
    },
    ("tests/corpus/broken/ims_missing_last_gs.x12", 1, "024"): ErrorDifference(
        "GE missing before IEA: pyx12 reports TA105=024 'Unterminated Loop GS' on the "
        "interchange; we report the specific AK905=3 (group trailer missing) at the IEA",
        instead=("group", "3", 37),
    ),
}


@dataclass(frozen=True)
class ErrorRule:
    """A kind of pyx12 error we do not report, wherever it occurs."""

    reason: str
    applies: Callable[[str, OracleError], bool]


ERROR_DIFFERENCE_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(
        "pyx12's 835 map marks ST03 'Not Used' but the X221A1 TR3 requires ST03 = "
        "005010X221A1: a false IK403=10 on every 835 (oracle a, sample_edi/README.md)",
        lambda _file, e: e.level == "ele" and e.ele_ref == "ST03" and e.code == "10",
    ),
    ErrorRule(
        "spaces after a segment terminator are ignored like CR/LF by design "
        "(parsers/tokenizer.py); pyx12 flags each such segment with IK304=1 (oracle c5)",
        lambda _file, e: e.level == "seg" and e.message == "Segment contains a leading space",
    ),
)

#: Files where pyx12 finds no error but we do, with the reason.
NO_ERROR_DIFFERENCES: dict[str, str] = {}


def _compared_files() -> list[str]:
    return [
        f
        for f in FILES
        if f not in KNOWN_PYX12_FAILURES or KNOWN_PYX12_FAILURES[f].compare_without_bom
    ]


def _rule_for(file: str, error: OracleError) -> ErrorRule | None:
    return next((r for r in ERROR_DIFFERENCE_RULES if r.applies(file, error)), None)


def _is_listed(file: str, error: OracleError) -> bool:
    key = (file, error.line, error.code)
    return key in ERROR_DIFFERENCES or _rule_for(file, error) is not None


def _is_pyx12_only(file: str, error: OracleError) -> bool:
    """A listed pyx12 error that we do not report in any form."""
    diff = ERROR_DIFFERENCES.get((file, error.line, error.code))
    return (diff is not None and diff.instead is None) or _rule_for(file, error) is not None


def _pyx12_failed(result: OracleResult) -> bool:
    return result.verdict == "crashed" or any(e.level == "file" for e in result.errors)


@pytest.fixture(scope="session")
def pyx12_map_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_map_dir(tmp_path_factory.mktemp("pyx12"))


@pytest.fixture(scope="session")
def oracle(pyx12_map_dir: Path) -> Callable[[str], OracleResult]:
    """pyx12's result for a file id, as read (BOM included); one run per file."""
    cache: dict[str, OracleResult] = {}

    def run(file: str) -> OracleResult:
        if file not in cache:
            cache[file] = run_oracle(FILES[file].read_bytes(), pyx12_map_dir)
        return cache[file]

    return run


@pytest.fixture(scope="session")
def reference(
    pyx12_map_dir: Path, oracle: Callable[[str], OracleResult]
) -> Callable[[str], OracleResult]:
    """pyx12's result to compare with: on the bytes after the BOM where that is listed."""
    cache: dict[str, OracleResult] = {}

    def run(file: str) -> OracleResult:
        failure = KNOWN_PYX12_FAILURES.get(file)
        if failure is None or not failure.compare_without_bom:
            return oracle(file)
        if file not in cache:
            data = FILES[file].read_bytes()
            assert data.startswith(BOM), f"{file} is listed as a BOM file but has no BOM"
            cache[file] = run_oracle(data[len(BOM) :], pyx12_map_dir)
        return cache[file]

    return run


@pytest.fixture(scope="session")
def ours() -> Callable[[str], Ours]:
    cache: dict[str, Ours] = {}

    def run(file: str) -> Ours:
        if file not in cache:
            cache[file] = Ours.of(validate(FILES[file]))
        return cache[file]

    return run


@pytest.mark.parametrize("file", list(FILES))
def test_pyx12_failures_are_known(file: str, oracle, ours) -> None:
    result = oracle(file)
    if not _pyx12_failed(result):
        assert file not in KNOWN_PYX12_FAILURES, f"pyx12 now reads {file}: unlist it"
        return
    said = result.errors[-1].message
    assert file in KNOWN_PYX12_FAILURES, f"pyx12 cannot validate {file} ({said}): list why"
    failure = KNOWN_PYX12_FAILURES[file]
    assert failure.pyx12_says in said
    ours_ = ours(file).result  # never raises
    if failure.accepted is not None:
        assert ours_.accepted is failure.accepted, describe_ours(ours(file).errors)


@pytest.mark.parametrize("file", _compared_files())
def test_verdict_agrees(file: str, reference, ours) -> None:
    pyx12 = reference(file)
    assert not _pyx12_failed(pyx12), [e.message for e in pyx12.errors[-1:]]
    pyx12_accepts = pyx12.verdict == "accepted"
    ours_ = ours(file)
    accepted = ours_.result.accepted
    if file in VERDICT_DIFFERENCES:
        assert accepted is not pyx12_accepts, f"verdicts now agree: unlist {file}"
    else:
        assert accepted is pyx12_accepts, (
            f"pyx12 {pyx12.verdict}, we {'accept' if accepted else 'reject'}: "
            f"ours: {describe_ours(ours_.errors[:5])}; "
            f"pyx12: {[describe(e) for e in compared_errors(pyx12)[:5]]}"
        )


@pytest.mark.parametrize("file", _compared_files())
def test_each_pyx12_error_is_reported_at_its_segment(file: str, reference, ours) -> None:
    pyx12 = reference(file)
    ours_ = ours(file)
    missed = [
        e for e in compared_errors(pyx12) if not _is_listed(file, e) and not reports(ours_, e)
    ]
    assert not missed, "\n".join(
        f"{describe(e)}\n    we say at line {e.line}: "
        f"{describe_ours(ours_.at(e.line)) or 'nothing'}"
        for e in missed
    )
    for (listed_file, line, code), diff in ERROR_DIFFERENCES.items():
        if listed_file != file:
            continue
        still = [
            e
            for e in compared_errors(pyx12)
            if (e.line, e.code) == (line, code) and not reports(ours_, e)
        ]
        assert still, f"pyx12 error {code} at line {line} is gone or matched now: unlist it"
        if diff.instead is not None:
            assert ours_.has(*diff.instead), (
                f"we no longer report {diff.instead} instead of pyx12's {code} at {line}"
            )


@pytest.mark.parametrize("file", _compared_files())
def test_no_error_where_pyx12_finds_none(file: str, reference, ours) -> None:
    pyx12 = reference(file)
    if any(not _is_pyx12_only(file, e) for e in compared_errors(pyx12)):
        return  # pyx12 finds errors here: the two tests above compare them
    extra = ours(file).errors
    if file in NO_ERROR_DIFFERENCES:
        assert extra, f"we now agree with pyx12 on {file}: unlist it"
    else:
        assert not extra, describe_ours(extra)


def test_every_listed_difference_is_needed(reference) -> None:
    listed_files = {
        *KNOWN_PYX12_FAILURES,
        *VERDICT_DIFFERENCES,
        *NO_ERROR_DIFFERENCES,
        *(key[0] for key in ERROR_DIFFERENCES),
    }
    unknown = {f for f in listed_files if f not in FILES and not f.startswith("../shared/")}
    assert not unknown, f"listed files that do not exist: {sorted(unknown)}"
    for rule in ERROR_DIFFERENCE_RULES:
        assert any(
            rule.applies(file, e)
            for file in _compared_files()
            for e in compared_errors(reference(file))
        ), f"no pyx12 error needs this rule any more: {rule.reason}"
