"""837P / 837I / 837D claims mapped to EncounterClaim records.

Expected values are read by hand from the files (sample_edi, tests/corpus, and the small
literal interchanges below) and written out literally.
"""

from __future__ import annotations

import ast
import dataclasses
import random
from dataclasses import MISSING
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CORPUS, SAMPLES

from mappings.common import (
    adjustments,
    amount,
    demographics,
    dtp_period,
    parse_date,
    parse_period,
    party,
)
from mappings.records import Adjustment, Diagnosis, EncounterClaim, EncounterLine, Party
from mappings.x837 import map_claim
from parsers import Loop, Segment, TransactionHeader, Unit, UnitEvent, Validator
from parsers.generate import generate_bytes


def _units(source: str | bytes) -> list[Unit]:
    return [ev.unit for ev in Validator(units=True).events(source) if isinstance(ev, UnitEvent)]


def _claims(source: str | bytes) -> list[EncounterClaim]:
    return [map_claim(unit) for unit in _units(source)]


def _summary(claims: list[EncounterClaim]) -> list[tuple[str, Decimal, int, int]]:
    return [(c.claim_id, c.total_charge, len(c.lines), c.line) for c in claims]


def _interchange(version: str, body: list[str]) -> bytes:
    """ISA/GS/ST + body + SE/GE/IEA, one segment a line (line N = segment N, ISA = 1)."""
    isa = (
        "ISA*00*          *00*          *ZZ*SUBMITTER9856  *ZZ*GPHP1EDI       "
        "*261007*1940*^*00501*000000901*0*T*:"
    )
    st = [f"ST*837*0901*{version}", *body]
    segments = [
        isa,
        f"GS*HC*SUBMITTER9856*GPHP1EDI*20261007*1940*901*X*{version}",
        *st,
        f"SE*{len(st) + 1}*0901",
        "GE*1*901",
        "IEA*1*000000901",
    ]
    return "".join(s + "~\n" for s in segments).encode()


# --- 837P --------------------------------------------------------------------------------


def test_837p_sample_claims() -> None:
    claims = _claims(str(SAMPLES / "837p" / "837p_valid_basic.x12"))
    assert _summary(claims) == [
        ("PCN267000032363", Decimal("312"), 4, 21),
        ("PCN267000032364", Decimal("203"), 2, 44),
        ("PCN267000032365", Decimal("187"), 2, 59),
        ("PCN267000032366", Decimal("25"), 1, 69),
        ("PCN267000032367", Decimal("354"), 4, 74),
    ]
    assert [c.member_id for c in claims] == [
        "96994177R",
        "97002096D",
        "97010015R",
        "97010015R",
        "97010015R",
    ]
    assert all(c.guide == "837P" for c in claims)


def test_837p_sample_first_claim_every_field() -> None:
    claim = _claims(str(SAMPLES / "837p" / "837p_valid_basic.x12"))[0]
    assert claim.guide == "837P"
    assert claim.claim_id == "PCN267000032363"
    assert claim.total_charge == Decimal("312")
    assert claim.frequency_code == "1"
    assert claim.facility_code == "11"
    assert claim.facility_qualifier == "B"
    assert claim.type_of_bill is None
    assert claim.place_of_service == "11"
    assert claim.original_claim_ref is None
    assert claim.prior_authorization is None
    assert claim.referral_number is None
    # no claim-level date in an 837P: the span of the line DTP*472 dates
    assert claim.service_date_from == date(2026, 9, 7)
    assert claim.service_date_to == date(2026, 9, 7)
    assert claim.admission_date is None
    assert claim.discharge_hour is None
    assert claim.patient_status is None
    assert claim.patient_amount_paid is None
    assert claim.billing == Party(
        role="billing",
        entity_type="2",
        last_name="SIERRA VISTA FAMILY MEDICINE",
        id_qualifier="XX",
        identifier="1551312931",
        npi="1551312931",
        tax_id="686359625",
        taxonomy="261QF0400X",
        address1="818 LUPINE HILL ST",
        city="SAN DIEGO",
        state="CA",
        postal_code="921041563",
        secondary_ids={"EI": "686359625"},
    )
    subscriber = Party(
        role="subscriber",
        entity_type="1",
        last_name="FARNSWICK",
        first_name="NADIA",
        id_qualifier="MI",
        identifier="96994177R",
        address1="2184 OAK MEADOW LN",
        city="SACRAMENTO",
        state="CA",
        postal_code="958004137",
    )
    assert claim.subscriber == subscriber
    subscriber.role = "patient"
    assert claim.patient == subscriber
    assert claim.payer == Party(
        role="payer",
        entity_type="2",
        last_name="GOLDEN POPPY HEALTH PLAN",
        id_qualifier="PI",
        identifier="GPHP1",
    )
    assert claim.patient_relationship == "18"
    assert claim.subscriber_group is None
    assert claim.claim_filing_indicator == "MC"
    assert claim.member_id == "96994177R"
    assert claim.patient_birth_date == date(1961, 3, 16)
    assert claim.patient_gender == "F"
    assert claim.providers == [
        Party(
            role="rendering",
            entity_type="1",
            last_name="DORVANTE",
            first_name="RAFAEL",
            id_qualifier="XX",
            identifier="1618117950",
            npi="1618117950",
            taxonomy="207R00000X",
        )
    ]
    assert claim.diagnoses == [Diagnosis(1, "ABK", "R109"), Diagnosis(2, "ABF", "J209")]
    assert [
        (ln.line_number, ln.procedure_qualifier, ln.procedure_code, ln.charge, ln.line)
        for ln in claim.lines
    ] == [
        (1, "HC", "81002", Decimal("12"), 25),
        (2, "HC", "99203", Decimal("160"), 28),
        (3, "HC", "99213", Decimal("125"), 31),
        (4, "HC", "36415", Decimal("15"), 34),
    ]
    for ln in claim.lines:
        assert ln.modifiers == []
        assert ln.revenue_code is None
        assert ln.unit_basis == "UN"
        assert ln.units == Decimal("1")
        assert ln.place_of_service is None
        assert ln.diagnosis_pointers == [1, 2]
        assert ln.service_date_from == ln.service_date_to == date(2026, 9, 7)
        assert ln.ndc is None and ln.ndc_quantity is None and ln.ndc_unit is None
        assert ln.line_control_number is None
        assert ln.tooth_numbers == [] and ln.oral_cavity_areas == []
        assert ln.rendering is None
    assert claim.prior_payers == []
    assert claim.line == 21


def test_837p_sample_claim_without_rendering_provider() -> None:
    claim = _claims(str(SAMPLES / "837p" / "837p_valid_basic.x12"))[3]
    assert claim.claim_id == "PCN267000032366"
    assert claim.subscriber.last_name == "ZELLANDO"
    assert claim.subscriber.first_name == "EDUARDO"
    assert claim.subscriber.middle_name == "T"
    assert claim.patient_birth_date == date(1953, 10, 5)
    assert claim.patient_gender == "M"
    assert claim.providers == []
    assert claim.diagnoses == [Diagnosis(1, "ABK", "Z0001"), Diagnosis(2, "ABF", "N390")]
    (line,) = claim.lines
    assert (line.procedure_code, line.charge, line.service_date_from) == (
        "90471",
        Decimal("25"),
        date(2026, 9, 9),
    )
    assert line.line == 71


_837P_FULL = [
    "BHT*0019*00*0901*20261007*1940*RP",
    "NM1*41*2*SYNTHETIC CLAIMS CLEARINGHOUSE*****46*SUB323355",
    "PER*IC*EDI SUPPORT*TE*9165550104",
    "NM1*40*2*GOLDEN POPPY HEALTH PLAN*****46*GPHP1",
    "HL*1**20*1",
    "PRV*BI*PXC*261QF0400X",
    "NM1*85*2*SIERRA VISTA FAMILY MEDICINE*****XX*1551312931",
    "N3*818 LUPINE HILL ST*SUITE 200",
    "N4*SAN DIEGO*CA*921041563",
    "REF*EI*686359625",
    "HL*2*1*22*1",
    "SBR*P**GRP77******MC",
    "NM1*IL*1*ROSALVEN*MARCO*T**JR*MI*91234567A",
    "NM1*PR*2*GOLDEN POPPY HEALTH PLAN*****PI*GPHP1",
    "REF*G2*PROV778",
    "HL*3*2*23*0",
    "PAT*19",
    "NM1*QC*1*ROSALVEN*LUCIA",
    "N3*12 CEDAR CT",
    "N4*FRESNO*CA*937011234",
    "DMG*D8*20150704*F",
    "CLM*PCN900001*350.50***11:B:7*Y*A*Y*Y",  # line 25
    "AMT*F5*20.00",
    "REF*9F*REF123",
    "REF*G1*AUTH5566",
    "REF*F8*ICN0001",
    "HI*ABK:J4520*ABF:R062",
    "NM1*DN*1*WELBORNE*ANNA****XX*1234567893",
    "NM1*82*1*DORVANTE*RAFAEL****XX*1618117950",
    "PRV*PE*PXC*207R00000X",
    "REF*G2*R5566",
    "NM1*77*2*SIERRA VISTA ANNEX*****XX*1003000126",
    "N3*900 ANNEX WAY",
    "N4*SAN DIEGO*CA*921041000",
    "NM1*DQ*1*HARROVAL*PEDRO****XX*1497758544",
    "NM1*PW*2",
    "N3*1 PICKUP RD",
    "N4*SAN DIEGO*CA*92104",
    "NM1*45*2*MERCY GENERAL",
    "N3*2 DROPOFF AVE",
    "N4*SAN DIEGO*CA*92105",
    "SBR*S*01*OTHERGRP******CI",
    "CAS*CO*45*30.50*1*253*2.00",
    "CAS*PR*2*18.00",
    "AMT*D*300.00",
    "AMT*EAF*18.00",
    "OI***Y*P**Y",
    "NM1*IL*1*ROSALVEN*MARCO****MI*OTH998877",
    "NM1*PR*2*BLUE SIERRA INSURANCE*****PI*BSI01",
    "DTP*573*D8*20261001",
    "LX*1",  # line 54
    "SV1*HC:99214:25:59:XE:GT*200.50*UN*1***1:2",
    "DTP*472*D8*20260905",
    "REF*6R*LINE0001",
    "NM1*82*1*ALDERANE*HECTOR****XX*1881697561",
    "PRV*PE*PXC*207Q00000X",
    "SVD*BSI01*170.00*HC:99214:25**1",
    "CAS*CO*45*30.50",
    "DTP*573*D8*20261001",
    "LX*2",  # line 63
    "SV1*HC:J1885*150*UN*2*11**1",
    "DTP*472*RD8*20260906-20260908",
    "LIN**N4*00409378501",
    "CTP****2*UN",
    "SVD*BSI01*130.00*HC:J1885**2*1",
    "CAS*CO*45*20.00",
    "DTP*573*D8*20261002",
]


def test_837p_dependent_patient_references_providers_and_cob() -> None:
    (claim,) = _claims(_interchange("005010X222A1", _837P_FULL))
    assert claim.claim_id == "PCN900001"
    assert claim.total_charge == Decimal("350.50")
    assert claim.frequency_code == "7"
    assert claim.place_of_service == "11"
    assert claim.type_of_bill is None
    assert claim.original_claim_ref == "ICN0001"
    assert claim.prior_authorization == "AUTH5566"
    assert claim.referral_number == "REF123"
    assert claim.patient_amount_paid == Decimal("20.00")
    assert claim.service_date_from == date(2026, 9, 5)  # min of the line dates
    assert claim.service_date_to == date(2026, 9, 8)  # max (RD8 end of line 2)
    assert claim.billing.address2 == "SUITE 200"
    assert claim.subscriber == Party(
        role="subscriber",
        entity_type="1",
        last_name="ROSALVEN",
        first_name="MARCO",
        middle_name="T",
        suffix="JR",
        id_qualifier="MI",
        identifier="91234567A",
    )
    assert claim.patient == Party(
        role="patient",
        entity_type="1",
        last_name="ROSALVEN",
        first_name="LUCIA",
        address1="12 CEDAR CT",
        city="FRESNO",
        state="CA",
        postal_code="937011234",
    )
    assert claim.payer.secondary_ids == {"G2": "PROV778"}
    assert claim.patient_relationship == "19"  # PAT01
    assert claim.subscriber_group == "GRP77"
    assert claim.claim_filing_indicator == "MC"
    assert claim.member_id == "91234567A"
    assert claim.patient_birth_date == date(2015, 7, 4)
    assert claim.patient_gender == "F"
    assert [(p.role, p.last_name, p.npi) for p in claim.providers] == [
        ("referring", "WELBORNE", "1234567893"),
        ("rendering", "DORVANTE", "1618117950"),
        ("service_facility", "SIERRA VISTA ANNEX", "1003000126"),
        ("supervising", "HARROVAL", "1497758544"),
        ("ambulance_pickup", None, None),
        ("ambulance_dropoff", "MERCY GENERAL", None),
    ]
    rendering = claim.providers[1]
    assert rendering.taxonomy == "207R00000X"
    assert rendering.secondary_ids == {"G2": "R5566"}
    facility = claim.providers[2]
    assert (facility.address1, facility.city, facility.state, facility.postal_code) == (
        "900 ANNEX WAY",
        "SAN DIEGO",
        "CA",
        "921041000",
    )
    assert claim.providers[4].address1 == "1 PICKUP RD"
    assert claim.diagnoses == [Diagnosis(1, "ABK", "J4520"), Diagnosis(2, "ABF", "R062")]

    first, second = claim.lines
    assert (first.line_number, first.line) == (1, 54)
    assert first.procedure_qualifier == "HC"
    assert first.procedure_code == "99214"
    assert first.modifiers == ["25", "59", "XE", "GT"]
    assert first.charge == Decimal("200.50")
    assert first.unit_basis == "UN"
    assert first.units == Decimal("1")
    assert first.place_of_service is None
    assert first.diagnosis_pointers == [1, 2]
    assert first.service_date_from == first.service_date_to == date(2026, 9, 5)
    assert first.line_control_number == "LINE0001"
    assert first.ndc is None
    assert first.rendering == Party(
        role="rendering",
        entity_type="1",
        last_name="ALDERANE",
        first_name="HECTOR",
        id_qualifier="XX",
        identifier="1881697561",
        npi="1881697561",
        taxonomy="207Q00000X",
    )
    assert (second.line_number, second.line) == (2, 63)
    assert (second.procedure_code, second.modifiers) == ("J1885", [])
    assert second.charge == Decimal("150")
    assert second.units == Decimal("2")
    assert second.place_of_service == "11"
    assert second.diagnosis_pointers == [1]
    assert second.service_date_from == date(2026, 9, 6)
    assert second.service_date_to == date(2026, 9, 8)
    assert second.ndc == "00409378501"
    assert second.ndc_quantity == Decimal("2")
    assert second.ndc_unit == "UN"
    assert second.line_control_number is None
    assert second.rendering is None

    (other,) = claim.prior_payers
    assert other.sequence == "S"
    assert other.payer_name == "BLUE SIERRA INSURANCE"
    assert other.payer_id == "BSI01"
    assert other.paid_amount == Decimal("300.00")
    assert other.remaining_patient_liability == Decimal("18.00")
    assert other.adjudication_date == date(2026, 10, 1)  # 2330B DTP*573
    assert other.claim_adjustments == [
        Adjustment("CO", "45", Decimal("30.50"), Decimal("1")),
        Adjustment("CO", "253", Decimal("2.00")),
        Adjustment("PR", "2", Decimal("18.00")),
    ]
    # line 2's SVD06 = 1: bundled into line 1
    assert other.line_paid == {1: Decimal("300.00")}
    assert other.line_adjustments == {
        1: [Adjustment("CO", "45", Decimal("30.50")), Adjustment("CO", "45", Decimal("20.00"))]
    }
    assert claim.line == 25


def test_837p_cob_lfh_example3_b() -> None:
    # The file is 005010X222A2, which the parser does not read; the content is also valid
    # X222A1, so the version strings are swapped (same length: line numbers unchanged).
    data = (CORPUS / "837p" / "lfh_cob_example3_B.x12").read_bytes()
    (claim,) = _claims(data.replace(b"005010X222A2", b"005010X222A1"))
    assert claim.claim_id == "26407789"
    assert claim.total_charge == Decimal("79.04")
    assert (claim.frequency_code, claim.facility_code, claim.facility_qualifier) == ("1", "11", "B")
    assert claim.line == 31
    assert claim.billing == Party(
        role="billing",
        entity_type="1",
        last_name="KILDARE",
        first_name="BEN",
        id_qualifier="XX",
        identifier="1999996666",
        npi="1999996666",
        tax_id="123456789",
        address1="1234 SEAWAY ST",
        city="MIAMI",
        state="FL",
        postal_code="33111",
        secondary_ids={"EI": "123456789"},
        contacts=[["PER", "IC", "CONNIE", "TE", "3055551234"]],  # 2010AA, as sent
    )
    assert claim.subscriber == Party(
        role="subscriber",
        entity_type="1",
        last_name="SMITH",
        first_name="JACK",
        id_qualifier="MI",
        identifier="222334444",
    )
    assert claim.member_id == "222334444"
    assert (claim.patient.last_name, claim.patient.first_name) == ("SMITH", "TED")
    assert claim.patient.address1 == "236 N MAIN ST"
    assert claim.patient.postal_code == "33413"
    assert claim.patient_birth_date == date(1973, 5, 1)  # 2010CA DMG, not the subscriber's
    assert claim.patient_gender == "M"
    assert claim.patient_relationship == "19"
    assert claim.claim_filing_indicator == "CI"
    assert claim.subscriber_group is None
    assert claim.payer == Party(
        role="payer",
        entity_type="2",
        last_name="GREAT PRAIRIES HEALTH",
        id_qualifier="PI",
        identifier="567890",
        address1="4456 SOUTH SHORE BLVD",
        city="CHICAGO",
        state="IL",
        postal_code="44444",
        secondary_ids={"G2": "567890"},
    )
    # the billing provider's 2010AB pay-to address first, then the 2310 providers
    assert [(p.role, p.npi) for p in claim.providers] == [
        ("pay_to", None),
        ("rendering", "1999996666"),
        ("service_facility", "1581234567"),
    ]
    assert claim.providers[1].taxonomy == "204C00000X"
    assert claim.providers[1].secondary_ids == {"G2": "88877"}
    assert claim.diagnoses == [
        Diagnosis(1, "BK", "4779"),
        Diagnosis(2, "BF", "2724"),
        Diagnosis(3, "BF", "2780"),
        Diagnosis(4, "BF", "53081"),
    ]
    assert [
        (ln.line_number, ln.procedure_code, ln.charge, ln.units, ln.diagnosis_pointers, ln.line)
        for ln in claim.lines
    ] == [
        (1, "99213", Decimal("43.00"), Decimal("1.00"), [1, 2, 3, 4], 48),
        (2, "90782", Decimal("15.00"), Decimal("1.00"), [1, 2], 54),
        (3, "J3301", Decimal("21.04"), Decimal("1.00"), [1, 2], 59),
    ]
    assert all(ln.service_date_from == date(2005, 10, 3) for ln in claim.lines)
    assert claim.service_date_from == claim.service_date_to == date(2005, 10, 3)
    (other,) = claim.prior_payers
    assert other.sequence == "P"
    assert other.payer_name == "KEY INSURANCE COMPANY"
    assert other.payer_id == "999996666"
    assert other.paid_amount == Decimal("39.15")
    assert other.remaining_patient_liability == Decimal("36.89")
    # no DTP*573 in 2330B: the latest 2430 DTP*573
    assert other.adjudication_date == date(2005, 10, 15)
    assert other.claim_adjustments == [
        Adjustment("PR", "1", Decimal("21.89")),
        Adjustment("PR", "2", Decimal("15.00")),
    ]
    assert other.line_paid == {1: Decimal("40.00"), 2: Decimal("15.00"), 3: Decimal("21.04")}
    assert other.line_adjustments == {1: [Adjustment("CO", "42", Decimal("3.00"))]}


def test_837p_cob_ims_complex() -> None:
    claims = _claims(str(CORPUS / "837p" / "ims_complex.x12"))
    assert _summary(claims) == [
        ("A37YH556", Decimal("500"), 2, 27),
        ("A37YH667", Decimal("500"), 1, 76),
        ("A37YH668", Decimal("500"), 2, 131),
        ("A37YH556", Decimal("500"), 2, 174),
        ("A37YH667", Decimal("500"), 1, 223),
        ("A37YH668", Decimal("500"), 2, 278),
    ]
    first, second, third = claims[:3]

    # HI*BK*8901*BF*87200*BF:5559: only the last element is a qualifier:code composite
    assert first.diagnoses == [Diagnosis(1, "BF", "5559")]
    assert first.billing.taxonomy == "207Q"
    assert first.subscriber.suffix == "JR"
    assert first.subscriber_group == "SUBSCRIBER GROUP"
    assert first.patient_relationship is None  # SBR02 empty and no 2000C
    assert first.patient.last_name == "DOE" and first.patient.first_name == "JOHN"
    assert [(p.role, p.last_name) for p in first.providers] == [
        ("pay_to", None),
        ("pay_to_plan", "NAME"),  # 2010AC
        ("referring", "WELBY"),
        ("referring", "QELBY"),
        ("rendering", "2310B1"),
        ("service_facility", "2310C1"),
    ]
    assert first.providers[4].id_qualifier == "X"
    assert first.providers[4].npi is None  # NM108 is X, not XX
    assert [(p.sequence, p.payer_name, p.payer_id) for p in first.prior_payers] == [
        ("S", "2330B1", "1234567890"),
        ("S", "2330B3", "1234567890"),
        ("S", "2330B4", "1234567890"),
    ]
    line = first.lines[0]
    assert line.modifiers == ["25"]
    assert line.place_of_service == "11"
    assert line.ndc == "3920293"
    assert line.ndc_quantity == Decimal("2")
    assert line.ndc_unit == "UN"
    assert first.service_date_from == date(2015, 3, 30)
    assert first.service_date_to == date(2015, 3, 31)

    assert second.patient_relationship == "01"
    assert (second.patient.last_name, second.patient.first_name) == ("JONES", "STEVEN")
    assert second.patient.city == "STEVEN CITY"
    assert second.patient_birth_date == date(1989, 9, 16)
    assert second.subscriber.first_name == "DAVID"
    assert second.payer.last_name == "HEALTH INSURANCE COMPANY TWO"
    assert [p.role for p in second.providers] == [
        "pay_to",
        "pay_to_plan",
        "referring",
        "service_facility",
        "supervising",
        "ambulance_pickup",
        "ambulance_dropoff",
    ]
    assert second.providers[4].last_name == "2310D1"
    assert second.providers[5].address1 == "2310E STREET 1"
    assert second.providers[6].city == "2310F CITY 1"
    (line,) = second.lines
    assert line.line_number == 3 and line.line == 105
    assert line.procedure_code == "478331"
    assert line.diagnosis_pointers == [1, 2, 3]
    assert line.rendering is not None
    assert line.rendering.last_name == "2420A"
    assert line.rendering.npi == "303304"
    assert line.rendering.taxonomy == "2420A"
    (other,) = second.prior_payers
    assert (other.sequence, other.payer_name, other.payer_id) == ("S", "2330B2", "1234567890")
    assert other.paid_amount is None and other.remaining_patient_liability is None
    # SVD*43*55: SVD01 does not match the one 2330B id, so it goes to the only other payer
    assert other.line_paid == {3: Decimal("55")}
    assert other.line_adjustments == {}
    assert other.adjudication_date == date(2020, 7, 28)

    assert [ln.line_number for ln in third.lines] == [4, 5]
    assert [ln.charge for ln in third.lines] == [Decimal("12.30"), Decimal("12.31")]
    assert third.prior_payers == []


# --- 837I --------------------------------------------------------------------------------


def test_837i_sample_claims() -> None:
    claims = _claims(str(SAMPLES / "837i" / "837i_valid_basic.x12"))
    assert _summary(claims) == [
        ("PCN153000889365", Decimal("180"), 1, 21),
        ("PCN153000889366", Decimal("2785"), 3, 30),
        ("PCN153000889367", Decimal("1000"), 2, 55),
        ("PCN153000889368", Decimal("500"), 2, 67),
    ]
    assert [c.type_of_bill for c in claims] == ["131", "111", "131", "131"]
    assert [c.member_id for c in claims] == ["98516904M", "98516904M", "98524823G", "98524823G"]
    assert [[p.role for p in c.providers] for c in claims] == [["attending"]] * 4


def test_837i_sample_inpatient_claim_every_field() -> None:
    claim = _claims(str(SAMPLES / "837i" / "837i_valid_basic.x12"))[1]
    assert claim.guide == "837I"
    assert claim.claim_id == "PCN153000889366"
    assert claim.total_charge == Decimal("2785")
    assert claim.frequency_code == "1"
    assert claim.facility_code == "11"
    assert claim.facility_qualifier == "A"
    assert claim.type_of_bill == "111"
    assert claim.place_of_service is None
    assert claim.original_claim_ref is None
    assert claim.prior_authorization is None
    assert claim.referral_number is None
    assert claim.service_date_from == date(2026, 11, 23)  # DTP*434 RD8
    assert claim.service_date_to == date(2026, 11, 24)
    assert claim.admission_date == date(2026, 11, 23)  # DTP*435 DT 202611232353
    assert claim.discharge_hour == "1430"
    assert claim.patient_status == "01"
    assert claim.patient_amount_paid is None
    assert claim.billing == Party(
        role="billing",
        entity_type="2",
        last_name="SIERRA VISTA MEDICAL CENTER",
        id_qualifier="XX",
        identifier="1111909655",
        npi="1111909655",
        tax_id="953752187",
        taxonomy="282N00000X",
        address1="8145 SYCAMORE BEND CT",
        city="SALINAS",
        state="CA",
        postal_code="939354190",
        secondary_ids={"EI": "953752187"},
    )
    subscriber = Party(
        role="subscriber",
        entity_type="1",
        last_name="FARNSWICK",
        first_name="DAVID",
        id_qualifier="MI",
        identifier="98516904M",
        address1="6703 POPPY FIELD WAY",
        city="SALINAS",
        state="CA",
        postal_code="939359202",
    )
    assert claim.subscriber == subscriber
    subscriber.role = "patient"
    assert claim.patient == subscriber
    assert claim.payer.last_name == "GOLDEN POPPY HEALTH PLAN"
    assert claim.payer.identifier == "GPHP1"
    assert claim.patient_relationship == "18"
    assert claim.subscriber_group is None
    assert claim.claim_filing_indicator == "MC"
    assert claim.member_id == "98516904M"
    assert claim.patient_birth_date == date(1971, 7, 5)
    assert claim.patient_gender == "M"
    assert claim.providers == [
        Party(
            role="attending",
            entity_type="1",
            last_name="CALDERONI",
            first_name="KAREN",
            id_qualifier="XX",
            identifier="2171116793",
            npi="2171116793",
            taxonomy="207P00000X",
        )
    ]
    assert claim.diagnoses == [
        Diagnosis(1, "ABK", "A419"),
        Diagnosis(2, "ABJ", "I214"),
        Diagnosis(3, "ABF", "E785"),
        Diagnosis(4, "ABF", "R109"),
        Diagnosis(5, "ABF", "N390"),
    ]
    rows = [
        (
            ln.line_number,
            ln.revenue_code,
            ln.procedure_qualifier,
            ln.procedure_code,
            ln.charge,
            ln.unit_basis,
            ln.units,
            ln.service_date_from,
            ln.service_date_to,
            ln.line,
        )
        for ln in claim.lines
    ]
    assert rows == [
        # room and board: no DTP*472, so the statement period
        (1, "0120", None, None, Decimal("2400"), "DA", Decimal("1"), date(2026, 11, 23),
         date(2026, 11, 24), 40),
        (2, "0320", "HC", "71046", Decimal("320"), "UN", Decimal("1"), date(2026, 11, 24),
         date(2026, 11, 24), 42),
        (3, "0305", "HC", "85025", Decimal("65"), "UN", Decimal("1"), date(2026, 11, 24),
         date(2026, 11, 24), 45),
    ]  # fmt: skip
    for ln in claim.lines:
        assert ln.modifiers == [] and ln.diagnosis_pointers == []
        assert ln.place_of_service is None and ln.rendering is None
    assert claim.prior_payers == []
    assert claim.line == 30


def test_837i_sample_outpatient_claim() -> None:
    claim = _claims(str(SAMPLES / "837i" / "837i_valid_basic.x12"))[3]
    assert claim.claim_id == "PCN153000889368"
    assert claim.type_of_bill == "131"
    assert claim.service_date_from == claim.service_date_to == date(2026, 11, 8)
    assert claim.admission_date is None and claim.discharge_hour is None
    assert claim.patient_status == "01"
    assert claim.subscriber.last_name == "PELLAVIA"
    assert claim.subscriber.middle_name == "N"
    assert claim.patient_birth_date == date(1991, 8, 25)
    assert claim.patient_gender == "F"
    assert claim.diagnoses == [
        Diagnosis(1, "ABK", "Z23"),
        Diagnosis(2, "ABF", "E785"),
        Diagnosis(3, "ABF", "Z0001"),
    ]
    assert claim.providers[0].last_name == "CALDERONI"
    assert claim.providers[0].first_name == "JASMINE"
    assert claim.providers[0].taxonomy == "207P00000X"
    assert [(ln.revenue_code, ln.procedure_code, ln.charge) for ln in claim.lines] == [
        ("0320", "71046", Decimal("320")),
        ("0730", "93005", Decimal("180")),
    ]


_837I_FULL = [
    "BHT*0019*00*0902*20261212*1217*CH",
    "NM1*41*2*SYNTHETIC CLAIMS CLEARINGHOUSE*****46*SUB183719",
    "PER*IC*EDI SUPPORT*TE*9165550163",
    "NM1*40*2*GOLDEN POPPY HEALTH PLAN*****46*GPHP1",
    "HL*1**20*1",
    "NM1*85*2*SIERRA VISTA MEDICAL CENTER*****XX*1111909655",
    "N3*8145 SYCAMORE BEND CT",
    "N4*SALINAS*CA*939354190",
    "REF*EI*953752187",
    "HL*2*1*22*0",
    "SBR*P*18*GRP12******MC",
    "NM1*IL*1*FARNSWICK*DAVID****MI*98516904M",
    "N3*6703 POPPY FIELD WAY",
    "N4*SALINAS*CA*939359202",
    "DMG*D8*19710705*M",
    "NM1*PR*2*GOLDEN POPPY HEALTH PLAN*****PI*GPHP1",
    "CLM*PCN900002*1500***11:A:7**A*Y*Y",  # line 20
    "DTP*096*TM*0915",
    "DTP*434*RD8*20261101-20261103",
    "DTP*435*D8*20261101",
    "CL1*1*1*01",
    "REF*9F*IREF9",
    "REF*G1*PA4455",
    "REF*F8*ICN7788",
    "HI*ABK:I214:::::::Y",
    "HI*ABJ:R079",
    "HI*APR:R0789",
    "HI*ABF:E119:::::::N*ABF:I10:::::::U",
    "HI*BE:80:::3",
    "HI*BG:01",
    "NM1*71*1*CALDERONI*KAREN****XX*2171116793",
    "PRV*AT*PXC*207P00000X",
    "NM1*72*1*OPERA*OSCAR****XX*1245319599",
    "NM1*ZZ*1*SEGUNDO*ROSA****XX*1679576722",
    "NM1*82*1*RENDA*LUIS****XX*1932102084",
    "NM1*77*2*SALINAS ANNEX*****XX*1003000126",
    "N3*10 ANNEX RD",
    "N4*SALINAS*CA*939010000",
    "NM1*DN*1*REFERA*MAYA****XX*1326094152",
    "LX*1",  # line 43
    "SV2*0120**1200*DA*2",
    "LX*2",  # line 45
    "SV2*0636*HC:J1885:JW*300*UN*3",
    "DTP*472*D8*20261102",
    "REF*6R*ILINE2",
    "LIN**N4*00409378501",
    "CTP****3*ML",
    "NM1*82*1*RENDA*LUIS****XX*1932102084",
]


def test_837i_roles_present_on_admission_and_line_details() -> None:
    (claim,) = _claims(_interchange("005010X223A2", _837I_FULL))
    assert claim.claim_id == "PCN900002"
    assert claim.total_charge == Decimal("1500")
    assert claim.type_of_bill == "117"
    assert claim.frequency_code == "7"
    assert claim.place_of_service is None
    assert claim.original_claim_ref == "ICN7788"
    assert claim.prior_authorization == "PA4455"
    assert claim.referral_number == "IREF9"
    assert claim.service_date_from == date(2026, 11, 1)
    assert claim.service_date_to == date(2026, 11, 3)
    assert claim.admission_date == date(2026, 11, 1)
    assert claim.discharge_hour == "0915"
    assert claim.patient_status == "01"
    assert claim.patient_amount_paid is None  # the 837I has no AMT*F5
    assert claim.subscriber_group == "GRP12"
    assert [(p.role, p.last_name, p.npi) for p in claim.providers] == [
        ("attending", "CALDERONI", "2171116793"),
        ("operating", "OPERA", "1245319599"),
        ("other_operating", "SEGUNDO", "1679576722"),
        ("rendering", "RENDA", "1932102084"),
        ("service_facility", "SALINAS ANNEX", "1003000126"),
        ("referring", "REFERA", "1326094152"),
    ]
    assert claim.providers[4].address1 == "10 ANNEX RD"
    # value (BE) and condition (BG) codes are not diagnoses
    assert claim.diagnoses == [
        Diagnosis(1, "ABK", "I214", "Y"),
        Diagnosis(2, "ABJ", "R079"),
        Diagnosis(3, "APR", "R0789"),
        Diagnosis(4, "ABF", "E119", "N"),
        Diagnosis(5, "ABF", "I10", "U"),
    ]
    first, second = claim.lines
    assert (first.line_number, first.revenue_code, first.procedure_code) == (1, "0120", None)
    assert (first.charge, first.unit_basis, first.units) == (Decimal("1200"), "DA", Decimal("2"))
    assert (first.service_date_from, first.service_date_to) == (
        date(2026, 11, 1),
        date(2026, 11, 3),
    )
    assert first.line == 43
    assert second.line == 45
    assert second.revenue_code == "0636"
    assert (second.procedure_qualifier, second.procedure_code) == ("HC", "J1885")
    assert second.modifiers == ["JW"]
    assert (second.charge, second.unit_basis, second.units) == (Decimal("300"), "UN", Decimal("3"))
    assert second.service_date_from == second.service_date_to == date(2026, 11, 2)
    assert second.line_control_number == "ILINE2"
    assert (second.ndc, second.ndc_quantity, second.ndc_unit) == (
        "00409378501",
        Decimal("3"),
        "ML",
    )
    assert second.rendering is not None
    assert (second.rendering.role, second.rendering.npi) == ("rendering", "1932102084")
    assert claim.line == 20


# --- 837D --------------------------------------------------------------------------------


def test_837d_sample_subscriber_patient() -> None:
    claims = _claims(str(SAMPLES / "837d" / "837d_valid_subscriber_patient.x12"))
    assert _summary(claims) == [
        ("PCN1001", Decimal("305"), 2, 21),
        ("PCN1002", Decimal("239"), 3, 32),
    ]
    first, claim = claims
    assert [(ln.procedure_code, ln.charge, ln.tooth_numbers) for ln in first.lines] == [
        ("D2393", Decimal("185"), ["3"]),
        ("D2391", Decimal("120"), ["30"]),
    ]
    assert first.service_date_from == date(2024, 1, 10)

    assert claim.guide == "837D"
    assert claim.claim_id == "PCN1002"
    assert claim.total_charge == Decimal("239")
    assert (claim.frequency_code, claim.facility_code, claim.facility_qualifier) == ("1", "11", "B")
    assert claim.place_of_service == "11"
    assert claim.type_of_bill is None
    assert claim.original_claim_ref is None
    assert claim.prior_authorization is None
    assert claim.referral_number is None
    assert claim.service_date_from == claim.service_date_to == date(2024, 1, 12)
    assert claim.admission_date is None
    assert claim.discharge_hour is None
    assert claim.patient_status is None
    assert claim.patient_amount_paid is None
    assert claim.billing == Party(
        role="billing",
        entity_type="2",
        last_name="MAPLE GROVE DENTAL",
        id_qualifier="XX",
        identifier="1999999901",
        npi="1999999901",
        tax_id="990000001",
        taxonomy="1223G0001X",
        address1="100 EXAMPLE STREET",
        city="SPRINGFIELD",
        state="IL",
        postal_code="627011234",
        secondary_ids={"EI": "990000001"},
    )
    subscriber = Party(
        role="subscriber",
        entity_type="1",
        last_name="SAMPLE",
        first_name="ALEX",
        id_qualifier="MI",
        identifier="MBR900001",
        address1="200 TEST AVENUE",
        city="SPRINGFIELD",
        state="IL",
        postal_code="627021234",
    )
    assert claim.subscriber == subscriber
    subscriber.role = "patient"
    assert claim.patient == subscriber
    assert claim.payer == Party(
        role="payer",
        entity_type="2",
        last_name="EXAMPLE DENTAL PLAN",
        id_qualifier="PI",
        identifier="EXDP1",
    )
    assert claim.patient_relationship == "18"
    assert claim.subscriber_group == "GRP10001"
    assert claim.claim_filing_indicator == "CI"
    assert claim.member_id == "MBR900001"
    assert claim.patient_birth_date == date(1980, 1, 1)
    assert claim.patient_gender == "M"
    assert claim.providers == [
        Party(
            role="rendering",
            entity_type="1",
            last_name="EXAMPLE",
            first_name="JORDAN",
            id_qualifier="XX",
            identifier="1888888819",
            npi="1888888819",
            taxonomy="1223G0001X",
        )
    ]
    assert claim.diagnoses == [Diagnosis(1, "ABK", "K0262"), Diagnosis(2, "ABF", "K0251")]
    rows = [
        (
            ln.line_number,
            ln.procedure_qualifier,
            ln.procedure_code,
            ln.charge,
            ln.units,
            ln.diagnosis_pointers,
            ln.tooth_numbers,
            ln.line,
        )
        for ln in claim.lines
    ]
    assert rows == [
        (1, "AD", "D7140", Decimal("95.50"), Decimal("1"), [1], ["A"], 37),
        (2, "AD", "D7140", Decimal("95.50"), Decimal("1"), [1], ["B"], 40),
        (3, "AD", "D1351", Decimal("48"), None, [2], ["19"], 43),
    ]
    for ln in claim.lines:
        assert ln.modifiers == [] and ln.oral_cavity_areas == []
        assert ln.unit_basis is None and ln.place_of_service is None
        assert ln.revenue_code is None and ln.ndc is None and ln.line_control_number is None
        # no line DTP*472: the claim's
        assert ln.service_date_from == ln.service_date_to == date(2024, 1, 12)
        assert ln.rendering is None
    assert claim.prior_payers == []
    assert claim.line == 32


def test_837d_sample_dependent() -> None:
    (claim,) = _claims(str(SAMPLES / "837d" / "837d_valid_dependent.x12"))
    assert claim.claim_id == "PCN2001"
    assert claim.total_charge == Decimal("5950")
    assert claim.line == 24
    assert claim.service_date_from == claim.service_date_to == date(2024, 1, 8)
    assert claim.subscriber == Party(
        role="subscriber",
        entity_type="1",
        last_name="SAMPLE",
        first_name="MORGAN",
        id_qualifier="MI",
        identifier="MBR900002",
    )
    assert claim.member_id == "MBR900002"
    assert claim.patient == Party(
        role="patient",
        entity_type="1",
        last_name="SAMPLE",
        first_name="RILEY",
        address1="300 TEST LANE",
        city="SPRINGFIELD",
        state="IL",
        postal_code="627031234",
    )
    assert claim.patient_birth_date == date(2010, 6, 15)
    assert claim.patient_gender == "F"
    assert claim.patient_relationship == "19"  # PAT01 (SBR02 is empty)
    assert claim.subscriber_group == "GRP20002"
    assert claim.claim_filing_indicator == "CI"
    assert claim.payer.identifier == "EXDP1"
    assert claim.diagnoses == [Diagnosis(1, "ABK", "M2629")]
    assert [(p.role, p.last_name, p.npi, p.taxonomy) for p in claim.providers] == [
        ("rendering", "EXAMPLE", "1777777727", "1223X0400X")
    ]
    assert [
        (ln.line_number, ln.procedure_code, ln.charge, ln.units, ln.tooth_numbers, ln.line)
        for ln in claim.lines
    ] == [
        (1, "D8080", Decimal("4800"), Decimal("1"), [], 34),
        (2, "D2740", Decimal("1150"), Decimal("1"), ["8"], 36),
    ]
    assert all(ln.diagnosis_pointers == [1] for ln in claim.lines)


def test_837d_invalid_sample_maps_what_is_there() -> None:
    (claim,) = _claims(str(SAMPLES / "837d" / "837d_invalid.x12"))
    assert claim.claim_id == "PCN2001"
    assert claim.total_charge == Decimal("5950")
    assert claim.billing.postal_code is None  # the 2010AA N4 is missing
    assert claim.billing.address1 == "100 EXAMPLE STREET"
    assert [ln.line_number for ln in claim.lines] == [1, 2]
    assert claim.lines[1].procedure_code == "D2740"
    assert claim.lines[1].charge == Decimal("1150")


_837D_FULL = [
    "BHT*0019*00*0903*20240115*1230*CH",
    "NM1*41*2*MAPLE GROVE DENTAL BILLING*****46*DSUB0001",
    "PER*IC*PAT CLERK*TE*5555550100",
    "NM1*40*2*EXAMPLE DENTAL PLAN*****46*DPAY0001",
    "HL*1**20*1",
    "PRV*BI*PXC*1223G0001X",
    "NM1*85*2*MAPLE GROVE DENTAL*****XX*1999999901",
    "N3*100 EXAMPLE STREET",
    "N4*SPRINGFIELD*IL*627011234",
    "REF*EI*990000001",
    "HL*2*1*22*0",
    "SBR*P*18*GRP30003******MC",
    "NM1*IL*1*SAMPLE*ALEX****MI*91112223C",
    "N3*200 TEST AVENUE",
    "N4*SPRINGFIELD*IL*627021234",
    "DMG*D8*19800101*M",
    "NM1*PR*2*EXAMPLE DENTAL PLAN*****PI*EXDP1",
    "CLM*PCN3001*620***11:B:8*Y*A*Y*Y",  # line 21
    "DTP*472*RD8*20240105-20240112",
    "AMT*F5*15",
    "REF*F8*DICN42",
    "REF*9F*DREF7",
    "REF*G1*DAUTH8",
    "HI*ABK:K0252*ABF:K0262",
    "NM1*DN*1*REFERRER*JO****XX*1234567893",
    "NM1*82*1*EXAMPLE*JORDAN****XX*1888888819",
    "PRV*PE*PXC*1223G0001X",
    "NM1*DD*1*HELPER*SAM****XX*1497758544",
    "NM1*DQ*1*BOSS*PAT****XX*1881697561",
    "SBR*S*01*OTHERDENT******CI",
    "CAS*PR*1*25*1*3*10",
    "AMT*D*400",
    "OI***Y***Y",
    "NM1*IL*1*SAMPLE*ALEX****MI*ODX55",
    "NM1*PR*2*OTHER DENTAL CO*****PI*ODC9",
    "LX*1",  # line 39
    "SV3*AD:D4341:GT*500*02*01:10:20:30:40**2*****1:2",
    "DTP*472*D8*20240105",
    "REF*6R*DL1",
    "NM1*82*1*ALTERNATE*ROBIN****XX*1245319599",
    "PRV*PE*PXC*1223P0221X",
    "SVD*ODC9*350*AD:D4341**2",
    "CAS*CO*45*150",
    "DTP*573*D8*20240201",
    "LX*2",  # line 48
    "SV3*AD:D2391*120*********1",
    "TOO*JP*3*M:O",
    "TOO*JP*14*O",
]


def test_837d_roles_oral_cavity_teeth_and_cob() -> None:
    (claim,) = _claims(_interchange("005010X224A2", _837D_FULL))
    assert claim.claim_id == "PCN3001"
    assert claim.total_charge == Decimal("620")
    assert claim.frequency_code == "8"
    assert claim.place_of_service == "11"
    assert claim.original_claim_ref == "DICN42"
    assert claim.referral_number == "DREF7"
    assert claim.prior_authorization == "DAUTH8"
    assert claim.patient_amount_paid == Decimal("15")
    assert claim.service_date_from == date(2024, 1, 5)  # claim DTP*472 RD8
    assert claim.service_date_to == date(2024, 1, 12)
    assert claim.member_id == "91112223C"
    assert claim.claim_filing_indicator == "MC"
    assert [(p.role, p.last_name) for p in claim.providers] == [
        ("referring", "REFERRER"),
        ("rendering", "EXAMPLE"),
        ("assistant_surgeon", "HELPER"),
        ("supervising", "BOSS"),
    ]
    assert claim.diagnoses == [Diagnosis(1, "ABK", "K0252"), Diagnosis(2, "ABF", "K0262")]
    first, second = claim.lines
    assert first.line == 39
    assert (first.procedure_qualifier, first.procedure_code, first.modifiers) == (
        "AD",
        "D4341",
        ["GT"],
    )
    assert first.charge == Decimal("500")
    assert first.place_of_service == "02"
    assert first.oral_cavity_areas == ["01", "10", "20", "30", "40"]
    assert first.units == Decimal("2")
    assert first.unit_basis is None
    assert first.diagnosis_pointers == [1, 2]
    assert first.service_date_from == first.service_date_to == date(2024, 1, 5)
    assert first.line_control_number == "DL1"
    assert first.tooth_numbers == []
    assert first.rendering is not None
    assert (first.rendering.last_name, first.rendering.taxonomy) == ("ALTERNATE", "1223P0221X")
    assert second.line == 48
    assert second.tooth_numbers == ["3", "14"]
    assert second.units is None
    assert (second.service_date_from, second.service_date_to) == (
        date(2024, 1, 5),
        date(2024, 1, 12),
    )
    (other,) = claim.prior_payers
    assert (other.sequence, other.payer_name, other.payer_id) == ("S", "OTHER DENTAL CO", "ODC9")
    assert other.paid_amount == Decimal("400")
    assert other.remaining_patient_liability is None
    assert other.adjudication_date == date(2024, 2, 1)
    assert other.claim_adjustments == [
        Adjustment("PR", "1", Decimal("25"), Decimal("1")),
        Adjustment("PR", "3", Decimal("10")),
    ]
    assert other.line_paid == {1: Decimal("350")}
    assert other.line_adjustments == {1: [Adjustment("CO", "45", Decimal("150"))]}
    assert claim.line == 21


# --- generated files -----------------------------------------------------------------------


def _expected_from_text(data: bytes) -> list[tuple[str, str]]:
    """(CLM01, the NM109 of the last 2010BA NM1*IL before it), read from the raw text."""
    expected: list[tuple[str, str]] = []
    member = ""
    for raw in data.decode().split("~"):
        elements = raw.strip().split("*")
        if elements[0] == "NM1" and elements[1] == "IL":
            member = elements[9]
        elif elements[0] == "CLM":
            expected.append((elements[1], member))
    return expected


@pytest.mark.parametrize("kind", ["837p", "837i", "837d"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_claims_add_up(kind: str, seed: int) -> None:
    data = generate_bytes(kind, 200, seed)
    claims = _claims(data)
    assert len(claims) == 200
    assert [(c.claim_id, c.member_id) for c in claims] == _expected_from_text(data)
    for claim in claims:
        assert claim.guide == kind.upper()
        assert claim.lines
        assert claim.total_charge == sum(ln.charge or Decimal(0) for ln in claim.lines)
        assert all(ln.charge is not None for ln in claim.lines)
        assert [ln.line_number for ln in claim.lines] == list(range(1, len(claim.lines) + 1))
        assert claim.member_id == claim.subscriber.identifier
        assert claim.diagnoses or kind == "837d"
        assert [d.sequence for d in claim.diagnoses] == list(range(1, len(claim.diagnoses) + 1))
        assert claim.service_date_from is not None and claim.service_date_to is not None
        assert claim.service_date_from <= claim.service_date_to
        assert all(ln.service_date_from is not None for ln in claim.lines)
        assert claim.billing.npi is not None and claim.billing.tax_id is not None
        assert claim.patient_birth_date is not None
        assert claim.line > 0 and all(ln.line > claim.line for ln in claim.lines)


# --- robustness ----------------------------------------------------------------------------


def _header(guide: str = "837P") -> TransactionHeader:
    return TransactionHeader(guide, "005010X222A1", "0001", "1", "1", "S", "R", "S", "R", 0, 0, 0)


def _seg(text: str, line: int = 1) -> Segment:
    return Segment(text.split("*"), line, line, ":", "^")


def test_a_unit_without_clm_is_refused() -> None:
    loop = Loop("2300", "Claim Information", [_seg("HI*ABK:R109")])
    with pytest.raises(ValueError, match="no CLM segment"):
        map_claim(Unit(_header(), [], loop))


def test_a_bare_clm_maps_with_nones() -> None:
    loop = Loop("2300", "Claim Information", [_seg("CLM*X1", 7)])
    claim = map_claim(Unit(_header("837I"), [], loop))
    assert claim.claim_id == "X1"
    assert claim.total_charge == Decimal(0)  # CLM02 missing; the record field is required
    assert claim.frequency_code is None and claim.type_of_bill is None
    assert claim.service_date_from is None and claim.service_date_to is None
    assert claim.billing == Party(role="billing")
    assert claim.subscriber == Party(role="subscriber")
    assert claim.patient == Party(role="patient")
    assert claim.member_id is None and claim.patient_relationship is None
    assert claim.lines == [] and claim.diagnoses == [] and claim.prior_payers == []
    assert claim.line == 7


def test_odd_values_become_none() -> None:
    lines = [
        Loop("2400", "Service Line", [_seg("LX*A", 10), _seg("SV1*HC*12x*UN*1e3***a:2")]),
        Loop("2400", "Service Line", [_seg("LX", 12), _seg("DTP*472*D8*20261399")]),
    ]
    claim_loop = Loop(
        "2300",
        "Claim Information",
        [
            _seg("CLM*X2*NaN***:B"),
            _seg("HI*ABK*ABF:*:R109*ABK:E11"),
            _seg("AMT*F5*1,000"),
            _seg("DTP*472*RD8*20261301-20260102"),
        ],
        lines,
    )
    claim = map_claim(Unit(_header(), [], claim_loop))
    assert claim.total_charge == Decimal(0)
    assert claim.facility_code is None and claim.facility_qualifier == "B"
    assert claim.patient_amount_paid is None
    assert claim.service_date_from is None and claim.service_date_to == date(2026, 1, 2)
    assert claim.diagnoses == [Diagnosis(1, "ABK", "E11")]
    first, second = claim.lines
    assert first.line_number == 1  # LX01 not a number: the line's position
    assert (first.procedure_qualifier, first.procedure_code) == ("HC", None)
    assert first.charge is None and first.units is None
    assert first.diagnosis_pointers == [2]
    assert second.line_number == 2 and second.line == 12
    assert second.charge is None
    # the line's own date is bad and the claim has a (half) date range: the claim's
    assert (second.service_date_from, second.service_date_to) == (None, date(2026, 1, 2))


def _all_837_files() -> list[Path]:
    files = [*SAMPLES.glob("837*/*.x12"), *SAMPLES.glob("bad/*")]
    files += [*CORPUS.glob("837p/*.x12"), *CORPUS.glob("837i/*.x12"), *CORPUS.glob("broken/*")]
    return sorted(files)


@pytest.mark.parametrize("path", _all_837_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_claim_of_every_file_maps(path: Path) -> None:
    data = path.read_bytes()
    for source in (data, data.replace(b"005010X222A2", b"005010X222A1")):
        for unit in _units(source):
            claim = map_claim(unit)
            assert isinstance(claim, EncounterClaim)
            assert claim.line > 0


_JUNK = ["", "X", "20261399", "1e5", "-", ":::", "^", "9" * 40, "AB:CD:EF:GH:IJ:KL"]


@pytest.mark.parametrize("kind", ["837p", "837i", "837d"])
@pytest.mark.parametrize("seed", [11, 12])
def test_damaged_generated_files_never_raise(kind: str, seed: int) -> None:
    rng = random.Random(seed)
    segments = generate_bytes(kind, 60, seed).decode().split("~\n")
    damaged: list[str] = []
    for seg in segments:
        tag = seg.split("*", 1)[0]
        if tag in ("ISA", "GS", "ST", "SE", "GE", "IEA", "HL", "CLM", "LX", ""):
            damaged.append(seg)
            continue
        roll = rng.random()
        if roll < 0.08:
            continue  # dropped
        elements = seg.split("*")
        if roll < 0.3 and len(elements) > 1:
            elements[rng.randrange(1, len(elements))] = rng.choice(_JUNK)
        elif roll < 0.4:
            elements = elements[: rng.randrange(1, len(elements) + 1)]
        damaged.append("*".join(elements))
    units = _units("~\n".join(damaged).encode())
    assert len(units) == 60
    for unit in units:
        claim = map_claim(unit)
        assert isinstance(claim, EncounterClaim)
        assert all(isinstance(d.code, str) and d.code for d in claim.diagnoses)


# --- shared helpers ------------------------------------------------------------------------


def test_common_amounts_and_dates() -> None:
    assert amount("312") == Decimal("312")
    assert str(amount("95.50")) == "95.50"
    assert amount("-3.5") == Decimal("-3.5")
    assert amount(".5") == Decimal("0.5")
    for bad in (None, "", " ", "1e5", "NaN", "Infinity", "1,000", "12x", "--1"):
        assert amount(bad) is None
    assert parse_date("20260907") == date(2026, 9, 7)
    assert parse_date("202611232353", "DT") == date(2026, 11, 23)
    assert parse_date("261007", "D6") == date(2026, 10, 7)
    for bad in ("20261301", "2026090", "2026-09-07", "", None):
        assert parse_date(bad) is None
    assert parse_period("RD8", "20261123-20261124") == (date(2026, 11, 23), date(2026, 11, 24))
    assert parse_period("D8", "20261123") == (date(2026, 11, 23), date(2026, 11, 23))
    assert parse_period(None, "20261123-20261124") == (date(2026, 11, 23), date(2026, 11, 24))
    assert parse_period("TM", "1430") == (None, None)
    assert dtp_period(None) == (None, None)
    assert dtp_period(_seg("DTP*435*DT*202611232353")) == (date(2026, 11, 23), date(2026, 11, 23))
    assert demographics(_seg("DMG*D8*19610316*F")) == (date(1961, 3, 16), "F")
    assert demographics(_seg("DMG")) == (None, None)


def test_common_adjustments_and_party() -> None:
    cas = _seg("CAS*CO*45*30.50*1*253*2.00**A2*x*3*B*4*1")
    assert adjustments(cas) == [
        Adjustment("CO", "45", Decimal("30.50"), Decimal("1")),
        Adjustment("CO", "253", Decimal("2.00")),
        Adjustment("CO", "B", Decimal("4"), Decimal("1")),
    ]
    assert adjustments(None) == []
    loop = Loop(
        "2010AA",
        "Billing Provider",
        [
            _seg("NM1*85*2*CLINIC*****XX*1551312931"),
            _seg("N3*1 MAIN ST*STE 2"),
            _seg("N4*FRESNO*CA*93701"),
            _seg("REF*SY*111223333"),
            _seg("REF*EI*686359625"),
            _seg("REF*0B*LIC1"),
            _seg("PRV*PE*PXC*207Q00000X"),
        ],
    )
    assert party("billing", loop) == Party(
        role="billing",
        entity_type="2",
        last_name="CLINIC",
        id_qualifier="XX",
        identifier="1551312931",
        npi="1551312931",
        tax_id="686359625",
        taxonomy="207Q00000X",
        address1="1 MAIN ST",
        address2="STE 2",
        city="FRESNO",
        state="CA",
        postal_code="93701",
        secondary_ids={"SY": "111223333", "EI": "686359625", "0B": "LIC1"},
    )
    n1 = Loop("1000B", "Payee", [_seg("N1*PE*SIERRA CLINIC*XX*1551312931"), _seg("REF*TJ*12")])
    assert party("payee", n1, name_id="N1") == Party(
        role="payee",
        last_name="SIERRA CLINIC",
        id_qualifier="XX",
        identifier="1551312931",
        npi="1551312931",
        tax_id="12",
        secondary_ids={"TJ": "12"},
    )
    assert party("payer", None) == Party(role="payer")


# --- records with their own __init__ (compiled) ---------------------------------------------


def _annotations(name: str) -> dict[str, str]:
    """The field annotations of a record class as written in mappings/records.py (a compiled
    build does not keep them)."""
    source = (Path(__file__).parents[2] / "mappings" / "records.py").read_text()
    [cls] = [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == name]
    return {
        st.target.id: ast.unparse(st.annotation)
        for st in cls.body
        if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)
    }


def _distinct(i: int, annotation: str) -> object:
    """A value of the field's type (a compiled record checks types), different per field."""
    kind = annotation.split(" | ")[0]
    if kind == "str":
        return f"value {i}"
    if kind == "int":
        return 1000 + i
    if kind == "Decimal":
        return Decimal(i) / 100
    if kind == "date":
        return date.fromordinal(730_000 + i)
    if kind == "Party":
        return Party(f"role {i}")
    if kind.startswith("list"):
        return []
    assert kind.startswith("dict"), annotation
    return {}


@pytest.mark.parametrize("cls", [Party, Diagnosis, EncounterLine, EncounterClaim])
def test_spelled_out_init_matches_the_fields(cls: type) -> None:
    """The records that spell out ``__init__`` (see mappings/records.py) take exactly their
    fields, in order, positionally or by name, with the declared defaults and a new empty
    list or dict per record."""
    fields = dataclasses.fields(cls)
    required = [f for f in fields if f.default is MISSING and f.default_factory is MISSING]
    assert [f.name for f in fields[: len(required)]] == [f.name for f in required]
    names = _annotations(cls.__name__)
    values = [_distinct(i, names[f.name]) for i, f in enumerate(fields)]
    by_name = {f.name: v for f, v in zip(fields, values, strict=True)}
    for record in (cls(*values), cls(**by_name)):
        for f, v in zip(fields, values, strict=True):
            assert getattr(record, f.name) == v, f.name
    first, second = (cls(*values[: len(required)]) for _ in range(2))
    for f in fields[len(required) :]:
        if f.default_factory is not MISSING:
            assert getattr(first, f.name) == f.default_factory(), f.name
            assert getattr(first, f.name) is not getattr(second, f.name), f.name
        else:
            assert getattr(first, f.name) == f.default, f.name
