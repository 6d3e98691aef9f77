"""SQL for remittances (835): composable ``select()`` statements and their runners. A detail
is read with one query per table (claims, service lines, CAS, PLB), never per claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..api.deps import visible
from ..models import (
    ClaimPaymentRow,
    Payment,
    PaymentAdjustment,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from ..partners.service import Principal


class RemittanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def get_readable_statement(self, principal: Principal) -> Select[Payment]:
        """Remittances the caller submitted, sent (ISA06) or that were addressed to it (ISA08)."""
        return select(Payment).where(
            visible(principal, Payment.partner_id, Payment.receiver_id, Payment.sender_id)
        )

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

    async def get_readable_by_id(self, principal: Principal, payment_id: int) -> Payment | None:
        stmt = self.get_readable_statement(principal).where(Payment.id == payment_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_page(
        self, stmt: Select[Payment], limit: int, after: int | None
    ) -> tuple[Sequence[Payment], bool]:
        """Newest first, ``limit`` rows after the cursor, and whether more follow."""
        if after is not None:
            stmt = stmt.where(Payment.id < after)
        rows = (
            (await self.session.execute(stmt.order_by(Payment.id.desc()).limit(limit + 1)))
            .scalars()
            .all()
        )
        return rows[:limit], len(rows) > limit

    async def claim_payments(self, payment_id: int) -> Sequence[ClaimPaymentRow]:
        stmt = (
            select(ClaimPaymentRow)
            .where(ClaimPaymentRow.payment_id == payment_id)
            .order_by(ClaimPaymentRow.line, ClaimPaymentRow.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    def _claims_of(self, payment_id: int) -> Select[int]:
        return select(ClaimPaymentRow.id).where(ClaimPaymentRow.payment_id == payment_id)

    async def service_payments(self, payment_id: int) -> Sequence[ServicePaymentRow]:
        stmt = (
            select(ServicePaymentRow)
            .where(ServicePaymentRow.claim_payment_id.in_(self._claims_of(payment_id)))
            .order_by(ServicePaymentRow.line, ServicePaymentRow.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def adjustments(self, payment_id: int) -> Sequence[PaymentAdjustment]:
        stmt = (
            select(PaymentAdjustment)
            .where(PaymentAdjustment.claim_payment_id.in_(self._claims_of(payment_id)))
            .order_by(PaymentAdjustment.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def provider_adjustments(self, payment_id: int) -> Sequence[ProviderAdjustmentRow]:
        stmt = (
            select(ProviderAdjustmentRow)
            .where(ProviderAdjustmentRow.payment_id == payment_id)
            .order_by(ProviderAdjustmentRow.id)
        )
        return (await self.session.execute(stmt)).scalars().all()
