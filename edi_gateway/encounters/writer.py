"""Store 837 claims as encounters, catching duplicates and linking replacements/voids."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.check import CheckedUnit
from mappings.records import EncounterClaim
from parsers import TransactionHeader

from ..db import (
    allocate_ids,
    batch_values,
    bulk_insert,
    child_rows_for_values,
    insert_new,
    insert_with_ids,
    rows_for_values,
    table_of,
)
from ..models import (
    ClaimOutcome,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterParty,
    PriorPayerAdjustment,
    PriorPayerRow,
)
from ..partners.tenancy import bound_scope
from ..setwriter import IngestContext, SetWriter
from .columns import (
    DIAGNOSIS_COLUMNS,
    ENCOUNTER_COLUMNS,
    LINE_COLUMNS,
    OUTCOME_COLUMNS,
    PARTY_COLUMNS,
    PRIOR_ADJUSTMENT_COLUMNS,
    PRIOR_PAYER_COLUMNS,
)
from .originals import Named, find_originals
from .outcome_lines import encode_lines
from .rows import build_rows

_CHUNK = 400


def _line_key(member: str | None, line: Any, provider: str | None) -> tuple[Any, ...]:
    """Same member, date, procedure (or revenue code, for institutional lines without one),
    modifiers and provider: the service-line duplicate key (companion rule R12)."""
    code = line.procedure_code or (f"rev:{line.revenue_code}" if line.revenue_code else None)
    return (member, line.service_date_from, code, ",".join(line.modifiers), provider)


class EncounterSetWriter(SetWriter[EncounterClaim]):
    record_type = EncounterClaim
    kind = "837"

    def __init__(self, ctx: IngestContext, header: TransactionHeader, ordinal: int) -> None:
        super().__init__(ctx, header, ordinal)
        self.buffer: list[tuple[EncounterClaim, int]] = []
        # keys stored earlier in this set: claim (CLM01, billing NPI) and service lines
        self.claim_keys: set[tuple[str, str | None]] = set()
        self.line_keys: set[tuple[Any, ...]] = set()
        #: the originals this set has replaced or voided (no longer active once it commits)
        self.released: set[int] = set()
        #: what became of each claim, for the 277CA and the correction report
        self.outcomes: list[tuple[Any, ...]] = []  # OUTCOME_COLUMNS after the first three
        self.tenant = self.ctx.tenant
        h = self.header
        self.plan_partner_id = self.tenant.plan_for(h.receiver_id, h.gs_receiver_id)

    def _outcome(self, claim: EncounterClaim, line: int, encounter_id: int | None) -> None:
        self.outcomes.append(
            (
                claim.claim_id[:40],
                encounter_id is not None,
                encounter_id,
                str(claim.total_charge),
                claim.service_date_from,
                claim.service_date_to,
                claim.patient.last_name,
                claim.patient.first_name,
                claim.member_id,
                claim.billing.npi,
                claim.billing.last_name,
                claim.type_of_bill,
                line,
                (claim.payer.last_name or "")[:80] or None,
                None if encounter_id is not None else encode_lines(claim.lines),
            )
        )

    async def before_commit(self, session: AsyncSession) -> None:
        h = self.header
        head = (self.ctx.submission.id, self.ordinal, h.st_control_number[:9])
        await bulk_insert(
            await session.connection(),
            table_of(ClaimOutcome),
            OUTCOME_COLUMNS,
            [head + o for o in self.outcomes],
        )

    def on_rejected(self, checked: CheckedUnit) -> None:
        if isinstance(checked.record, EncounterClaim):
            self._outcome(checked.record, checked.line, None)
            return
        # rejected, with nothing read but CLM01 and where the claim starts
        claim_id = checked.unit.loop.segments[0][1] or "?"
        self.outcomes.append((claim_id[:40], False, *[None] * 10, checked.line, None, None))

    async def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        session = self.session
        assert session is not None
        if self.writing is not None:
            # the previous batch is being written in the set's session meanwhile: history
            # is read on a connection of its own (it sees what other runs committed; this
            # set's own claims are known here, in claim_keys and line_keys). The first
            # batch, with nothing being written, reads in the set's session (a small file
            # then takes no second connection).
            async with self.ctx.sessionmaker() as reader:
                history = await self._history(reader, batch)
        else:
            history = await self._history(session, batch)
        # judged once the previous batch is written: the originals it replaced or voided
        # are no longer active, and keys it found taken meanwhile are known
        await self.settle()
        claims, lines = history
        released = self.released
        keep = self._judge(
            batch,
            {key for key, enc_id in claims if enc_id not in released},
            {key for key, enc_id in lines if enc_id not in released},
        )
        if keep:
            await self.write_behind(self._insert(keep))

    async def _history(
        self, session: AsyncSession, batch: list[tuple[EncounterClaim, int]]
    ) -> tuple[list[tuple[tuple[str, str | None], int]], list[tuple[tuple[Any, ...], int]]]:
        """The batch's claim keys and service-line keys stored on active claims, each with
        its claim's id, among the claims of this partner (and of partners acting for the
        same provider)."""
        tenant = self.tenant
        # the tenant's own and its peers' claims only (``scope_ids``; ``sees`` narrows)
        of_partner = tenant.partner_id is not None
        scope = {"scope_ids": tenant.scope_ids()} if of_partner else {}
        # Duplicates against history: same CLM01 for the same billing provider.
        ids = sorted({c.claim_id for c, _ in batch})
        existing_claims: list[tuple[tuple[str, str | None], int]] = []
        for start in range(0, len(ids), _CHUNK):
            rows = await session.execute(
                _stored_claims(self.dialect, of_partner),
                {"values": ids[start : start + _CHUNK], **scope},
            )
            existing_claims.extend(((a, b), i) for a, b, p, i in rows.all() if tenant.sees(p, b))
        # Duplicate service lines: same member, date, procedure, modifiers and provider.
        # Looked up by member (indexed), then matched on the date here.
        pairs = {
            (c.member_id, ln.service_date_from)
            for c, _ in batch
            for ln in c.lines
            if c.member_id and ln.service_date_from
        }
        members = sorted({m for m, _ in pairs})
        existing_lines: list[tuple[tuple[Any, ...], int]] = []
        for start in range(0, len(members), _CHUNK):
            rows = await session.execute(
                _stored_lines(self.dialect, of_partner),
                {"values": members[start : start + _CHUNK], **scope},
            )
            for row in rows.all():
                found: tuple[Any, ...] = tuple(row)
                member, billing, owner, enc_id, day, code, revenue, mods, rendering = found
                if (member, day) not in pairs or not tenant.sees(owner, billing):
                    continue
                key_code = code or (f"rev:{revenue}" if revenue else None)
                existing_lines.append(((member, day, key_code, mods, rendering or billing), enc_id))
        return existing_claims, existing_lines

    def _judge(
        self,
        batch: list[tuple[EncounterClaim, int]],
        existing_claims: set[tuple[str, str | None]],
        existing_lines: set[tuple[Any, ...]],
    ) -> list[tuple[EncounterClaim, int]]:
        """The claims of the batch to store; the others rejected, with their findings."""
        tenant = self.tenant
        keep: list[tuple[EncounterClaim, int]] = []
        for claim, line in batch:
            npi = claim.billing.npi
            key = (claim.claim_id, npi)
            replacing = claim.frequency_code in ("7", "8")
            if not tenant.may_bill_for(npi):
                self.rejected += 1
                self._outcome(claim, line, None)
                self.finding(
                    line,
                    f"Billing provider NPI {npi or '(none)'} is not one this trading partner "
                    "is registered to send claims for; ask the gateway's operators to add it "
                    "to your partner record, or send the claim from that provider's account.",
                    claim_id=claim.claim_id,
                    code="AUTH",
                    segment_id="NM1",
                    element="NM109",
                    value=npi,
                    loop="2010AA",
                )
                continue
            if not replacing and (key in existing_claims or key in self.claim_keys):
                self.rejected += 1
                self._outcome(claim, line, None)
                self._duplicate_claim(claim, line)
                continue
            if not replacing:
                dup = None
                for ln in claim.lines:
                    provider = ln.rendering.npi if ln.rendering else None
                    k = _line_key(claim.member_id, ln, provider or npi)
                    if k in existing_lines or k in self.line_keys:
                        dup = ln
                        break
                if dup is not None:
                    self.rejected += 1
                    self._outcome(claim, line, None)
                    self.finding(
                        line,
                        f"Duplicate service line: line {dup.line_number} "
                        f"({dup.procedure_code} on {dup.service_date_from}) for this member "
                        "and provider was already accepted in another encounter; the whole "
                        "encounter is rejected. Do not resend accepted encounters; send a "
                        "replacement (frequency 7) to change one.",
                        claim_id=claim.claim_id,
                        segment_id="SV1"
                        if claim.guide == "837P"
                        else ("SV2" if claim.guide == "837I" else "SV3"),
                        loop="2400",
                    )
                    continue
            self.claim_keys.add(key)
            for ln in claim.lines:
                provider = ln.rendering.npi if ln.rendering else None
                self.line_keys.add(_line_key(claim.member_id, ln, provider or npi))
            keep.append((claim, line))
        return keep

    async def _insert(self, keep: list[tuple[EncounterClaim, int]]) -> None:
        session = self.session
        assert session is not None
        h = self.header
        submission_id = self.ctx.submission.id
        set_id, partner_id = self.set_id, self.ctx.partner_id
        plan_partner_id = self.plan_partner_id
        sender, receiver = h.sender_id[:15], h.receiver_id[:15]
        conn = await session.connection()
        enc_ids = await allocate_ids(conn, table_of(Encounter), len(keep))
        head = (submission_id, set_id, partner_id, plan_partner_id, sender, receiver)
        built = build_rows(keep, enc_ids, head, self.tenant.claim_key)
        inserted = await insert_new(conn, table_of(Encounter), ENCOUNTER_COLUMNS, built.encounters)
        if len(inserted) < len(built.encounters):
            # stored meanwhile by another run (another worker, the same claim in another
            # file): found by the unique claim key at insert time, a duplicate like any
            keep, enc_ids = self._drop_stored_meanwhile(keep, enc_ids, inserted)
            built.keep_only(inserted)
        await bulk_insert(conn, table_of(EncounterLine), LINE_COLUMNS, built.lines)
        await bulk_insert(conn, table_of(EncounterDiagnosis), DIAGNOSIS_COLUMNS, built.diagnoses)
        await bulk_insert(conn, table_of(EncounterParty), PARTY_COLUMNS, built.parties)
        payer_ids = await insert_with_ids(
            conn, table_of(PriorPayerRow), PRIOR_PAYER_COLUMNS, built.payers
        )
        await bulk_insert(
            conn,
            table_of(PriorPayerAdjustment),
            PRIOR_ADJUSTMENT_COLUMNS,
            [
                (pid, *child)
                for pid, children in zip(payer_ids, built.payer_children, strict=True)
                for child in children
            ],
        )
        self.stored += len(keep)
        for (claim, line), enc_id in zip(keep, enc_ids, strict=True):
            self._outcome(claim, line, enc_id)
        replacing = [
            (claim, enc_id)
            for (claim, _line), enc_id in zip(keep, enc_ids, strict=True)
            if claim.frequency_code in ("7", "8")
        ]
        if replacing:
            await self._link_originals(replacing)

    def _drop_stored_meanwhile(
        self, keep: list[tuple[EncounterClaim, int]], enc_ids: list[int], inserted: set[int]
    ) -> tuple[list[tuple[EncounterClaim, int]], list[int]]:
        still: list[tuple[EncounterClaim, int]] = []
        ids: list[int] = []
        for (claim, line), enc_id in zip(keep, enc_ids, strict=True):
            if enc_id in inserted:
                still.append((claim, line))
                ids.append(enc_id)
                continue
            self.rejected += 1
            self._outcome(claim, line, None)
            self._duplicate_claim(claim, line)
        return still, ids

    def _duplicate_claim(self, claim: EncounterClaim, line: int) -> None:
        self.finding(
            line,
            f"Duplicate claim: patient control number {claim.claim_id} was "
            f"already received from billing provider {claim.billing.npi}. Send a replacement "
            "(CLM05-3 = 7) to change it, or a void (8) to cancel it.",
            claim_id=claim.claim_id,
            element="CLM01",
            value=claim.claim_id,
            loop="2300",
        )

    async def _link_originals(self, replacing: list[tuple[EncounterClaim, int]]) -> None:
        """Frequency 7 replaces and 8 voids the claim REF*F8 names (``originals.py``), the
        batch's claims in file order, each taking the newest original still active. The
        check stream has already rejected one whose original is not on file, unless the
        plan's guide passes it on: then it is stored unlinked, as the stream reported."""
        session = self.session
        assert session is not None
        found = await find_originals(
            session,
            self.tenant,
            [Named(c.claim_id, c.original_claim_ref, c.billing.npi, i) for c, i in replacing],
        )
        released = self.released
        links: list[tuple[EncounterClaim, int, int]] = []
        for (claim, enc_id), ids in zip(replacing, found, strict=True):
            original = next((i for i in ids if i not in released), None)
            if original is not None:
                released.add(original)
                links.append((claim, enc_id, original))
        if not links:
            return
        table = table_of(Encounter)
        conn = await session.connection()
        # the originals let go of their keys first; then each replacement takes its key,
        # unless a later claim of the batch replaced it in turn
        await conn.execute(
            update(table)
            .where(table.c.id == bindparam("original"))
            .values(status=bindparam("new_status"), claim_key=None),
            [
                {
                    "original": original,
                    "new_status": "replaced" if claim.frequency_code == "7" else "voided",
                }
                for claim, _, original in links
            ],
        )
        await conn.execute(
            update(table)
            .where(table.c.id == bindparam("replacement"))
            .values(replaces_id=bindparam("original"), claim_key=bindparam("key")),
            [
                {
                    "replacement": enc_id,
                    "original": original,
                    "key": self.tenant.claim_key(claim.billing.npi, claim.claim_id[:40])
                    if claim.frequency_code == "7" and enc_id not in released
                    else None,
                }
                for claim, enc_id, original in links
            ],
        )


@cache
def _stored_claims(dialect: str, of_partner: bool) -> Select[Any]:
    """Active claims by CLM01 (``values``), in the tenant's scope (``bound_scope``):
    built once per database and kind of tenant, as each batch of every file asks it."""
    return rows_for_values(*_active_by(Encounter.claim_id, dialect, of_partner))


@cache
def _stored_lines(dialect: str, of_partner: bool) -> Select[Any]:
    """The service lines of active claims by member id (``values``), in the tenant's
    scope, one row per line."""
    return child_rows_for_values(
        *_active_by(Encounter.member_id, dialect, of_partner),
        parent_id=Encounter.id,
        child_columns=[
            EncounterLine.service_date_from,
            EncounterLine.procedure_code,
            EncounterLine.revenue_code,
            EncounterLine.modifiers,
            EncounterLine.rendering_npi,
        ],
        child_parent_id=EncounterLine.encounter_id,
    )


def _active_by(key: Any, dialect: str, of_partner: bool) -> tuple[Any, ...]:
    """What both look-ups share: ``key``, the claim's billing NPI, owner and id, of active
    claims in the tenant's scope, by the values bound at execution."""
    return (
        [key, Encounter.billing_npi, Encounter.partner_id, Encounter.id],
        key,
        batch_values(key, dialect),
        dialect,
        Encounter.status == "active",
        bound_scope(Encounter.partner_id, of_partner),
    )
