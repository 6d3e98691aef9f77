"""An encounter's standing with its plan (``GET /v1/encounters/{id}``): the forwarded
claim, its state and timeline, each status code with its plain-English meaning."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mappings.answers import StatusCode, status_meaning

from ..models import Partner, PlanAnswer
from .repository import ForwardedRepository
from .schemas import PlanCode, PlanStep, PlanTracking

__all__ = ["plan_codes", "tracking_of"]


def plan_codes(codes: str | None) -> list[PlanCode]:
    out: list[PlanCode] = []
    for code in (codes or "").split(","):
        if not code:
            continue
        parts = code.split(":")
        if len(parts) >= 2 and not code.startswith(("999", "TA1", "CLP02")):
            status = StatusCode(parts[0], parts[1], parts[2] if len(parts) > 2 else None)
            out.append(PlanCode(code=code, meaning=status_meaning(status)))
        else:
            out.append(PlanCode(code=code, meaning=_envelope_meaning(code)))
    return out


def _envelope_meaning(code: str) -> str:
    kind, _, value = code.partition(" ")
    if kind == "999":
        return {
            "R": "the plan's 999 rejected the transaction set",
            "M": "the plan's 999 rejected the set: its group was rejected",
            "W": "the plan's 999 rejected the set: assurance failed",
            "X": "the plan's 999 rejected the set: content could not be analysed",
        }.get(value, f"the plan's 999 said {value}")
    if kind == "TA1":
        return f"the plan rejected the whole interchange (TA1 note code {value})"
    if kind == "CLP02":
        return f"835 claim status code {value}"
    return code


async def tracking_of(session: AsyncSession, encounter_id: int) -> PlanTracking | None:
    repo = ForwardedRepository(session)
    claim = await repo.of_encounter(encounter_id)
    if claim is None:
        return None
    plan = await session.get(Partner, claim.plan_partner_id)
    steps: list[PlanStep] = []
    for event in await repo.timeline(claim.id):
        answer = await session.get(PlanAnswer, event.answer_id) if event.answer_id else None
        steps.append(
            PlanStep(
                at=event.at,
                state=event.state,
                codes=plan_codes(event.codes),
                detail=event.detail,
                answer_kind=answer.kind if answer else None,
                answer_submission_id=answer.submission_id if answer else None,
            )
        )
    return PlanTracking(
        plan=plan.name if plan else "",
        state=claim.state,
        forwarded_at=claim.forwarded_at,
        state_at=claim.state_at,
        plan_claim_number=claim.plan_claim_number,
        batch_id=claim.batch_id,
        st_control=claim.st_control,
        position=claim.position,
        timeline=steps,
    )
