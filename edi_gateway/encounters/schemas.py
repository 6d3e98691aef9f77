"""Response bodies for encounters (837P/I/D). Amounts are decimal strings ("125.00"), dates
ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..forwarding.schemas import PlanTracking
from ..models import ClaimPaymentRow, Encounter, Payment, PriorPayerRow
from ..remittances.schemas import Adjustment, Codes, columns
from .columns import (
    attachments_of,
    codes_of,
    elements_of,
    hierarchy_of,
    ids_of,
    segments_of,
    surfaces_of,
    texts_of,
)

#: segments kept as sent (``other_segments``): elements as text, a composite as a list
Segments = Annotated[list[list[str | list[str]]], BeforeValidator(segments_of)]
#: elements kept as sent by position (``claim_elements``, ``service_elements``)
Elements = Annotated[dict[int, str | list[str]], BeforeValidator(elements_of)]


def _pointers(value: object) -> object:
    if isinstance(value, str):
        return [int(p) for p in value.split(",") if p.strip().isdigit()]
    return value


class ServiceLine(BaseModel):
    """2400: one service line."""

    model_config = ConfigDict(from_attributes=True)

    line_number: int = Field(description="LX01")
    procedure_qualifier: str | None = Field(description="SV101-1 / SV202-1 / SV301-1: HC, AD...")
    procedure_code: str | None
    modifiers: Codes
    revenue_code: str | None = Field(description="SV201 (837I)")
    charge: Decimal | None = Field(description="SV102 / SV203 / SV302")
    unit_basis: str | None = Field(description="UN, MJ, DA")
    units: Decimal | None
    place_of_service: str | None
    diagnosis_pointers: Annotated[list[int], BeforeValidator(_pointers)] = Field(
        description="SV107: 1-based positions in `diagnoses`"
    )
    service_date_from: date | None = Field(description="DTP*472")
    service_date_to: date | None
    ndc: str | None = Field(description="2410 LIN03")
    ndc_quantity: Decimal | None
    ndc_unit: str | None
    ndc_reference_qualifier: str | None = Field(
        default=None, description="2410 REF01: XZ prescription number, VY link sequence number"
    )
    ndc_reference: str | None = Field(default=None, description="2410 REF02")
    line_control_number: str | None = Field(description="REF*6R")
    tooth_numbers: Codes = Field(description="837D TOO02")
    tooth_surfaces: Annotated[list[str], BeforeValidator(surfaces_of)] = Field(
        description="837D TOO03 of each tooth, in `tooth_numbers` order: its surface codes "
        'run together ("MOD"), "" for a tooth without; empty when no tooth names a surface'
    )
    oral_cavity_areas: Codes = Field(description="837D SV304 (01 all areas, 10 upper left...)")
    rendering_npi: str | None = Field(
        description="2420A rendering NPI; the billing NPI where the line names none"
    )
    service_elements: Elements = Field(
        description="SV1/SV2/SV3 elements with no field above, as sent, by position: SV109 "
        "emergency, SV111 EPSDT, SV112 family planning, SV115 copay status, SV207 "
        'non-covered charges, SV305 prosthesis, crown or inlay: {"9": "Y", "11": "Y"}'
    )
    other_segments: Segments = Field(
        description="The line's segments with no field above (other DTPs and REFs, AMT, "
        "NTE, PS1, HCP, CR1/CR3/CRC, 2440 LQ/FRM forms...), elements as sent, a composite "
        'as its components: [["DTP", "441", "D8", "20260901"], ["LQ", "UT", "01.02"]]'
    )


class Diagnosis(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sequence: int = Field(description="1 = principal (first HI composite)")
    qualifier: str = Field(description="ABK, ABF, ABJ, APR, BK, BF...")
    code: str = Field(description="ICD-10 code as sent, without the decimal point")
    present_on_admission: str | None = Field(description="837I HI0x-9")


class Party(BaseModel):
    """A provider, the subscriber, the patient or the payer named on the claim."""

    model_config = ConfigDict(from_attributes=True)

    role: str = Field(
        description="billing, pay_to, pay_to_plan, rendering, referring, primary_care, attending, "
        "service_facility, subscriber, patient, payer... (patient only when sent apart from "
        "the subscriber, in 2010CA; when the patient is the subscriber, relationship 18, the "
        "subscriber stands for both)"
    )
    entity_type: str | None = Field(description="NM102: 1 person, 2 organisation")
    last_name: str | None = Field(description="Or organisation name")
    first_name: str | None
    middle_name: str | None
    suffix: str | None = Field(None, description="NM107 (JR, III)")
    id_qualifier: str | None = Field(description="NM108: XX NPI, MI member id, PI payer id")
    identifier: str | None = Field(description="NM109")
    npi: str | None
    tax_id: str | None
    taxonomy: str | None = Field(description="PRV03")
    address1: str | None
    address2: str | None = Field(None, description="N302")
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None = Field(None, description="N404: an address outside the United States")
    country_subdivision: str | None = Field(None, description="N407")
    secondary_ids: Annotated[dict[str, str], BeforeValidator(ids_of)] = Field(
        default_factory=dict,
        description="The loop's REFs, REF01 -> REF02: a plan-assigned provider id (G2), "
        "state licence (0B), the payer's other ids...",
    )
    contacts: Segments = Field(
        default_factory=list,
        description="The party's PER segments as sent (the billing office's 2010AA contact, "
        "a service facility's 2310C): "
        '[["PER", "IC", "BILLING DESK", "TE", "9165550100"]]',
    )
    service_line: int | None = Field(
        None,
        description="A 2420 provider's service line (the segment ordinal of its LX); null for "
        "the claim's own",
    )


class OtherPayerAdjustment(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_number: int | None = Field(description="Service line (2430); null at claim level (2320)")
    paid_amount: Decimal | None = Field(description="2430 SVD02")
    group_code: str | None = Field(description="CAS01")
    reason_code: str | None = Field(description="CAS02")
    amount: Decimal | None
    quantity: Decimal | None


class PriorPayer(BaseModel):
    """2320/2330B: what another payer adjudicated."""

    model_config = ConfigDict(from_attributes=True)

    sequence: str = Field(description="SBR01: P, S, T...")
    payer_name: str | None
    payer_id: str | None
    paid_amount: Decimal | None = Field(description="AMT*D")
    remaining_patient_liability: Decimal | None = Field(description="AMT*EAF")
    adjudication_date: date | None = Field(description="DTP*573")
    adjustments: list[OtherPayerAdjustment]

    @classmethod
    def from_row(cls, row: PriorPayerRow, adjustments: list[OtherPayerAdjustment]) -> PriorPayer:
        return cls.model_validate({**columns(row, cls, "adjustments"), "adjustments": adjustments})


class EncounterPayment(BaseModel):
    """An 835 claim payment (CLP) matched to this encounter, with its remittance header."""

    remittance_id: int = Field(description="GET /v1/remittances/{remittance_id} for the whole 835")
    trace_number: str | None = Field(description="TRN02")
    payment_date: date | None = Field(description="BPR16")
    payer_name: str | None
    claim_payment_id: int
    status_code: str = Field(description="CLP02: 1 primary, 2 secondary, 4 denied, 22 reversal")
    charge: Decimal = Field(description="CLP03")
    paid: Decimal = Field(description="CLP04")
    patient_responsibility: Decimal | None = Field(description="CLP05")
    payer_claim_number: str | None = Field(description="CLP07")
    remark_codes: Codes
    adjustments: list[Adjustment] = Field(description="Every CAS on the claim and its lines")

    @classmethod
    def from_rows(
        cls, cp: ClaimPaymentRow, payment: Payment, adjustments: list[Adjustment]
    ) -> EncounterPayment:
        return cls.model_validate(
            {
                "remittance_id": payment.id,
                "trace_number": payment.trace_number,
                "payment_date": payment.payment_date,
                "payer_name": payment.payer_name,
                "claim_payment_id": cp.id,
                "status_code": cp.status_code,
                "charge": cp.charge,
                "paid": cp.paid,
                "patient_responsibility": cp.patient_responsibility,
                "payer_claim_number": cp.payer_claim_number,
                "remark_codes": cp.remark_codes,
                "adjustments": adjustments,
            }
        )


_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "claim_id": "PCN267000032363",
    "guide": "837P",
    "member_id": "96994177R",
    "billing_npi": "1551312931",
    "total_charge": "312.00",
    "service_date_from": "2026-09-07",
    "service_date_to": "2026-09-07",
    "status": "active",
    "frequency_code": "1",
    "submission_id": "6f1c0a2e9b7d4c3e8a5f1b2c3d4e5f60",
}


class EncounterSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"example": _SUMMARY_EXAMPLE})

    id: int = Field(description="Gateway id of the encounter")
    claim_id: str = Field(description="CLM01 patient control number")
    guide: str = Field(description="837P, 837I or 837D")
    member_id: str | None = Field(description="2010BA NM109 subscriber id (Medi-Cal CIN)")
    billing_npi: str | None = Field(description="2010AA NM109")
    total_charge: Decimal = Field(description="CLM02")
    service_date_from: date | None = Field(description="Earliest service date")
    service_date_to: date | None = Field(description="Latest service date")
    status: str = Field(
        description="active; replaced (a frequency-7 claim superseded it); voided (a "
        "frequency-8 claim cancelled it); void (this is the frequency-8 claim)"
    )
    frequency_code: str | None = Field(description="CLM05-3: 1 original, 7 replacement, 8 void")
    submission_id: str


class EncounterList(BaseModel):
    items: list[EncounterSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class Patient(BaseModel):
    member_id: str | None = Field(description="2010BA NM109")
    relationship: str | None = Field(description="SBR02 / PAT01: 18 self")
    last_name: str | None
    first_name: str | None
    birth_date: date | None
    gender: str | None


class Attachment(BaseModel):
    report_type: str = Field(description="PWK01: RB radiology films, P6 periodontal charts...")
    transmission: str = Field(description="PWK02: AA on request, BM mail, EL electronic, FX fax")
    control_number: str | None = Field(description="PWK06 attachment control number")


def _attachments(value: object) -> object:
    """Stored JSON ([[PWK01, PWK02, PWK06], ...] or null) as a list."""
    if value is None or isinstance(value, str):
        return [
            {
                "report_type": a.report_type,
                "transmission": a.transmission,
                "control_number": a.control_number,
            }
            for a in attachments_of(value)
        ]
    return value


class EncounterDetail(EncounterSummary):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                **_SUMMARY_EXAMPLE,
                "sender_id": "SUBMITTER9856",
                "receiver_id": "GPHP1EDI",
                "facility_code": "11",
                "facility_qualifier": "B",
                "type_of_bill": None,
                "place_of_service": "11",
                "original_claim_ref": None,
                "prior_authorization": None,
                "referral_number": None,
                "attachments": [
                    {"report_type": "RB", "transmission": "EL", "control_number": "ATT0042"}
                ],
                "file_information": [],
                "other_codes": [],
                "dental_status": [],
                "claim_elements": {},
                "other_segments": [["CN1", "05"], ["REF", "EA", "MR20260907"]],
                "admission_date": None,
                "patient_status": None,
                "patient_amount_paid": None,
                "billing_tax_id": "686359625",
                "payer_id": "GPHP1",
                "payer_name": "GOLDEN POPPY HEALTH PLAN",
                "subscriber_group": None,
                "claim_filing_indicator": "MC",
                "replaces_id": None,
                "created_at": "2026-10-07T19:41:00Z",
                "patient": {
                    "member_id": "96994177R",
                    "relationship": "18",
                    "last_name": "FARNSWICK",
                    "first_name": "NADIA",
                    "birth_date": "1961-03-16",
                    "gender": "F",
                },
                "lines": [
                    {
                        "line_number": 1,
                        "procedure_qualifier": "HC",
                        "procedure_code": "81002",
                        "modifiers": [],
                        "revenue_code": None,
                        "charge": "12.00",
                        "unit_basis": "UN",
                        "units": "1.00",
                        "place_of_service": None,
                        "diagnosis_pointers": [1, 2],
                        "service_date_from": "2026-09-07",
                        "service_date_to": None,
                        "ndc": None,
                        "ndc_quantity": None,
                        "ndc_unit": None,
                        "ndc_reference_qualifier": None,
                        "ndc_reference": None,
                        "line_control_number": None,
                        "tooth_numbers": [],
                        "tooth_surfaces": [],
                        "oral_cavity_areas": [],
                        "rendering_npi": "1618117950",
                        "service_elements": {"11": "Y"},
                        "other_segments": [],
                    }
                ],
                "diagnoses": [
                    {
                        "sequence": 1,
                        "qualifier": "ABK",
                        "code": "R109",
                        "present_on_admission": None,
                    },
                ],
                "parties": [],
                "prior_payers": [],
                "payments": [
                    {
                        "remittance_id": 7,
                        "trace_number": "EFT2289687310000",
                        "payment_date": "2026-10-20",
                        "payer_name": "GOLDEN POPPY HEALTH PLAN",
                        "claim_payment_id": 31,
                        "status_code": "1",
                        "charge": "312.00",
                        "paid": "250.00",
                        "patient_responsibility": None,
                        "payer_claim_number": "2026927622516",
                        "remark_codes": [],
                        "adjustments": [
                            {
                                "group_code": "CO",
                                "reason_code": "45",
                                "amount": "62.00",
                                "quantity": None,
                            }
                        ],
                    }
                ],
            }
        },
    )

    sender_id: str = Field(description="ISA06")
    receiver_id: str = Field(description="ISA08")
    facility_code: str | None = Field(description="CLM05-1 place of service / bill type")
    facility_qualifier: str | None = Field(description="CLM05-2")
    type_of_bill: str | None = Field(description="837I: facility code + frequency")
    place_of_service: str | None
    original_claim_ref: str | None = Field(description="REF*F8 payer claim control number")
    prior_authorization: str | None = Field(description="REF*G1")
    referral_number: str | None = Field(description="REF*9F")
    attachments: Annotated[list[Attachment], BeforeValidator(_attachments)] = Field(
        description="2300 PWK: paperwork sent apart from the claim"
    )
    file_information: Annotated[list[str], BeforeValidator(texts_of)] = Field(
        description="2300 K3 file information (K301 of each), as sent"
    )
    other_codes: Annotated[list[list[str]], BeforeValidator(codes_of)] = Field(
        description="2300 HI composites that are not diagnoses, components as sent: 837I "
        "procedures (BBR, BBQ), occurrence spans (BI), occurrences (BH), values (BE), "
        "conditions (BG), DRG (DR), treatment codes (TC); 837P anesthesia (BP, BO)"
    )
    dental_status: Annotated[list[list[str]], BeforeValidator(codes_of)] = Field(
        description="837D DN1 (orthodontic months) and DN2 (tooth status) segments, "
        'elements as sent: ["DN2", "3", "M", "", "", "", "JP"]'
    )
    claim_elements: Elements = Field(
        description="CLM elements with no field above, as sent, by position: CLM10 patient "
        "signature source, CLM11 related causes (a composite: AA auto accident, EM "
        'employment...), CLM12 special program, CLM20 delay reason: {"11": ["AA", "", "", '
        '"CA"], "20": "1"}'
    )
    hierarchy_segments: Annotated[
        dict[str, list[list[str | list[str]]]], BeforeValidator(hierarchy_of)
    ] = Field(
        default_factory=dict,
        description="The billing provider's, subscriber's and patient's segments with no field "
        "above, as sent, by loop: 2000A CUR, the SBR when it names a group or insurance type, "
        'PAT (date of death, weight, pregnancy): {"2000B": [["PAT", "", "", "", "", "", "", '
        '"", "", "Y"]]}',
    )
    other_segments: Segments = Field(
        description="The claim's segments with no field above (CN1, REF*EA and the other "
        "REFs, DTP*304 and the other dates, CR1/CR2/CRC, HCP, the notes after the first...), "
        'elements as sent, a composite as its components: [["CN1", "05", "100"]]'
    )
    admission_date: date | None = Field(description="837I DTP*435")
    patient_status: str | None = Field(description="837I CL103")
    patient_amount_paid: Decimal | None = Field(description="AMT*F5")
    billing_tax_id: str | None = Field(description="2010AA REF*EI")
    payer_id: str | None = Field(description="2010BB NM109")
    payer_name: str | None
    subscriber_group: str | None = Field(description="SBR03")
    claim_filing_indicator: str | None = Field(description="SBR09: MC Medicaid")
    replaces_id: int | None = Field(description="The encounter this one replaced or voided")
    created_at: datetime = Field(description="When the gateway stored it")
    patient: Patient
    lines: list[ServiceLine]
    diagnoses: list[Diagnosis]
    parties: list[Party]
    prior_payers: list[PriorPayer]
    payments: list[EncounterPayment] = Field(description="835 claim payments matched to it")
    plan_tracking: PlanTracking | None = Field(
        None,
        description="Forwarded to its plan: the plan state (forwarded, accepted_by_plan, "
        "rejected_by_plan, paid, denied), the plan's codes and their meaning, the timeline",
    )

    @classmethod
    def from_rows(cls, encounter: Encounter, **children: Any) -> EncounterDetail:
        return cls.model_validate(
            {
                **columns(encounter, cls, "patient", *children),
                "patient": Patient(
                    member_id=encounter.member_id,
                    relationship=encounter.patient_relationship,
                    last_name=encounter.patient_last_name,
                    first_name=encounter.patient_first_name,
                    birth_date=encounter.patient_birth_date,
                    gender=encounter.patient_gender,
                ),
                **children,
            }
        )
