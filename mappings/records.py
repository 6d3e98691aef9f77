"""Normalized records: what one parsed unit (claim, member, claim payment) becomes.

These are plain values with no database types; ``edi_gateway`` stores them. Amounts are
``Decimal``, dates ``datetime.date``; optional X12 values are ``None`` when absent (never
""). Every record keeps where it came from: ``line`` is the segment ordinal in the file of
the segment that starts it (CLM, INS, CLP, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "Adjustment",
    "ClaimPayment",
    "CoverageLine",
    "Diagnosis",
    "EncounterClaim",
    "EncounterLine",
    "MemberRecord",
    "Party",
    "PaymentHeader",
    "PcpAssignment",
    "PriorPayer",
    "ProviderAdjustment",
    "ServicePayment",
]


# --- shared -------------------------------------------------------------------------------


@dataclass(slots=True)
class Party:
    """A person or organisation named in an NM1 (and its N3/N4/REF/PRV companions)."""

    role: str  # billing, pay_to, rendering, referring, attending, operating, supervising,
    # service_facility, subscriber, patient, payer, payee, pcp, sponsor, submitter, receiver
    entity_type: str | None = None  # NM102: 1 person, 2 organisation
    last_name: str | None = None  # or organisation name
    first_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    id_qualifier: str | None = None  # NM108 (XX = NPI, MI = member id, PI = payer id...)
    identifier: str | None = None  # NM109
    npi: str | None = None  # NM109 when NM108 = XX
    tax_id: str | None = None  # REF*EI (or REF*SY)
    taxonomy: str | None = None  # PRV03
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    secondary_ids: dict[str, str] = field(default_factory=dict)  # REF01 -> REF02


# --- 837 ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Diagnosis:
    sequence: int  # 1 = principal (first HI composite)
    qualifier: str  # ABK, ABF, ABJ, APR, BK, BF...
    code: str  # without the decimal point, as sent
    present_on_admission: str | None = None  # 837I HI0x-9


@dataclass(slots=True)
class EncounterLine:
    line_number: int  # LX01
    procedure_qualifier: str | None  # HC, AD, ER, IV, WK...
    procedure_code: str | None
    modifiers: list[str] = field(default_factory=list)
    revenue_code: str | None = None  # SV201 (837I)
    charge: Decimal | None = None  # SV102 / SV203 / SV302
    unit_basis: str | None = None  # SV103 / SV204 (UN, MJ, DA)
    units: Decimal | None = None  # SV104 / SV205 / SV306
    place_of_service: str | None = None  # SV105 / SV303
    diagnosis_pointers: list[int] = field(default_factory=list)  # SV107 / SV311
    service_date_from: date | None = None  # 2400 DTP*472 (or claim-level when absent)
    service_date_to: date | None = None
    ndc: str | None = None  # 2410 LIN03 when LIN02 = N4
    ndc_quantity: Decimal | None = None  # CTP04
    ndc_unit: str | None = None  # CTP05-1
    line_control_number: str | None = None  # REF*6R
    tooth_numbers: list[str] = field(default_factory=list)  # 837D TOO02
    oral_cavity_areas: list[str] = field(default_factory=list)  # 837D SV304
    rendering: Party | None = None  # 2420A
    line: int = 0


@dataclass(slots=True)
class PriorPayer:
    """2320/2330B other payer and what it adjudicated (COB / encounter history)."""

    sequence: str  # SBR01 (P, S, T...)
    payer_name: str | None
    payer_id: str | None  # 2330B NM109
    paid_amount: Decimal | None  # AMT*D
    remaining_patient_liability: Decimal | None  # AMT*EAF
    adjudication_date: date | None  # 2330B DTP*573
    claim_adjustments: list[Adjustment] = field(default_factory=list)  # 2320 CAS
    line_paid: dict[int, Decimal] = field(default_factory=dict)  # LX01 -> 2430 SVD02
    line_adjustments: dict[int, list[Adjustment]] = field(default_factory=dict)  # 2430 CAS


@dataclass(slots=True)
class EncounterClaim:
    guide: str  # 837P, 837I, 837D
    claim_id: str  # CLM01 patient control number
    total_charge: Decimal  # CLM02
    frequency_code: str | None  # CLM05-3: 1 original, 7 replacement, 8 void
    facility_code: str | None  # CLM05-1: place of service (837P/D) or facility type (837I)
    facility_qualifier: str | None  # CLM05-2: B (place of service) or A (UB bill type)
    type_of_bill: str | None  # 837I: CLM05-1 + CLM05-3
    place_of_service: str | None  # 837P/837D: CLM05-1
    original_claim_ref: str | None  # REF*F8 payer claim control number of the original
    prior_authorization: str | None  # REF*G1
    referral_number: str | None  # REF*9F
    service_date_from: date | None  # claim DTP*472 / 837I DTP*434 statement from
    service_date_to: date | None
    admission_date: date | None  # 837I DTP*435
    discharge_hour: str | None  # 837I DTP*096
    patient_status: str | None  # 837I CL1-03
    patient_amount_paid: Decimal | None  # AMT*F5
    billing: Party
    subscriber: Party  # 2010BA
    patient: Party  # 2010CA, or the subscriber when SBR02 = 18
    payer: Party  # 2010BB
    patient_relationship: str | None  # SBR02 (18 self) or PAT01
    subscriber_group: str | None  # SBR03
    claim_filing_indicator: str | None  # SBR09
    member_id: str | None  # 2010BA NM109 (Medi-Cal CIN or plan member id)
    patient_birth_date: date | None
    patient_gender: str | None
    providers: list[Party] = field(default_factory=list)  # 2310x: rendering, referring...
    diagnoses: list[Diagnosis] = field(default_factory=list)
    lines: list[EncounterLine] = field(default_factory=list)
    prior_payers: list[PriorPayer] = field(default_factory=list)
    #: CLM06 provider signature (837P/D), CLM07 assignment or plan participation, CLM08
    #: benefits assignment, CLM09 release of information
    signature_indicator: str | None = None
    assignment_code: str | None = None
    benefits_assignment: str | None = None
    release_of_information: str | None = None
    payer_responsibility: str | None = None  # SBR01: P primary, S secondary, T tertiary...
    admission_type: str | None = None  # 837I CL101
    admission_source: str | None = None  # 837I CL102
    note_code: str | None = None  # the first 2300 NTE: NTE01 (ADD, CER, DCP, DGN, TPO...)
    note: str | None = None  # NTE02
    line: int = 0


# --- 834 ----------------------------------------------------------------------------------


@dataclass(slots=True)
class CoverageLine:
    """2300 HD with its DTP*348 (begin) / DTP*349 (end)."""

    maintenance_type: str | None  # HD01: 021 add, 024 term, 001 change, 025 reinstate, 030
    insurance_line: str | None  # HD03: HLT, DEN, VIS...
    plan_code: str | None  # HD04 plan coverage description
    coverage_level: str | None  # HD05
    begin: date | None
    end: date | None
    aid_code: str | None = None  # REF*ZZ / REF*17 / REF*CE where the plan sends it
    policy_number: str | None = None  # REF*1L in 2300
    pcp: PcpAssignment | None = None


@dataclass(slots=True)
class PcpAssignment:
    """2310 provider (LX + NM1*P3 / Y2) under a coverage line."""

    role: str  # NM101: P3 primary care provider, Y2 managed care organisation
    npi: str | None
    name: str | None
    begin: date | None  # 2310 DTP*348
    end: date | None
    reason: str | None = None  # PLA02


@dataclass(slots=True)
class MemberRecord:
    maintenance_type: str  # INS03: 021, 001, 024, 025, 030
    maintenance_reason: str | None  # INS04
    is_subscriber: bool  # INS01 = Y
    relationship: str | None  # INS02: 18 self, 01 spouse, 19 child...
    benefit_status: str | None  # INS05
    subscriber_id: str | None  # REF*0F (the Medi-Cal CIN where there is one)
    member_ids: dict[str, str]  # REF01 -> REF02 for 0F, 1L, 23, 17, 3H, ZZ...
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: date | None
    gender: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    phone: str | None
    language: str | None  # LUI02 / LUI03
    eligibility_begin: date | None  # 2000 DTP*356
    eligibility_end: date | None  # 2000 DTP*357
    coverages: list[CoverageLine] = field(default_factory=list)
    line: int = 0


# --- 835 ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Adjustment:
    group_code: str  # CAS01: CO, PR, OA, PI, CR
    reason_code: str  # CARC
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(slots=True)
class ServicePayment:
    procedure_qualifier: str | None  # SVC01-1
    procedure_code: str | None
    modifiers: list[str]
    charge: Decimal | None  # SVC02
    paid: Decimal | None  # SVC03
    revenue_code: str | None  # SVC04
    units_paid: Decimal | None  # SVC05
    service_date_from: date | None  # DTM*472 / 150
    service_date_to: date | None  # DTM*151
    line_control_number: str | None  # REF*6R
    adjustments: list[Adjustment] = field(default_factory=list)
    remark_codes: list[str] = field(default_factory=list)  # LQ*HE
    line: int = 0


@dataclass(slots=True)
class ClaimPayment:
    claim_id: str  # CLP01 = the 837 CLM01
    status_code: str  # CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal...
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str | None  # CLP06
    payer_claim_number: str | None  # CLP07
    facility_code: str | None  # CLP08
    frequency_code: str | None  # CLP09
    patient: Party | None  # NM1*QC
    insured: Party | None  # NM1*IL
    rendering: Party | None  # NM1*82
    service_date_from: date | None  # DTM*232
    service_date_to: date | None  # DTM*233
    received_date: date | None  # DTM*050
    adjustments: list[Adjustment] = field(default_factory=list)  # claim-level CAS
    remark_codes: list[str] = field(default_factory=list)  # MOA / MIA remark codes
    services: list[ServicePayment] = field(default_factory=list)
    line: int = 0


@dataclass(slots=True)
class ProviderAdjustment:
    """PLB: one adjustment (reason and amount pair) of the provider-level balance."""

    provider_id: str  # PLB01
    fiscal_period_end: date | None  # PLB02
    reason_code: str  # PLB03-1 (WO, L6, FB, ...)
    reference: str | None  # PLB03-2
    amount: Decimal  # positive reduces the payment


@dataclass(slots=True)
class PaymentHeader:
    """The 835 transaction header: BPR/TRN, payer and payee."""

    handling_code: str  # BPR01: I remittance and payment, H notification only...
    total_paid: Decimal  # BPR02
    credit_debit: str | None  # BPR03
    payment_method: str | None  # BPR04: ACH, CHK, NON
    payment_date: date | None  # BPR16
    trace_number: str | None  # TRN02: check or EFT trace number
    payer_id: str | None  # TRN03
    production_date: date | None  # DTM*405
    payer: Party
    payee: Party
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
