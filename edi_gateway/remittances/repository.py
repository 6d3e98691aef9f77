"""SQL for remittances (835): composable ``select()`` statements and their runners. A detail
is read with one query per table (claims, service lines, CAS, PLB), never per claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, or_, select

from ..models import (
    ClaimPaymentRow,
    Payment,
    PaymentAdjustment,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from ..repository import ReadScope, ScopedRepository


class RemittanceRepository(ScopedRepository[Payment]):
    model = Payment
    #: remittances the caller submitted, sent (ISA06) or that were addressed to it (ISA08)
    scope = ReadScope(Payment.partner_id, Payment.receiver_id, Payment.sender_id)

    def search(
        self,
        stmt: Select[Payment],
        *,
        trace_number: str | None = None,
        payer_id: str | None = None,
        payee_npi: str | None = None,
        payment_date_from: date | None = None,
        payment_date_to: date | None = None,
        claim_id: str | None = None,
    ) -> Select[Payment]:
        if trace_number:
            stmt = stmt.where(Payment.trace_number == trace_number)
        if payer_id:
            stmt = stmt.where(or_(Payment.payer_id == payer_id, Payment.payer_trn_id == payer_id))
        if payee_npi:
            stmt = stmt.where(Payment.payee_npi == payee_npi)
        if payment_date_from:
            stmt = stmt.where(Payment.payment_date >= payment_date_from)
        if payment_date_to:
            stmt = stmt.where(Payment.payment_date <= payment_date_to)
        if claim_id:
            stmt = stmt.where(
                Payment.id.in_(
                    select(ClaimPaymentRow.payment_id).where(ClaimPaymentRow.claim_id == claim_id)
                )
            )
        return stmt

    async def claim_payments(self, payment_id: int) -> Sequence[ClaimPaymentRow]:
        stmt = (
            select(ClaimPaymentRow)
            .where(ClaimPaymentRow.payment_id == payment_id)
            .order_by(ClaimPaymentRow.line, ClaimPaymentRow.id)
        )
        return await self.get_all(stmt)

    def _claims_of(self, payment_id: int) -> Select[int]:
        return select(ClaimPaymentRow.id).where(ClaimPaymentRow.payment_id == payment_id)

    async def service_payments(self, payment_id: int) -> Sequence[ServicePaymentRow]:
        stmt = (
            select(ServicePaymentRow)
            .where(ServicePaymentRow.claim_payment_id.in_(self._claims_of(payment_id)))
            .order_by(ServicePaymentRow.line, ServicePaymentRow.id)
        )
        return await self.get_all(stmt)

    async def adjustments(self, payment_id: int) -> Sequence[PaymentAdjustment]:
        stmt = (
            select(PaymentAdjustment)
            .where(PaymentAdjustment.claim_payment_id.in_(self._claims_of(payment_id)))
            .order_by(PaymentAdjustment.id)
        )
        return await self.get_all(stmt)

    async def provider_adjustments(self, payment_id: int) -> Sequence[ProviderAdjustmentRow]:
        stmt = (
            select(ProviderAdjustmentRow)
            .where(ProviderAdjustmentRow.payment_id == payment_id)
            .order_by(ProviderAdjustmentRow.id)
        )
        return await self.get_all(stmt)
