"""A plan's answers to what we forwarded it, matched and applied.

``record_answers(session, settings, submission)`` runs in the transaction that finishes a
plan's submission (``submissions.pipeline``). A file of TA1 / 999 / 277CA answers is read
(``mappings.answers``) and each part matched, only among the files forwarded to that plan:
a TA1 by ISA13, a 999 set by AK1 GS06 and AK2 ST02, a 277CA claim by its 2200B TRN02 (our
ST02, or BHT03 = ISA13 + ST02) and CLM01, else by CLM01 and charge. Matched claims move
(``forwarded`` -> ``accepted_by_plan`` / ``rejected_by_plan``); a rejection opens a work
item for the submitting provider; each change is an event of the claim's timeline and a
webhook event to the provider. The answer itself is kept (:class:`PlanAnswer`): ``held``
for ops when nothing in it matched. An 835 from the plan moves the forwarded claims it
pays or denies to ``paid`` / ``denied``. Running it again for a submission changes
nothing; an answer resent in another file changes no claim twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.answers import Answers, ClaimStatus, read_answers, status_meaning
from mappings.claim_trace import parse_trace

from ..config import Settings
from ..events import publish_many
from ..models import (
    ClaimPaymentRow,
    Encounter,
    ForwardedClaim,
    ForwardingBatch,
    Partner,
    Payment,
    PlanAnswer,
    Submission,
    WorkItem,
    WorkItemEvent,
)
from ..remittances.denials import is_denial
from ..statuses import EventType, WorkItemKind, WorkItemState
from ..submissions.filestore import FileStore
from .repository import ForwardedRepository

__all__ = ["record_answers"]

#: how far along a state is: an answer never moves a claim back
_RANK = {"forwarded": 0, "accepted_by_plan": 1, "rejected_by_plan": 1, "paid": 2, "denied": 2}
_TA1 = {"A": "accepted", "E": "accepted", "R": "rejected"}
_AK9 = {"A": "accepted", "E": "accepted", "P": "partial", "R": "rejected"}


class _Run:
    def __init__(self, session: AsyncSession, plan_id: int, answer: PlanAnswer) -> None:
        self.session = session
        self.plan_id = plan_id
        self.answer = answer
        self.now = datetime.now(UTC)
        self.matched = 0
        self.unmatched: list[str] = []
        self.moved = 0
        #: webhook events to publish, per submitting partner (one look-up each at the end)
        self.events: dict[int, list[dict[str, object]]] = {}

    async def batch(self, control: str) -> ForwardingBatch | None:
        if not control.isdigit():
            return None
        return (
            await self.session.execute(
                select(ForwardingBatch).where(
                    ForwardingBatch.plan_partner_id == self.plan_id,
                    ForwardingBatch.interchange_control == int(control),
                )
            )
        ).scalar_one_or_none()

    async def claims(self, *where: ColumnElement[bool]) -> list[ForwardedClaim]:
        rows = await self.session.execute(
            select(ForwardedClaim)
            .where(ForwardedClaim.plan_partner_id == self.plan_id, *where)
            .order_by(ForwardedClaim.id.desc())
        )
        return list(rows.scalars())

    async def move(
        self, claim: ForwardedClaim, state: str, codes: str | None, detail: str | None
    ) -> None:
        """Apply a state the plan gave the claim, unless it says nothing new."""
        if _RANK[state] < _RANK[claim.state]:
            return
        repo = ForwardedRepository(self.session)
        if state == claim.state:
            last = (await repo.timeline(claim.id))[-1:]
            if last and last[0].codes == codes:
                return
        previous = claim.state
        claim.state, claim.state_at = state, self.now
        repo.add_event(claim, state, self.now, answer_id=self.answer.id, codes=codes, detail=detail)
        self.moved += 1
        if claim.partner_id is not None:
            self.events.setdefault(claim.partner_id, []).append(
                {
                    "encounter_id": claim.encounter_id,
                    "claim_id": claim.claim_id,
                    "submission_id": claim.submission_id,
                    "state": state,
                    "previous_state": previous,
                    "codes": codes,
                    "plan_claim_number": claim.plan_claim_number,
                }
            )
        if state == "rejected_by_plan":
            await self.open_item(claim, codes, detail)

    async def open_item(self, claim: ForwardedClaim, codes: str | None, detail: str | None) -> None:
        enc = await self.session.get(Encounter, claim.encounter_id)
        first = (codes or "").split(",")[0] or None
        item = WorkItem(
            kind=WorkItemKind.REJECTED_BY_PLAN,
            subject="claim",
            state=WorkItemState.OPEN,
            partner_id=claim.partner_id,
            plan_partner_id=self.plan_id,
            submission_id=claim.submission_id,
            transaction_type=enc.guide if enc is not None else None,
            claim_id=claim.claim_id,
            member_id=enc.member_id if enc is not None else None,
            billing_npi=enc.billing_npi if enc is not None else None,
            service_date=enc.service_date_from if enc is not None else None,
            amount=claim.charge,
            findings=[
                {
                    "rule_id": f"PLAN-{self.answer.kind}",
                    "code": first,
                    "snip_level": None,
                    "severity": "reject_claim",
                    "level": "claim",
                    "message": f"The plan rejected this claim ({self.answer.kind}"
                    f"{' ' + codes if codes else ''}): {detail or 'no reason given'}",
                    "segment_id": "STC" if self.answer.kind == "277CA" else None,
                    "element": None,
                    "loop": "2200D" if self.answer.kind == "277CA" else None,
                    "line": enc.line if enc is not None else None,
                    "guide": None,
                }
            ],
            rule_id=f"PLAN-{self.answer.kind}",
            code=(first or "")[:10] or None,
        )
        self.session.add(item)
        await self.session.flush()
        self.session.add(
            WorkItemEvent(item_id=item.id, actor="gateway", action="created", new_value=item.state)
        )


async def _ta1_and_999(run: _Run, answers: Answers) -> None:
    for ta1 in answers.ta1s:
        batch = await run.batch(ta1.control_number)
        if batch is None:
            run.unmatched.append(f"TA1 for ISA13 {ta1.control_number}")
            continue
        run.matched += 1
        batch.ta1_status = _TA1.get(ta1.ack_code, ta1.ack_code)
        if ta1.ack_code == "R":
            for claim in await run.claims(ForwardedClaim.batch_id == batch.id):
                await run.move(
                    claim,
                    "rejected_by_plan",
                    f"TA1 {ta1.note_code}",
                    f"the plan rejected the whole file (TA1 note {ta1.note_code})",
                )
    for group in answers.groups:
        batch = await run.batch(group.group_control)
        if batch is not None:
            batch.ack_status = _AK9.get(group.ack_code, group.ack_code)
    for answer in answers.sets:
        batch = await run.batch(answer.group_control)
        claims = (
            await run.claims(
                ForwardedClaim.batch_id == batch.id,
                ForwardedClaim.st_control == answer.st_control,
            )
            if batch is not None
            else []
        )
        if not claims:
            run.unmatched.append(f"999 for GS06 {answer.group_control} ST02 {answer.st_control}")
            continue
        run.matched += 1
        if not answer.accepted:
            why = "; ".join(answer.errors) or f"IK5 {answer.ack_code}"
            for claim in claims:
                await run.move(
                    claim,
                    "rejected_by_plan",
                    f"999 {answer.ack_code}",
                    f"the plan rejected the transaction set: {why}",
                )


def _by_trace(
    status: ClaimStatus, candidates: list[ForwardedClaim], batches: dict[int, int]
) -> ForwardedClaim | None:
    """The candidate our REF*D9 names (echoed in the 277CA's 2200D), if any does."""
    sent = parse_trace(status.clearinghouse_trace)
    if sent is None:
        return None
    isa13, st02, position = sent
    return next(
        (
            c
            for c in candidates
            if batches.get(c.batch_id) == isa13 and c.st_control == st02 and c.position == position
        ),
        None,
    )


def _match_claim(
    status: ClaimStatus, same_id: list[ForwardedClaim], batches: dict[int, int]
) -> ForwardedClaim | None:
    """Among the plan's forwarded claims with this CLM01 (newest first): the one our
    REF*D9 names; else the one in the set the 2200B TRN02 names (our ST02, or BHT03 =
    ISA13 + ST02), else any; of several, the one whose charge is STC04."""
    traced = _by_trace(status, same_id, batches)
    if traced is not None:
        return traced
    trace = status.trace or ""
    candidates: list[ForwardedClaim] = []
    if len(trace) == 18 and trace.isdigit():  # BHT03: ISA13 + ST02
        candidates = [
            c
            for c in same_id
            if batches.get(c.batch_id) == int(trace[:9]) and c.st_control == trace[9:]
        ]
    if not candidates and trace:
        candidates = [c for c in same_id if c.st_control == trace]
    if not candidates:
        candidates = list(same_id)
    if status.charge is not None:
        candidates = [c for c in candidates if c.charge == status.charge] or (
            candidates if trace else []
        )
    return candidates[0] if candidates else None


async def _traced_elsewhere(
    run: _Run,
    answers: Answers,
    by_id: dict[str, list[ForwardedClaim]],
    batches: dict[int, int],
) -> None:
    """A claim whose CLM01 the plan changed in its answer is still found by our REF*D9:
    the plan's own batch with that ISA13, then the claim at that ST02 and position (added
    to ``by_id`` under the CLM01 the answer uses)."""
    for status in answers.claims:
        sent = parse_trace(status.clearinghouse_trace)
        if sent is None or _by_trace(status, by_id.get(status.claim_id, []), batches):
            continue
        isa13, st02, position = sent
        batch = await run.batch(f"{isa13}")
        if batch is None:
            continue
        found = await run.claims(
            ForwardedClaim.batch_id == batch.id,
            ForwardedClaim.st_control == st02,
            ForwardedClaim.position == position,
        )
        if found:
            batches[batch.id] = batch.interchange_control
            by_id.setdefault(status.claim_id, []).insert(0, found[0])


async def _277ca(run: _Run, answers: Answers) -> None:
    ids = sorted({s.claim_id for s in answers.claims})
    by_id: dict[str, list[ForwardedClaim]] = {}
    for start in range(0, len(ids), 500):
        for found in await run.claims(ForwardedClaim.claim_id.in_(ids[start : start + 500])):
            by_id.setdefault(found.claim_id, []).append(found)
    for same in by_id.values():
        same.sort(key=lambda c: -c.id)
    batch_ids = sorted({c.batch_id for same in by_id.values() for c in same})
    batches = {
        int(i): int(n)
        for i, n in (
            await run.session.execute(
                select(ForwardingBatch.id, ForwardingBatch.interchange_control).where(
                    ForwardingBatch.id.in_(batch_ids)
                )
            )
        ).all()
    }
    await _traced_elsewhere(run, answers, by_id, batches)
    for status in answers.claims:
        claim = _match_claim(status, by_id.get(status.claim_id, []), batches)
        if claim is None:
            run.unmatched.append(f"277CA claim {status.claim_id}")
            continue
        run.matched += 1
        if status.payer_claim_number:
            claim.plan_claim_number = status.payer_claim_number[:50]
        codes = ",".join(s.text for s in status.statuses)[:200] or None
        meaning = "; ".join(status_meaning(s) for s in status.statuses)
        if status.message:
            meaning = f"{meaning} ({status.message})" if meaning else status.message
        state = "accepted_by_plan" if status.accepted else "rejected_by_plan"
        await run.move(claim, state, codes, meaning[:1000] or None)


async def _835(run: _Run, submission: Submission) -> None:
    rows = await run.session.execute(
        select(ClaimPaymentRow, ForwardedClaim)
        .join(Payment, Payment.id == ClaimPaymentRow.payment_id)
        .join(ForwardedClaim, ForwardedClaim.encounter_id == ClaimPaymentRow.encounter_id)
        .where(
            Payment.submission_id == submission.id,
            ForwardedClaim.plan_partner_id == run.plan_id,
        )
        .order_by(ClaimPaymentRow.id)
    )
    for payment, claim in rows.all():
        run.matched += 1
        if payment.payer_claim_number:
            claim.plan_claim_number = payment.payer_claim_number[:50]
        denied = is_denial(payment.status_code, payment.charge, payment.paid)
        await run.move(
            claim,
            "denied" if denied else "paid",
            f"CLP02 {payment.status_code}",
            f"paid {payment.paid} of {payment.charge}",
        )


async def record_answers(
    session: AsyncSession,
    settings: Settings,
    submission: Submission,
    as_plan: Partner | None = None,
    *,
    role: str | None = None,
) -> PlanAnswer | None:
    """Match and apply a plan's answers in ``submission`` (None: not a plan's answer),
    among the files forwarded to the plan that sent it, or to ``as_plan`` when ops re-matches
    a held answer that another of the plan's ids sent (``forwarding.held``). ``role``: the
    submitting partner's, when the caller knows it (only a plan's files are read further)."""
    if submission.partner_id is None or (as_plan is None and role not in (None, "plan")):
        return None
    plan = as_plan or await session.get(Partner, submission.partner_id)
    if plan is None or plan.role != "plan":
        return None
    done = (
        await session.execute(select(PlanAnswer).where(PlanAnswer.submission_id == submission.id))
    ).scalar_one_or_none()
    if done is not None:
        return done
    types = set((submission.transaction_type or "").split(","))
    answers = Answers()
    if types & {"999", "277CA"} or not submission.transaction_type:
        path = FileStore(settings.data_dir).path(FileStore.relative_for(submission.sha256))
        answers = read_answers(await anyio.Path(path).read_bytes())
    # the most specific kind of answer in the file (a file may hold a TA1 and a 999)
    kind = "835" if "835" in types else (answers.kinds[-1] if answers.kinds else "")
    if not kind:
        return None
    answer = PlanAnswer(
        submission_id=submission.id,
        plan_partner_id=plan.id,
        kind=kind,
        status="matched",
        matched=0,
        unmatched=0,
    )
    session.add(answer)
    await session.flush()
    run = _Run(session, plan.id, answer)
    if kind == "835":
        await _835(run, submission)
    else:
        await _ta1_and_999(run, answers)
        await _277ca(run, answers)
    for partner_id, items in run.events.items():
        await publish_many(session, EventType.ENCOUNTER_PLAN_STATE_CHANGED, partner_id, items)
    answer.matched, answer.unmatched = run.matched, len(run.unmatched)
    if run.unmatched:
        answer.status = "held" if run.matched == 0 else "partly"
        answer.detail = ("not matched: " + "; ".join(run.unmatched))[:1000]
    elif kind == "835" and run.matched == 0:
        await session.delete(answer)  # an 835 for claims we never forwarded: not an answer
        return None
    return answer
