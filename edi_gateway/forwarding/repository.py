"""SQL of forwarding: plans' outbound settings and payer ids, outbound batches, forwarded
claims and their timeline, the plans' answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, select

from ..models import (
    Encounter,
    ForwardedClaim,
    ForwardingBatch,
    OutboundPayerId,
    OutboundSettings,
    Partner,
    PlanAnswer,
    PlanStateEvent,
)
from ..repository import Repository


class OutboundRepository(Repository[OutboundSettings]):
    model = OutboundSettings

    async def get(self, partner_id: int) -> OutboundSettings | None:
        return await self.session.get(OutboundSettings, partner_id)

    async def payer_ids_of(self, partner_id: int) -> Sequence[str]:
        return await self.get_all(
            select(OutboundPayerId.payer_id)
            .where(OutboundPayerId.partner_id == partner_id)
            .order_by(OutboundPayerId.payer_id)
        )

    async def payer_id_owner(self, payer_id: str) -> int | None:
        return await self.get_one_or_none(
            select(OutboundPayerId.partner_id).where(OutboundPayerId.payer_id == payer_id)
        )

    async def replace_payer_ids(self, partner_id: int, payer_ids: Sequence[str]) -> None:
        await self.session.execute(
            delete(OutboundPayerId).where(OutboundPayerId.partner_id == partner_id)
        )
        for value in payer_ids:
            self.session.add(OutboundPayerId(partner_id=partner_id, payer_id=value))

    async def scheduled(self) -> Sequence[OutboundSettings]:
        return await self.get_all(
            select(OutboundSettings).where(OutboundSettings.every_minutes.is_not(None))
        )


class BatchRepository(Repository[ForwardingBatch]):
    model = ForwardingBatch

    async def last_control(self, plan_partner_id: int) -> int:
        found = await self.get_one_or_none(
            select(func.max(ForwardingBatch.interchange_control)).where(
                ForwardingBatch.plan_partner_id == plan_partner_id
            )
        )
        return int(found or 0)

    def listing(self, plan_partner_id: int | None) -> Select[ForwardingBatch]:
        stmt = select(ForwardingBatch)
        if plan_partner_id is not None:
            stmt = stmt.where(ForwardingBatch.plan_partner_id == plan_partner_id)
        return stmt

    async def plan_names(self) -> dict[int, str]:
        rows = await self.session.execute(
            select(Partner.id, Partner.name).where(Partner.role == "plan")
        )
        return {int(i): str(n) for i, n in rows.all()}

    async def claims_of(self, batch_id: int) -> Sequence[ForwardedClaim]:
        return await self.get_all(
            select(ForwardedClaim)
            .where(ForwardedClaim.batch_id == batch_id)
            .order_by(ForwardedClaim.st_control, ForwardedClaim.position)
        )


class ForwardedRepository(Repository[ForwardedClaim]):
    model = ForwardedClaim

    def pending_for(
        self, plan_partner_id: int, payer_ids: Sequence[str], receiver_ids: Sequence[str]
    ) -> Select[int]:
        """Active encounters for the plan that were never forwarded: routed by payer id
        (2010BB NM109), else, when no plan claims their payer id, by the receiver of the
        file they came in (the encounter's plan partner)."""
        claimed = select(OutboundPayerId.payer_id)
        by_payer = Encounter.payer_id.in_(payer_ids) if payer_ids else None
        by_receiver = (Encounter.plan_partner_id == plan_partner_id) & (
            Encounter.payer_id.is_(None) | Encounter.payer_id.not_in(claimed)
        )
        route = by_receiver if by_payer is None else (by_payer | by_receiver)
        forwarded = select(ForwardedClaim.encounter_id)
        return (
            select(Encounter.id)
            .where(
                Encounter.status.in_(("active", "void")),
                route,
                Encounter.id.not_in(forwarded),
            )
            .order_by(Encounter.id)
        )

    async def plan_claim_number(self, encounter_id: int) -> str | None:
        return await self.get_one_or_none(
            select(ForwardedClaim.plan_claim_number).where(
                ForwardedClaim.encounter_id == encounter_id
            )
        )

    async def of_encounter(self, encounter_id: int) -> ForwardedClaim | None:
        return await self.get_one_or_none(
            select(ForwardedClaim).where(ForwardedClaim.encounter_id == encounter_id)
        )

    async def timeline(self, forwarded_claim_id: int) -> Sequence[PlanStateEvent]:
        return await self.get_all(
            select(PlanStateEvent)
            .where(PlanStateEvent.forwarded_claim_id == forwarded_claim_id)
            .order_by(PlanStateEvent.id)
        )

    def add_event(
        self,
        claim: ForwardedClaim,
        state: str,
        at: datetime,
        *,
        answer_id: int | None = None,
        codes: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.session.add(
            PlanStateEvent(
                forwarded_claim_id=claim.id,
                at=at,
                state=state,
                answer_id=answer_id,
                codes=codes,
                detail=detail,
            )
        )


class AnswerRepository(Repository[PlanAnswer]):
    model = PlanAnswer

    def listing(self, status: str | None, plan_partner_id: int | None) -> Select[PlanAnswer]:
        stmt = select(PlanAnswer)
        if status is not None:
            stmt = stmt.where(PlanAnswer.status == status)
        if plan_partner_id is not None:
            stmt = stmt.where(PlanAnswer.plan_partner_id == plan_partner_id)
        return stmt
