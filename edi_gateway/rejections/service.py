"""Opening and closing work items as submissions are processed.

``record_outcome(session, submission)`` runs in the same transaction that finishes a
submission (``submissions.pipeline``): it opens an item for each claim a business edit
rejected, each 834 member change rejected, each transaction set rejected as a whole and a
file rejected before any set could be read; and it closes, as ``closed_by_resubmission``,
the open items of the same submitter that this submission's accepted claims correct (the
same CLM01 and billing NPI, or a replacement or void whose REF*F8 names the claim).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import rows_for_values
from ..models import (
    ClaimOutcome,
    ClaimPaymentRow,
    Encounter,
    FindingRow,
    Member,
    Partner,
    PartnerIdentifier,
    Payment,
    PaymentAdjustment,
    ServicePaymentRow,
    Submission,
    TransactionSet,
    WorkItem,
    WorkItemEvent,
)
from ..remittances.denials import denied_clause
from ..statuses import OPEN_STATES, SetStatus, WorkItemKind, WorkItemState
from ..webhooks.announce import work_items_closed

__all__ = ["GATEWAY", "age_days", "change_item", "fix_of", "record_outcome"]

#: the actor of changes the gateway makes itself
GATEWAY = "gateway"
_ERRORS = ("reject_claim", "reject_transaction", "reject_file")
_ENVELOPE_LEVELS = ("interchange", "group")
#: claim ids looked up per query
_LOOKUP_CHUNK = 1000


def _finding(f: FindingRow) -> dict[str, object]:
    return {
        "rule_id": f.rule_id,
        "code": f.code,
        "snip_level": f.snip_level,
        "severity": f.severity,
        "level": f.level,
        "message": f.message,
        "segment_id": f.segment_id,
        "element": f.element,
        "loop": f.loop,
        "line": f.line,
        "guide": f.guide,
    }


def _amount(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


async def _plans(session: AsyncSession, receivers: Iterable[str]) -> dict[str, int]:
    """Plan partners by the interchange receiver ids they answer to."""
    wanted = sorted(set(receivers))
    if not wanted:
        return {}
    rows = await session.execute(
        select(PartnerIdentifier.value, Partner.id)
        .join(Partner, Partner.id == PartnerIdentifier.partner_id)
        .where(Partner.role == "plan", PartnerIdentifier.value.in_(wanted))
    )
    return {value: int(pid) for value, pid in rows.all()}


async def record_outcome(session: AsyncSession, submission: Submission) -> tuple[int, int]:
    """Open the items this submission's rejections call for and close those its accepted
    claims correct; returns (opened, closed). Safe to run again for the same submission."""
    already = (
        await session.execute(
            select(WorkItem.id).where(WorkItem.submission_id == submission.id).limit(1)
        )
    ).first()
    opened = (
        0
        if already
        else await _open(session, submission) + await _open_denials(session, submission)
    )
    closed = (
        await _close_corrected(session, submission)
        + await _close_members(session, submission)
        + await _close_paid(session, submission)
    )
    return opened, closed


async def _open(session: AsyncSession, submission: Submission) -> int:
    sets = {
        s.ordinal: s
        for s in (
            await session.execute(
                select(TransactionSet).where(TransactionSet.submission_id == submission.id)
            )
        ).scalars()
    }
    findings = (
        (
            await session.execute(
                select(FindingRow)
                .where(FindingRow.submission_id == submission.id, FindingRow.severity.in_(_ERRORS))
                .order_by(FindingRow.id)
            )
        )
        .scalars()
        .all()
    )
    plans = await _plans(session, (s.receiver_id for s in sets.values()))
    items: list[WorkItem] = []

    def item(
        subject: str, found: list[FindingRow], s: TransactionSet | None, **values: object
    ) -> None:
        first = found[0] if found else None
        items.append(
            WorkItem(
                kind=WorkItemKind.REJECTED_BY_GATEWAY,
                subject=subject,
                state=WorkItemState.OPEN,
                partner_id=submission.partner_id,
                plan_partner_id=plans.get(s.receiver_id) if s is not None else None,
                submission_id=submission.id,
                transaction_type=(s.transaction_type if s is not None else None)
                or submission.transaction_type,
                st_control_number=s.st_control_number if s is not None else None,
                findings=[_finding(f) for f in found],
                rule_id=(first.rule_id or first.code) if first is not None else None,
                code=first.code if first is not None else None,
                **values,
            )
        )

    # SNIP 1-2 findings are stored with the file (no set ordinal): place those of a
    # transaction set by its control number
    by_st = {(ts.st_control_number, ts.gs_control_number): o for o, ts in sets.items()}
    by_set: dict[int | None, list[FindingRow]] = defaultdict(list)
    envelope: list[FindingRow] = []
    for f in findings:
        ordinal = f.set_ordinal
        if ordinal is None and f.level not in _ENVELOPE_LEVELS:
            ordinal = by_st.get((f.st_control_number or "", f.gs_control_number or ""))
        if ordinal is None:
            envelope.append(f)
        else:
            by_set[ordinal].append(f)
    rejected_sets = {o for o, ts in sets.items() if ts.status == SetStatus.REJECTED}
    if submission.sets_accepted == 0 and (envelope or not sets):
        # rejected as a whole (not X12, the envelope, the acceptance threshold): one item
        item("file", envelope, None, line=envelope[0].line if envelope else None)
        rejected_sets = set(sets)
    else:
        for ordinal in sorted(rejected_sets):
            ts = sets[ordinal]
            item("transaction_set", by_set.get(ordinal, []), ts, set_ordinal=ordinal, line=ts.line)
    # claims a business edit rejected, in sets that were stored
    outcomes = (
        await session.execute(
            select(ClaimOutcome).where(
                ClaimOutcome.submission_id == submission.id, ClaimOutcome.accepted.is_(False)
            )
        )
    ).scalars()
    for o in outcomes:
        found = [
            f
            for f in by_set.get(o.set_ordinal, [])
            if f.claim_id == o.claim_id and f.level == "claim"
        ]
        item(
            "claim",
            found,
            sets.get(o.set_ordinal),
            set_ordinal=o.set_ordinal,
            line=o.line,
            claim_id=o.claim_id,
            member_id=o.member_id,
            billing_npi=o.billing_npi,
            service_date=o.service_date_from,
            amount=_amount(o.charge),
        )
    # 834 member changes rejected in sets that were stored
    for set_ordinal, found in by_set.items():
        ts834 = sets.get(set_ordinal) if set_ordinal is not None else None
        if ts834 is None or ts834.transaction_type != "834" or set_ordinal in rejected_sets:
            continue
        members: dict[str, list[FindingRow]] = defaultdict(list)
        for f in found:
            if f.level == "claim":
                members[f.member_id or f"line {f.line}"].append(f)
        for member_findings in members.values():
            item(
                "member",
                member_findings,
                ts834,
                set_ordinal=set_ordinal,
                line=member_findings[0].line,
                member_id=member_findings[0].member_id,
            )
    session.add_all(items)
    await session.flush()
    session.add_all(
        WorkItemEvent(item_id=i.id, actor=GATEWAY, action="created", new_value=i.state)
        for i in items
    )
    return len(items)


async def _close_corrected(session: AsyncSession, submission: Submission) -> int:
    accepted = (
        await session.execute(
            select(
                ClaimOutcome.claim_id,
                Encounter.billing_npi,
                Encounter.id,
                Encounter.original_claim_ref,
            )
            .join(Encounter, Encounter.id == ClaimOutcome.encounter_id)
            .where(ClaimOutcome.submission_id == submission.id, ClaimOutcome.accepted.is_(True))
        )
    ).all()
    if not accepted:
        return 0
    by_key: dict[tuple[str, str | None], int] = {}
    for claim_id, npi, encounter_id, original in accepted:
        by_key[(claim_id, npi)] = int(encounter_id)
        if original:
            by_key.setdefault((original, npi), int(encounter_id))
    owner = (
        WorkItem.partner_id == submission.partner_id
        if submission.partner_id is not None
        else WorkItem.partner_id.is_(None)
    )
    # The open items of these claims: looked up by CLM01 through the (partner, claim id)
    # index, one bound array per batch, then matched on the billing NPI here.
    dialect = session.get_bind().dialect.name
    claim_ids = sorted({claim_id for claim_id, _ in by_key})
    wanted: list[int] = []
    for start in range(0, len(claim_ids), _LOOKUP_CHUNK):
        rows = await session.execute(
            rows_for_values(
                [WorkItem.id, WorkItem.claim_id, WorkItem.billing_npi],
                WorkItem.claim_id,
                claim_ids[start : start + _LOOKUP_CHUNK],
                dialect,
                owner,
                WorkItem.subject == "claim",
                WorkItem.state.in_(OPEN_STATES),
                WorkItem.submission_id != submission.id,
            )
        )
        wanted += [int(i) for i, claim_id, npi in rows.all() if (claim_id, npi) in by_key]
    candidates: list[WorkItem] = []
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        candidates += (
            (
                await session.execute(
                    select(WorkItem)
                    .where(WorkItem.id.in_(wanted[start : start + _LOOKUP_CHUNK]))
                    .order_by(WorkItem.id)
                )
            )
            .scalars()
            .all()
        )
    now = datetime.now(UTC)
    for it in candidates:
        old = it.state
        it.state = WorkItemState.CLOSED_BY_RESUBMISSION
        it.closed_at = it.updated_at = now
        it.closed_by_submission_id = submission.id
        it.closed_by_encounter_id = by_key[(it.claim_id or "", it.billing_npi)]
        session.add(
            WorkItemEvent(
                item_id=it.id,
                actor=GATEWAY,
                action="closed",
                old_value=old,
                new_value=it.state,
                note=f"accepted in submission {submission.id}",
            )
        )
    return len(candidates)


async def _open_denials(session: AsyncSession, submission: Submission) -> int:
    """An item per claim this 835 denies, owned by the provider whose claim it is (when
    the payment matched one of its encounters), with the CARCs and RARCs."""
    rows = (
        await session.execute(
            select(ClaimPaymentRow, Encounter.partner_id, Encounter.billing_npi)
            .join(Payment, Payment.id == ClaimPaymentRow.payment_id)
            .outerjoin(Encounter, Encounter.id == ClaimPaymentRow.encounter_id)
            .where(Payment.submission_id == submission.id, denied_clause())
        )
    ).all()
    if not rows:
        return 0
    ids = [cp.id for cp, _, _ in rows]
    carcs: dict[int, list[str]] = defaultdict(list)
    for cp_id, group, reason in (
        await session.execute(
            select(
                PaymentAdjustment.claim_payment_id,
                PaymentAdjustment.group_code,
                PaymentAdjustment.reason_code,
            ).where(PaymentAdjustment.claim_payment_id.in_(ids))
        )
    ).all():
        code = f"{group}-{reason}"
        if code not in carcs[cp_id]:
            carcs[cp_id].append(code)
    # remark codes of the claim (MOA) and of its service lines (LQ*HE), in order, once each
    rarcs: dict[int, list[str]] = defaultdict(list)
    for cp, _, _ in rows:
        for r in (cp.remark_codes or "").split(","):
            if r and r not in rarcs[cp.id]:
                rarcs[cp.id].append(r)
    for cp_id, codes in (
        await session.execute(
            select(ServicePaymentRow.claim_payment_id, ServicePaymentRow.remark_codes)
            .where(ServicePaymentRow.claim_payment_id.in_(ids))
            .order_by(ServicePaymentRow.id)
        )
    ).all():
        for r in (codes or "").split(","):
            if r and r not in rarcs[cp_id]:
                rarcs[cp_id].append(r)
    items = []
    for cp, provider_id, npi in rows:
        found: list[dict[str, object]] = [
            {
                "rule_id": None,
                "code": code,
                "snip_level": None,
                "severity": "denied",
                "level": "claim",
                "message": f"Adjustment {code} (CARC) on a denied claim",
                "segment_id": "CAS",
                "element": None,
                "loop": None,
                "line": None,
                "guide": None,
            }
            for code in carcs.get(cp.id, [])
        ]
        for rarc in rarcs.get(cp.id, []):
            found.append(
                {
                    "rule_id": None,
                    "code": rarc,
                    "snip_level": None,
                    "severity": "denied",
                    "level": "claim",
                    "message": f"Remark {rarc} (RARC)",
                    "segment_id": "MOA/LQ",
                    "element": None,
                    "loop": None,
                    "line": None,
                    "guide": None,
                }
            )
        first = carcs.get(cp.id, [None])[0]
        items.append(
            WorkItem(
                kind=WorkItemKind.DENIED,
                subject="claim",
                state=WorkItemState.OPEN,
                partner_id=provider_id,
                plan_partner_id=submission.partner_id,
                submission_id=submission.id,
                transaction_type="835",
                claim_id=cp.claim_id,
                member_id=cp.patient_member_id,
                billing_npi=npi,
                service_date=cp.service_date_from,
                amount=cp.charge,
                findings=found,
                rule_id=first,
                code=first.split("-", 1)[1][:10] if first else None,
            )
        )
    session.add_all(items)
    await session.flush()
    session.add_all(
        WorkItemEvent(item_id=i.id, actor=GATEWAY, action="created", new_value=i.state)
        for i in items
    )
    return len(items)


async def _close_members(session: AsyncSession, submission: Submission) -> int:
    """An 834 member item closes when the same sender's next change for the member (its
    subscriber id, REF*0F) is accepted."""
    accepted = sorted(
        set(
            (
                await session.execute(
                    select(Member.subscriber_id).where(Member.last_submission_id == submission.id)
                )
            ).scalars()
        )
    )
    if not accepted:
        return 0
    owner = (
        WorkItem.partner_id == submission.partner_id
        if submission.partner_id is not None
        else WorkItem.partner_id.is_(None)
    )
    now = datetime.now(UTC)
    closed = 0
    for start in range(0, len(accepted), 500):
        items = (
            await session.execute(
                select(WorkItem).where(
                    owner,
                    WorkItem.subject == "member",
                    WorkItem.state.in_(OPEN_STATES),
                    WorkItem.submission_id != submission.id,
                    WorkItem.member_id.in_(accepted[start : start + 500]),
                )
            )
        ).scalars()
        for it in items:
            old = it.state
            it.state = WorkItemState.CLOSED_BY_RESUBMISSION
            it.closed_at = it.updated_at = now
            it.closed_by_submission_id = submission.id
            session.add(
                WorkItemEvent(
                    item_id=it.id,
                    actor=GATEWAY,
                    action="closed",
                    old_value=old,
                    new_value=it.state,
                    note=f"the member's change accepted in submission {submission.id}",
                )
            )
            closed += 1
    return closed


async def _close_paid(session: AsyncSession, submission: Submission) -> int:
    """A denial closes when a later 835 from the same plan pays the same claim (CLP01)."""
    paid = (
        await session.execute(
            select(ClaimPaymentRow.claim_id, ClaimPaymentRow.encounter_id)
            .join(Payment, Payment.id == ClaimPaymentRow.payment_id)
            .where(Payment.submission_id == submission.id, ClaimPaymentRow.paid > 0)
        )
    ).all()
    if not paid:
        return 0
    by_claim: dict[str, int | None] = {c: e for c, e in paid}  # noqa: C416
    same_plan = (
        WorkItem.plan_partner_id == submission.partner_id
        if submission.partner_id is not None
        else WorkItem.plan_partner_id.is_(None)
    )
    claims = sorted(by_claim)
    now = datetime.now(UTC)
    closed = 0
    for start in range(0, len(claims), 500):
        items = (
            await session.execute(
                select(WorkItem).where(
                    same_plan,
                    WorkItem.kind == WorkItemKind.DENIED,
                    WorkItem.state.in_(OPEN_STATES),
                    WorkItem.submission_id != submission.id,
                    WorkItem.claim_id.in_(claims[start : start + 500]),
                )
            )
        ).scalars()
        for it in items:
            old = it.state
            it.state = WorkItemState.CLOSED_BY_RESUBMISSION
            it.closed_at = it.updated_at = now
            it.closed_by_submission_id = submission.id
            it.closed_by_encounter_id = by_claim.get(it.claim_id or "")
            session.add(
                WorkItemEvent(
                    item_id=it.id,
                    actor=GATEWAY,
                    action="closed",
                    old_value=old,
                    new_value=it.state,
                    note=f"paid in the 835 of submission {submission.id}",
                )
            )
            closed += 1
    return closed


def age_days(item: WorkItem, today: date | None = None) -> int:
    """Days since the item was opened."""
    day = today or datetime.now(UTC).date()
    return (day - item.created_at.date()).days


def fix_of(finding: dict[str, object]) -> str | None:
    """How to correct one finding: the guide rule's fix, or the code's."""
    from mappings.guides import GuideError, load_guide

    from ..reports.codes import fix_for

    rule_id, guide = finding.get("rule_id"), finding.get("guide")
    if isinstance(rule_id, str) and isinstance(guide, str):
        try:
            rule = next((r for r in load_guide(guide).rules if r.id == rule_id), None)
        except GuideError:
            rule = None
        if rule is not None and rule.fix:
            return rule.fix
    level, code = finding.get("level"), finding.get("code")
    if isinstance(level, str) and isinstance(code, str):
        return fix_for(level, code)
    return None


async def change_item(
    session: AsyncSession,
    item: WorkItem,
    actor: str,
    *,
    state: str | None = None,
    assignee: str | None = None,
    note: str | None = None,
) -> list[WorkItemEvent]:
    """Change an item's state or assignee, or add a note; each change is in its history."""
    events: list[WorkItemEvent] = []
    now = datetime.now(UTC)
    if state is not None and state != item.state:
        events.append(
            WorkItemEvent(
                item_id=item.id, actor=actor, action="state", old_value=item.state, new_value=state
            )
        )
        item.state = state
        closed = state in (WorkItemState.RESOLVED, WorkItemState.WONT_FIX)
        item.closed_at = now if closed else None
        if closed:
            await work_items_closed(session, [item])
    if assignee is not None and assignee != (item.assignee or ""):
        events.append(
            WorkItemEvent(
                item_id=item.id,
                actor=actor,
                action="assignee",
                old_value=item.assignee,
                new_value=assignee or None,
            )
        )
        item.assignee = assignee or None
    if note:
        events.append(WorkItemEvent(item_id=item.id, actor=actor, action="note", note=note))
    if events:
        item.updated_at = now
        session.add_all(events)
    return events
