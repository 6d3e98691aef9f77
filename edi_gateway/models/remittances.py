"""Payments from 835 remittances: header (BPR/TRN), claim payments, service lines,
adjustments (CAS) and provider-level adjustments (PLB)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Amount, Base, Id, UTCDateTime, utcnow


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(32), index=True)
    transaction_set_id: Mapped[int] = mapped_column(
        ForeignKey("transaction_sets.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    sender_id: Mapped[str] = mapped_column(String(15), index=True)
    receiver_id: Mapped[str] = mapped_column(String(15), index=True)
    handling_code: Mapped[str] = mapped_column(String(2))
    total_paid: Mapped[Decimal] = mapped_column(Amount)
    credit_debit: Mapped[str | None] = mapped_column(String(1))
    payment_method: Mapped[str | None] = mapped_column(String(3))
    payment_date: Mapped[date | None] = mapped_column(Date, index=True)
    trace_number: Mapped[str | None] = mapped_column(String(50), index=True)
    payer_trn_id: Mapped[str | None] = mapped_column(String(10))
    production_date: Mapped[date | None] = mapped_column(Date)
    payer_name: Mapped[str | None] = mapped_column(String(80))
    payer_id: Mapped[str | None] = mapped_column(String(80))
    payee_name: Mapped[str | None] = mapped_column(String(80))
    payee_npi: Mapped[str | None] = mapped_column(String(10), index=True)
    payee_tax_id: Mapped[str | None] = mapped_column(String(20))
    #: claim payments in this 835 and how many of them deny the claim (kept by the writer,
    #: so denial rates are read from one row per 835, not one per claim)
    claims_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claims_denied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClaimPaymentRow(Base):
    __tablename__ = "claim_payments"
    __table_args__ = (
        Index("ix_claim_payments_claim", "claim_id"),
        # a replacement or void may name the claim by the plan's number (REF*F8 = CLP07)
        Index("ix_claim_payments_payer_claim_number", "payer_claim_number"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounters.id"), index=True)
    claim_id: Mapped[str] = mapped_column(String(40))  # CLP01 = CLM01
    status_code: Mapped[str] = mapped_column(String(2))
    charge: Mapped[Decimal] = mapped_column(Amount)
    paid: Mapped[Decimal] = mapped_column(Amount)
    patient_responsibility: Mapped[Decimal | None] = mapped_column(Amount)
    filing_indicator: Mapped[str | None] = mapped_column(String(2))
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))
    facility_code: Mapped[str | None] = mapped_column(String(2))
    frequency_code: Mapped[str | None] = mapped_column(String(1))
    patient_last_name: Mapped[str | None] = mapped_column(String(80))
    patient_first_name: Mapped[str | None] = mapped_column(String(80))
    patient_member_id: Mapped[str | None] = mapped_column(String(80))
    rendering_npi: Mapped[str | None] = mapped_column(String(10))
    service_date_from: Mapped[date | None] = mapped_column(Date)
    service_date_to: Mapped[date | None] = mapped_column(Date)
    received_date: Mapped[date | None] = mapped_column(Date)
    remark_codes: Mapped[str] = mapped_column(String(200), default="")
    line: Mapped[int] = mapped_column(Integer, default=0)


class ServicePaymentRow(Base):
    __tablename__ = "service_payments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_payment_id: Mapped[int] = mapped_column(
        ForeignKey("claim_payments.id", ondelete="CASCADE"), index=True
    )
    procedure_qualifier: Mapped[str | None] = mapped_column(String(2))
    procedure_code: Mapped[str | None] = mapped_column(String(48))
    modifiers: Mapped[str] = mapped_column(String(20), default="")
    charge: Mapped[Decimal | None] = mapped_column(Amount)
    paid: Mapped[Decimal | None] = mapped_column(Amount)
    revenue_code: Mapped[str | None] = mapped_column(String(4))
    units_paid: Mapped[Decimal | None] = mapped_column(Amount)
    service_date_from: Mapped[date | None] = mapped_column(Date)
    service_date_to: Mapped[date | None] = mapped_column(Date)
    line_control_number: Mapped[str | None] = mapped_column(String(50))
    remark_codes: Mapped[str] = mapped_column(String(200), default="")
    line: Mapped[int] = mapped_column(Integer, default=0)


class PaymentAdjustment(Base):
    """CAS: one group/reason/amount, at claim level or on a service line."""

    __tablename__ = "payment_adjustments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_payment_id: Mapped[int] = mapped_column(
        ForeignKey("claim_payments.id", ondelete="CASCADE"), index=True
    )
    service_payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_payments.id", ondelete="CASCADE"), index=True
    )
    group_code: Mapped[str] = mapped_column(String(2))
    reason_code: Mapped[str] = mapped_column(String(5))
    amount: Mapped[Decimal] = mapped_column(Amount)
    quantity: Mapped[Decimal | None] = mapped_column(Amount)


class ProviderAdjustmentRow(Base):
    __tablename__ = "provider_adjustments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[str] = mapped_column(String(50))
    fiscal_period_end: Mapped[date | None] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str | None] = mapped_column(String(50))
    amount: Mapped[Decimal] = mapped_column(Amount)


class PaymentDenialCode(Base):
    """Per 835: how many denied claims carry each adjustment reason (group-CARC, once per
    claim), for the statistics' top CARCs."""

    __tablename__ = "payment_denial_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    carc: Mapped[str] = mapped_column(String(8))  # CO-16
    claims: Mapped[int] = mapped_column(Integer)
