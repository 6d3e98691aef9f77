"""HTTP routes for remittances (835): search and one remittance in full."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, IsoDate, Limit, after_id, next_cursor
from ..models import PaymentAdjustment, ServicePaymentRow
from . import service
from .schemas import (
    Adjustment,
    ClaimPayment,
    RemittanceDetail,
    RemittanceList,
    RemittanceSummary,
    ServicePayment,
)

router = APIRouter(prefix="/v1", tags=["remittances"])


@router.get(
    "/remittances",
    response_model=RemittanceList,
    summary="Search remittances (835), newest first, with cursor pagination",
    responses=PROBLEMS,
)
async def list_remittances(
    session: Session,
    caller: Caller,
    trace_number: Annotated[str | None, Query(description="TRN02 check/EFT number")] = None,
    payer_id: Annotated[
        str | None, Query(description="Payer id: N1*PR N104 / REF*2U, or TRN03")
    ] = None,
    payee_npi: Annotated[str | None, Query(description="1000B N1*PE NPI")] = None,
    payment_date_from: Annotated[IsoDate | None, Query(description="BPR16 on or after")] = None,
    payment_date_to: Annotated[IsoDate | None, Query(description="BPR16 on or before")] = None,
    claim_id: Annotated[
        str | None, Query(description="Remittances paying a claim with this CLP01")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RemittanceList:
    page = await service.search_remittances(
        session,
        caller,
        trace_number=trace_number,
        payer_id=payer_id,
        payee_npi=payee_npi,
        payment_date_from=payment_date_from,
        payment_date_to=payment_date_to,
        claim_id=claim_id,
        limit=limit,
        after=after_id(cursor),
    )
    return RemittanceList(
        items=[RemittanceSummary.model_validate(p) for p in page.items],
        next_cursor=next_cursor(page.items, page.more),
    )


@router.get(
    "/remittances/{remittance_id}",
    response_model=RemittanceDetail,
    summary="One remittance: claim payments, service lines, CAS adjustments, remarks and PLB",
    responses={
        **PROBLEMS,
        404: {"description": "No remittance with this id that the caller can see"},
    },
)
async def get_remittance(remittance_id: int, session: Session, caller: Caller) -> RemittanceDetail:
    found = await service.get_remittance(session, caller, remittance_id)
    claim_cas: dict[int, list[PaymentAdjustment]] = defaultdict(list)
    line_cas: dict[int, list[PaymentAdjustment]] = defaultdict(list)
    for adj in found.adjustments:
        if adj.service_payment_id is None:
            claim_cas[adj.claim_payment_id].append(adj)
        else:
            line_cas[adj.service_payment_id].append(adj)
    lines: dict[int, list[ServicePaymentRow]] = defaultdict(list)
    for svc in found.services:
        lines[svc.claim_payment_id].append(svc)

    return RemittanceDetail.from_row(
        found.payment,
        [
            ClaimPayment.from_row(
                cp,
                [Adjustment.model_validate(a) for a in claim_cas[cp.id]],
                [
                    ServicePayment.from_row(
                        svc, [Adjustment.model_validate(a) for a in line_cas[svc.id]]
                    )
                    for svc in lines[cp.id]
                ],
            )
            for cp in found.claims
        ],
        list(found.provider_adjustments),
    )
