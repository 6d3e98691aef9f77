"""Forwarding accepted encounters to a plan: one run (``forward``) picks the plan's
encounters never forwarded (routed by payer id, else by the receiver of the file they
came in), writes them as 837 files within the plan's limits, has the check stream pass
each file (our SNIP 1-2 and the plan's guide), keeps each file byte-exact in the file
store and links each claim to its file, ST and position. Delivery happens after the
commit (``delivery.deliver``)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.x837_write import Envelope

from ..codesets.service import load_code_lists
from ..config import Settings
from ..db import bulk_insert, insert_with_ids, table_of
from ..errors import InvalidRequest
from ..events import publish_many
from ..models import (
    Encounter,
    ForwardedClaim,
    ForwardingBatch,
    OutboundSettings,
    PlanStateEvent,
)
from ..partners.guides import guides_of, plan_guides
from ..statuses import EventType
from ..submissions.filestore import FileStore
from ..submissions.repository import SubmissionRepository
from .compose import Candidate, HeldBack, Limits, OutFile, compose
from .load import load_claims
from .repository import ForwardedRepository, OutboundRepository
from .settings import next_interchange_control, plan_partner

__all__ = ["ForwardResult", "forward"]

#: encounters loaded at once
_CHUNK = 5000
#: encounters one run forwards at most (the next run takes the rest)
MAX_PER_RUN = 200_000

_CLAIM_COLUMNS = (
    "encounter_id",
    "batch_id",
    "plan_partner_id",
    "partner_id",
    "submission_id",
    "claim_id",
    "charge",
    "st_control",
    "position",
    "state",
    "forwarded_at",
    "state_at",
)


@dataclass(slots=True)
class ForwardResult:
    plan: str
    plan_partner_id: int
    dry_run: bool
    files: list[OutFile] = field(default_factory=list)
    batch_ids: list[int] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)

    @property
    def claims(self) -> int:
        return sum(len(f.placed) for f in self.files)


def envelope_of(settings: OutboundSettings, plan_name: str, created: datetime) -> Envelope:
    return Envelope(
        sender_qualifier=settings.sender_qualifier,
        sender_id=settings.sender_id,
        receiver_qualifier=settings.receiver_qualifier,
        receiver_id=settings.receiver_id,
        gs_sender_id=settings.gs_sender_id,
        gs_receiver_id=settings.gs_receiver_id,
        usage=settings.usage,
        interchange_control=0,
        group_control=0,
        created=created,
        submitter_name=settings.submitter_name,
        submitter_id=settings.gs_sender_id,
        contact_name=settings.contact_name,
        contact_email=settings.contact_email,
        receiver_name=plan_name.upper()[:60],
    )


async def _candidates(
    session: AsyncSession, plan_id: int, encounter_ids: list[int]
) -> list[Candidate]:
    found: list[Candidate] = []
    forwarded = ForwardedRepository(session)
    for start in range(0, len(encounter_ids), _CHUNK):
        ids = encounter_ids[start : start + _CHUNK]
        meta = {
            row[0]: row[1:]
            for row in (
                await session.execute(
                    select(
                        Encounter.id,
                        Encounter.submission_id,
                        Encounter.partner_id,
                        Encounter.replaces_id,
                    ).where(Encounter.id.in_(ids))
                )
            ).all()
        }
        claims = await load_claims(session, ids)
        for enc_id, claim in zip(ids, claims, strict=True):
            submission_id, partner_id, replaces_id = meta[enc_id]
            if claim.frequency_code in ("7", "8") and replaces_id is not None:
                # the plan's own number for the claim replaced or voided, when we hold it
                number = await forwarded.plan_claim_number(replaces_id)
                if number:
                    claim.original_claim_ref = number
            found.append(Candidate(enc_id, submission_id, partner_id, claim))
    return found


async def forward(
    session: AsyncSession, settings: Settings, plan_name: str, *, dry_run: bool = False
) -> ForwardResult:
    """One forwarding run for a plan, in the caller's transaction (nothing is stored on a
    dry run)."""
    plan = await plan_partner(session, plan_name)
    # one run per plan at a time: the settings row is locked until the commit (PostgreSQL)
    outbound = (
        await session.execute(
            select(OutboundSettings).where(OutboundSettings.partner_id == plan.id).with_for_update()
        )
    ).scalar_one_or_none()
    if outbound is None:
        raise InvalidRequest(
            f"plan {plan.name!r} has no outbound settings; set them with "
            "`edi-gateway partners outbound set` first"
        )
    repo = OutboundRepository(session)
    payer_ids = list(await repo.payer_ids_of(plan.id))
    pending = ForwardedRepository(session).pending_for(plan.id, payer_ids, [])
    encounter_ids = list((await session.execute(pending.limit(MAX_PER_RUN))).scalars())
    result = ForwardResult(plan.name, plan.id, dry_run)
    if not encounter_ids:
        return result
    candidates = await _candidates(session, plan.id, encounter_ids)
    now = datetime.now(UTC).replace(microsecond=0)
    envelope = envelope_of(outbound, plan.name, now)
    limits = Limits(outbound.claims_per_set, outbound.sets_per_file, outbound.bytes_per_file)
    # the plan's guide for each claim type (partner_guides), else the base guides only
    plan_guide = plan_guides(await guides_of(session, plan.id))
    control = await next_interchange_control(session, plan.id, outbound)
    code_lists = await load_code_lists(session)  # imported with `codesets import`
    by_guide: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_guide.setdefault(candidate.claim.guide, []).append(candidate)
    for guide, group in sorted(by_guide.items()):
        files, held = await anyio.to_thread.run_sync(
            compose,
            envelope,
            guide,
            group,
            limits,
            plan_guide.get(guide),
            control,
            now.date(),
            code_lists,
        )
        result.files += files
        result.held_back += held
        control += len(files)
    if not dry_run:
        for out in result.files:
            result.batch_ids.append(await _store(session, settings, plan.id, outbound, out, now))
    return result


async def _store(
    session: AsyncSession,
    settings: Settings,
    plan_id: int,
    outbound: OutboundSettings,
    out: OutFile,
    now: datetime,
) -> int:
    data = out.written.data
    stored = await anyio.to_thread.run_sync(
        lambda: FileStore(settings.data_dir).put_stream(io.BytesIO(data))
    )
    await SubmissionRepository(session).keep_file(stored.sha256, stored.size, stored.relative_path)
    await session.flush()
    batch = ForwardingBatch(
        plan_partner_id=plan_id,
        created_at=now,
        guide=out.written.guide,
        interchange_control=out.interchange_control,
        group_control=out.interchange_control,
        sender_id=outbound.sender_id,
        receiver_id=outbound.receiver_id,
        sha256=stored.sha256,
        size=stored.size,
        sets=len(out.written.st_controls),
        claims=len(out.placed),
        status="written" if outbound.destination == "download" else "pending",
        attempts=0,
    )
    session.add(batch)
    await session.flush()
    conn = await session.connection()
    rows: list[tuple[Any, ...]] = [
        (
            c.encounter_id,
            batch.id,
            plan_id,
            c.partner_id,
            c.submission_id,
            c.claim.claim_id[:40],
            c.claim.total_charge,
            where.st_control,
            where.position,
            "forwarded",
            now,
            now,
        )
        for c, where in out.placed
    ]
    ids = await insert_with_ids(conn, table_of(ForwardedClaim), _CLAIM_COLUMNS, rows)
    await bulk_insert(
        conn,
        table_of(PlanStateEvent),
        ("forwarded_claim_id", "at", "state", "detail"),
        [
            (
                i,
                now,
                "forwarded",
                f"file {out.interchange_control} ST {where.st_control} #{where.position}",
            )
            for i, (_, where) in zip(ids, out.placed, strict=True)
        ],
    )
    by_partner: dict[int, list[dict[str, object]]] = {}
    for (c, _), fid in zip(out.placed, ids, strict=True):
        if c.partner_id is not None:
            by_partner.setdefault(c.partner_id, []).append(
                {
                    "encounter_id": c.encounter_id,
                    "claim_id": c.claim.claim_id,
                    "submission_id": c.submission_id,
                    "state": "forwarded",
                    "previous_state": None,
                    "batch_id": batch.id,
                    "forwarded_claim_id": fid,
                }
            )
    for partner_id, items in by_partner.items():
        await publish_many(session, EventType.ENCOUNTER_PLAN_STATE_CHANGED, partner_id, items)
    return batch.id
