"""/v1/partners: the partners (ops) and the companion guide of each transaction type."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS
from ..audit import audit
from ..errors import Forbidden, NotFound
from ..models import Partner
from .guides import GUIDE_TYPES, guides_of, remove_guide, set_guide
from .service import list_partners, partner_by_name

router = APIRouter(prefix="/v1", tags=["partners"])

PartnerName = Annotated[str, Path(max_length=100, description="The partner's name")]
TransactionType = Annotated[
    str,
    Path(
        pattern="^(834|835|837P|837I|837D|837)$",
        description=f"One of {', '.join(GUIDE_TYPES)} (837: every claim type without its own)",
    ),
]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such partner, or not yours (problem+json)"}
}
_OPS_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only ops keys change partners (problem+json)"}
}


class PartnerOut(BaseModel):
    name: str
    role: str
    sender_ids: list[str]
    billing_npis: list[str]
    guides: dict[str, str] = Field(description="Transaction type -> companion guide")


class GuideIn(BaseModel):
    guide: str = Field(min_length=1, max_length=100, description="A guide name (`guides list`)")


class GuidesOut(BaseModel):
    partner: str
    guides: dict[str, str] = Field(description="Transaction type -> companion guide")


async def _visible(session: Session, caller: Caller, name: str) -> Partner:
    partner = await partner_by_name(session, name)
    if partner is None or (not caller.is_ops and partner.id != caller.partner_id):
        raise NotFound(f"No partner named {name!r}")
    return partner


@router.get(
    "/partners",
    response_model=list[PartnerOut],
    summary="Every partner (ops), or the caller itself",
    responses=PROBLEMS,
)
async def get_partners(session: Session, caller: Caller) -> list[PartnerOut]:
    return [
        PartnerOut(
            name=p.partner.name,
            role=p.partner.role,
            sender_ids=list(p.identifiers),
            billing_npis=list(p.npis),
            guides=dict(p.guides),
        )
        for p in await list_partners(session)
        if caller.is_ops or p.partner.id == caller.partner_id
    ]


@router.get(
    "/partners/{name}/guides",
    response_model=GuidesOut,
    summary="The companion guide of each transaction type the partner sends",
    responses={**PROBLEMS, **_NOT_FOUND},
)
async def get_guides(session: Session, caller: Caller, name: PartnerName) -> GuidesOut:
    partner = await _visible(session, caller, name)
    return GuidesOut(partner=partner.name, guides=await guides_of(session, partner.id))


@router.put(
    "/partners/{name}/guides/{transaction_type}",
    response_model=GuidesOut,
    summary="Check the partner's files of this transaction type with this guide (ops)",
    description="Replaces the type's earlier guide; the guide must list the type and the "
    "partner's role must send it (400 otherwise). Audited.",
    responses={
        **PROBLEMS,
        **_NOT_FOUND,
        **_OPS_ONLY,
        400: {"description": "Unknown guide or a type it does not serve (problem+json)"},
    },
)
async def put_guide(
    session: Session,
    caller: Caller,
    name: PartnerName,
    transaction_type: TransactionType,
    body: GuideIn,
) -> GuidesOut:
    if not caller.is_ops:
        raise Forbidden("Only ops keys change a partner's guides")
    partner = await _visible(session, caller, name)
    await set_guide(session, partner, transaction_type, body.guide)
    detail = f"{transaction_type} {body.guide}"
    await audit(session, caller, "update", "partner_guides", str(partner.id), detail)
    return GuidesOut(partner=partner.name, guides=await guides_of(session, partner.id))


@router.delete(
    "/partners/{name}/guides/{transaction_type}",
    response_model=GuidesOut,
    summary="Check the partner's files of this type with the base guide alone (ops)",
    responses={**PROBLEMS, **_NOT_FOUND, **_OPS_ONLY},
)
async def delete_guide(
    session: Session, caller: Caller, name: PartnerName, transaction_type: TransactionType
) -> GuidesOut:
    if not caller.is_ops:
        raise Forbidden("Only ops keys change a partner's guides")
    partner = await _visible(session, caller, name)
    if not await remove_guide(session, partner, transaction_type):
        raise NotFound(f"{partner.name} has no guide for {transaction_type}")
    await audit(
        session, caller, "update", "partner_guides", str(partner.id), f"{transaction_type} removed"
    )
    return GuidesOut(partner=partner.name, guides=await guides_of(session, partner.id))
