"""The report of a stored submission, from the database (any status): the submission, its
interchanges and transaction sets, every finding (SNIP 1-7) and the claim outcomes, plus
the original bytes from the file store for the offending segments."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from ..config import Settings
from ..eligibility.terminations import shown_id, terminations_of
from ..errors import NotFound
from ..models import Submission
from ..partners.guides import guides_of, plan_guides
from ..partners.repository import PartnerRepository
from ..rejections.repository import WorkItemRepository
from ..submissions.filestore import FileStore
from ..submissions.repository import (
    InterchangeRepository,
    SubmissionRunRepository,
    TransactionSetRepository,
)
from ..submissions.results_repository import ClaimOutcomeRepository, FindingRepository
from .assemble import RawFinding, ReportClaim, assemble, decimal_or_none, unique
from .explain import (
    FileScan,
    guide_info,
    scan_file,
)
from .model import (
    ClaimEntry,
    GuideApplied,
    Header,
    Report,
    SetSummary,
    TerminationEntry,
)

__all__ = ["ReportNotFound", "build_report"]

_FINISHED = (
    "completed",
    "partially_accepted",
    "rejected",
    "held",
    "discarded",
    "duplicate",
    "failed",
)


class ReportNotFound(NotFound):
    pass


# --- from the database -----------------------------------------------------------------------


async def build_report(session: AsyncSession, settings: Settings, submission_id: str) -> Report:
    """The report of a stored submission, whatever its status. Raises ReportNotFound."""
    sub = await SubmissionRunRepository(session).get_by_id(submission_id)
    if sub is None:
        raise ReportNotFound(f"no submission {submission_id}")
    partner = (
        await PartnerRepository(session).get_by_id(sub.partner_id)
        if sub.partner_id is not None
        else None
    )
    interchanges = await InterchangeRepository(session).get_all_of(sub.id)
    set_rows = await TransactionSetRepository(session).get_all_of(sub.id)
    finding_rows = await FindingRepository(session).get_all_of(sub.id)
    outcome_rows = await ClaimOutcomeRepository(session).get_all_of(sub.id)

    sets = [
        SetSummary(
            ordinal=s.ordinal,
            transaction_type=s.transaction_type,
            implementation_guide=s.version,
            interchange_control_number=s.isa_control_number,
            group_control_number=s.gs_control_number,
            st_control_number=s.st_control_number,
            status=s.status,
            units=s.units,
            units_accepted=s.units_stored,
            units_rejected=s.units_rejected,
        )
        for s in set_rows
    ]
    raws = [
        RawFinding(
            r.snip_level,
            r.severity,
            r.level,
            r.code,
            r.message,
            r.segment_id,
            r.line,
            r.loop,
            r.element,
            r.value,
            r.claim_id,
            r.member_id,
            r.isa_control_number,
            r.gs_control_number,
            r.st_control_number,
            r.rule_id,
            r.guide,
            r.set_ordinal,
        )
        for r in finding_rows
    ]
    raws += await _plan_rejections(session, sub.id, outcome_rows)
    claims = [
        ReportClaim(
            ClaimEntry(
                claim_id=o.claim_id,
                patient_last_name=o.patient_last_name,
                patient_first_name=o.patient_first_name,
                member_id=o.member_id,
                service_date_from=o.service_date_from,
                service_date_to=o.service_date_to,
                amount=decimal_or_none(o.charge),
                billing_npi=o.billing_npi,
                billing_name=o.billing_name,
                set_ordinal=o.set_ordinal,
                st_control_number=o.st_control_number,
                line=o.line or None,
            ),
            o.accepted,
        )
        for o in outcome_rows
    ]

    notes: list[str] = []
    path = FileStore(settings.data_dir).path(FileStore.relative_for(sub.sha256))
    wanted = {r.line for r in raws if r.line}
    scan: FileScan | None = None
    if path.is_file():
        try:
            scan = await anyio.to_thread.run_sync(scan_file, path, wanted)
        except OSError:
            scan = None
    if scan is None:
        notes.append(
            "The original file is no longer in the file store: the offending segments "
            "cannot be shown."
        )
    if sub.status not in _FINISHED:
        notes.append(
            f"Processing has not finished (status {sub.status}): this report is incomplete. "
            "Download it again when the submission is completed."
        )
    if sub.status == "failed":
        notes.append(
            "Processing failed on our side"
            + (f" ({sub.error})" if sub.error else "")
            + "; the file has not been fully checked. Contact support before resending."
        )
    notes.extend(_hold_notes(sub))
    if sub.status == "duplicate" and sub.duplicate_of:
        notes.append(
            f"These exact bytes were already received as submission {sub.duplicate_of}; "
            "nothing was processed again. See that submission's report."
        )

    header = Header(
        file_name=sub.filename,
        partner_name=partner.name if partner else None,
        received_at=sub.received_at,
        submission_id=sub.id,
        status=sub.status,
        outcome="",
        transaction_type=sub.transaction_type,
        interchange_control_numbers=unique(
            [i.control_number for i in interchanges] + [s.interchange_control_number for s in sets]
        ),
        group_control_numbers=unique([s.group_control_number for s in sets]),
        transaction_control_numbers=unique([s.st_control_number for s in sets]),
        guides=_guides_applied(
            await guides_of(session, partner.id) if partner else {},
            [(s.transaction_type, s.receiver_id, s.gs_receiver_id) for s in set_rows],
            [r.guide for r in raws],
        ),
        sets=sets,
    )
    report = assemble(header, sets, raws, claims, scan, notes)
    if any(s.transaction_type == "834" for s in set_rows):
        report.terminations = [
            TerminationEntry(
                member_id=shown_id(t.member_key),
                subscriber_id=t.subscriber_id,
                last_name=t.last_name,
                first_name=t.first_name,
                end_date=t.end_date,
                how=t.how,
                applied=t.applied,
                set_ordinal=t.set_ordinal,
                line=t.line or None,
            )
            for t in await terminations_of(session, sub.id)
        ]
    return report


def _hold_notes(sub: Submission) -> list[str]:
    """What became of a held 834: waiting, released or discarded, by whom and when."""
    when = f"{sub.resolved_at:%Y-%m-%d %H:%M} UTC" if sub.resolved_at else ""
    if sub.status == "held":
        return [
            "This full-file roster would end more members than the plan's limit allows: it "
            "is held for review and nothing in it was applied. The members it would end are "
            "listed under terminations; ops releases or discards it."
        ]
    if sub.resolution == "discarded":
        return [
            f"Held for review, then discarded by {sub.resolved_by} at {when}: nothing in the "
            "held transaction sets was applied and no member listed here was ended."
        ]
    if sub.resolution == "released":
        return [
            f"Held for review, then released by {sub.resolved_by} at {when}: its changes "
            "were applied and the members listed under terminations were ended."
        ]
    return []


async def _plan_rejections(
    session: AsyncSession, submission_id: str, outcomes: Sequence[Any]
) -> list[RawFinding]:
    """Claims accepted here, forwarded, then rejected by the plan (their queue items'
    findings), placed on the claim where the file has it."""
    where = {o.claim_id: (o.set_ordinal, o.line) for o in outcomes if o.accepted}
    found: list[RawFinding] = []
    for item in await WorkItemRepository(session).plan_rejections_of(submission_id):
        ordinal, line = where.get(item.claim_id or "", (None, None))
        for f in item.findings or []:
            found.append(
                RawFinding(
                    7,
                    "reject_claim",
                    "claim",
                    str(f.get("code") or "PLAN"),
                    str(f.get("message") or "The plan rejected this claim"),
                    segment_id="CLM",
                    line=line,
                    loop="2300",
                    claim_id=item.claim_id,
                    rule_id=str(f.get("rule_id") or "") or None,
                    set_ordinal=ordinal,
                    fix="Correct the claim as the plan's message says and send it again as "
                    "a replacement (CLM05-3 = 7).",
                )
            )
    return found


def _guides_applied(
    set_for: Mapping[str, str], sets: list[tuple[str, str, str]], named: list[str | None]
) -> list[GuideApplied]:
    """The guides that checked the file, as the pipeline chooses them: the base guides of its
    transaction types, plus for each set the partner's guide for its type or the one
    serving the receiver id."""
    from mappings.guides import Guide, GuideError, base_guides, guide_for_receiver

    names: list[str] = []
    types = {t for t, _, _ in sets}
    plans: dict[str, Guide] = {}
    with contextlib.suppress(GuideError):  # a broken guide file must not break the report
        names.extend(g.name for g in base_guides() if types & set(g.transactions))
        plans = plan_guides(set_for)
    for transaction, receiver, gs_receiver in sets:
        if transaction in plans:
            names.append(plans[transaction].name)
            continue
        found = None
        with contextlib.suppress(GuideError):
            found = guide_for_receiver(receiver, transaction) or guide_for_receiver(
                gs_receiver, transaction
            )
        if found is not None:
            names.append(found.name)
    names.extend(n for n in named if n)
    out = []
    for name in unique(names):
        g = guide_info(name)
        out.append(GuideApplied(name, g.title, g.version, g.source) if g else GuideApplied(name))
    return out
