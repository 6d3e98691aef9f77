"""Remittance (835) use cases: search, and one remittance in full. Each read is audited
(ids only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..errors import NotFound
from ..models import (
    ClaimPaymentRow,
    Payment,
    PaymentAdjustment,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from ..partners.service import Principal
from ..repository import Page
from .repository import RemittanceRepository


@dataclass(frozen=True, slots=True)
class RemittanceRecord:
    """A remittance (BPR/TRN), its claim payments (CLP), their service lines (SVC), every
    CAS on either, and the provider-level adjustments (PLB)."""

    payment: Payment
    claims: Sequence[ClaimPaymentRow]
    services: Sequence[ServicePaymentRow]
    adjustments: Sequence[PaymentAdjustment]
    provider_adjustments: Sequence[ProviderAdjustmentRow]


async def search_remittances(
    session: AsyncSession,
    caller: Principal,
    *,
    trace_number: str | None = None,
    payer_id: str | None = None,
    payee_npi: str | None = None,
    payment_date_from: date | None = None,
    payment_date_to: date | None = None,
    claim_id: str | None = None,
    limit: int,
    after: int | None,
) -> Page[Payment]:
    remittances = RemittanceRepository(session)
    stmt = remittances.search(
        remittances.get_readable_statement(caller),
        trace_number=trace_number,
        payer_id=payer_id,
        payee_npi=payee_npi,
        payment_date_from=payment_date_from,
        payment_date_to=payment_date_to,
        claim_id=claim_id,
    )
    page = await remittances.get_page(stmt, limit, after)
    await audit(session, caller, "search", "remittance", None, f"{len(page.items)} results")
    return page


async def get_remittance(
    session: AsyncSession, caller: Principal, remittance_id: int
) -> RemittanceRecord:
    remittances = RemittanceRepository(session)
    payment = await remittances.get_readable_by_id(caller, remittance_id)
    if payment is None:
        raise NotFound(f"No remittance {remittance_id} that this key can see")
    claims = await remittances.claim_payments(payment.id)
    services = await remittances.service_payments(payment.id)
    adjustments = await remittances.adjustments(payment.id)
    plb = await remittances.provider_adjustments(payment.id)
    await audit(session, caller, "read", "remittance", str(payment.id))
    return RemittanceRecord(payment, claims, services, adjustments, plb)
