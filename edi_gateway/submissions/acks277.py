"""The 277CA of a submission, from its claim outcomes and business findings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from parsers.ack277 import Ack277Writer, ClaimAck, LineAck, SetAck, StatusCode

from ..encounters.originals import our_claim_number
from ..encounters.outcome_lines import decode_lines, line_of
from ..models import TransactionSet
from .repository import (
    AcknowledgmentRepository,
    InterchangeRepository,
    SubmissionRunRepository,
)
from .results_repository import (
    ClaimError,
    ClaimOutcomeRepository,
    FindingRepository,
    OutcomeFor277,
)

#: Status composites for findings whose rule gives none: by rule kind, else by our codes.
_BY_KIND = {
    "required": ("A6", "21"),
    "equals": ("A8", "21"),
    "sum_equals": ("A7", "400"),
    "eligible": ("A7", "21"),
}
#: AUTH: a billing provider the trading partner is not registered to send claims for
#: (508 status 496: submitter not approved for electronic claims on behalf of this entity)
_BY_CODE: dict[str, tuple[str, str, str | None]] = {
    "DUP": ("A3", "54", None),
    "MAP": ("A3", "21", None),
    "AUTH": ("A7", "496", "85"),
}


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
    return _BY_CODE.get(code, ("A7", "21", None))


def _composites(found: list[ClaimError]) -> tuple[StatusCode, ...]:
    codes: list[tuple[str, str, str | None]] = []
    for f in found:
        composite = _status(f.guide, f.rule_id, f.code)
        if composite not in codes:
            codes.append(composite)
    return tuple(StatusCode(c, s, e) for c, s, e in codes)


def _line_acks(found: list[ClaimError], service_lines: str | None) -> tuple[LineAck, ...]:
    """A 2220D loop for each service line a finding is on (in the file's order)."""
    lines = decode_lines(service_lines)
    on_line: dict[int, list[ClaimError]] = {}
    for f in found:
        if f.loop and f.loop.startswith("24"):
            line = line_of(lines, f.line)
            if line is not None:
                on_line.setdefault(line.line, []).append(f)
    return tuple(
        LineAck(
            qualifier=ln.qualifier,
            procedure=ln.procedure,
            modifiers=ln.modifiers,
            charge=ln.charge,
            revenue_code=ln.revenue_code,
            control_number=ln.control_number,
            service_from=ln.service_from,
            service_to=ln.service_to,
            statuses=_composites(on_line[ln.line]),
        )
        for ln in lines
        if ln.line in on_line
    )


def _payer_name(outcomes: list[OutcomeFor277]) -> str | None:
    """The 2010BB payer name of the set's claims (the first one sent)."""
    return next((o.payer_name for o in outcomes if o.payer_name), None)


async def store_277ca_for(
    session: AsyncSession,
    submission_id: str,
    control_number: int,
    our_id: str,
    sets: Sequence[TransactionSet],
    *,
    earlier: bool = True,
) -> None:
    """The 277CA for every claim of the submission's sets that passed the 999, stored in
    place of the submission's last one (none if no set has claim outcomes).

    Built and stored a transaction set at a time from the stored outcomes (and the errors
    of that set's rejected claims): each ST*277 is a part of the stored acknowledgment (the
    ISA/GS with the first, the GE/IEA with the last), so only one set's claims and bytes
    are in memory, never the whole interchange. ``sets``: the submission's transaction
    sets (``TransactionSetRepository.get_all_of``); ``earlier`` False: no earlier run
    stored a 277CA to replace."""
    acks = AcknowledgmentRepository(session)
    ordinals = await ClaimOutcomeRepository(session).get_set_ordinals(submission_id)
    if not ordinals:
        if earlier:
            await acks.delete_kind(submission_id, "277ca")
        return
    submission = await SubmissionRunRepository(session).get_by_id(submission_id)
    assert submission is not None
    by_ordinal = {s.ordinal: s for s in sets}
    isa = await InterchangeRepository(session).get_first_of(submission_id)
    now = datetime.now(UTC)
    received = submission.received_at.date()
    writer = Ack277Writer(
        sender_qualifier=isa.receiver_qualifier if isa else "ZZ",
        sender_id=isa.receiver_id if isa else our_id,
        receiver_qualifier=isa.sender_qualifier if isa else "ZZ",
        receiver_id=isa.sender_id if isa else "UNKNOWN",
        control_number=control_number,
        now=now,
        usage=isa.usage if isa else "P",
    )
    out = await acks.replace(submission_id, "277ca", earlier=earlier)
    head = writer.head()
    last = ordinals[-1]
    for ordinal in ordinals:
        outcomes = list(await ClaimOutcomeRepository(session).get_for_277(submission_id, ordinal))
        ts = by_ordinal.get(ordinal)
        payer_id = ts.receiver_id if ts else our_id
        ack = SetAck(
            st_control_number=ts.st_control_number if ts else str(ordinal),
            submitter_id=ts.sender_id if ts else "UNKNOWN",
            submitter_name=ts.sender_id if ts else "UNKNOWN",
            payer_id=payer_id,
            payer_name=_payer_name(outcomes) or payer_id,
            received=received,
            processed=now.date(),
            claims=await _claim_acks(session, submission_id, outcomes),
        )
        del outcomes
        piece = writer.transaction_set(ack)
        del ack
        if head or ordinal == last:
            piece = b"".join((head, piece, writer.tail() if ordinal == last else b""))
            head = b""
        await out.write(piece)
        del piece
    await out.close()


async def _claim_acks(
    session: AsyncSession, submission_id: str, outcomes: list[OutcomeFor277]
) -> tuple[ClaimAck, ...]:
    """What the 277CA says of each claim of one set, in file order."""
    rejected = sorted({o.claim_id for o in outcomes if not o.accepted})
    # the claim-level errors (not warnings) by claim, line rules' included
    findings: dict[str, list[ClaimError]] = defaultdict(list)
    if rejected:
        for error in await FindingRepository(session).get_claim_errors(submission_id, rejected):
            if error.claim_id:
                findings[error.claim_id].append(error)
    claims = []
    for o in outcomes:
        statuses: tuple[StatusCode, ...] = ()
        lines: tuple[LineAck, ...] = ()
        message = None
        if not o.accepted:
            found = findings.get(o.claim_id, [])
            statuses = _composites(found) or (StatusCode("A3", "21", None),)
            lines = _line_acks(found, o.service_lines)
            message = found[0].message if found else None
        claims.append(
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
                lines=lines,
            )
        )
    return tuple(claims)
