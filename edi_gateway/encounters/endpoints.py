"""HTTP routes for encounters (837P/I/D): search and one encounter in full."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, IsoDate, Limit, after_id, next_cursor
from ..forwarding.tracking import tracking_of
from ..remittances.schemas import Adjustment
from . import service
from .schemas import (
    Diagnosis,
    EncounterDetail,
    EncounterList,
    EncounterPayment,
    EncounterSummary,
    OtherPayerAdjustment,
    Party,
    PriorPayer,
    ServiceLine,
)

router = APIRouter(prefix="/v1", tags=["encounters"])


@router.get(
    "/encounters",
    response_model=EncounterList,
    summary="Search encounters, newest first, with cursor pagination",
    responses=PROBLEMS,
)
async def list_encounters(
    session: Session,
    caller: Caller,
    claim_id: Annotated[str | None, Query(description="CLM01")] = None,
    member_id: Annotated[str | None, Query(description="2010BA NM109 (Medi-Cal CIN)")] = None,
    npi: Annotated[
        str | None, Query(description="Billing (2010AA) or rendering (2310B/2420A) NPI")
    ] = None,
    service_date_from: Annotated[
        IsoDate | None, Query(description="Service period ends on or after this date")
    ] = None,
    service_date_to: Annotated[
        IsoDate | None, Query(description="Service period starts on or before this date")
    ] = None,
    status: Annotated[
        Literal["active", "replaced", "voided", "void"] | None,
        Query(description="active, replaced, voided (cancelled by a void) or void"),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EncounterList:
    page = await service.search_encounters(
        session,
        caller,
        claim_id=claim_id,
        member_id=member_id,
        npi=npi,
        service_date_from=service_date_from,
        service_date_to=service_date_to,
        status=status,
        limit=limit,
        after=after_id(cursor),
    )
    return EncounterList(
        items=[EncounterSummary.model_validate(e) for e in page.items],
        next_cursor=next_cursor(page.items, page.more),
    )


@router.get(
    "/encounters/{encounter_id}",
    response_model=EncounterDetail,
    summary="One encounter: lines, diagnoses, parties, other payers and matched 835 payments",
    responses={
        **PROBLEMS,
        404: {"description": "No encounter with this id that the caller can see"},
    },
)
async def get_encounter(encounter_id: int, session: Session, caller: Caller) -> EncounterDetail:
    found = await service.get_encounter(session, caller, encounter_id)
    by_payer: dict[int, list[OtherPayerAdjustment]] = defaultdict(list)
    for ppa in found.prior_payer_adjustments:
        by_payer[ppa.prior_payer_id].append(OtherPayerAdjustment.model_validate(ppa))
    by_claim: dict[int, list[Adjustment]] = defaultdict(list)
    for adj in found.payment_adjustments:
        by_claim[adj.claim_payment_id].append(Adjustment.model_validate(adj))
    return EncounterDetail.from_rows(
        found.encounter,
        lines=[ServiceLine.model_validate(ln) for ln in found.lines],
        diagnoses=[Diagnosis.model_validate(dx) for dx in found.diagnoses],
        parties=[Party.model_validate(p) for p in found.parties],
        prior_payers=[PriorPayer.from_row(p, by_payer[p.id]) for p in found.prior_payers],
        payments=[
            EncounterPayment.from_rows(cp, pay, by_claim[cp.id]) for cp, pay in found.payments
        ],
        plan_tracking=await tracking_of(session, found.encounter.id),
    )
