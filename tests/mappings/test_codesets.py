"""SNIP 5 code sets (``mappings.codesets``): data files with version and source, loaded once;
format and check-digit validators; the dated ICD-10-CM sample."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import pytest

from mappings import codesets as cs
from mappings.codesets import model
from parsers.generate import make_npi

D = dt.date

SHIPPED = [
    "bill_frequency",
    "claim_adjustment_reason",
    "claim_status",
    "claim_status_category",
    "icd10cm_sample",
    "patient_status",
    "place_of_service",
    "remittance_advice_remark",
    "revenue_code",
    "states",
    "type_of_bill",
]


def _c(codes: str) -> list[str]:
    return codes.split()


# (set, known members, known non-members: unassigned, retired, wrong shape or lower case)
MEMBERSHIP = [
    (
        "place_of_service",
        _c("01 02 10 11 12 21 22 23 27 50 58 66 72 81 99"),
        _c("00 1 011 28 30 35 40 43 59 63 67 70 80 98"),
    ),
    (
        "type_of_bill",
        _c(
            "11 12 13 14 18 21 22 23 32 33 34 41 65 66 71 72 73 74 75 76 77 79 81 82 83 84 85 86 89"
        ),
        _c("10 111 011 15 19 51 91 99 1"),
    ),
    (
        "bill_frequency",
        _c("0 1 2 3 4 5 7 8 9 A Q"),
        _c("6 L 00"),
    ),
    (
        "revenue_code",
        _c("0001 0022 0100 0110 0250 0300 0450 0636 0999 1001 2101"),
        _c("0000 0002 0099 450 00450 1010 2000 9999 045X"),
    ),
    (
        "claim_adjustment_reason",
        _c("1 2 3 16 18 45 96 97 253 299 308 A1 B7 B22 P1 P32"),
        _c("0 01 309 999 A9 B24 CO45 15 W1 D1 a1"),
    ),
    (
        "remittance_advice_remark",
        _c("M1 M15 M144 MA01 MA04 MA130 MA134 N1 N130 N362 N940"),
        _c("M0 M145 MA1 MA00 MA135 N0 N813 N814 N941 M57 N14"),
    ),
    (
        "claim_status_category",
        _c("A0 A1 A2 A3 A4 A6 A7 A8 DR01 DR08 F3F P5 R17 E4"),
        _c("A9 DR09 F5 RQ R2 X0 a1 A"),
    ),
    (
        "claim_status",
        _c(
            "0 19 20 21 33 145 164 181 187 189 249 251 254 255 400 458 459 464 513 516 530 "
            "537 562 583 594 645 673 697 732"
        ),
        _c("00 020 99999 A7"),
    ),
    (
        "patient_status",
        _c("01 02 03 04 05 06 07 09 20 21 30 40 41 42 43 50 51 61 62 63 64 65 66 69 70 81 95"),
        _c("00 1 08 10 22 31 44 52 60 67 71 80 96 99"),
    ),
    (
        "states",
        _c("CA NY TX DC PR GU VI AS MP AA AE AP"),
        _c("ca XX ON BC MX C CAL ZZ"),
    ),
    (
        "icd10cm_sample",
        _c("M545 E11 J06 I10 U071 M5450"),
        ["M54.5", "Z999", ""],
    ),
]


# ---------------------------------------------------------------- loading and the data files


def test_every_shipped_set_is_listed_and_the_files_are_package_data() -> None:
    assert cs.code_set_names() == SHIPPED
    data = resources.files("mappings.codesets").joinpath("data")
    for name in SHIPPED:
        assert data.joinpath(f"{name}.yaml").is_file()


@pytest.mark.parametrize("name", SHIPPED)
def test_each_set_loads_with_a_version_and_a_source(name: str) -> None:
    codes = cs.code_set(name)
    assert isinstance(codes, cs.CodeSet)
    assert codes.name == name
    assert codes.version.strip() and codes.source.strip()
    assert codes.codes and all(isinstance(c, str) and c == c.strip() for c in codes.codes)
    assert not codes.codes & codes.retired
    assert len(codes) == len(codes.codes)
    assert list(codes) == sorted(codes.codes)


@pytest.mark.parametrize(("name", "members", "non_members"), MEMBERSHIP)
def test_known_members_and_non_members(
    name: str, members: list[str], non_members: list[str]
) -> None:
    codes = cs.code_set(name)
    assert [m for m in members if m not in codes] == []
    assert [n for n in non_members if n in codes] == []


def test_sources_name_the_publisher() -> None:
    assert "cms.gov" in cs.code_set("place_of_service").source
    assert "NUBC" in cs.code_set("type_of_bill").source
    assert "NUBC" in cs.code_set("patient_status").source
    assert "x12.org" in cs.code_set("claim_status_category").source
    assert "USPS" in cs.code_set("states").source


@pytest.mark.parametrize("name", ["claim_adjustment_reason", "remittance_advice_remark"])
def test_carc_and_rarc_say_unknown_codes_are_warnings_unless_current(name: str) -> None:
    codes = cs.code_set(name)
    assert "2025-11-01" in codes.version
    assert "R37" in codes.source
    assert "warning, not a rejection" in codes.source


def test_carc_and_rarc_counts_match_the_published_lists() -> None:
    carc = cs.code_set("claim_adjustment_reason")
    rarc = cs.code_set("remittance_advice_remark")
    assert len(carc.codes | carc.retired) == 407
    assert len(rarc.codes | rarc.retired) == 1216
    # deactivated codes are known (so a validator can say so) but not current
    assert {"15", "W1", "Y3", "D23", "B5"} <= carc.retired
    assert {"M57", "MA11", "N14", "N793"} <= rarc.retired
    assert "N813" not in rarc.codes | rarc.retired


def test_loading_happens_once_and_returns_the_same_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = cs.code_set("place_of_service")
    assert cs.code_set("place_of_service") is first
    assert cs.code_set("states") is cs.code_set("states")

    reads: list[str] = []
    real_read = model.read_raw

    def counting_read(name: str) -> dict[str, object]:
        reads.append(name)
        return real_read(name)

    monkeypatch.setattr(model, "read_raw", counting_read)
    model.clear_cache()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            loaded = list(pool.map(lambda _: cs.code_set("revenue_code"), range(32)))
        assert all(one is loaded[0] for one in loaded)
        assert cs.code_set("revenue_code") is loaded[0]
        assert reads == ["revenue_code"]
    finally:
        model.clear_cache()


def test_code_sets_are_immutable() -> None:
    codes = cs.code_set("place_of_service")
    with pytest.raises(dataclasses.FrozenInstanceError):
        codes.version = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        codes.descriptions["11"] = "x"  # type: ignore[index]
    assert isinstance(codes.codes, frozenset)


@pytest.mark.parametrize("name", ["nope", "Place_Of_Service", "../states", ""])
def test_unknown_set_raises_key_error_listing_the_known_names(name: str) -> None:
    with pytest.raises(KeyError) as info:
        cs.code_set(name)
    message = str(info.value)
    assert repr(name) in message
    assert all(known in message for known in SHIPPED)


# ---------------------------------------------------------------------------- descriptions


def test_describe_gives_short_descriptions() -> None:
    assert cs.describe("claim_status", "20") == "Accepted for processing"
    assert cs.describe("claim_status", "21") == "Missing or invalid information"
    assert cs.describe("claim_status", "562") == "Entity's National Provider Identifier (NPI)"
    assert cs.describe("claim_status_category", "A7") == (
        "Acknowledgement/rejected for invalid information"
    )
    assert cs.describe("place_of_service", "11") == "Office"
    assert cs.describe("patient_status", "30") == "Still patient"
    assert cs.describe("states", "CA") == "California"
    assert cs.describe("icd10cm_sample", "M545") == "Low back pain"
    assert cs.describe("bill_frequency", "6") is not None  # retired codes keep their text


def test_every_claim_status_code_has_a_description() -> None:
    codes = cs.code_set("claim_status")
    assert [c for c in codes.codes if not cs.describe("claim_status", c)] == []


def test_describe_unknown_code_is_none_and_unknown_set_is_key_error() -> None:
    assert cs.describe("claim_status", "99999") is None
    assert cs.describe("claim_adjustment_reason", "45") is None  # shipped without texts
    with pytest.raises(KeyError):
        cs.describe("no_such_set", "1")


# ------------------------------------------------------------------------------ validators


def test_npi_check_digit() -> None:
    assert cs.npi_valid("1234567893")
    assert not cs.npi_valid("1234567890")
    rng = random.Random(5010)
    npis = [make_npi(rng) for _ in range(200)]
    assert all(cs.npi_valid(n) for n in npis)
    for npi in npis[:50]:
        wrong = npi[:9] + str((int(npi[9]) + 1) % 10)
        assert not cs.npi_valid(wrong)


@pytest.mark.parametrize(
    "bad",
    ["", "123456789", "12345678931", "3234567893", "0234567893", "123456789X", " 1234567893",
     "1234567893 ", "１２３４５６７８９３"],
)  # fmt: skip
def test_npi_shape(bad: str) -> None:
    assert not cs.npi_valid(bad)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (
            cs.icd10cm_format,
            ["I10", "Z23", "E119", "E1165", "M5450", "F32A", "C4A0", "M1A0710", "S72001A",
             "T50X1XA", "Z3A01", "U071", "U099"],
            ["", "I1", "E11.9", "e119", "U50", "U9", "1234", "EE11", "S72001AA", "E11 9"],
        ),
        (
            cs.icd10pcs_format,
            ["0DTJ4ZZ", "02HV33Z", "10E0XZZ", "3E0G76Z"],
            ["0DTJ4Z", "0DTJ4ZZZ", "0DTI4ZZ", "0DTO4ZZ", "0dtj4zz", "0DTJ.ZZ"],
        ),
        (
            cs.hcpcs_format,
            ["J1885", "G0008", "A0428", "T1015", "V2020"],
            ["W1234", "J188", "J18855", "99213", "j1885", "JJ885"],
        ),
        (
            cs.cpt_format,
            ["99213", "00100", "0001F", "0042T", "0001U", "0002M"],
            ["9921", "992133", "0001X", "A9213", "0001f", "J1885"],
        ),
        (cs.cdt_format, ["D0120", "D2391", "D9999"], ["D012", "D01200", "d0120", "E0120"]),
        (
            cs.taxonomy_format,
            ["207R00000X", "261QF0400X", "363LF0000X", "1223G0001X", "282N00000X"],
            ["207R00000", "207R00000Y", "20RR00000X", "207r00000x", "207R000000X"],
        ),
        (cs.zip_format, ["95814", "958140001", "00501"], ["9581", "95814-0001", "958140", "ABCDE"]),
        (
            cs.medi_cal_cin_format,
            ["91234567A", "90000000Z"],
            ["81234567A", "9123456A", "912345678", "91234567a", "912345678A"],
        ),
        (cs.state_code, ["CA", "NV", "DC", "PR"], ["ca", "XX", "ON", ""]),
    ],
)  # fmt: skip
def test_format_validators(check: object, good: list[str], bad: list[str]) -> None:
    assert callable(check)
    assert [g for g in good if not check(g)] == []
    assert [b for b in bad if check(b)] == []


def test_procedure_format_by_qualifier() -> None:
    assert cs.procedure_format("HC", "99213")
    assert cs.procedure_format("HC", "J1885")
    assert cs.procedure_format("HC", "0042T")
    assert not cs.procedure_format("HC", "9921")
    assert not cs.procedure_format("HC", "W1234")
    assert cs.procedure_format("AD", "D0120")
    assert not cs.procedure_format("AD", "99213")
    assert cs.procedure_format("N4", "00002143380")
    assert cs.procedure_format("ER", "anything")


def test_generated_sample_values_pass_the_validators() -> None:
    rng = random.Random(7)
    assert all(cs.npi_valid(make_npi(rng)) for _ in range(20))
    for icd in ("J069", "E119", "E1165", "I10", "E785", "Z00129", "Z23", "M5450", "K219"):
        assert cs.icd10cm_format(icd)
        assert cs.icd10cm_known_invalid(icd, D(2026, 3, 1)) is None
    for rev in ("0450", "0300", "0305", "0320", "0636", "0510", "0730", "0250"):
        assert rev in cs.code_set("revenue_code")


# ------------------------------------------------------------------------- ICD-10-CM sample


def test_known_invalid_deleted_code() -> None:
    reason = cs.icd10cm_known_invalid("M545", D(2026, 1, 15))
    assert reason == "M545 was deleted on 2021-10-01; use M5450, M5451 or M5459"
    assert cs.icd10cm_known_invalid("M54.5", D(2026, 1, 15)) == reason  # dotted form too
    assert cs.icd10cm_known_invalid("M545", D(2021, 9, 30)) is None  # still valid then
    assert cs.icd10cm_known_invalid("M545", D(2021, 10, 1)) == reason
    assert cs.icd10cm_known_invalid("K210", D(2026, 1, 1)) == (
        "K210 was deleted on 2020-10-01; use K2100 or K2101"
    )


def test_known_invalid_headers_on_any_date() -> None:
    for header in ("E11", "J06", "M54", "I25", "Z00"):
        reason = cs.icd10cm_known_invalid(header, D(2026, 1, 1))
        assert reason is not None and "category header" in reason
    assert "E119" in (cs.icd10cm_known_invalid("E11", D(2016, 1, 1)) or "")


def test_known_invalid_added_code_before_its_date() -> None:
    assert cs.icd10cm_known_invalid("U071", D(2020, 3, 31)) == (
        "U071 is not valid before 2020-04-01, when it was added"
    )
    assert cs.icd10cm_known_invalid("U071", D(2020, 4, 1)) is None
    assert cs.icd10cm_known_invalid("M5450", D(2021, 9, 1)) is not None
    assert cs.icd10cm_known_invalid("M5450", D(2021, 10, 1)) is None


def test_known_invalid_is_silent_on_valid_and_unknown_codes() -> None:
    for code in ("I10", "Z23", "E119", "J449", "R69"):
        assert cs.icd10cm_known_invalid(code, D(2026, 1, 1)) is None


def test_sample_codes_have_the_x12_icd10cm_shape() -> None:
    sample = cs.code_set("icd10cm_sample")
    assert [c for c in sample.codes if not cs.icd10cm_format(c)] == []


def test_icd10_effective_from_2015_10_01() -> None:
    assert D(2015, 10, 1) == cs.ICD10_START
    assert not cs.icd10_effective("I10", D(2015, 9, 30))
    assert cs.icd10_effective("I10", D(2015, 10, 1))
    assert cs.icd10_effective("I10", dt.datetime(2026, 1, 1, 8, 30))
    assert not cs.icd10_effective("M545", D(2026, 1, 1))
    assert cs.icd10_effective("M545", D(2021, 9, 30))
    assert not cs.icd10_effective("U071", D(2020, 1, 1))
    assert cs.icd10_effective("U071", D(2020, 4, 1))
    assert cs.icd10_effective("E11", D(2026, 1, 1))  # a header exists; billing it is the issue


# --------------------------------------------------------------------------- file checking


def _load_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> cs.CodeSet:
    (tmp_path / "demo.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(model, "_data_dir", lambda: tmp_path)
    model.clear_cache()
    try:
        return model.code_set("demo")
    finally:
        model.clear_cache()


def test_ranges_keep_zero_padding_and_exclude(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    codes = _load_text(
        monkeypatch,
        tmp_path,
        "name: demo\nversion: '1'\nsource: test\n"
        "ranges: [MA01-MA12, N1-N3, 0098-0101]\nexclude: [N2]\nretired: [MA12]\n",
    )
    assert "MA01" in codes and "MA11" in codes and "MA1" not in codes
    assert "MA12" not in codes and "MA12" in codes.retired
    assert {"N1", "N3"} <= codes.codes and "N2" not in codes
    assert {"0098", "0099", "0100", "0101"} <= codes.codes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: other\nversion: '1'\nsource: s\ncodes: [A]\n", "name must be 'demo'"),
        ("name: demo\nversion: ''\nsource: s\ncodes: [A]\n", "version must be"),
        ("name: demo\nversion: '1'\ncodes: [A]\n", "source must be"),
        ("name: demo\nversion: '1'\nsource: s\ncodes: [01]\n", "quote numeric codes"),
        ("name: demo\nversion: '1'\nsource: s\ncodes: [a]\n", "upper-case"),
        ("name: demo\nversion: '1'\nsource: s\ncodes: [A]\ncolor: red\n", "unknown keys"),
        ("name: demo\nversion: '1'\nsource: s\nranges: [A9-A1]\n", "empty or too long"),
        ("name: demo\nversion: '1'\nsource: s\nranges: [A1-B9]\n", "must look like"),
        ("name: demo\nversion: '1'\nsource: s\ncodes: [A]\nexclude: [B]\n", "not in the set"),
        ("name: demo\nversion: '1'\nsource: s\ncodes: {A: x}\nretired: [A]\n", "both current"),
        ("name: demo\nversion: '1'\nsource: s\ncodes: []\n", "no codes"),
        ("- just\n- a list\n", "mapping at the top level"),
    ],
)
def test_malformed_files_are_rejected_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(cs.CodeSetError, match=message):
        _load_text(monkeypatch, tmp_path, text)
