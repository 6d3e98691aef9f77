"""Normalized records: what one parsed unit (claim, member, claim payment) becomes.

These are plain values with no database types; ``edi_gateway`` stores them. Amounts are
``Decimal``, dates ``datetime.date``; optional X12 values are ``None`` when absent (never
""). Every record keeps where it came from: ``line`` is the segment ordinal in the file of
the segment that starts it (CLM, INS, CLP, ...).

The module is compiled with mypyc. The records built several times per claim (``Party``,
``Diagnosis``, ``EncounterLine``, ``EncounterClaim``) spell out their ``__init__``
(``init=False``): the one ``dataclasses`` generates is interpreted Python even in a compiled
class and cost about a third of mapping a claim. A test keeps each of them in step with its
fields (order, defaults, a new empty list or dict per record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "Adjustment",
    "Attachment",
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


@dataclass(slots=True, init=False)
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
    #: PER segments as sent (the 837 billing provider's 2010AA, a service facility's 2310C)
    contacts: list[list[str | list[str]]] = field(default_factory=list)
    country: str | None = None  # N404, an address outside the United States
    country_subdivision: str | None = None  # N407 (outside the United States and Canada)

    def __init__(
        self,
        role: str,
        entity_type: str | None = None,
        last_name: str | None = None,
        first_name: str | None = None,
        middle_name: str | None = None,
        suffix: str | None = None,
        id_qualifier: str | None = None,
        identifier: str | None = None,
        npi: str | None = None,
        tax_id: str | None = None,
        taxonomy: str | None = None,
        address1: str | None = None,
        address2: str | None = None,
        city: str | None = None,
        state: str | None = None,
        postal_code: str | None = None,
        secondary_ids: dict[str, str] | None = None,
        contacts: list[list[str | list[str]]] | None = None,
        country: str | None = None,
        country_subdivision: str | None = None,
    ) -> None:
        self.role = role
        self.entity_type = entity_type
        self.last_name = last_name
        self.first_name = first_name
        self.middle_name = middle_name
        self.suffix = suffix
        self.id_qualifier = id_qualifier
        self.identifier = identifier
        self.npi = npi
        self.tax_id = tax_id
        self.taxonomy = taxonomy
        self.address1 = address1
        self.address2 = address2
        self.city = city
        self.state = state
        self.postal_code = postal_code
        self.secondary_ids = {} if secondary_ids is None else secondary_ids
        self.contacts = [] if contacts is None else contacts
        self.country = country
        self.country_subdivision = country_subdivision


# --- 837 ----------------------------------------------------------------------------------


@dataclass(slots=True, init=False)
class Diagnosis:
    sequence: int  # 1 = principal (first HI composite)
    qualifier: str  # ABK, ABF, ABJ, APR, BK, BF...
    code: str  # without the decimal point, as sent
    present_on_admission: str | None = None  # 837I HI0x-9

    def __init__(
        self,
        sequence: int,
        qualifier: str,
        code: str,
        present_on_admission: str | None = None,
    ) -> None:
        self.sequence = sequence
        self.qualifier = qualifier
        self.code = code
        self.present_on_admission = present_on_admission


@dataclass(slots=True, init=False)
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
    #: 837D TOO03 of each tooth, in ``tooth_numbers`` order: its surface codes run together
    #: ("MOD"; "" for none), or empty when no tooth names a surface
    tooth_surfaces: list[str] = field(default_factory=list)
    #: the line's 2420 providers other than its rendering provider (837P purchased
    #: service, service facility, supervising, ordering, referring, ambulance; 837I
    #: operating, other operating, referring; 837D assistant surgeon, supervising...)
    providers: list[Party] = field(default_factory=list)
    #: the line's segments no field above carries (other DTPs and REFs, AMT, NTE, PS1,
    #: HCP, CR1/CR3/CRC, 2440 LQ/FRM...), as sent: see ``mappings.x837_sent``
    other_segments: list[list[str | list[str]]] = field(default_factory=list)
    #: SV1/SV2/SV3 elements no field above carries (SV109 emergency, SV111 EPSDT, SV112
    #: family planning, SV207 non-covered charges, SV305 prosthesis...), as sent, by position
    service_elements: dict[int, str | list[str]] = field(default_factory=dict)
    #: the line's 2430 loops (SVD, CAS, DTP*573, AMT*EAF: what other payers paid on it) as
    #: sent: written back as sent (the prior payers' line fields are read from them)
    adjudications: list[list[str | list[str]]] = field(default_factory=list)
    #: 2410 REF01 (XZ prescription number, VY link sequence number) and REF02 of the drug
    ndc_reference_qualifier: str | None = None
    ndc_reference: str | None = None

    def __init__(
        self,
        line_number: int,
        procedure_qualifier: str | None,
        procedure_code: str | None,
        modifiers: list[str] | None = None,
        revenue_code: str | None = None,
        charge: Decimal | None = None,
        unit_basis: str | None = None,
        units: Decimal | None = None,
        place_of_service: str | None = None,
        diagnosis_pointers: list[int] | None = None,
        service_date_from: date | None = None,
        service_date_to: date | None = None,
        ndc: str | None = None,
        ndc_quantity: Decimal | None = None,
        ndc_unit: str | None = None,
        line_control_number: str | None = None,
        tooth_numbers: list[str] | None = None,
        oral_cavity_areas: list[str] | None = None,
        rendering: Party | None = None,
        line: int = 0,
        tooth_surfaces: list[str] | None = None,
        providers: list[Party] | None = None,
        other_segments: list[list[str | list[str]]] | None = None,
        service_elements: dict[int, str | list[str]] | None = None,
        adjudications: list[list[str | list[str]]] | None = None,
        ndc_reference_qualifier: str | None = None,
        ndc_reference: str | None = None,
    ) -> None:
        self.line_number = line_number
        self.procedure_qualifier = procedure_qualifier
        self.procedure_code = procedure_code
        self.modifiers = [] if modifiers is None else modifiers
        self.revenue_code = revenue_code
        self.charge = charge
        self.unit_basis = unit_basis
        self.units = units
        self.place_of_service = place_of_service
        self.diagnosis_pointers = [] if diagnosis_pointers is None else diagnosis_pointers
        self.service_date_from = service_date_from
        self.service_date_to = service_date_to
        self.ndc = ndc
        self.ndc_quantity = ndc_quantity
        self.ndc_unit = ndc_unit
        self.line_control_number = line_control_number
        self.tooth_numbers = [] if tooth_numbers is None else tooth_numbers
        self.oral_cavity_areas = [] if oral_cavity_areas is None else oral_cavity_areas
        self.rendering = rendering
        self.line = line
        self.tooth_surfaces = [] if tooth_surfaces is None else tooth_surfaces
        self.providers = [] if providers is None else providers
        self.other_segments = [] if other_segments is None else other_segments
        self.service_elements = {} if service_elements is None else service_elements
        self.adjudications = [] if adjudications is None else adjudications
        self.ndc_reference_qualifier = ndc_reference_qualifier
        self.ndc_reference = ndc_reference


@dataclass(frozen=True, slots=True)
class Attachment:
    """2300 PWK: paperwork sent apart from the claim (X-rays, periodontal charts, medical
    records), which the plan matches to it by the attachment control number."""

    report_type: str  # PWK01: RB radiology films, P6 periodontal charts, OZ support data...
    transmission: str  # PWK02: AA available on request, BM mail, EL electronic, FX fax...
    control_number: str | None = None  # PWK06 (PWK05 AC)


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
    #: the whole 2320 loop with its 2330A-G loops as sent (the other payer's SBR with the
    #: relationship, group and claim filing indicator, OI, AMT, MOA, the other subscriber,
    #: the other payer's provider ids...): written back as sent; the fields above are read
    #: from it. Empty for claims stored before it was kept (then written from the fields)
    segments: list[list[str | list[str]]] = field(default_factory=list)


@dataclass(slots=True, init=False)
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
    attachments: list[Attachment] = field(default_factory=list)  # 2300 PWK
    file_information: list[str] = field(default_factory=list)  # 2300 K301, each K3
    #: the HI composites that are not diagnoses (837I procedures BBR/BBQ, occurrence spans
    #: BI, occurrences BH, values BE, conditions BG, DRG DR, treatment TC; 837P anesthesia
    #: BP/BO): their components as sent, in order
    other_codes: list[list[str]] = field(default_factory=list)
    #: 837D DN1 (orthodontic months) and DN2 (tooth status: missing, to be extracted)
    #: segments, their elements as sent ("DN2", "3", "M", "", "", "", "JP")
    dental_status: list[list[str]] = field(default_factory=list)
    #: the claim's segments no field above carries (CN1, REF*EA and the other REFs, DTP*304
    #: and the other dates, CR1/CR2/CRC, HCP, the notes after the first...), as sent: see
    #: ``mappings.x837_sent``
    other_segments: list[list[str | list[str]]] = field(default_factory=list)
    admission_hour: str | None = None  # 837I DTP*435 sent as DT: its HHMM
    #: CLM elements no field above carries (CLM10, CLM11 related causes, CLM12, CLM20 delay
    #: reason...), as sent, by position: see ``mappings.x837_sent``
    claim_elements: dict[int, str | list[str]] = field(default_factory=dict)
    #: the 2000A/2000B/2000C segments no field carries, as sent, by loop: 2000A CUR, the
    #: subscriber's SBR when it has SBR04-08 (group name, insurance type), 2000B PAT (the
    #: subscriber is the patient: date of death, weight, pregnancy), 2000C PAT with more
    #: than the relationship
    hierarchy_segments: dict[str, list[list[str | list[str]]]] = field(default_factory=dict)

    def __init__(
        self,
        guide: str,
        claim_id: str,
        total_charge: Decimal,
        frequency_code: str | None,
        facility_code: str | None,
        facility_qualifier: str | None,
        type_of_bill: str | None,
        place_of_service: str | None,
        original_claim_ref: str | None,
        prior_authorization: str | None,
        referral_number: str | None,
        service_date_from: date | None,
        service_date_to: date | None,
        admission_date: date | None,
        discharge_hour: str | None,
        patient_status: str | None,
        patient_amount_paid: Decimal | None,
        billing: Party,
        subscriber: Party,
        patient: Party,
        payer: Party,
        patient_relationship: str | None,
        subscriber_group: str | None,
        claim_filing_indicator: str | None,
        member_id: str | None,
        patient_birth_date: date | None,
        patient_gender: str | None,
        providers: list[Party] | None = None,
        diagnoses: list[Diagnosis] | None = None,
        lines: list[EncounterLine] | None = None,
        prior_payers: list[PriorPayer] | None = None,
        signature_indicator: str | None = None,
        assignment_code: str | None = None,
        benefits_assignment: str | None = None,
        release_of_information: str | None = None,
        payer_responsibility: str | None = None,
        admission_type: str | None = None,
        admission_source: str | None = None,
        note_code: str | None = None,
        note: str | None = None,
        line: int = 0,
        attachments: list[Attachment] | None = None,
        file_information: list[str] | None = None,
        other_codes: list[list[str]] | None = None,
        dental_status: list[list[str]] | None = None,
        other_segments: list[list[str | list[str]]] | None = None,
        admission_hour: str | None = None,
        claim_elements: dict[int, str | list[str]] | None = None,
        hierarchy_segments: dict[str, list[list[str | list[str]]]] | None = None,
    ) -> None:
        self.guide = guide
        self.claim_id = claim_id
        self.total_charge = total_charge
        self.frequency_code = frequency_code
        self.facility_code = facility_code
        self.facility_qualifier = facility_qualifier
        self.type_of_bill = type_of_bill
        self.place_of_service = place_of_service
        self.original_claim_ref = original_claim_ref
        self.prior_authorization = prior_authorization
        self.referral_number = referral_number
        self.service_date_from = service_date_from
        self.service_date_to = service_date_to
        self.admission_date = admission_date
        self.discharge_hour = discharge_hour
        self.patient_status = patient_status
        self.patient_amount_paid = patient_amount_paid
        self.billing = billing
        self.subscriber = subscriber
        self.patient = patient
        self.payer = payer
        self.patient_relationship = patient_relationship
        self.subscriber_group = subscriber_group
        self.claim_filing_indicator = claim_filing_indicator
        self.member_id = member_id
        self.patient_birth_date = patient_birth_date
        self.patient_gender = patient_gender
        self.providers = [] if providers is None else providers
        self.diagnoses = [] if diagnoses is None else diagnoses
        self.lines = [] if lines is None else lines
        self.prior_payers = [] if prior_payers is None else prior_payers
        self.signature_indicator = signature_indicator
        self.assignment_code = assignment_code
        self.benefits_assignment = benefits_assignment
        self.release_of_information = release_of_information
        self.payer_responsibility = payer_responsibility
        self.admission_type = admission_type
        self.admission_source = admission_source
        self.note_code = note_code
        self.note = note
        self.line = line
        self.attachments = [] if attachments is None else attachments
        self.file_information = [] if file_information is None else file_information
        self.other_codes = [] if other_codes is None else other_codes
        self.dental_status = [] if dental_status is None else dental_status
        self.other_segments = [] if other_segments is None else other_segments
        self.admission_hour = admission_hour
        self.claim_elements = {} if claim_elements is None else claim_elements
        self.hierarchy_segments = {} if hierarchy_segments is None else hierarchy_segments


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
