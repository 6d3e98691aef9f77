"""Code lists carry a version, effective dates and their next scheduled update; lists
imported between releases (ICD-10-CM order files, CMS HCPCS files, X12 CARC/RARC CSV)
judge codes by date of service; Medi-Cal drug lines carry an NDC (issue 18)."""

from __future__ import annotations

import datetime as dt

import pytest
from x12_edit import dump, load

from mappings.check import CheckedUnit, GuideSelection, check
from mappings.codesets.catalog import CodeLists, DatedList, shipped_lists, stale_lists
from mappings.codesets.importers import ImportFormatError, ParsedList, parse_list_file
from mappings.guides import load_guide

TODAY = dt.date(2026, 12, 6)
CLAIM = "PCN267000032364"  # HI*ABK:Z0000*ABF:E785, services on 2026-09-03


def icd_line(order: int, code: str, billable: bool, text: str) -> str:
    return f"{order:05d} {code:<7} {int(billable)} {text[:60]:<60} {text}"


def icd_file(*rows: tuple[str, bool]) -> bytes:
    return "\n".join(icd_line(i, c, b, f"desc {c}") for i, (c, b) in enumerate(rows, 1)).encode()


def hcpcs_line(code: str, seq: int, ric: str, short: str, added: str, term: str = "") -> str:
    line = f"{code:<5}{seq:05d}{ric}{'long ' + short:<80}{short:<28}".ljust(268)
    return (line + f"{added:<8}{added:<8}{term:<8}A").ljust(320)


def as_lists(*parsed: ParsedList) -> CodeLists:
    return CodeLists(
        DatedList(
            p.name,
            p.version,
            p.source,
            p.effective_from,
            p.effective_to,
            {c: (s.toordinal() if s else 0, e.toordinal() if e else 0) for c, s, e, _ in p.entries},
        )
        for p in parsed
    )


def findings(segs: list[str], lists: CodeLists | None, received: dt.date) -> list[tuple[str, str]]:
    return [
        (f.code, f.message)
        for item in check(dump(segs), GuideSelection(None, received, code_lists=lists))
        if isinstance(item, CheckedUnit)
        for f in item.findings
    ]


def dated(segs: list[str], day: str) -> list[str]:
    return [s.replace("D8*20260903", f"D8*{day}").replace("D8*20260907", f"D8*{day}") for s in segs]


def test_every_shipped_list_has_a_version_dates_and_a_schedule() -> None:
    infos = {i.name: i for i in shipped_lists()}
    carc = infos["claim_adjustment_reason"]
    assert (carc.effective_from, carc.next_update) == (dt.date(2025, 11, 1), dt.date(2026, 3, 1))
    assert infos["remittance_advice_remark"].next_update == dt.date(2026, 3, 1)
    assert infos["icd10cm"].next_update == dt.date(2026, 10, 1)
    assert infos["place_of_service"].next_update is None  # CMS: no fixed schedule
    assert all(i.version and i.source and i.entries for i in infos.values())
    stale = {i.name for i in stale_lists(list(infos.values()), TODAY)}
    assert stale == {"claim_adjustment_reason", "remittance_advice_remark", "icd10cm"}
    assert (
        not stale_lists(list(infos.values()), dt.date(2026, 2, 28))
        or {i.name for i in stale_lists(list(infos.values()), dt.date(2026, 2, 28))} == set()
    )
    warning = infos["claim_adjustment_reason"].warning()
    assert "2026-03-01" in warning and "codesets import" in warning
    assert "codesets import icd10cm_order_2027.txt" in infos["icd10cm"].warning()


def test_an_imported_icd10cm_release_judges_services_in_its_fiscal_year() -> None:
    fy27 = parse_list_file(
        "icd10cm_order_2027.txt", icd_file(("Z00", False), ("Z0000", True), ("E785", True))
    )
    assert (fy27.version, fy27.effective_from, fy27.effective_to) == (
        "FY2027",
        dt.date(2026, 10, 1),
        dt.date(2027, 9, 30),
    )
    assert [e[0] for e in fy27.entries] == ["Z0000", "E785"]  # billable codes only
    segs = dated(load("837P"), "20261005")
    lists = as_lists(fy27)
    judged = findings(segs, lists, dt.date(2026, 10, 20))
    # R109 and J209 (the other claim) are not in this FY2027 list: rejected, naming it
    assert any(c == "R28-ICD10CM-billable" and "FY2027" in m and "R109" in m for c, m in judged)
    assert not any(c == "R28-ICD10CM-billable" and ("Z0000" in m or "E785" in m) for c, m in judged)
    assert not any(c == "R28-ICD10CM-release" for c, _ in judged)
    # without the import: not judged, and the report says which release and how
    unjudged = findings(segs, None, dt.date(2026, 10, 20))
    assert not any(c == "R28-ICD10CM-billable" for c, _ in unjudged)
    [(_, message)] = [(c, m) for c, m in unjudged if c == "R28-ICD10CM-release"]
    assert "ICD-10-CM FY2027" in message and "2026-10-05" in message
    rule = next(r for r in load_guide("x12-837-base").rules if r.id == "R28-ICD10CM-release")
    assert rule.severity == "warning" and "{command}" in rule.message


def test_the_release_warning_names_the_import_command() -> None:
    segs = dated(load("837P"), "20261005")
    found = [
        f
        for item in check(dump(segs), GuideSelection(None, dt.date(2026, 10, 20)))
        if isinstance(item, CheckedUnit)
        for f in item.findings
        if f.code == "R28-ICD10CM-release"
    ]
    assert len(found) == 1  # once per file
    assert "edi-gateway codesets import icd10cm_order_2027.txt" in found[0].message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (icd_line(1, "A00", False, "x") + "\nbad line\n", 2, "not an ICD-10-CM order record"),
        (icd_line(1, "A00", False, "x") + "\n" + icd_line(2, "A0.0", True, "x"), 2, "not an ICD"),
        (icd_line(1, "A000", True, "x").replace(" 1 ", " 2 ", 1), 1, "billable flag"),
        (icd_line(1, "A000", True, "x") + "\n" + icd_line(2, "A000", True, "x"), 2, "twice"),
    ],
)
def test_a_bad_order_file_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ImportFormatError) as err:
        parse_list_file("icd10cm_order_2027.txt", text.encode())
    assert f"line {line}:" in str(err.value) and words in str(err.value)


HCPCS = "\n".join(
    [
        hcpcs_line("J1885", 100, "3", "Ketorolac tromethamine inj", "19940101"),
        hcpcs_line("J1885", 200, "4", "", ""),
        hcpcs_line("J0000", 100, "3", "Old drug", "20000101", "20251231"),
        hcpcs_line("   25", 100, "7", "Significant separate e/m", "19920101"),
    ]
)


def test_an_imported_hcpcs_file_judges_level_ii_codes_by_date() -> None:
    parsed = parse_list_file("HCPC2026_JAN_ANWEB_v3.txt", HCPCS.encode())
    assert (parsed.name, parsed.version, parsed.effective_from) == (
        "hcpcs",
        "2026 January",
        dt.date(2026, 1, 1),
    )
    assert {e[0]: e[2] for e in parsed.entries} == {"J1885": None, "J0000": dt.date(2025, 12, 31)}
    lists = as_lists(parsed)
    segs = load("837P")
    i = segs.index("SV1*HC:81002*12*UN*1***1:2")
    for code, rejected in (("J1885", False), ("J0000", True), ("J9999", True), ("81002", False)):
        segs[i] = f"SV1*HC:{code}*12*UN*1***1:2"
        codes = [c for c, _ in findings(segs, lists, dt.date(2026, 10, 15))]
        assert ("B5-HCPCS-list-SV1" in codes) is rejected, code
        assert "B5-HCPCS-installed-SV1" not in codes
    segs[i] = "SV1*HC:J1885*12*UN*1***1:2"
    [(_, message)] = [
        (c, m) for c, m in findings(segs, None, dt.date(2026, 10, 15)) if c.startswith("B5-HCPCS")
    ]
    assert "shape only" in message and "CPT" in message and "licensed" in message
    assert "edi-gateway codesets import HCPC" in message


def test_a_bad_hcpcs_file_names_the_line() -> None:
    text = HCPCS + "\n" + "X" * 40
    with pytest.raises(ImportFormatError, match="line 5: not a HCPCS record"):
        parse_list_file("HCPC2026_JAN_ANWEB.txt", text.encode())
    with pytest.raises(ImportFormatError, match="Excel"):
        parse_list_file("HCPC2026_JAN_ANWEB.xlsx", b"PK")


def test_carc_and_rarc_csv_are_recognised_and_replace_the_shipped_list() -> None:
    carc = parse_list_file(
        "carc.csv",
        b"Code,Description,Start,Stop\n1,Deductible amount,01/01/1995,\n"
        b"309,A new reason,2026-11-01,\n15,Old,01/01/1995,2010-01-01\n",
    )
    assert (carc.name, carc.effective_from) == ("claim_adjustment_reason", dt.date(2026, 11, 1))
    assert carc.version == "X12 CARC list, update of 2026-11-01"
    rarc = parse_list_file("rarc.csv", b"M1,x,2000-01-01,\nN941,y,2026-11-01,\n")
    assert rarc.name == "remittance_advice_remark"
    current = as_lists(carc).in_effect("claim_adjustment_reason", TODAY)
    assert current is not None and current.current_codes(TODAY) == {"1", "309"}
    with pytest.raises(ImportFormatError, match="line 2: 'ZZ9Z' is not a CARC or RARC code"):
        parse_list_file("x.csv", b"1,a,2000-01-01,\nZZ9Z,b,2000-01-01,\n")
    with pytest.raises(ImportFormatError, match="line 1 start date"):
        parse_list_file("x.csv", b"1,a,yesterday,\n")


def _drug_line(extra: list[str]) -> list[str]:
    segs = load("837P")
    i = segs.index("SV1*HC:81002*12*UN*1***1:2")
    segs[i] = "SV1*HC:J1885*12*UN*1***1:2"
    segs[i + 2 : i + 2] = extra
    return segs


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([], {("B7-NDC-SV1", "LIN", "LIN03"), ("B7-NDC-qty-SV1", "CTP", "CTP04")}),
        (["LIN**N4*0040948780", "CTP****2*ML"], {("B7-NDC-SV1", "LIN", "LIN03")}),
        (["LIN**N4*00409-4878", "CTP****2*ML"], {("B7-NDC-SV1", "LIN", "LIN03")}),
        (["LIN**N4*00409487801", "CTP****2*ML"], set()),
    ],
)
def test_a_drug_line_needs_an_11_digit_ndc_and_a_quantity(
    extra: list[str], expected: set[tuple[str, str, str]]
) -> None:
    got = {
        (f.code, f.segment_id, f.element)
        for item in check(dump(_drug_line(extra)), GuideSelection(None, dt.date(2026, 10, 15)))
        if isinstance(item, CheckedUnit)
        for f in item.findings
        if f.code.startswith("B7-NDC")
    }
    assert got == expected
    for rid in ("B7-NDC-SV1", "B7-NDC-SV2"):
        rule = next(r for r in load_guide("x12-837-base").rules if r.id == rid)
        assert (rule.snip, rule.severity, rule.stc) == (
            7,
            "reject_claim",
            {"category": "A7", "status": "21"},
        )
        assert rule.fix and "LIN**N4*" in rule.fix


def test_an_imported_carc_list_judges_remittances_instead_of_the_shipped_one() -> None:
    segs = load("835")
    i = segs.index("CAS*CO*45*52.5")
    segs[i] = "CAS*CO*309*52.5"  # not on the shipped list (1-308)
    received = dt.date.today()

    def carc(lists: CodeLists | None) -> list[str]:
        code = segs[i].split("*")[2]
        return [
            m
            for c, m in findings(segs, lists, received)
            if c == "R37-CARC" and m.startswith(f"Adjustment reason code {code} ")
        ]

    [message] = carc(None)
    assert "309" in message and "2025-11-01" in message  # the shipped list's version
    update = parse_list_file(
        "carc.csv",
        b"1,Deductible,1995-01-01,\n45,Charge exceeds fee,1995-01-01,\n"
        b"309,New reason,2026-11-01,\n",
    )
    assert carc(as_lists(update)) == []
    segs[i] = "CAS*CO*1*52.5"
    stopped = parse_list_file("carc.csv", b"1,Deductible,1995-01-01,2026-11-01\n45,x,1995-01-01,\n")
    [message] = carc(as_lists(stopped))
    assert "X12 CARC list, update of 1995-01-01" in message  # stopped: no longer current
    # judged as on the day the 835 was received: before the stop date it was current
    assert [
        m
        for c, m in findings(segs, as_lists(stopped), dt.date(2026, 10, 1))
        if c == "R37-CARC" and m.startswith("Adjustment reason code 1 ")
    ] == []
