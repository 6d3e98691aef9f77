"""Opening and closing work items as submissions are processed.

``record_outcome(session, submission, types, sets)`` runs in the same transaction that finishes a
submission (``submissions.pipeline``): it opens an item for each claim a business edit
rejected, each 834 member change rejected, each transaction set rejected as a whole and a
file rejected before any set could be read; and it closes, as ``closed_by_resubmission``,
the open items of the same submitter that this submission's accepted claims correct (the
same CLM01 and billing NPI, or a replacement or void whose REF*F8 names the claim).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..models import FindingRow, Submission, TransactionSet, WorkItem, WorkItemEvent
from ..partners.service import Principal
from ..statuses import SetStatus, WorkItemKind, WorkItemState
from ..webhooks.announce import work_items_closed
from .outcome_repository import OutcomeRepository
from .repository import ItemFilters, WorkItemRepository

__all__ = [
    "BULK_CAP",
    "GATEWAY",
    "age_days",
    "change_item",
    "change_items",
    "fix_of",
    "record_outcome",
]

#: the actor of changes the gateway makes itself
GATEWAY = "gateway"
#: items one bulk change applies to at the most
BULK_CAP = 10_000
_ENVELOPE_LEVELS = ("interchange", "group")


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


async def _add_items(session: AsyncSession, items: list[WorkItem]) -> None:
    session.add_all(items)
    await session.flush()
    session.add_all(
        WorkItemEvent(item_id=i.id, actor=GATEWAY, action="created", new_value=i.state)
        for i in items
    )


def _close(
    session: AsyncSession,
    items: Iterable[WorkItem],
    submission: Submission,
    note: str,
    encounter_of: Callable[[WorkItem], int | None] | None = None,
) -> int:
    """Close ``items`` as corrected by ``submission``, each change in the item's history."""
    now = datetime.now(UTC)
    closed = 0
    for it in items:
        old = it.state
        it.state = WorkItemState.CLOSED_BY_RESUBMISSION
        it.closed_at = it.updated_at = now
        it.closed_by_submission_id = submission.id
        if encounter_of is not None:
            it.closed_by_encounter_id = encounter_of(it)
        session.add(
            WorkItemEvent(
                item_id=it.id,
                actor=GATEWAY,
                action="closed",
                old_value=old,
                new_value=it.state,
                note=note,
            )
        )
        closed += 1
    return closed


async def record_outcome(
    session: AsyncSession,
    submission: Submission,
    transaction_types: Collection[str] | None,
    sets: Sequence[TransactionSet],
    *,
    earlier: bool = True,
) -> tuple[int, int]:
    """Open the items this submission's rejections call for and close those its accepted
    claims correct; returns (opened, closed). Safe to run again for the same submission.

    ``transaction_types``: those of the file's sets ("834", "837P"...), when known:
    only an 835 denies and pays claims, an 837 corrects them, an 834 changes members, so
    the other look-ups are left out (None: all of them). ``sets``: the submission's
    transaction sets, as the caller has read them. ``earlier`` False: no earlier run of
    the submission finished (so it has no items yet)."""
    rows = OutcomeRepository(session)
    kinds = {"834", "835", "837"}
    if transaction_types is not None:
        kinds = {t[:3] for t in transaction_types}
    remittance, claims, members = "835" in kinds, "837" in kinds, "834" in kinds
    opened = 0
    if not earlier or not await rows.has_items(submission.id):
        if _rejects_any(sets):
            opened = await _open(session, rows, submission, sets)
        if remittance:
            opened += await _open_denials(session, rows, submission)
    closed = 0
    if claims:
        closed += await _close_corrected(session, rows, submission)
    if members:
        closed += await _close_members(session, rows, submission)
    if remittance:
        closed += await _close_paid(session, rows, submission)
    return opened, closed


def _rejects_any(sets: Sequence[TransactionSet]) -> bool:
    """Whether ``_open`` may find something to open: a file with no set stored, a set
    rejected, a claim rejected (counted in its set's ``units_rejected``) or an 834 (whose
    members' errors are read from the findings)."""
    return not sets or any(
        s.status == SetStatus.REJECTED or s.units_rejected or s.transaction_type == "834"
        for s in sets
    )


async def _open(
    session: AsyncSession,
    rows: OutcomeRepository,
    submission: Submission,
    read: Sequence[TransactionSet],
) -> int:
    sets = {s.ordinal: s for s in read}
    findings = await rows.error_findings(submission.id)
    plans = await rows.plans_by_receiver(s.receiver_id for s in sets.values())
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
    # claims a business edit rejected, in sets that were stored (their findings found by
    # set and claim id: a file whose every claim is rejected is not read once per claim)
    of_claim: dict[tuple[int | None, str | None], list[FindingRow]] = defaultdict(list)
    for ordinal, found_in_set in by_set.items():
        for f in found_in_set:
            if f.level == "claim":
                of_claim[(ordinal, f.claim_id)].append(f)
    for o in await rows.rejected_claims(submission.id):
        item(
            "claim",
            of_claim.get((o.set_ordinal, o.claim_id), []),
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
    await _add_items(session, items)
    return len(items)


async def _close_corrected(
    session: AsyncSession, rows: OutcomeRepository, submission: Submission
) -> int:
    """Close the submitter's open claim items that an accepted claim corrects: the item of
    the same (CLM01, billing NPI), else of the claim it replaces (its original reference).

    A transaction set's accepted claims at a time, so a 1,000,000-claim file's keys are
    never all in memory: first every claim's own key, then the originals, so an item whose
    claim the file sends again is closed by that claim, not by one that replaces it."""
    if not await rows.any_open(submission, "claim"):
        return 0
    note = f"accepted in submission {submission.id}"
    closed = 0
    for replacing in (False, True):
        for ordinal in await rows.accepted_sets(submission.id):
            by_key: dict[tuple[str, str | None], int] = {}
            found = await rows.accepted_claims(submission.id, ordinal, replacing=replacing)
            for claim_id, npi, encounter_id, original in found:
                if not replacing:
                    by_key[(claim_id, npi)] = int(encounter_id)
                elif original:
                    by_key.setdefault((original, npi), int(encounter_id))
            del found
            if not by_key:
                continue
            items = await rows.open_claim_items(submission, set(by_key))
            # flushed by the next look-up (autoflush): a closed item is not found again
            closed += _close(
                session,
                items,
                submission,
                note,
                _encounter_by_key(by_key),
            )
    return closed


def _encounter_by_key(
    by_key: dict[tuple[str, str | None], int],
) -> Callable[[WorkItem], int | None]:
    return lambda it: by_key[(it.claim_id or "", it.billing_npi)]


def _denial_finding(code: str, message: str, segment: str) -> dict[str, object]:
    return {
        "rule_id": None,
        "code": code,
        "snip_level": None,
        "severity": "denied",
        "level": "claim",
        "message": message,
        "segment_id": segment,
        "element": None,
        "loop": None,
        "line": None,
        "guide": None,
    }


async def _open_denials(
    session: AsyncSession, rows: OutcomeRepository, submission: Submission
) -> int:
    """An item per claim this 835 denies, owned by the provider whose claim it is (when
    the payment matched one of its encounters), with the CARCs and RARCs."""
    denied = await rows.denied_claims(submission.id)
    if not denied:
        return 0
    ids = [cp.id for cp, _, _ in denied]
    carcs: dict[int, list[str]] = defaultdict(list)
    for cp_id, group, reason in await rows.adjustments(ids):
        code = f"{group}-{reason}"
        if code not in carcs[cp_id]:
            carcs[cp_id].append(code)
    # remark codes of the claim (MOA) and of its service lines (LQ*HE), in order, once each
    rarcs: dict[int, list[str]] = defaultdict(list)
    remarks = [(cp.id, cp.remark_codes) for cp, _, _ in denied]
    for cp_id, codes in [*remarks, *await rows.line_remarks(ids)]:
        for r in (codes or "").split(","):
            if r and r not in rarcs[cp_id]:
                rarcs[cp_id].append(r)
    items = []
    for cp, provider_id, npi in denied:
        found = [
            _denial_finding(code, f"Adjustment {code} (CARC) on a denied claim", "CAS")
            for code in carcs.get(cp.id, [])
        ]
        found += [
            _denial_finding(rarc, f"Remark {rarc} (RARC)", "MOA/LQ")
            for rarc in rarcs.get(cp.id, [])
        ]
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
    await _add_items(session, items)
    return len(items)


async def _close_members(
    session: AsyncSession, rows: OutcomeRepository, submission: Submission
) -> int:
    """An 834 member item closes when the same sender's next change for the member (its
    subscriber id, REF*0F) is accepted."""
    if not await rows.any_open(submission, "member"):
        return 0
    accepted = await rows.members_changed(submission.id)
    if not accepted:
        return 0
    items = await rows.open_member_items(submission, accepted)
    note = f"the member's change accepted in submission {submission.id}"
    return _close(session, items, submission, note)


async def _close_paid(
    session: AsyncSession, rows: OutcomeRepository, submission: Submission
) -> int:
    """A denial closes when a later 835 from the same plan pays the same claim (CLP01)."""
    if not await rows.any_open_denial(submission):
        return 0
    by_claim: dict[str, int | None] = {c: e for c, e in await rows.paid_claims(submission.id)}  # noqa: C416
    if not by_claim:
        return 0
    items = await rows.open_denials(submission, sorted(by_claim))
    return _close(
        session,
        items,
        submission,
        f"paid in the 835 of submission {submission.id}",
        lambda it: by_claim.get(it.claim_id or ""),
    )


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


async def change_items(
    session: AsyncSession,
    caller: Principal,
    filters: ItemFilters,
    *,
    state: str | None = None,
    assignee: str | None = None,
    note: str | None = None,
) -> tuple[int, int]:
    """One change to every item the filters match among those the caller may see (up to
    ``BULK_CAP``), each in its item's history, the whole in the audit trail; returns
    (matched, changed)."""
    repo = WorkItemRepository(session)
    items = await repo.all(repo.search(caller, filters), BULK_CAP)
    changed = 0
    for item in items:
        events = await change_item(
            session, item, caller.name, state=state, assignee=assignee, note=note
        )
        changed += bool(events)
    await audit(
        session, caller, "update", "work_item", None, f"bulk: {changed} of {len(items)} items"
    )
    return len(items), changed
