"""SQL for encounters (837P/I/D) and what hangs off them: composable ``select()`` statements
and their runners. Children are loaded per encounter with one query each, never per line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, exists, func, or_, select

from ..models import (
    ClaimPaymentRow,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterParty,
    Payment,
    PaymentAdjustment,
    PriorPayerAdjustment,
    PriorPayerRow,
)
from ..repository import ReadScope, ScopedRepository

#: Party roles whose NPI the ``npi`` filter matches (2010AA billing, 2310B rendering).
PROVIDER_ROLES = ("billing", "rendering")


class EncounterRepository(ScopedRepository[Encounter]):
    model = Encounter
    #: encounters the caller submitted, sent (ISA06) or that were addressed to it (ISA08)
    scope = ReadScope(Encounter.partner_id, Encounter.receiver_id, Encounter.sender_id)

    def search(
        self,
        stmt: Select[Encounter],
        *,
        claim_id: str | None = None,
        member_id: str | None = None,
        npi: str | None = None,
        service_date_from: date | None = None,
        service_date_to: date | None = None,
        status: str | None = None,
    ) -> Select[Encounter]:
        if claim_id:
            stmt = stmt.where(Encounter.claim_id == claim_id)
        if member_id:
            stmt = stmt.where(Encounter.member_id == member_id)
        if npi:
            stmt = stmt.where(
                or_(
                    Encounter.billing_npi == npi,
                    Encounter.id.in_(
                        select(EncounterParty.encounter_id).where(
                            EncounterParty.npi == npi, EncounterParty.role.in_(PROVIDER_ROLES)
                        )
                    ),
                    exists().where(
                        EncounterLine.encounter_id == Encounter.id,
                        EncounterLine.rendering_npi == npi,
                    ),
                )
            )
        # A date range keeps encounters whose service period overlaps it.
        if service_date_from:
            ends = func.coalesce(Encounter.service_date_to, Encounter.service_date_from)
            stmt = stmt.where(ends >= service_date_from)
        if service_date_to:
            stmt = stmt.where(Encounter.service_date_from <= service_date_to)
        if status:
            stmt = stmt.where(Encounter.status == status)
        return stmt

    async def lines(self, encounter_id: int) -> Sequence[EncounterLine]:
        stmt = (
            select(EncounterLine)
            .where(EncounterLine.encounter_id == encounter_id)
            .order_by(EncounterLine.line_number, EncounterLine.id)
        )
        return await self.get_all(stmt)

    async def diagnoses(self, encounter_id: int) -> Sequence[EncounterDiagnosis]:
        stmt = (
            select(EncounterDiagnosis)
            .where(EncounterDiagnosis.encounter_id == encounter_id)
            .order_by(EncounterDiagnosis.sequence, EncounterDiagnosis.id)
        )
        return await self.get_all(stmt)

    async def parties(self, encounter_id: int) -> Sequence[EncounterParty]:
        stmt = (
            select(EncounterParty)
            .where(EncounterParty.encounter_id == encounter_id)
            .order_by(EncounterParty.id)
        )
        return await self.get_all(stmt)

    async def prior_payers(
        self, encounter_id: int
    ) -> tuple[Sequence[PriorPayerRow], Sequence[PriorPayerAdjustment]]:
        """2320 other payers, and all their 2320/2430 adjustments in one more query."""
        payers = await self.get_all(
            select(PriorPayerRow)
            .where(PriorPayerRow.encounter_id == encounter_id)
            .order_by(PriorPayerRow.sequence, PriorPayerRow.id)
        )
        if not payers:
            return payers, []
        adjustments = await self.get_all(
            select(PriorPayerAdjustment)
            .where(PriorPayerAdjustment.prior_payer_id.in_([p.id for p in payers]))
            .order_by(PriorPayerAdjustment.id)
        )
        return payers, adjustments

    async def payments(
        self, encounter_id: int
    ) -> tuple[Sequence[tuple[ClaimPaymentRow, Payment]], Sequence[PaymentAdjustment]]:
        """835 claim payments matched to the encounter (with their remittance header), and
        every CAS on them, claim and service level, in one more query."""
        rows = (
            await self.session.execute(
                select(ClaimPaymentRow, Payment)
                .join(Payment, Payment.id == ClaimPaymentRow.payment_id)
                .where(ClaimPaymentRow.encounter_id == encounter_id)
                .order_by(Payment.payment_date, ClaimPaymentRow.id)
            )
        ).all()
        claim_payments = [(cp, payment) for cp, payment in rows]
        if not claim_payments:
            return claim_payments, []
        adjustments = await self.get_all(
            select(PaymentAdjustment)
            .where(PaymentAdjustment.claim_payment_id.in_([cp.id for cp, _ in claim_payments]))
            .order_by(PaymentAdjustment.id)
        )
        return claim_payments, adjustments
