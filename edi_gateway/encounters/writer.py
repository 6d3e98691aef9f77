"""Store 837 claims as encounters, catching duplicates and linking replacements/voids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from mappings.records import EncounterClaim, Party
from parsers import Severity

from ..db import allocate_ids, table_of
from ..models import (
    ClaimOutcome,
    ClaimPaymentRow,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterParty,
    PriorPayerAdjustment,
    PriorPayerRow,
)
from ..submissions.pipeline import SetWriter

FLUSH_EVERY = 1000
_CHUNK = 400


def _party_row(encounter_id: int, p: Party) -> dict[str, Any]:
    return {
        "encounter_id": encounter_id,
        "role": p.role,
        "entity_type": p.entity_type,
        "last_name": p.last_name,
        "first_name": p.first_name,
        "middle_name": p.middle_name,
        "id_qualifier": p.id_qualifier,
        "identifier": p.identifier,
        "npi": p.npi,
        "tax_id": p.tax_id,
        "taxonomy": p.taxonomy,
        "address1": p.address1,
        "city": p.city,
        "state": p.state,
        "postal_code": p.postal_code,
    }


def _line_key(member: str | None, line: Any, provider: str | None) -> tuple[Any, ...]:
    """Same member, date, procedure (or revenue code, for institutional lines without one),
    modifiers and provider: the service-line duplicate key (companion rule R12)."""
    code = line.procedure_code or (f"rev:{line.revenue_code}" if line.revenue_code else None)
    return (member, line.service_date_from, code, ",".join(line.modifiers), provider)


class EncounterSetWriter(SetWriter):
    kind = "837"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.buffer: list[tuple[EncounterClaim, int]] = []
        # keys stored earlier in this set: claim (CLM01, billing NPI) and service lines
        self.claim_keys: set[tuple[str, str | None]] = set()
        self.line_keys: set[tuple[Any, ...]] = set()
        #: what became of each claim, for the 277CA and the correction report
        self.outcomes: list[dict[str, Any]] = []

    def _outcome(self, claim: EncounterClaim, line: int, encounter_id: int | None) -> None:
        self.outcomes.append(
            {
                "claim_id": claim.claim_id[:40],
                "accepted": encounter_id is not None,
                "encounter_id": encounter_id,
                "charge": str(claim.total_charge),
                "service_date_from": claim.service_date_from,
                "service_date_to": claim.service_date_to,
                "patient_last_name": claim.patient.last_name,
                "patient_first_name": claim.patient.first_name,
                "member_id": claim.member_id,
                "billing_npi": claim.billing.npi,
                "billing_name": claim.billing.last_name,
                "type_of_bill": claim.type_of_bill,
                "line": line,
            }
        )

    async def before_commit(self, session: Any) -> None:
        if self.outcomes:
            h = self.header
            await session.execute(
                insert(table_of(ClaimOutcome)),
                [
                    {
                        "submission_id": self.ctx.submission.id,
                        "set_ordinal": self.ordinal,
                        "st_control_number": h.st_control_number[:9],
                        **o,
                    }
                    for o in self.outcomes
                ],
            )

    async def add(self, unit: Any, record: Any, findings: list[Any] | None = None) -> None:
        self.units += 1
        line = unit.loop.segments[0].line
        if not isinstance(record, EncounterClaim):
            self.rejected += 1
            self.screen(findings or [])
            self.finding(line, f"The claim could not be read: {record}", code="MAP")
            clm = unit.loop.segments[0]
            self.outcomes.append(
                {"claim_id": (clm[1] or "?")[:40], "accepted": False, "line": line}
            )
            return
        if not self.screen(findings or []):
            self.rejected += 1
            self._outcome(record, line, None)
            return
        self.buffer.append((record, line))
        if len(self.buffer) >= FLUSH_EVERY:
            await self.flush()

    async def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        session = self.session
        assert session is not None
        # Duplicates against history: same CLM01 for the same billing provider.
        ids = sorted({c.claim_id for c, _ in batch})
        existing_claims: set[tuple[str, str | None]] = set()
        for start in range(0, len(ids), _CHUNK):
            rows = await session.execute(
                select(Encounter.claim_id, Encounter.billing_npi).where(
                    Encounter.claim_id.in_(ids[start : start + _CHUNK]),
                    Encounter.status == "active",
                )
            )
            existing_claims.update((a, b) for a, b in rows.all())
        # Duplicate service lines: same member, date, procedure, modifiers and provider.
        # Looked up by member (indexed), then matched on the date here.
        pairs = {
            (c.member_id, ln.service_date_from)
            for c, _ in batch
            for ln in c.lines
            if c.member_id and ln.service_date_from
        }
        members = sorted({m for m, _ in pairs})
        existing_lines: set[tuple[Any, ...]] = set()
        for start in range(0, len(members), _CHUNK):
            rows = await session.execute(
                select(
                    Encounter.member_id,
                    EncounterLine.service_date_from,
                    EncounterLine.procedure_code,
                    EncounterLine.revenue_code,
                    EncounterLine.modifiers,
                    EncounterLine.rendering_npi,
                    Encounter.billing_npi,
                )
                .join(Encounter, Encounter.id == EncounterLine.encounter_id)
                .where(
                    Encounter.status == "active",
                    Encounter.member_id.in_(members[start : start + _CHUNK]),
                )
            )
            for row in rows.all():
                found: tuple[Any, ...] = tuple(row)
                member, day, code, revenue, mods, rendering, billing = found
                if (member, day) not in pairs:
                    continue
                key_code = code or (f"rev:{revenue}" if revenue else None)
                existing_lines.add((member, day, key_code, mods, rendering or billing))

        keep: list[tuple[EncounterClaim, int]] = []
        for claim, line in batch:
            npi = claim.billing.npi
            key = (claim.claim_id, npi)
            replacing = claim.frequency_code in ("7", "8")
            if not replacing and (key in existing_claims or key in self.claim_keys):
                self.rejected += 1
                self._outcome(claim, line, None)
                self.finding(
                    line,
                    f"Duplicate claim: patient control number {claim.claim_id} was "
                    f"already received from billing provider {npi}. Send a replacement "
                    "(CLM05-3 = 7) to change it, or a void (8) to cancel it.",
                    claim_id=claim.claim_id,
                    element="CLM01",
                    value=claim.claim_id,
                    loop="2300",
                )
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
        if keep:
            await self._insert(keep)

    async def _insert(self, keep: list[tuple[EncounterClaim, int]]) -> None:
        session = self.session
        assert session is not None
        h = self.header
        submission_id = self.ctx.submission.id
        rows = []
        for claim, line in keep:
            rows.append(
                {
                    "submission_id": submission_id,
                    "transaction_set_id": self.set_id,
                    "partner_id": self.ctx.partner_id,
                    "sender_id": h.sender_id[:15],
                    "receiver_id": h.receiver_id[:15],
                    "guide": claim.guide,
                    "claim_id": claim.claim_id[:40],
                    "total_charge": claim.total_charge,
                    "frequency_code": claim.frequency_code,
                    "facility_code": claim.facility_code,
                    "facility_qualifier": claim.facility_qualifier,
                    "type_of_bill": claim.type_of_bill,
                    "place_of_service": claim.place_of_service,
                    "original_claim_ref": claim.original_claim_ref,
                    "prior_authorization": claim.prior_authorization,
                    "referral_number": claim.referral_number,
                    "service_date_from": claim.service_date_from,
                    "service_date_to": claim.service_date_to,
                    "admission_date": claim.admission_date,
                    "patient_status": claim.patient_status,
                    "patient_amount_paid": claim.patient_amount_paid,
                    "billing_npi": claim.billing.npi,
                    "billing_tax_id": claim.billing.tax_id,
                    "member_id": claim.member_id,
                    "patient_relationship": claim.patient_relationship,
                    "patient_last_name": claim.patient.last_name,
                    "patient_first_name": claim.patient.first_name,
                    "patient_birth_date": claim.patient_birth_date,
                    "patient_gender": claim.patient_gender,
                    "payer_id": claim.payer.identifier,
                    "payer_name": claim.payer.last_name,
                    "subscriber_group": claim.subscriber_group,
                    "claim_filing_indicator": claim.claim_filing_indicator,
                    "status": "void" if claim.frequency_code == "8" else "active",
                    "line": line,
                }
            )
        conn = await session.connection()
        enc_ids = await allocate_ids(conn, table_of(Encounter), len(rows))
        for row, enc_id in zip(rows, enc_ids, strict=True):
            row["id"] = enc_id
        await conn.execute(insert(table_of(Encounter)), rows)
        lines, dxs, parties, payers = [], [], [], []
        payer_children: list[list[dict[str, Any]]] = []
        for (claim, _line), enc_id in zip(keep, enc_ids, strict=True):
            for ln in claim.lines:
                lines.append(
                    {
                        "encounter_id": enc_id,
                        "line_number": ln.line_number,
                        "procedure_qualifier": ln.procedure_qualifier,
                        "procedure_code": ln.procedure_code,
                        "modifiers": ",".join(ln.modifiers),
                        "revenue_code": ln.revenue_code,
                        "charge": ln.charge,
                        "unit_basis": ln.unit_basis,
                        "units": ln.units,
                        "place_of_service": ln.place_of_service,
                        "diagnosis_pointers": ",".join(str(p) for p in ln.diagnosis_pointers),
                        "service_date_from": ln.service_date_from,
                        "service_date_to": ln.service_date_to,
                        "ndc": ln.ndc,
                        "ndc_quantity": ln.ndc_quantity,
                        "ndc_unit": ln.ndc_unit,
                        "line_control_number": ln.line_control_number,
                        "tooth_numbers": ",".join(ln.tooth_numbers),
                        "rendering_npi": (ln.rendering.npi if ln.rendering else None)
                        or claim.billing.npi,
                        "line": ln.line,
                    }
                )
            for dx in claim.diagnoses:
                dxs.append(
                    {
                        "encounter_id": enc_id,
                        "sequence": dx.sequence,
                        "qualifier": dx.qualifier,
                        "code": dx.code,
                        "present_on_admission": dx.present_on_admission,
                    }
                )
            for party in (
                claim.billing,
                claim.subscriber,
                claim.patient,
                claim.payer,
                *claim.providers,
            ):
                parties.append(_party_row(enc_id, party))
            for pp in claim.prior_payers:
                payers.append(
                    {
                        "encounter_id": enc_id,
                        "sequence": pp.sequence[:1],
                        "payer_name": pp.payer_name,
                        "payer_id": pp.payer_id,
                        "paid_amount": pp.paid_amount,
                        "remaining_patient_liability": pp.remaining_patient_liability,
                        "adjudication_date": pp.adjudication_date,
                    }
                )
                children: list[dict[str, Any]] = [
                    {
                        "line_number": None,
                        "paid_amount": None,
                        "group_code": a.group_code,
                        "reason_code": a.reason_code,
                        "amount": a.amount,
                        "quantity": a.quantity,
                    }
                    for a in pp.claim_adjustments
                ]
                for number, paid in pp.line_paid.items():
                    children.append(
                        {
                            "line_number": number,
                            "paid_amount": paid,
                            "group_code": None,
                            "reason_code": None,
                            "amount": None,
                            "quantity": None,
                        }
                    )
                for number, adjustments in pp.line_adjustments.items():
                    children.extend(
                        {
                            "line_number": number,
                            "paid_amount": None,
                            "group_code": a.group_code,
                            "reason_code": a.reason_code,
                            "amount": a.amount,
                            "quantity": a.quantity,
                        }
                        for a in adjustments
                    )
                payer_children.append(children)
        for table, values in (
            (EncounterLine, lines),
            (EncounterDiagnosis, dxs),
            (EncounterParty, parties),
        ):
            if values:
                await conn.execute(insert(table_of(table)), values)
        if payers:
            payer_ids = await allocate_ids(conn, table_of(PriorPayerRow), len(payers))
            for row, pid in zip(payers, payer_ids, strict=True):
                row["id"] = pid
            await conn.execute(insert(table_of(PriorPayerRow)), payers)
            adj = [
                {"prior_payer_id": pid, **child}
                for pid, children in zip(payer_ids, payer_children, strict=True)
                for child in children
            ]
            if adj:
                await conn.execute(insert(table_of(PriorPayerAdjustment)), adj)
        self.stored += len(keep)
        for (claim, line), enc_id in zip(keep, enc_ids, strict=True):
            self._outcome(claim, line, enc_id)
        for (claim, line), enc_id in zip(keep, enc_ids, strict=True):
            if claim.frequency_code in ("7", "8"):
                await self._link_original(claim, line, enc_id)

    async def _link_original(self, claim: EncounterClaim, line: int, enc_id: int) -> None:
        """Frequency 7 replaces and 8 voids the claim named by REF*F8 (or the same CLM01)."""
        session = self.session
        assert session is not None
        npi = claim.billing.npi
        ref = claim.original_claim_ref
        candidates = [Encounter.claim_id == claim.claim_id]
        if ref:
            candidates.append(Encounter.claim_id == ref)
            paid = select(ClaimPaymentRow.encounter_id).where(
                ClaimPaymentRow.payer_claim_number == ref,
                ClaimPaymentRow.encounter_id.is_not(None),
            )
            candidates.append(Encounter.id.in_(paid))
        original = (
            await session.execute(
                select(Encounter.id, Encounter.claim_id)
                .where(
                    Encounter.id != enc_id,
                    Encounter.status == "active",
                    and_(Encounter.billing_npi == npi) if npi else Encounter.billing_npi.is_(None),
                    or_(*candidates),
                )
                .order_by(Encounter.id.desc())
                .limit(1)
            )
        ).first()
        if original is None:
            self.finding(
                line,
                f"{'Replacement' if claim.frequency_code == '7' else 'Void'} claim "
                f"{claim.claim_id} names original claim {ref or claim.claim_id} (REF*F8), "
                "which is not on file for this billing provider; it was stored unlinked.",
                claim_id=claim.claim_id,
                code="ORIG",
                severity=Severity.WARNING,
                element="REF02",
                value=ref,
                segment_id="REF",
                loop="2300",
            )
            return
        new_status = "replaced" if claim.frequency_code == "7" else "voided"
        await session.execute(
            update(Encounter).where(Encounter.id == original.id).values(status=new_status)
        )
        await session.execute(
            update(Encounter).where(Encounter.id == enc_id).values(replaces_id=original.id)
        )
