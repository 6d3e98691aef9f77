"""Encounters and claims from 837P/837I/837D with lines, diagnoses and parties."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Amount, Base, Id, UTCDateTime, utcnow


class Encounter(Base):
    __tablename__ = "encounters"
    __table_args__ = (
        Index("ix_encounters_claim", "claim_id", "billing_npi"),
        Index("ix_encounters_member_date", "member_id", "service_date_from"),
        # one active claim per key (Tenant.claim_key): duplicates cannot be stored twice
        Index(
            "uq_encounters_claim_key",
            "claim_key",
            unique=True,
            sqlite_where=text("claim_key IS NOT NULL"),
            postgresql_where=text("claim_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(32), index=True)
    transaction_set_id: Mapped[int] = mapped_column(
        ForeignKey("transaction_sets.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    #: the health plan the claim is for (the plan partner whose id is ISA08 or GS03)
    plan_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    sender_id: Mapped[str] = mapped_column(String(15), index=True)  # ISA06
    receiver_id: Mapped[str] = mapped_column(String(15), index=True)  # ISA08
    guide: Mapped[str] = mapped_column(String(5))  # 837P, 837I, 837D
    claim_id: Mapped[str] = mapped_column(String(40))  # CLM01
    total_charge: Mapped[Decimal] = mapped_column(Amount)
    frequency_code: Mapped[str | None] = mapped_column(String(1))
    facility_code: Mapped[str | None] = mapped_column(String(2))
    facility_qualifier: Mapped[str | None] = mapped_column(String(1))
    type_of_bill: Mapped[str | None] = mapped_column(String(4))
    place_of_service: Mapped[str | None] = mapped_column(String(2))
    original_claim_ref: Mapped[str | None] = mapped_column(String(50))  # REF*F8
    prior_authorization: Mapped[str | None] = mapped_column(String(50))
    referral_number: Mapped[str | None] = mapped_column(String(50))
    service_date_from: Mapped[date | None] = mapped_column(Date)
    service_date_to: Mapped[date | None] = mapped_column(Date)
    admission_date: Mapped[date | None] = mapped_column(Date)
    patient_status: Mapped[str | None] = mapped_column(String(2))
    patient_amount_paid: Mapped[Decimal | None] = mapped_column(Amount)
    billing_npi: Mapped[str | None] = mapped_column(String(10), index=True)
    billing_tax_id: Mapped[str | None] = mapped_column(String(20))
    member_id: Mapped[str | None] = mapped_column(String(80))  # 2010BA NM109
    patient_relationship: Mapped[str | None] = mapped_column(String(2))
    patient_last_name: Mapped[str | None] = mapped_column(String(80))
    patient_first_name: Mapped[str | None] = mapped_column(String(80))
    patient_birth_date: Mapped[date | None] = mapped_column(Date)
    patient_gender: Mapped[str | None] = mapped_column(String(1))
    payer_id: Mapped[str | None] = mapped_column(String(80))
    payer_name: Mapped[str | None] = mapped_column(String(80))
    subscriber_group: Mapped[str | None] = mapped_column(String(50))
    claim_filing_indicator: Mapped[str | None] = mapped_column(String(2))
    #: CLM06-09 as sent (forwarded as they came, not defaulted)
    signature_indicator: Mapped[str | None] = mapped_column(String(1))
    assignment_code: Mapped[str | None] = mapped_column(String(1))
    benefits_assignment: Mapped[str | None] = mapped_column(String(1))
    release_of_information: Mapped[str | None] = mapped_column(String(1))
    payer_responsibility: Mapped[str | None] = mapped_column(String(1))  # SBR01
    admission_type: Mapped[str | None] = mapped_column(String(1))  # 837I CL101
    admission_source: Mapped[str | None] = mapped_column(String(1))  # 837I CL102
    discharge_hour: Mapped[str | None] = mapped_column(String(4))  # 837I DTP*096 (HHMM)
    #: 837I DTP*435 sent with the hour (DT): HHMM; null for a date alone
    admission_hour: Mapped[str | None] = mapped_column(String(4))
    #: CLM elements with no column of their own (CLM10, CLM11 related causes, CLM12, CLM20
    #: delay reason...) as sent, as JSON by position: {"11": ["AA", "", "", "CA"]}
    claim_elements: Mapped[str | None] = mapped_column(Text)
    #: the 2000A-2000C segments no column carries, as sent, as JSON by loop: {"2000B":
    #: [["PAT", "", "", "", "", "", "", "", "", "Y"]]} (see ``EncounterClaim``)
    hierarchy_segments: Mapped[str | None] = mapped_column(Text)
    note_code: Mapped[str | None] = mapped_column(String(3))  # 2300 NTE01
    note: Mapped[str | None] = mapped_column(String(80))  # NTE02
    #: 2300 PWK as JSON: [[PWK01, PWK02, PWK06 or null], ...]; null when none
    attachments: Mapped[str | None] = mapped_column(Text)
    #: 2300 K3 file information as JSON: ["K301", ...]; null when none
    file_information: Mapped[str | None] = mapped_column(Text)
    #: the HI composites that are not diagnoses (837I procedures, occurrence, value and
    #: condition codes...) as JSON: [[qualifier, code, ...components], ...]; null when none
    other_codes: Mapped[str | None] = mapped_column(Text)
    #: 837D DN1 and DN2 segments as JSON: [["DN2", "3", "M"], ...]; null when none
    dental_status: Mapped[str | None] = mapped_column(Text)
    #: the claim's segments with no column of their own (CN1, REF*EA, DTP*304, CR1...) as
    #: sent, as JSON: [["CN1", "05", "100"], ...] (a composite as a list of components);
    #: null when none
    other_segments: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")
    # active, replaced (a frequency-7 replacement superseded it), voided (frequency 8)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("encounters.id"))
    #: who owns the claim, billing NPI and CLM01 while it is active (None once replaced
    #: or voided, and on voids): unique, see ``Tenant.claim_key``
    claim_key: Mapped[str | None] = mapped_column(String(80))
    line: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EncounterLine(Base):
    __tablename__ = "encounter_lines"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(
        ForeignKey("encounters.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int] = mapped_column(Integer)
    procedure_qualifier: Mapped[str | None] = mapped_column(String(2))
    procedure_code: Mapped[str | None] = mapped_column(String(48))
    modifiers: Mapped[str] = mapped_column(String(20), default="")  # "25,59"
    revenue_code: Mapped[str | None] = mapped_column(String(4))
    charge: Mapped[Decimal | None] = mapped_column(Amount)
    unit_basis: Mapped[str | None] = mapped_column(String(2))
    units: Mapped[Decimal | None] = mapped_column(Amount)
    place_of_service: Mapped[str | None] = mapped_column(String(2))
    diagnosis_pointers: Mapped[str] = mapped_column(String(20), default="")
    service_date_from: Mapped[date | None] = mapped_column(Date)
    service_date_to: Mapped[date | None] = mapped_column(Date)
    ndc: Mapped[str | None] = mapped_column(String(20))
    ndc_quantity: Mapped[Decimal | None] = mapped_column(Amount)
    ndc_unit: Mapped[str | None] = mapped_column(String(2))
    #: 2410 REF01 (XZ prescription number, VY link sequence number) and REF02
    ndc_reference_qualifier: Mapped[str | None] = mapped_column(String(3))
    ndc_reference: Mapped[str | None] = mapped_column(String(50))
    line_control_number: Mapped[str | None] = mapped_column(String(50))
    tooth_numbers: Mapped[str] = mapped_column(String(100), default="")
    #: TOO03 of each tooth in tooth_numbers order ("MOD,,O"); "" when none names a surface
    tooth_surfaces: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: SV304 oral cavity designation codes ("01", "10,20")
    oral_cavity_areas: Mapped[str] = mapped_column(String(20), default="", server_default="")
    rendering_npi: Mapped[str | None] = mapped_column(String(10))
    line: Mapped[int] = mapped_column(Integer, default=0)
    #: the line's segments with no column of their own (other DTPs and REFs, AMT, NTE,
    #: 2440 LQ/FRM...) as sent, as JSON like ``encounters.other_segments``; null when none
    other_segments: Mapped[str | None] = mapped_column(Text)
    #: SV1/SV2/SV3 elements with no column of their own (SV109 emergency, SV111 EPSDT,
    #: SV112 family planning, SV207, SV305...) as sent, as JSON by position: {"9": "Y"}
    service_elements: Mapped[str | None] = mapped_column(Text)
    #: the line's 2430 loops (other payers' SVD, CAS, DTP*573...) as sent, as JSON like
    #: ``other_segments``; null when none (or stored before they were kept)
    adjudications: Mapped[str | None] = mapped_column(Text)


class EncounterDiagnosis(Base):
    __tablename__ = "encounter_diagnoses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(
        ForeignKey("encounters.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    qualifier: Mapped[str] = mapped_column(String(3))
    code: Mapped[str] = mapped_column(String(30))
    present_on_admission: Mapped[str | None] = mapped_column(String(1))


class EncounterParty(Base):
    """Billing, pay-to, rendering, referring, attending... providers, subscriber, patient,
    payer: one row each, with their ids and address. The patient has a row only when sent
    apart from the subscriber (2010CA); otherwise the subscriber's row stands for both."""

    __tablename__ = "encounter_parties"
    __table_args__ = (
        # providers are found by NPI; the members and payers (most rows) have none
        Index(
            "ix_encounter_parties_npi",
            "npi",
            sqlite_where=text("npi IS NOT NULL"),
            postgresql_where=text("npi IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(
        ForeignKey("encounters.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    entity_type: Mapped[str | None] = mapped_column(String(1))
    last_name: Mapped[str | None] = mapped_column(String(80))
    first_name: Mapped[str | None] = mapped_column(String(80))
    middle_name: Mapped[str | None] = mapped_column(String(80))
    suffix: Mapped[str | None] = mapped_column(String(10))  # NM107 (JR, III)
    id_qualifier: Mapped[str | None] = mapped_column(String(3))
    identifier: Mapped[str | None] = mapped_column(String(80))
    npi: Mapped[str | None] = mapped_column(String(10))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    taxonomy: Mapped[str | None] = mapped_column(String(50))
    address1: Mapped[str | None] = mapped_column(String(80))
    address2: Mapped[str | None] = mapped_column(String(80))  # N302
    city: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(15))
    #: N404 and N407: an address outside the United States
    country: Mapped[str | None] = mapped_column(String(3))
    country_subdivision: Mapped[str | None] = mapped_column(String(3))
    #: the loop's REFs as JSON, REF01 -> REF02 (plan-assigned provider id G2, licence 0B,
    #: the member's SY...); null when none
    secondary_ids: Mapped[str | None] = mapped_column(Text)
    #: the party's PER segments as sent, as JSON like ``encounters.other_segments`` (the
    #: 837 billing provider's 2010AA contact, a service facility's 2310C); null when none
    contacts: Mapped[str | None] = mapped_column(Text)
    #: a 2420 provider's service line (the segment ordinal of its LX, as
    #: encounter_lines.line); null for the claim's own parties
    service_line: Mapped[int | None] = mapped_column(Integer)


class PriorPayerRow(Base):
    """2320/2330B/2430: what another payer adjudicated, for COB and encounter reporting."""

    __tablename__ = "encounter_prior_payers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(
        ForeignKey("encounters.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[str] = mapped_column(String(1))
    payer_name: Mapped[str | None] = mapped_column(String(80))
    payer_id: Mapped[str | None] = mapped_column(String(80))
    paid_amount: Mapped[Decimal | None] = mapped_column(Amount)
    remaining_patient_liability: Mapped[Decimal | None] = mapped_column(Amount)
    adjudication_date: Mapped[date | None] = mapped_column(Date)
    #: the 2320 loop with its 2330s as sent, as JSON like ``encounters.other_segments``;
    #: null for rows stored before it was kept
    segments: Mapped[str | None] = mapped_column(Text)


class PriorPayerAdjustment(Base):
    __tablename__ = "encounter_prior_payer_adjustments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    prior_payer_id: Mapped[int] = mapped_column(
        ForeignKey("encounter_prior_payers.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int | None] = mapped_column(Integer)  # None: claim level
    paid_amount: Mapped[Decimal | None] = mapped_column(Amount)  # 2430 SVD02 (line rows)
    group_code: Mapped[str | None] = mapped_column(String(2))
    reason_code: Mapped[str | None] = mapped_column(String(5))
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    quantity: Mapped[Decimal | None] = mapped_column(Amount)
