"""834 members and enrollment headers mapped to records (mappings/x834.py).

Expected values are written out from reading the files; the property tests run over
generated Medi-Cal enrollment files.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from conftest import CORPUS, SAMPLES
from parse_support import read_units

from mappings.records import CoverageLine, MemberRecord, PcpAssignment
from mappings.x834 import EnrollmentFileInfo, map_enrollment_header, map_member
from parsers.generate import generate, generate_bytes
from parsers.tree import Loop, Segment, Unit

BASIC = SAMPLES / "834" / "834_valid_basic.x12"
CIN = re.compile(r"9\d{7}[A-Z]")


_read = read_units


def _members(source: Path | bytes) -> list[MemberRecord]:
    return [map_member(u) for u in _read(source)[0]]


def _header(source: Path | bytes) -> EnrollmentFileInfo:
    _, sets = _read(source)
    assert len(sets) == 1 and sets[0].root is not None
    return map_enrollment_header(sets[0].root)


def _envelope(body: list[str]) -> bytes:
    """A one-set 834 interchange around ``body`` (segments without terminators)."""
    segments = [
        "ISA*00*          *00*          *ZZ*MCALENROLL     *ZZ*GPHP1EDI       "
        "*260301*1200*^*00501*000000001*0*T*:",
        "GS*BE*MCALENROLL*GPHP1EDI*20260301*1200*1*X*005010X220A1",
        "ST*834*0001*005010X220A1",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return ("~\n".join(segments) + "~\n").encode("ascii")


def _pcp(last: str, first: str, npi: str) -> PcpAssignment:
    return PcpAssignment(
        role="P3", npi=npi, name=f"{last}, {first}", begin=None, end=None, reason=None
    )


def _hlt(pcp: PcpAssignment, end: date | None = None) -> CoverageLine:
    return CoverageLine(
        maintenance_type="021",
        insurance_line="HLT",
        plan_code="MCLCCS01",
        coverage_level="IND",
        begin=date(2026, 2, 1),
        end=end,
        pcp=pcp,
    )


# --- sample_edi/834/834_valid_basic.x12 --------------------------------------------------


def test_basic_subscriber_maps_every_field() -> None:
    members = _members(BASIC)
    assert members[0] == MemberRecord(
        maintenance_type="021",
        maintenance_reason="28",
        is_subscriber=True,
        relationship="18",
        benefit_status="A",
        subscriber_id="97445419Q",
        member_ids={"0F": "97445419Q", "1L": "MCL83119"},
        last_name="YARROWAY",
        first_name="FELIPE",
        middle_name="F",
        birth_date=date(1950, 2, 21),
        gender="M",
        address1="5219 WILLOW CREEK PL",
        address2=None,
        city="SAN DIEGO",
        state="CA",
        postal_code="921362237",
        phone="9165550100",  # PER*IP**HP*9165550100
        language="arm",  # LUI*LE*arm**7
        eligibility_begin=date(2026, 2, 1),
        eligibility_end=None,
        coverages=[_hlt(_pcp("WESTBROOKE", "RAFAEL", "2166156424"))],
        line=9,
    )


def test_basic_dependent_and_coverage_end() -> None:
    members = _members(BASIC)
    assert members[1] == MemberRecord(
        maintenance_type="021",
        maintenance_reason="28",
        is_subscriber=False,
        relationship="19",
        benefit_status="A",
        subscriber_id="97445419Q",
        member_ids={"0F": "97445419Q", "1L": "MCL83119", "23": "97453338N"},
        last_name="YARROWAY",
        first_name="FLORA",
        middle_name="T",
        birth_date=date(2018, 2, 5),
        gender="F",
        address1="5219 WILLOW CREEK PL",
        address2=None,
        city="SAN DIEGO",
        state="CA",
        postal_code="921362237",
        phone=None,
        language="eng",
        eligibility_begin=date(2026, 2, 1),
        eligibility_end=None,
        coverages=[_hlt(_pcp("WESTBROOKE", "RAFAEL", "2166156424"))],
        line=23,
    )
    assert members[3].coverages == [
        _hlt(_pcp("OKANDER", "ANDRES", "1081094090"), end=date(2026, 12, 31))
    ]
    assert members[3].language == "spa" and members[3].phone == "2095550180"


def test_basic_every_member() -> None:
    members = _members(BASIC)
    assert [
        (m.subscriber_id, m.member_ids.get("23"), m.relationship, m.first_name, m.line)
        for m in members
    ] == [
        ("97445419Q", None, "18", "FELIPE", 9),
        ("97445419Q", "97453338N", "19", "FLORA", 23),
        ("97445419Q", "97461257P", "01", "JAVIER", 37),
        ("97469176F", None, "18", "PAULA", 50),
        ("97469176F", "97477095M", "19", "HECTOR", 65),
        ("97485014B", None, "18", "ANDRES", 79),
    ]
    assert [m.member_ids["1L"] for m in members] == [
        "MCL83119",
        "MCL83119",
        "MCL83119",
        "MCL18208",
        "MCL18208",
        "MCL95309",
    ]
    assert [m.birth_date for m in members] == [
        date(1950, 2, 21),
        date(2018, 2, 5),
        date(2003, 7, 28),
        date(1982, 7, 23),
        date(2018, 2, 16),
        date(1981, 12, 5),
    ]
    assert [m.coverages[0].pcp.npi for m in members if m.coverages[0].pcp] == [
        "2166156424",
        "2166156424",
        "2166156424",
        "1081094090",
        "1081094090",
        "2245142049",
    ]
    for m in members:
        assert m.subscriber_id is not None and CIN.fullmatch(m.subscriber_id)


def test_basic_header() -> None:
    info = _header(BASIC)
    assert info == EnrollmentFileInfo(
        purpose="00",
        reference="ENR565723568000",
        date=date(2026, 2, 26),
        action="2",
        sponsor_name="CA DEPT OF HEALTH CARE SERVICES",
        sponsor_id="680000001",
        payer_name="GOLDEN POPPY HEALTH PLAN",
        payer_id="945733184",
        effective=date(2026, 2, 1),
        master_policy="MCLMC00100",
    )
    assert not info.is_full_file


def test_header_reads_the_same_from_a_unit_context() -> None:
    units, sets = _read(BASIC)
    assert sets[0].root is not None
    assert map_enrollment_header(units[0].context[0]) == map_enrollment_header(sets[0].root)
    header_loop = sets[0].root.loop("HEADER")
    assert header_loop is not None
    assert map_enrollment_header(header_loop) == map_enrollment_header(sets[0].root)


# --- tests/corpus/834 --------------------------------------------------------------------


def test_deident_family_members() -> None:
    members = _members(CORPUS / "834" / "pyx12_deident_family.x12")
    assert members[0] == MemberRecord(
        maintenance_type="021",
        maintenance_reason="XN",
        is_subscriber=True,
        relationship="18",
        benefit_status="A",
        subscriber_id="M000002",
        member_ids={"0F": "M000002", "1L": "GRP002"},
        last_name="SMITH",
        first_name="ROBERT",
        middle_name="J",
        birth_date=date(1975, 8, 20),
        gender="M",
        address1="200 OAK AVE",
        address2=None,
        city="RIVERSIDE",
        state="CA",
        postal_code="92501",
        phone=None,
        language=None,
        eligibility_begin=date(2026, 4, 1),
        eligibility_end=None,
        coverages=[
            CoverageLine(
                maintenance_type="021",
                insurance_line="PPO",
                plan_code=None,
                coverage_level="FAM",
                begin=date(2026, 4, 1),
                end=None,
            )
        ],
        line=7,
    )
    assert members[2] == MemberRecord(
        maintenance_type="021",
        maintenance_reason="XN",
        is_subscriber=False,
        relationship="19",
        benefit_status="A",
        subscriber_id="M000004",
        member_ids={"0F": "M000004"},
        last_name="SMITH",
        first_name="MICHAEL",
        middle_name=None,
        birth_date=date(2010, 6, 12),
        gender="M",
        address1=None,
        address2=None,
        city=None,
        state=None,
        postal_code=None,
        phone=None,
        language=None,
        eligibility_begin=date(2026, 4, 1),
        eligibility_end=None,
        coverages=[],
        line=22,
    )
    assert [(m.subscriber_id, m.relationship, m.first_name, m.gender, m.line) for m in members] == [
        ("M000002", "18", "ROBERT", "M", 7),
        ("M000003", "01", "MARY", "F", 17),
        ("M000004", "19", "MICHAEL", "M", 22),
    ]
    assert _header(CORPUS / "834" / "pyx12_deident_family.x12") == EnrollmentFileInfo(
        purpose="00",
        reference="20260401-002",
        date=date(2026, 4, 1),
        action="2",
        sponsor_name="WIDGET CORPORATION",
        sponsor_id="234567891",
        payer_name="CAREPLUS HEALTH PLAN",
        payer_id="876543219",
    )


def test_deident_term_members() -> None:
    members = _members(CORPUS / "834" / "pyx12_deident_term.x12")
    assert members[1] == MemberRecord(
        maintenance_type="024",
        maintenance_reason="XN",
        is_subscriber=True,
        relationship="18",
        benefit_status="T",
        subscriber_id="M000011",
        member_ids={"0F": "M000011", "1L": "GRP003"},
        last_name="BROWN",
        first_name="THOMAS",
        middle_name="R",
        birth_date=date(1972, 4, 15),
        gender="M",
        address1="401 CEDAR LN",
        address2=None,
        city="LAKEWOOD",
        state="OH",
        postal_code="44107",
        phone=None,
        language=None,
        eligibility_begin=date(2021, 6, 1),
        eligibility_end=date(2026, 3, 31),
        coverages=[
            CoverageLine(
                maintenance_type="024",
                insurance_line="PPO",
                plan_code=None,
                coverage_level="EMP",
                begin=None,
                end=date(2026, 3, 31),
            )
        ],
        line=18,
    )
    assert [(m.subscriber_id, m.last_name, m.eligibility_begin, m.line) for m in members] == [
        ("M000010", "JONES", date(2021, 1, 1), 7),
        ("M000011", "BROWN", date(2021, 6, 1), 18),
    ]


def test_lfh_add_dependent() -> None:
    path = CORPUS / "834" / "lfh_add_dependent.x12"
    assert _members(path) == [
        MemberRecord(
            maintenance_type="021",
            maintenance_reason="20",
            is_subscriber=False,
            relationship="19",
            benefit_status="A",
            subscriber_id="123456789",
            member_ids={"0F": "123456789", "1L": "123456001"},
            last_name="DOE",
            first_name="JOHN",
            middle_name="P",
            birth_date=date(1977, 8, 16),
            gender="M",
            address1=None,
            address2=None,
            city=None,
            state=None,
            postal_code=None,
            phone=None,
            language=None,
            eligibility_begin=None,  # DTP*351 is not 356
            eligibility_end=None,
            coverages=[
                CoverageLine(
                    maintenance_type="021",
                    insurance_line="HLT",
                    plan_code=None,
                    coverage_level=None,
                    begin=date(1996, 6, 1),
                    end=None,
                )
            ],
            line=8,
        )
    ]
    assert _header(path) == EnrollmentFileInfo(
        purpose="00",
        reference="12456",
        date=date(1998, 5, 20),
        action="2",
        sponsor_name=None,
        sponsor_id="999888777",
        payer_name=None,
        payer_id="654456654",
        master_policy="ABCD012354",
    )


def test_lfh_enroll_employee_managed_care_pcp_without_npi() -> None:
    (member,) = _members(CORPUS / "834" / "lfh_enroll_employee_managed_care.x12")
    assert member == MemberRecord(
        maintenance_type="021",
        maintenance_reason="20",
        is_subscriber=True,
        relationship="18",
        benefit_status="A",
        subscriber_id="123456789",
        member_ids={"0F": "123456789", "1L": "123456001"},
        last_name="SMITH",
        first_name="WILLIAM",
        middle_name=None,
        birth_date=date(1970, 6, 14),
        gender="M",
        address1="1715 SOUTHWIND AVENUE",
        address2=None,
        city="ANYTOWN",
        state="PA",
        postal_code="171110000",
        phone="7172343334",  # PER*IP**HP*7172343334*WP*7172341240: the first telephone
        language=None,
        eligibility_begin=None,
        eligibility_end=None,
        coverages=[
            CoverageLine(
                maintenance_type="021",
                insurance_line="HMO",
                plan_code=None,
                coverage_level=None,
                begin=date(1996, 6, 1),
                end=None,
                # NM1*P3*1*BROWN*BERNARD**DR**SV*143766*25: SV id, not an NPI
                pcp=PcpAssignment("P3", None, "BROWN, BERNARD", None, None),
            )
        ],
        line=7,
    )


def test_pyx12_example_language_text_aid_code_and_full_file() -> None:
    path = CORPUS / "834" / "pyx12_example834.x12"
    assert _members(path) == [
        MemberRecord(
            maintenance_type="030",
            maintenance_reason="XN",
            is_subscriber=True,
            relationship="18",
            benefit_status="A",
            subscriber_id="00389999",
            member_ids={"0F": "00389999", "1L": "000003409999", "3H": "K129999A"},
            last_name="DOE",
            first_name="JOHN",
            middle_name="A",
            birth_date=date(1967, 3, 30),
            gender="M",
            address1="777 ELM ST",
            address2=None,
            city="ALLEGAN",
            state="MI",
            postal_code="49010",
            phone=None,
            language="ESSPANISH",  # LUI***ESSPANISH: LUI03 text
            eligibility_begin=date(2015, 3, 1),
            eligibility_end=None,
            coverages=[
                CoverageLine(
                    maintenance_type="030",
                    insurance_line="AK",
                    plan_code="064703",
                    coverage_level="IND",
                    begin=date(2015, 3, 1),
                    end=None,
                    aid_code="E  1F",  # REF*17*E  1F, inner blanks kept
                )
            ],
            line=8,
        )
    ]
    info = _header(path)
    assert info == EnrollmentFileInfo(
        purpose="00",
        reference="88880070301  00",
        date=date(2015, 3, 5),
        action="4",
        sponsor_name="PAYER 1",
        sponsor_id="999999999",
        payer_name="KCMHSAS",
        payer_id="999999999",
        effective=date(2015, 3, 1),
    )
    assert info.is_full_file


def test_pyx12_ls_le_ls_corrected_name_and_reporting_categories() -> None:
    path = CORPUS / "834" / "pyx12_ls_le_ls.x12"
    assert _members(path) == [
        MemberRecord(
            maintenance_type="001",
            maintenance_reason="AI",
            is_subscriber=True,
            relationship="18",
            benefit_status="A",
            subscriber_id="REF OF",
            member_ids={"0F": "REF OF", "23": "REF 23", "3H": "REF 3H", "F6": "REF F6"},
            # NM1*74 (corrected insured) in 2100A; 2100B NM1*70 / DMG are the old values
            last_name="SUBSCRIBER LAST 1",
            first_name="SUBSCRIBER FIRST 1",
            middle_name="M",
            birth_date=date(1983, 7, 19),
            gender="F",
            address1="SUBSCRIBER1 ADDRESS 1",  # 2100A, not the 2100C mailing address
            address2=None,
            city="GRANTS PASS",
            state="OR",
            postal_code="975260000",
            phone="5554718931",
            language="ENG",
            eligibility_begin=date(2012, 9, 1),
            eligibility_end=date(2013, 3, 31),
            coverages=[
                CoverageLine(
                    maintenance_type="001",
                    insurance_line="HMO",
                    plan_code="12345678902012062020130415N",
                    coverage_level="IND",
                    begin=date(2012, 9, 1),
                    end=None,
                    aid_code="D4",  # 2300 REF*17; the 2700/2750 REF*ZZ / REF*17 are not read
                )
            ],
            line=8,
        )
    ]
    assert _header(path) == EnrollmentFileInfo(
        purpose="00",
        reference="0158420020130310001",
        date=date(2013, 3, 12),
        action="2",
        sponsor_name="OR-MMIS",
        sponsor_id="930592162",
        payer_name=None,
        payer_id="455492679",
        master_policy="500647166",
    )


def test_lfh_change_subscriber_information_ignores_incorrect_member_name() -> None:
    (member,) = _members(CORPUS / "834" / "lfh_change_subscriber_information.x12")
    assert (member.last_name, member.first_name, member.middle_name) == ("DOE", "JAMES", None)
    assert member.birth_date == date(1950, 4, 15)  # not the 2100B DMG 19500416
    assert member.maintenance_type == "001" and member.maintenance_reason == "25"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lfh_add_dependent.x12", [("123456789", "021", "20", False, 8)]),
        ("lfh_cancel_dependent.x12", [("123456789", "024", "07", False, 8)]),
        ("lfh_change_subscriber_information.x12", [("123456789", "001", "25", True, 7)]),
        ("lfh_enroll_employee_managed_care.x12", [("123456789", "021", "20", True, 7)]),
        ("lfh_reinstate_employee.x12", [("123456789", "025", "20", True, 8)]),
        ("lfh_reinstate_employee_coverage_level.x12", [("202443307", "025", None, True, 8)]),
        ("lfh_reinstate_member_eligiblity_ins.x12", [("202443307", "025", None, True, 8)]),
        (
            "pyx12_deident_family.x12",
            [
                ("M000002", "021", "XN", True, 7),
                ("M000003", "021", "XN", False, 17),
                ("M000004", "021", "XN", False, 22),
            ],
        ),
        (
            "pyx12_deident_term.x12",
            [("M000010", "024", "XN", True, 7), ("M000011", "024", "XN", True, 18)],
        ),
        ("pyx12_example834.x12", [("00389999", "030", "XN", True, 8)]),
        ("pyx12_ls_le_ls.x12", [("REF OF", "001", "AI", True, 8)]),
    ],
)
def test_corpus_member_ids(name: str, expected: list[tuple[object, ...]]) -> None:
    members = _members(CORPUS / "834" / name)
    assert [
        (m.subscriber_id, m.maintenance_type, m.maintenance_reason, m.is_subscriber, m.line)
        for m in members
    ] == expected


def test_lfh_small_files_details() -> None:
    (cancel,) = _members(CORPUS / "834" / "lfh_cancel_dependent.x12")
    assert cancel.eligibility_end == date(1996, 8, 1) and cancel.coverages == []
    assert (cancel.first_name, cancel.middle_name) == ("JAMES", "E")
    (level,) = _members(CORPUS / "834" / "lfh_reinstate_employee_coverage_level.x12")
    assert level.coverages == [CoverageLine("025", "DEN", None, None, date(2002, 7, 1), None)]
    assert level.birth_date is None and level.gender is None
    (reinstate,) = _members(CORPUS / "834" / "lfh_reinstate_member_eligiblity_ins.x12")
    assert reinstate.coverages == [] and reinstate.benefit_status == "A"
    assert _header(CORPUS / "834" / "lfh_reinstate_member_eligiblity_ins.x12").date == date(
        2002, 6, 1
    )


# --- Medi-Cal specifics (built files) -----------------------------------------------------

MEDI_CAL = [
    "BGN*00*ENRFULL0301*20260301*1200****RX",
    "N1*P5*CA DEPT OF HEALTH CARE SERVICES*FI*680000001",
    "N1*IN*GOLDEN POPPY HEALTH PLAN*FI*945733184",
    "INS*Y*18*001*AI*A***FT",
    "REF*0F*91234567A",
    "REF*1L*MCL55555",
    "REF*3H*CASE778",
    "DTP*356*D8*20260101",
    "DTP*357*D8*20261231",
    "NM1*IL*1*QUINTARO*LUCIA*M",
    "PER*IP**EM*LUCIA@EXAMPLE.COM*HP*2095550111*TE*9165550122",
    "N3*12 ACACIA WAY*APT 4",
    "N4*FRESNO*CA*937210000",
    "DMG*D8*19880412*F",
    "LUI***VIETNAMESE",
    "HD*001**HLT*MCLHMO01*IND",
    "DTP*348*D8*20260101",
    "DTP*349*D8*20261231",
    "REF*17*1H",
    "REF*ZZ*3N",
    "REF*CE*M1",
    "REF*1L*POL777",
    "LX*1",
    "NM1*Y2*2*GOLDEN POPPY MCO*****XX*1234567893*25",
    "LX*2",
    "NM1*P3*1*OKANDER*ANDRES*J***XX*1081094090*25",
    "PLA*2*1P*20260301**22",
    "HD*021**DEN*MCLDEN01*IND",
    "DTP*348*D8*20260201",
    "REF*17*1H",
    "REF*ZZ*3N",
    "LX*1",
    "NM1*QN*1*DENTA*MARIO****XX*1457389214*25",
    "HD*021**VIS*MCLVIS01*IND",
    "DTP*348*D8*20260201",
    "REF*17*1H",
    "LX*1",
    "NM1*Y2*2*GOLDEN POPPY MCO*****XX*1234567893*25",
]


def test_medi_cal_member_aid_codes_and_pcp() -> None:
    text = _envelope(MEDI_CAL)
    (member,) = _members(text)
    assert member == MemberRecord(
        maintenance_type="001",
        maintenance_reason="AI",
        is_subscriber=True,
        relationship="18",
        benefit_status="A",
        subscriber_id="91234567A",
        member_ids={"0F": "91234567A", "1L": "MCL55555", "3H": "CASE778"},
        last_name="QUINTARO",
        first_name="LUCIA",
        middle_name="M",
        birth_date=date(1988, 4, 12),
        gender="F",
        address1="12 ACACIA WAY",
        address2="APT 4",
        city="FRESNO",
        state="CA",
        postal_code="937210000",
        phone="9165550122",  # TE is preferred over the HP before it; EM is not a phone
        language="VIETNAMESE",
        eligibility_begin=date(2026, 1, 1),
        eligibility_end=date(2026, 12, 31),
        coverages=[
            CoverageLine(
                maintenance_type="001",
                insurance_line="HLT",
                plan_code="MCLHMO01",
                coverage_level="IND",
                begin=date(2026, 1, 1),
                end=date(2026, 12, 31),
                aid_code="M1",  # REF*CE before REF*ZZ before REF*17
                policy_number="POL777",
                # P3 is preferred over the Y2 listed first; begin is PLA03, reason PLA05
                pcp=PcpAssignment(
                    role="P3",
                    npi="1081094090",
                    name="OKANDER, ANDRES J",
                    begin=date(2026, 3, 1),
                    end=None,
                    reason="22",
                ),
            ),
            CoverageLine(
                maintenance_type="021",
                insurance_line="DEN",
                plan_code="MCLDEN01",
                coverage_level="IND",
                begin=date(2026, 2, 1),
                end=None,
                aid_code="3N",  # REF*ZZ before REF*17
                pcp=PcpAssignment("QN", "1457389214", "DENTA, MARIO", None, None),
            ),
            CoverageLine(
                maintenance_type="021",
                insurance_line="VIS",
                plan_code="MCLVIS01",
                coverage_level="IND",
                begin=date(2026, 2, 1),
                end=None,
                aid_code="1H",
                pcp=PcpAssignment("Y2", "1234567893", "GOLDEN POPPY MCO", None, None),
            ),
        ],
        line=7,
    )
    info = _header(text)
    assert info.action == "RX" and info.is_full_file
    assert info.reference == "ENRFULL0301" and info.date == date(2026, 3, 1)


# --- missing and malformed data ------------------------------------------------------------


def _seg(text: str, line: int) -> Segment:
    return Segment(text.split("*"), line, line, ":")


def test_member_with_missing_and_malformed_values_maps_to_none() -> None:
    units, _ = _read(BASIC)
    name = Loop(
        "2100A",
        "Member Name",
        [
            _seg("NM1*IL*1", 3),
            _seg("PER*IP**EM", 4),
            _seg("N4", 5),
            _seg("DMG*D8*19501340", 6),
            _seg("LUI*LE", 7),
        ],
    )
    provider = Loop("2310", "Provider", [_seg("LX*1", 11), _seg("NM1*P3*1", 12), _seg("PLA", 13)])
    coverage = Loop(
        "2300",
        "Health Coverage",
        [_seg("HD", 8), _seg("DTP*348*D8*2026", 9), _seg("REF*CE", 10)],
        [provider],
    )
    member = Loop(
        "2000",
        "Member",
        [_seg("INS*Y", 1), _seg("REF*0F", 2), _seg("DTP*356", 2)],
        [name, coverage],
    )
    record = map_member(Unit(units[0].header, units[0].context, member))
    assert record == MemberRecord(
        maintenance_type="",
        maintenance_reason=None,
        is_subscriber=True,
        relationship=None,
        benefit_status=None,
        subscriber_id=None,
        member_ids={},
        last_name=None,
        first_name=None,
        middle_name=None,
        birth_date=None,
        gender=None,
        address1=None,
        address2=None,
        city=None,
        state=None,
        postal_code=None,
        phone=None,
        language=None,
        eligibility_begin=None,
        eligibility_end=None,
        coverages=[
            CoverageLine(
                None, None, None, None, None, None, pcp=PcpAssignment("P3", None, None, None, None)
            )
        ],
        line=1,
    )
    bare = map_member(
        Unit(units[0].header, units[0].context, Loop("2000", "Member", [_seg("INS", 1)]))
    )
    assert bare.coverages == [] and bare.last_name is None and bare.subscriber_id is None


def test_2310_dtp_is_read_when_a_sender_puts_one_there() -> None:
    units, _ = _read(BASIC)
    provider = Loop(
        "2310",
        "Provider",
        [
            _seg("LX*1", 3),
            _seg("NM1*P3*1*OKANDER*ANDRES****XX*1081094090*25", 4),
            _seg("DTP*348*D8*20260301", 5),
            _seg("DTP*349*D8*20260630", 6),
            _seg("PLA*2*1P*20260215**AB", 7),
        ],
    )
    coverage = Loop("2300", "Health Coverage", [_seg("HD*021**HLT", 2)], [provider])
    member = Loop("2000", "Member", [_seg("INS*Y*18*021", 1)], [coverage])
    record = map_member(Unit(units[0].header, units[0].context, member))
    assert record.coverages[0].pcp == PcpAssignment(
        "P3", "1081094090", "OKANDER, ANDRES", date(2026, 3, 1), date(2026, 6, 30), "AB"
    )


def test_unit_without_ins_is_refused() -> None:
    units, _ = _read(BASIC)
    with pytest.raises(ValueError, match="no INS segment"):
        map_member(Unit(units[0].header, units[0].context, Loop("2000", "Member")))


@pytest.mark.parametrize("path", sorted((SAMPLES / "834").glob("834_invalid_*.x12")), ids=str)
def test_invalid_samples_still_map(path: Path) -> None:
    units, sets = _read(path)
    assert units
    for unit in units:
        record = map_member(unit)
        assert record.line == unit.loop.segments[0].line
    for event in sets:
        if event.root is not None:
            map_enrollment_header(event.root)


def test_invalid_samples_details() -> None:
    missing = _members(SAMPLES / "834" / "834_invalid_missing_ref0f.x12")
    assert missing[1].subscriber_id is None  # the second member's REF*0F is removed
    assert missing[1].member_ids == {"1L": "MCL83119", "23": "97453338N"}
    assert [m.subscriber_id for m in missing].count(None) == 1
    bad_date = _members(SAMPLES / "834" / "834_invalid_bad_date.x12")
    assert bad_date[2].coverages[0].begin is None  # DTP*348*D8*20261301
    assert bad_date[2].coverages[0].plan_code == "MCLCCS01"
    assert [m.coverages[0].begin for m in bad_date].count(None) == 1


def test_empty_header_maps_to_none() -> None:
    info = map_enrollment_header(Loop("ST_LOOP", "Transaction Set Header"))
    assert info == EnrollmentFileInfo(None, None, None, None, None, None, None, None)
    assert not info.is_full_file


# --- properties over generated files ------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_generated_members_have_a_cin_and_a_dated_coverage(seed: int) -> None:
    units, sets = _read(generate_bytes("834", 200, seed))
    assert len(units) == 200 and len(sets) == 1
    members = [map_member(u) for u in units]
    subscriber_cin: str | None = None
    for unit, m in zip(units, members, strict=True):
        assert m.subscriber_id is not None and CIN.fullmatch(m.subscriber_id)
        assert m.coverages and any(c.begin is not None for c in m.coverages)
        assert m.is_subscriber == (m.relationship == "18")
        assert m.maintenance_type == "021" and m.member_ids["0F"] == m.subscriber_id
        assert m.last_name and m.first_name and m.birth_date and m.gender in ("M", "F")
        assert m.line == unit.loop.segments[0].line
        for cov in m.coverages:
            assert cov.pcp is not None and cov.pcp.role == "P3" and cov.pcp.npi
            assert cov.plan_code in ("MCLHMO01", "MCLHMO02", "MCLCCS01")
        if m.is_subscriber:
            subscriber_cin = m.subscriber_id
            assert "23" not in m.member_ids and m.phone is not None
        else:
            assert m.subscriber_id == subscriber_cin  # REF*0F is the subscriber's CIN
            assert CIN.fullmatch(m.member_ids["23"]) and m.member_ids["23"] != subscriber_cin
    assert sets[0].root is not None
    info = map_enrollment_header(sets[0].root)
    assert info.action == "2" and not info.is_full_file and info.date is not None
    assert info.sponsor_id == "680000001" and info.payer_id is not None


def test_generated_file_with_several_sets() -> None:
    data = b"".join(generate("834", 120, 3, claims_per_st=50))
    units, sets = _read(data)
    assert len(units) == 120 and len(sets) == 3
    for event in sets:
        assert event.root is not None
        assert map_enrollment_header(event.root).reference is not None
    assert all(map_member(u).subscriber_id for u in units)
