"""The 277CA of a submission, from its claim outcomes and business findings."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import ClaimOutcome, FindingRow, Interchange, Submission, TransactionSet

#: Status composites for findings whose rule gives none: by rule kind, else by our codes.
_BY_KIND = {
    "required": ("A6", "21"),
    "equals": ("A8", "21"),
    "sum_equals": ("A7", "400"),
    "eligible": ("A7", "21"),
}
_BY_CODE = {"DUP": ("A3", "54"), "MAP": ("A3", "21")}


def payer_claim_number(encounter_id: int) -> str:
    """The claim control number the gateway assigns to an accepted claim (REF*1K)."""
    return f"EG{encounter_id:010d}"


def _status(f: FindingRow) -> tuple[str, str, str | None]:
    if f.guide and f.rule_id:
        try:
            from mappings.guides import load_guide

            rule = next((r for r in load_guide(f.guide).rules if r.id == f.rule_id), None)
        except ValueError:
            rule = None
        if rule is not None and rule.stc:
            return rule.stc["category"], rule.stc.get("status", "21"), rule.stc.get("entity")
        if rule is not None and rule.kind in _BY_KIND:
            category, status = _BY_KIND[rule.kind]
            return category, status, None
        return "A7", "21", None
    category, status = _BY_CODE.get(f.code, ("A7", "21"))
    return category, status, None


async def build_277ca_for(
    session: AsyncSession, submission_id: str, control_number: int, our_id: str
) -> bytes:
    """The 277CA for every claim of the submission's sets that passed the 999; b"" if none."""
    from parsers.ack277 import ClaimAck, SetAck, StatusCode, build_277ca

    outcomes = (
        (
            await session.execute(
                select(ClaimOutcome)
                .where(ClaimOutcome.submission_id == submission_id)
                .order_by(ClaimOutcome.set_ordinal, ClaimOutcome.line)
            )
        )
        .scalars()
        .all()
    )
    if not outcomes:
        return b""
    submission = await session.get(Submission, submission_id)
    assert submission is not None
    sets = {
        s.ordinal: s
        for s in (
            await session.execute(
                select(TransactionSet).where(TransactionSet.submission_id == submission_id)
            )
        ).scalars()
    }
    findings: dict[str, list[FindingRow]] = defaultdict(list)
    for f in (
        await session.execute(
            select(FindingRow)
            .where(
                FindingRow.submission_id == submission_id,
                FindingRow.claim_id.is_not(None),
                FindingRow.level == "claim",
            )
            .order_by(FindingRow.line)
        )
    ).scalars():
        if f.severity != "warning" and f.claim_id:
            findings[f.claim_id].append(f)
    isa = (
        await session.execute(
            select(Interchange).where(Interchange.submission_id == submission_id).limit(1)
        )
    ).scalar_one_or_none()
    by_set: dict[int, list[Any]] = defaultdict(list)
    for o in outcomes:
        statuses: tuple[Any, ...] = ()
        message = None
        if not o.accepted:
            found = findings.get(o.claim_id, [])
            codes = []
            for f in found:
                code = _status(f)
                if code not in codes:
                    codes.append(code)
            statuses = tuple(StatusCode(c, s, e) for c, s, e in codes) or (
                StatusCode("A3", "21", None),
            )
            message = found[0].message if found else None
        by_set[o.set_ordinal].append(
            ClaimAck(
                claim_id=o.claim_id,
                accepted=o.accepted,
                charge=o.charge or "0",
                service_from=o.service_date_from,
                service_to=o.service_date_to,
                patient_last=o.patient_last_name,
                patient_first=o.patient_first_name,
                member_id=o.member_id,
                billing_npi=o.billing_npi,
                billing_name=o.billing_name,
                payer_claim_number=payer_claim_number(o.encounter_id) if o.encounter_id else None,
                statuses=statuses,
                message=message,
                type_of_bill=o.type_of_bill,
            )
        )
    now = datetime.now(UTC)
    received = submission.received_at.date()
    acks = []
    for ordinal, claims in sorted(by_set.items()):
        ts = sets.get(ordinal)
        acks.append(
            SetAck(
                st_control_number=ts.st_control_number if ts else str(ordinal),
                submitter_id=ts.sender_id if ts else "UNKNOWN",
                submitter_name=ts.sender_id if ts else "UNKNOWN",
                payer_id=ts.receiver_id if ts else our_id,
                payer_name=ts.receiver_id if ts else our_id,
                received=received,
                processed=now.date(),
                claims=tuple(claims),
            )
        )
    content: bytes = build_277ca(
        acks,
        sender_qualifier=isa.receiver_qualifier if isa else "ZZ",
        sender_id=isa.receiver_id if isa else our_id,
        receiver_qualifier=isa.sender_qualifier if isa else "ZZ",
        receiver_id=isa.sender_id if isa else "UNKNOWN",
        control_number=control_number,
        now=now,
        usage=isa.usage if isa else "P",
    )
    return content
