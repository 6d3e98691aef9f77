"""835 claim payments and payment headers mapped to records (mappings/x835.py).

Expected values are written out from reading the files; the property tests check that
the generated remittances balance after mapping.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CORPUS, SAMPLES
from parse_support import read_units

from mappings.records import (
    Adjustment,
    ClaimPayment,
    Party,
    PaymentHeader,
    ProviderAdjustment,
    ServicePayment,
)
from mappings.x835 import map_claim_payment, map_payment_header
from parsers import SetEvent, UnitEvent, Validator
from parsers.generate import generate, generate_bytes
from parsers.tree import Loop, Segment, Unit

BASIC = SAMPLES / "835" / "835_valid_basic.x12"
CIN = re.compile(r"9\d{7}[A-Z]")
D = Decimal


_read = read_units


def _claims(source: Path | bytes) -> list[ClaimPayment]:
    return [map_claim_payment(u) for u in _read(source)[0]]


def _header(source: Path | bytes) -> PaymentHeader:
    _, sets = _read(source)
    assert len(sets) == 1 and sets[0].root is not None
    return map_payment_header(sets[0].root)


def _envelope(body: list[str]) -> bytes:
    """A one-set 835 interchange around ``body`` (segments without terminators)."""
    segments = [
        "ISA*00*          *00*          *ZZ*GPHP1EDI       *ZZ*SUBMITTER5862  "
        "*260303*1435*^*00501*000000001*0*T*:",
        "GS*HP*GPHP1EDI*SUBMITTER5862*20260303*1435*1*X*005010X221A1",
        "ST*835*0001*005010X221A1",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return ("~\n".join(segments) + "~\n").encode("ascii")


def _patient(
    last: str, first: str, member_id: str, qualifier: str = "MR", middle: str | None = None
) -> Party:
    return Party(
        role="patient",
        entity_type="1",
        last_name=last,
        first_name=first,
        middle_name=middle,
        id_qualifier=qualifier,
        identifier=member_id,
    )


def _office_visit(
    code: str, charge: str, paid: str, day: date, *adjustments: Adjustment, line: int
) -> ServicePayment:
    return ServicePayment(
        procedure_qualifier="HC",
        procedure_code=code,
        modifiers=[],
        charge=D(charge),
        paid=D(paid),
        revenue_code=None,
        units_paid=D("1"),
        service_date_from=day,
        service_date_to=day,
        line_control_number=None,
        adjustments=list(adjustments),
        line=line,
    )


def _co(reason: str, value: str) -> Adjustment:
    return Adjustment("CO", reason, D(value))


# --- sample_edi/835/835_valid_basic.x12 --------------------------------------------------


def test_basic_header() -> None:
    assert _header(BASIC) == PaymentHeader(
        handling_code="I",
        total_paid=D("575.72"),
        credit_debit="C",
        payment_method="ACH",
        payment_date=date(2026, 3, 5),
        trace_number="EFT2289687310000",
        payer_id="1942817289",
        production_date=date(2026, 3, 3),
        payer=Party(
            role="payer",
            last_name="GOLDEN POPPY HEALTH PLAN",
            address1="1636 SYCAMORE BEND CT",
            city="FRESNO",
            state="CA",
            postal_code="937355870",
        ),
        payee=Party(
            role="payee",
            last_name="RIVERBEND HEALTH CENTER",
            id_qualifier="XX",
            identifier="1677328134",
            npi="1677328134",
            tax_id="336462873",
            address1="4140 WILLOW CREEK PL",
            city="STOCKTON",
            state="CA",
            postal_code="952950941",
            secondary_ids={"TJ": "336462873"},
        ),
        provider_adjustments=[
            # PLB*1677328134*20261231*WO:RCV385845*5.67*L6*-13.53
            ProviderAdjustment("1677328134", date(2026, 12, 31), "WO", "RCV385845", D("5.67")),
            ProviderAdjustment("1677328134", date(2026, 12, 31), "L6", None, D("-13.53")),
        ],
    )


def test_header_from_a_unit_context_has_no_plb_yet() -> None:
    early: list[PaymentHeader] = []
    final: list[PaymentHeader] = []
    for event in Validator(units=True).events(str(BASIC)):
        if isinstance(event, UnitEvent):  # mapped as it arrives: the footer is not read yet
            early.append(map_payment_header(event.unit.context[0]))
        elif isinstance(event, SetEvent) and event.root is not None:
            final.append(map_payment_header(event.root))
    assert len(early) == 6 and len(final) == 1
    assert all(h.provider_adjustments == [] for h in early)
    assert early[0] == replace(final[0], provider_adjustments=[])


def test_basic_first_claim_payment() -> None:
    day = date(2026, 1, 25)
    assert _claims(BASIC)[0] == ClaimPayment(
        claim_id="PCN283000597922",
        status_code="1",
        charge=D("394"),
        paid=D("292.11"),
        patient_responsibility=None,
        filing_indicator="MC",
        payer_claim_number="2026927622516",
        facility_code="11",
        frequency_code="1",
        patient=_patient("ULLASTRO", "HANNAH", "99297909L"),
        insured=None,
        rendering=None,
        service_date_from=None,
        service_date_to=None,
        received_date=date(2026, 1, 27),
        adjustments=[],
        remark_codes=[],
        services=[
            _office_visit("99393", "175", "122.5", day, _co("45", "52.5"), line=19),
            _office_visit("81002", "12", "8.28", day, _co("45", "3.72"), line=22),
            _office_visit("99214", "185", "146.15", day, _co("45", "38.85"), line=25),
            _office_visit("85025", "22", "15.18", day, _co("45", "6.82"), line=28),
        ],
        line=16,
    )


def test_basic_secondary_claim_with_claim_level_and_patient_adjustments() -> None:
    day = date(2026, 2, 18)
    assert _claims(BASIC)[1] == ClaimPayment(
        claim_id="PCN283000597923",
        status_code="2",
        charge=D("510"),
        paid=D("234.69"),
        patient_responsibility=D("5"),
        filing_indicator="MC",
        payer_claim_number="2026319273647",
        facility_code="11",
        frequency_code="1",
        patient=_patient("OKANDER", "DANIELA", "99305828T"),
        insured=None,
        rendering=None,
        service_date_from=None,
        service_date_to=None,
        received_date=date(2026, 2, 20),
        adjustments=[Adjustment("OA", "23", D("132.01"))],
        remark_codes=[],
        services=[
            _office_visit("99393", "175", "154", day, _co("45", "21"), line=35),
            _office_visit(
                "99213",
                "125",
                "82.5",
                day,
                _co("45", "37.5"),
                Adjustment("PR", "2", D("5")),
                line=38,
            ),
            _office_visit("99395", "210", "130.2", day, _co("45", "79.8"), line=42),
        ],
        line=31,
    )


def test_basic_denied_claim_with_line_remark() -> None:
    day = date(2026, 1, 15)
    denied = _claims(BASIC)[3]
    assert denied == ClaimPayment(
        claim_id="PCN283000597925",
        status_code="4",
        charge=D("442"),
        paid=D("0"),
        patient_responsibility=None,
        filing_indicator="MC",
        payer_claim_number="2026714543931",
        facility_code="11",
        frequency_code="1",
        patient=_patient("VANTERELLI", "BRANDON", "99321666J"),
        insured=None,
        rendering=None,
        service_date_from=None,
        service_date_to=None,
        received_date=date(2026, 1, 17),
        services=[
            _office_visit("99395", "210", "0", day, _co("197", "210"), line=54),
            _office_visit("99395", "210", "0", day, _co("197", "210"), line=57),
            replace(
                _office_visit("85025", "22", "0", day, _co("96", "22"), line=60),
                remark_codes=["N130"],
            ),
        ],
        line=51,
    )


def test_basic_every_claim_payment() -> None:
    claims = _claims(BASIC)
    assert [(c.claim_id, c.status_code, c.charge, c.paid, c.line) for c in claims] == [
        ("PCN283000597922", "1", D("394"), D("292.11"), 16),
        ("PCN283000597923", "2", D("510"), D("234.69"), 31),
        ("PCN283000597924", "1", D("32"), D("23.68"), 45),
        ("PCN283000597925", "4", D("442"), D("0"), 51),
        ("PCN283000597926", "4", D("285"), D("0"), 64),
        ("PCN283000597927", "1", D("22"), D("17.38"), 73),
    ]
    assert [c.patient.identifier for c in claims if c.patient] == [
        "99297909L",
        "99305828T",
        "99313747A",
        "99321666J",
        "99329585Z",
        "99337504N",
    ]
    assert [[s.procedure_code for s in c.services] for c in claims] == [
        ["99393", "81002", "99214", "85025"],
        ["99393", "99213", "99395"],
        ["90686"],
        ["99395", "99395", "85025"],
        ["99203", "99213"],
        ["85025"],
    ]
    header = _header(BASIC)
    plb = sum((a.amount for a in header.provider_adjustments), D(0))
    assert header.total_paid == sum((c.paid for c in claims), D(0)) - plb


# --- tests/corpus/835 --------------------------------------------------------------------


def test_lfh_medicare_part_a() -> None:
    path = CORPUS / "835" / "lfh_medicare_part_a.x12"
    assert _header(path) == PaymentHeader(
        handling_code="C",
        total_paid=D("150000.00"),
        credit_debit="C",
        payment_method="ACH",
        payment_date=date(2002, 9, 13),
        trace_number="12345",
        payer_id="1512345678",
        production_date=date(2002, 9, 16),
        payer=Party(
            role="payer",
            last_name="INSURANCE COMPANY OF TIMBUCKTU",
            id_qualifier="2U",  # no N104: the REF*2U payer identification
            identifier="999",
            address1="1 MAIN STREET",
            city="TIMBUCKTU",
            state="AK",
            postal_code="89111",
            secondary_ids={"2U": "999"},
        ),
        payee=Party(
            role="payee",
            last_name="REGIONAL HOPE HOSPITAL",
            id_qualifier="XX",
            identifier="6543210903",
            npi="6543210903",
        ),
        provider_adjustments=[
            ProviderAdjustment("6543210903", date(2002, 12, 31), "CV", "CP", D("-1.27"))
        ],
    )
    assert _claims(path) == [
        ClaimPayment(
            claim_id="666123",
            status_code="1",
            charge=D("211366.97"),
            paid=D("138018.40"),
            patient_responsibility=None,
            filing_indicator="MA",
            payer_claim_number="1999999444444",
            facility_code="11",
            frequency_code="1",
            patient=_patient("JONES", "SAM", "666666666A", "HN", middle="O"),
            insured=None,
            rendering=None,
            service_date_from=date(2002, 8, 16),
            service_date_to=date(2002, 8, 24),
            received_date=None,
            adjustments=[_co("45", "73348.57")],
            remark_codes=[],  # MIA*0***138018.40: no MIA05
            line=15,
        ),
        ClaimPayment(
            claim_id="777777",
            status_code="1",
            charge=D("15000.00"),
            paid=D("11980.33"),
            patient_responsibility=None,
            filing_indicator="MB",
            payer_claim_number="1999999444445",
            facility_code="13",
            frequency_code="1",
            patient=_patient("BORDER", "LIZ", "996669999B", "HN", middle="E"),
            insured=None,
            rendering=None,
            service_date_from=date(2002, 5, 12),
            service_date_to=None,
            received_date=None,
            adjustments=[_co("45", "3019.67")],
            remark_codes=["MA02"],  # MOA***MA02
            line=24,
        ),
    ]


def test_lfh_tertiary_payment() -> None:
    path = CORPUS / "835" / "lfh_tertiary_payment.x12"
    rendering = Party(
        role="rendering",
        entity_type="2",
        last_name="JONES JONES ASSOCIATES",
        id_qualifier="BS",
        identifier="AB34U",
    )
    assert _claims(path) == [
        ClaimPayment(
            claim_id="0001000054",
            status_code="3",
            charge=D("1766.50"),
            paid=D("187.50"),
            patient_responsibility=None,
            filing_indicator="12",
            payer_claim_number="50580155533",
            facility_code=None,
            frequency_code=None,
            patient=_patient("ISLAND", "ELLIS", "789123456", "MI", middle="E"),
            insured=None,
            rendering=rendering,
            service_date_from=date(2005, 1, 20),
            service_date_to=None,
            received_date=None,
            services=[
                # SVC*HC*24599.00*1766.50*187.50**1: read as sent, element by element
                ServicePayment(
                    procedure_qualifier="HC",
                    procedure_code=None,
                    modifiers=[],
                    charge=D("24599.00"),
                    paid=D("1766.50"),
                    revenue_code="187.50",
                    units_paid=None,
                    service_date_from=date(2005, 1, 20),
                    service_date_to=date(2005, 1, 20),
                    line_control_number=None,
                    adjustments=[Adjustment("OA", "23", D("1579.00"))],
                    line=20,
                )
            ],
            line=16,
        )
    ]
    payee = _header(path).payee
    assert payee == Party(
        role="payee",
        last_name="ACME MEDICAL CENTER",
        id_qualifier="FI",
        identifier="599944521",
        tax_id="599944521",  # no REF*TJ: N104 when N103 = FI
        address1="PO BOX 863382",
        city="ORLANDO",
        state="FL",
        postal_code="55115",
        secondary_ids={"PQ": "10488"},
    )


def test_lfh_secondary_payment() -> None:
    path = CORPUS / "835" / "lfh_secondary_payment.x12"
    claims = _claims(path)
    # Its SVC01 composites use '>' while ISA16 is ':'; the validator sets those 2110 loops
    # aside, so services are not compared here.
    assert [replace(c, services=[]) for c in claims] == [
        ClaimPayment(
            claim_id="L0004828311",
            status_code="2",
            charge=D("10323.64"),
            paid=D("912.00"),
            patient_responsibility=None,
            filing_indicator="12",
            payer_claim_number="05090256390",
            facility_code="11",
            frequency_code="1",
            patient=_patient("TOWNSEND", "WILLIAM", "XXX123456789", "MI", middle="P"),
            insured=None,
            rendering=Party(
                role="rendering",
                entity_type="2",
                last_name="ACME MEDICAL CENTER",
                id_qualifier="BD",
                identifier="987",
            ),
            service_date_from=date(2005, 3, 3),
            service_date_to=date(2005, 3, 4),
            received_date=None,
            adjustments=[Adjustment("OA", "23", D("9411.64"))],
            line=16,
        ),
        ClaimPayment(
            claim_id="0001000053",
            status_code="2",
            charge=D("751.50"),
            paid=D("310.00"),
            patient_responsibility=D("220.00"),
            filing_indicator="12",
            payer_claim_number="05630626430",
            facility_code=None,
            frequency_code=None,
            patient=_patient("BAKI", "ANGI", "456789123", "MI"),
            insured=None,
            rendering=Party(
                role="rendering",
                entity_type="2",
                last_name="SMITH JONES PA",
                id_qualifier="BS",
                identifier="34426",
            ),
            service_date_from=date(2005, 1, 6),
            service_date_to=date(2005, 1, 6),
            received_date=None,
            line=24,
        ),
    ]
    header = _header(path)
    assert (header.handling_code, header.total_paid, header.payment_method) == (
        "I",
        D("1222.00"),
        "CHK",
    )
    assert header.payment_date is None  # BPR16 is missing
    assert (header.trace_number, header.payer_id) == ("0012524965", "1559123456")
    assert header.production_date == date(2005, 4, 12)
    assert header.payer == Party(
        role="payer",
        last_name="YOUR TAX DOLLARS AT WORK",
        address1="481A00 DEAR RUN ROAD",
        city="WEST PALM BCH",
        state="FL",
        postal_code="11114",
    )
    assert header.provider_adjustments == []


def test_lfh_cob_contractual_adjustment() -> None:
    path = CORPUS / "835" / "lfh_cob_contractural_adjustment.x12"
    (claim,) = _claims(path)
    assert replace(claim, services=[]) == ClaimPayment(
        claim_id="0001000055",
        status_code="2",
        charge=D("541.00"),
        paid=D("34.00"),
        patient_responsibility=None,
        filing_indicator="12",
        payer_claim_number="50650619501",
        facility_code=None,
        frequency_code=None,
        patient=_patient("BURCK", "RAYMOND", "987654321", "MI", middle="W"),
        insured=None,
        rendering=Party(
            role="rendering",
            entity_type="2",
            last_name="PROFESSIONAL TEST 1",
            id_qualifier="BS",
            identifier="34426",
        ),
        service_date_from=date(2005, 2, 2),
        service_date_to=date(2005, 2, 2),
        received_date=None,
        line=16,
    )
    header = _header(path)
    assert (header.total_paid, header.trace_number, header.payer_id) == (
        D("34.00"),
        "0063158ABC",
        "1566339911",
    )
    assert header.payee.tax_id == "3UR334563" and header.payee.npi is None
    assert header.payee.secondary_ids == {"PQ": "11861"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lfh_cob_contractural_adjustment.x12", [("0001000055", "2", 16)]),
        ("lfh_medicare_part_a.x12", [("666123", "1", 15), ("777777", "1", 24)]),
        ("lfh_secondary_payment.x12", [("L0004828311", "2", 16), ("0001000053", "2", 24)]),
        ("lfh_tertiary_payment.x12", [("0001000054", "3", 16)]),
    ],
)
def test_corpus_claim_ids(name: str, expected: list[tuple[str, str, int]]) -> None:
    claims = _claims(CORPUS / "835" / name)
    assert [(c.claim_id, c.status_code, c.line) for c in claims] == expected


# --- every element (built file) ------------------------------------------------------------

FULL = [
    "BPR*I*1000.50*C*ACH*CCP*01*121006751*DA*2339786684*1942817289**01*122005468*DA*905463665"
    "*20260305",
    "TRN*1*EFT777*1942817289",
    "DTM*405*20260303",
    "N1*PR*GOLDEN POPPY HEALTH PLAN*XV*GPHP01",
    "N3*1636 SYCAMORE BEND CT",
    "N4*FRESNO*CA*937355870",
    "REF*2U*GPHP",
    "PER*BL*PROVIDER EDI SERVICES*TE*8005550142",
    "N1*PE*RIVERBEND HEALTH CENTER*XX*1677328134",
    "N3*4140 WILLOW CREEK PL",
    "N4*STOCKTON*CA*952950941",
    "REF*TJ*336462873",
    "LX*1",
    "CLP*PCN9001*1*1200*1000.50*50*MC*2026000000001*13*7",
    "CAS*OA*23*10.5*1*94*-1",
    "NM1*QC*1*ULLASTRO*HANNAH*Q***MR*91234567A",
    "NM1*IL*1*ULLASTRO*PEDRO****MR*91234560B",
    "NM1*82*1*WESTBROOKE*RAFAEL****XX*2166156424",
    "MIA*0***100.00*MA01***************M1*M2*M3*M4*12.5",
    "MOA***MA130*N1*N2*N3*N4",
    "DTM*232*20260110",
    "DTM*233*20260112",
    "DTM*050*20260115",
    "SVC*HC:99214:25:GT*700*600*0510*2",
    "DTM*150*20260110",
    "DTM*151*20260112",
    "CAS*CO*45*60*1*253*10",
    "CAS*PR*1*20*1*2*10*1",
    "REF*6R*LINE0001",
    "LQ*HE*N130",
    "LQ*HE*M86",
    "SVC*NU:0250*500*411**3",
    "DTM*472*20260111",
    "CAS*CO*45*89",
    "PLB*1677328134*20261231*WO:RCV1*5.5*L6*-6*FB*1",
    "PLB*1677328134*20261231*72:ADV9*0.5",
]


def test_every_element_of_a_claim_payment() -> None:
    (claim,) = _claims(_envelope(FULL))
    assert claim == ClaimPayment(
        claim_id="PCN9001",
        status_code="1",
        charge=D("1200"),
        paid=D("1000.50"),
        patient_responsibility=D("50"),
        filing_indicator="MC",
        payer_claim_number="2026000000001",
        facility_code="13",
        frequency_code="7",
        patient=_patient("ULLASTRO", "HANNAH", "91234567A", middle="Q"),
        insured=Party(
            role="subscriber",
            entity_type="1",
            last_name="ULLASTRO",
            first_name="PEDRO",
            id_qualifier="MR",
            identifier="91234560B",
        ),
        rendering=Party(
            role="rendering",
            entity_type="1",
            last_name="WESTBROOKE",
            first_name="RAFAEL",
            id_qualifier="XX",
            identifier="2166156424",
            npi="2166156424",
        ),
        service_date_from=date(2026, 1, 10),
        service_date_to=date(2026, 1, 12),
        received_date=date(2026, 1, 15),
        adjustments=[
            Adjustment("OA", "23", D("10.5"), D("1")),
            Adjustment("OA", "94", D("-1")),
        ],
        # MIA05, MIA20-23 (MIA24 is an amount), then MOA03-07
        remark_codes=["MA01", "M1", "M2", "M3", "M4", "MA130", "N1", "N2", "N3", "N4"],
        services=[
            ServicePayment(
                procedure_qualifier="HC",
                procedure_code="99214",
                modifiers=["25", "GT"],
                charge=D("700"),
                paid=D("600"),
                revenue_code="0510",
                units_paid=D("2"),
                service_date_from=date(2026, 1, 10),
                service_date_to=date(2026, 1, 12),
                line_control_number="LINE0001",
                adjustments=[
                    Adjustment("CO", "45", D("60"), D("1")),
                    Adjustment("CO", "253", D("10")),
                    Adjustment("PR", "1", D("20"), D("1")),
                    Adjustment("PR", "2", D("10"), D("1")),
                ],
                remark_codes=["N130", "M86"],
                line=27,
            ),
            ServicePayment(
                procedure_qualifier="NU",
                procedure_code="0250",
                modifiers=[],
                charge=D("500"),
                paid=D("411"),
                revenue_code=None,
                units_paid=D("3"),
                service_date_from=date(2026, 1, 11),
                service_date_to=date(2026, 1, 11),
                line_control_number=None,
                adjustments=[_co("45", "89")],
                line=35,
            ),
        ],
        line=17,
    )


def test_every_element_of_a_payment_header() -> None:
    header = _header(_envelope(FULL))
    assert header == PaymentHeader(
        handling_code="I",
        total_paid=D("1000.50"),
        credit_debit="C",
        payment_method="ACH",
        payment_date=date(2026, 3, 5),
        trace_number="EFT777",
        payer_id="1942817289",
        production_date=date(2026, 3, 3),
        payer=Party(
            role="payer",
            last_name="GOLDEN POPPY HEALTH PLAN",
            id_qualifier="XV",
            identifier="GPHP01",
            address1="1636 SYCAMORE BEND CT",
            city="FRESNO",
            state="CA",
            postal_code="937355870",
            secondary_ids={"2U": "GPHP"},
        ),
        payee=Party(
            role="payee",
            last_name="RIVERBEND HEALTH CENTER",
            id_qualifier="XX",
            identifier="1677328134",
            npi="1677328134",
            tax_id="336462873",
            address1="4140 WILLOW CREEK PL",
            city="STOCKTON",
            state="CA",
            postal_code="952950941",
            secondary_ids={"TJ": "336462873"},
        ),
        provider_adjustments=[
            ProviderAdjustment("1677328134", date(2026, 12, 31), "WO", "RCV1", D("5.5")),
            ProviderAdjustment("1677328134", date(2026, 12, 31), "L6", None, D("-6")),
            ProviderAdjustment("1677328134", date(2026, 12, 31), "FB", None, D("1")),
            ProviderAdjustment("1677328134", date(2026, 12, 31), "72", "ADV9", D("0.5")),
        ],
    )


# --- missing and malformed data ------------------------------------------------------------


def _seg(text: str, line: int) -> Segment:
    return Segment(text.split("*"), line, line, ":")


def test_claim_payment_with_missing_and_malformed_values() -> None:
    units, _ = _read(BASIC)
    service = Loop(
        "2110",
        "Service",
        [
            _seg("SVC*:*ABC***1E3", 5),
            _seg("DTM*472*2026", 6),
            _seg("CAS*CO*45*x*1*253", 7),
            _seg("LQ*HE", 8),
            _seg("REF*6R", 9),
        ],
    )
    claim = Loop(
        "2100",
        "Claim",
        [
            _seg("CLP*PCN1", 1),
            _seg("NM1*QC", 2),
            _seg("MOA", 3),
            _seg("DTM*050*20261399", 4),
        ],
        [service, Loop("2110", "Service")],
    )
    record = map_claim_payment(Unit(units[0].header, units[0].context, claim))
    assert record == ClaimPayment(
        claim_id="PCN1",
        status_code="",
        charge=D(0),
        paid=D(0),
        patient_responsibility=None,
        filing_indicator=None,
        payer_claim_number=None,
        facility_code=None,
        frequency_code=None,
        patient=Party(role="patient"),
        insured=None,
        rendering=None,
        service_date_from=None,
        service_date_to=None,
        received_date=None,
        services=[
            ServicePayment(None, None, [], None, None, None, None, None, None, None, line=5),
            ServicePayment(None, None, [], None, None, None, None, None, None, None, line=0),
        ],
        line=1,
    )


def test_header_with_missing_and_malformed_values() -> None:
    root = Loop(
        "ST_LOOP",
        "Transaction Set Header",
        loops=[
            Loop("HEADER", "Header", [_seg("BPR*I*12,50", 1), _seg("DTM*405", 2)]),
            Loop(
                "FOOTER",
                "Footer",
                [_seg("PLB**2026*WO:R1**:X*2.5*CS*bad*L6", 3), _seg("PLB", 4)],
            ),
        ],
    )
    assert map_payment_header(root) == PaymentHeader(
        handling_code="I",
        total_paid=D(0),
        credit_debit=None,
        payment_method=None,
        payment_date=None,
        trace_number=None,
        payer_id=None,
        production_date=None,
        payer=Party(role="payer"),
        payee=Party(role="payee"),
        provider_adjustments=[ProviderAdjustment("", None, "", "X", D("2.5"))],
    )
    empty = map_payment_header(Loop("ST_LOOP", "Transaction Set Header"))
    assert empty.handling_code == "" and empty.total_paid == D(0)
    assert empty.payer == Party(role="payer") and empty.provider_adjustments == []


def test_unit_without_clp_is_refused() -> None:
    units, _ = _read(BASIC)
    with pytest.raises(ValueError, match="no CLP segment"):
        map_claim_payment(Unit(units[0].header, units[0].context, Loop("2100", "Claim")))


@pytest.mark.parametrize("path", sorted((SAMPLES / "835").glob("835_invalid_*.x12")), ids=str)
def test_invalid_samples_still_map(path: Path) -> None:
    units, sets = _read(path)
    assert units
    for unit in units:
        record = map_claim_payment(unit)
        assert record.claim_id and record.line == unit.loop.segments[0].line
        map_payment_header(unit.context[0])
    for event in sets:
        if event.root is not None:
            map_payment_header(event.root)


# --- properties over generated files ------------------------------------------------------


def _cas_total(adjustments: list[Adjustment]) -> Decimal:
    return sum((a.amount for a in adjustments), D(0))


def _check_balances(data: bytes) -> tuple[int, int]:
    """Check every balance of a generated remittance; (claim payments, sets) seen."""
    claims_seen = sets_seen = 0
    in_set: list[ClaimPayment] = []
    for event in Validator(units=True).events(data):
        if isinstance(event, UnitEvent):
            claim = map_claim_payment(event.unit)
            in_set.append(claim)
            services = _cas_total([a for s in claim.services for a in s.adjustments])
            assert claim.charge - claim.paid == _cas_total(claim.adjustments) + services
            for svc in claim.services:
                assert svc.charge is not None and svc.paid is not None
                assert svc.charge - svc.paid == _cas_total(svc.adjustments)
                assert svc.service_date_from is not None
                assert svc.service_date_from == svc.service_date_to
            assert claim.patient is not None and claim.patient.identifier is not None
            assert CIN.fullmatch(claim.patient.identifier)
            assert claim.status_code in ("1", "2", "4", "22")
            assert (claim.paid < 0) == (claim.status_code == "22")
            assert claim.line == event.unit.loop.segments[0].line
        elif isinstance(event, SetEvent):
            assert event.result.accepted and event.root is not None
            header = map_payment_header(event.root)
            expected = sum((c.paid for c in in_set), D(0)) - _cas_total(
                [Adjustment("", "", a.amount) for a in header.provider_adjustments]
            )
            if header.handling_code == "I":
                assert header.total_paid == expected
                assert header.payment_method == "ACH" and header.payee.npi is not None
            else:  # nothing to pay: a notification with BPR02 = 0
                assert header.handling_code == "H" and header.total_paid == 0 and expected <= 0
            assert header.payment_date is not None and header.trace_number is not None
            claims_seen += len(in_set)
            sets_seen += 1
            in_set = []
    return claims_seen, sets_seen


@pytest.mark.parametrize("seed", range(10))
def test_generated_remittances_balance(seed: int) -> None:
    assert _check_balances(generate_bytes("835", 200, seed)) == (200, 1)


def test_generated_remittances_with_several_sets_balance() -> None:
    data = b"".join(generate("835", 200, 11, claims_per_st=40))
    assert _check_balances(data) == (200, 5)


def test_generated_file_has_provider_adjustments() -> None:
    found = [
        h.provider_adjustments
        for seed in range(10)
        for event in Validator(units=True).events(generate_bytes("835", 200, seed))
        if isinstance(event, SetEvent) and event.root is not None
        for h in [map_payment_header(event.root)]
    ]
    assert any(found), "no seed produced a PLB: the PLB part of the balance is untested"
