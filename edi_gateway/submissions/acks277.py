"""The 277CA of a submission, from its claim outcomes and business findings."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from parsers.ack277 import ClaimAck, SetAck, StatusCode, build_277ca

from ..encounters.originals import our_claim_number
from .repository import InterchangeRepository, SubmissionRunRepository, TransactionSetRepository
from .results_repository import ClaimOutcomeRepository, FindingRepository

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
    return our_claim_number(encounter_id)


def _status(guide: str | None, rule_id: str | None, code: str) -> tuple[str, str, str | None]:
    if guide and rule_id:
        try:
            from mappings.guides import load_guide

            rule = next((r for r in load_guide(guide).rules if r.id == rule_id), None)
        except ValueError:
            rule = None
        if rule is not None and rule.stc:
            return rule.stc["category"], rule.stc.get("status", "21"), rule.stc.get("entity")
        if rule is not None and rule.kind in _BY_KIND:
            category, status = _BY_KIND[rule.kind]
            return category, status, None
        return "A7", "21", None
    category, status = _BY_CODE.get(code, ("A7", "21"))
    return category, status, None


async def build_277ca_for(
    session: AsyncSession, submission_id: str, control_number: int, our_id: str
) -> bytes:
    """The 277CA for every claim of the submission's sets that passed the 999; b"" if none."""
    outcomes = await ClaimOutcomeRepository(session).get_for_277(submission_id)
    if not outcomes:
        return b""
    submission = await SubmissionRunRepository(session).get_by_id(submission_id)
    assert submission is not None
    sets = {s.ordinal: s for s in await TransactionSetRepository(session).get_all_of(submission_id)}
    # the claim-level errors (not warnings) by claim: (guide, rule id, code, message)
    findings: dict[str, list[tuple[str | None, str | None, str, str]]] = defaultdict(list)
    for found_claim, guide, rule_id, code, text in await FindingRepository(
        session
    ).get_claim_errors(submission_id):
        if found_claim:
            findings[found_claim].append((guide, rule_id, code, text))
    isa = await InterchangeRepository(session).get_first_of(submission_id)
    by_set: dict[int, list[ClaimAck]] = defaultdict(list)
    for (
        ordinal,
        claim_id,
        accepted,
        charge,
        service_from,
        service_to,
        patient_last,
        patient_first,
        member_id,
        billing_npi,
        billing_name,
        encounter_id,
        type_of_bill,
    ) in outcomes:
        statuses: tuple[StatusCode, ...] = ()
        message = None
        if not accepted:
            found = findings.get(claim_id, [])
            codes = []
            for guide, rule_id, code, _message in found:
                composite = _status(guide, rule_id, code)
                if composite not in codes:
                    codes.append(composite)
            statuses = tuple(StatusCode(c, s, e) for c, s, e in codes) or (
                StatusCode("A3", "21", None),
            )
            message = found[0][3] if found else None
        by_set[ordinal].append(
            ClaimAck(
                claim_id=claim_id,
                accepted=accepted,
                charge=charge or "0",
                service_from=service_from,
                service_to=service_to,
                patient_last=patient_last,
                patient_first=patient_first,
                member_id=member_id,
                billing_npi=billing_npi,
                billing_name=billing_name,
                payer_claim_number=payer_claim_number(encounter_id) if encounter_id else None,
                statuses=statuses,
                message=message,
                type_of_bill=type_of_bill,
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
