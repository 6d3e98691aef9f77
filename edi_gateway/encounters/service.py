"""Encounter use cases: search, and one encounter with everything that hangs off it. Each
read is audited (ids only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..errors import NotFound
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
from ..partners.service import Principal
from ..repository import Page
from .repository import EncounterRepository


@dataclass(frozen=True, slots=True)
class EncounterRecord:
    """An encounter, its lines, diagnoses and parties, its 2320 other payers with their
    adjustments, and the 835 claim payments matched to it with every CAS on them."""

    encounter: Encounter
    lines: Sequence[EncounterLine]
    diagnoses: Sequence[EncounterDiagnosis]
    parties: Sequence[EncounterParty]
    prior_payers: Sequence[PriorPayerRow]
    prior_payer_adjustments: Sequence[PriorPayerAdjustment]
    payments: Sequence[tuple[ClaimPaymentRow, Payment]]
    payment_adjustments: Sequence[PaymentAdjustment]


async def search_encounters(
    session: AsyncSession,
    caller: Principal,
    *,
    claim_id: str | None = None,
    member_id: str | None = None,
    npi: str | None = None,
    service_date_from: date | None = None,
    service_date_to: date | None = None,
    status: str | None = None,
    limit: int,
    after: int | None,
) -> Page[Encounter]:
    encounters = EncounterRepository(session)
    stmt = encounters.search(
        encounters.get_readable_statement(caller),
        claim_id=claim_id,
        member_id=member_id,
        npi=npi,
        service_date_from=service_date_from,
        service_date_to=service_date_to,
        status=status,
    )
    page = await encounters.get_page(stmt, limit, after)
    await audit(session, caller, "search", "encounter", None, f"{len(page.items)} results")
    return page


async def get_encounter(
    session: AsyncSession, caller: Principal, encounter_id: int
) -> EncounterRecord:
    encounters = EncounterRepository(session)
    encounter = await encounters.get_readable_by_id(caller, encounter_id)
    if encounter is None:
        raise NotFound(f"No encounter {encounter_id} that this key can see")
    lines = await encounters.lines(encounter.id)
    diagnoses = await encounters.diagnoses(encounter.id)
    parties = await encounters.parties(encounter.id)
    payers, payer_adjustments = await encounters.prior_payers(encounter.id)
    payments, cas = await encounters.payments(encounter.id)
    await audit(session, caller, "read", "encounter", str(encounter.id))
    return EncounterRecord(
        encounter, lines, diagnoses, parties, payers, payer_adjustments, payments, cas
    )
