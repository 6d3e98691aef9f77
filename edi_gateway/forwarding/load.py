"""Stored encounters back to normalized claims (:class:`EncounterClaim`), for forwarding.

What the encounter writer stores is what comes back: ``claim_view`` is that projection of
a claim, so a claim read back from a forwarded file can be compared with the stored one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.records import (
    Adjustment,
    Diagnosis,
    EncounterClaim,
    EncounterLine,
    Party,
    PriorPayer,
)

from ..encounters.columns import (
    attachments_of,
    codes_of,
    elements_of,
    hierarchy_of,
    ids_of,
    party_values,
    segments_of,
    surfaces_of,
    texts_of,
)
from ..models import (
    Encounter,
    EncounterDiagnosis,
    EncounterParty,
    PriorPayerAdjustment,
    PriorPayerRow,
)
from ..models import EncounterLine as LineRow

__all__ = ["claim_view", "load_claims"]

_CHUNK = 500
_MAIN_ROLES = ("billing", "subscriber", "patient", "payer")


def _party(row: EncounterParty) -> Party:
    return Party(
        role=row.role,
        entity_type=row.entity_type,
        last_name=row.last_name,
        first_name=row.first_name,
        middle_name=row.middle_name,
        suffix=row.suffix,
        id_qualifier=row.id_qualifier,
        identifier=row.identifier,
        npi=row.npi,
        tax_id=row.tax_id,
        taxonomy=row.taxonomy,
        address1=row.address1,
        address2=row.address2,
        city=row.city,
        state=row.state,
        postal_code=row.postal_code,
        secondary_ids=ids_of(row.secondary_ids),
        contacts=segments_of(row.contacts),
        country=row.country,
        country_subdivision=row.country_subdivision,
    )


def _as_patient(subscriber: Party) -> Party:
    """The patient of a claim whose patient is the subscriber (no 2000C): stored once, as
    the subscriber, and mapped from the same 2010BA as the patient when received."""
    return replace(
        subscriber,
        role="patient",
        secondary_ids=dict(subscriber.secondary_ids),
        contacts=list(subscriber.contacts),
    )


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v] if value else []


def _line(
    row: LineRow, by_npi: dict[str, Party], line_parties: dict[int, list[Party]]
) -> EncounterLine:
    providers = line_parties.get(row.line, [])
    rendering = next((p for p in providers if p.role == "rendering"), None)
    if rendering is not None:  # the line's own 2420A/2420C as sent
        providers = [p for p in providers if p is not rendering]
    else:  # stored before the line's own was kept: the claim's provider of that NPI
        rendering = by_npi.get(row.rendering_npi or "")
    if rendering is None and row.rendering_npi:
        rendering = Party(role="rendering", npi=row.rendering_npi)
    return EncounterLine(
        line_number=row.line_number,
        procedure_qualifier=row.procedure_qualifier,
        procedure_code=row.procedure_code,
        modifiers=_split(row.modifiers),
        revenue_code=row.revenue_code,
        charge=row.charge,
        unit_basis=row.unit_basis,
        units=row.units,
        place_of_service=row.place_of_service,
        diagnosis_pointers=[int(p) for p in _split(row.diagnosis_pointers)],
        service_date_from=row.service_date_from,
        service_date_to=row.service_date_to,
        ndc=row.ndc,
        ndc_quantity=row.ndc_quantity,
        ndc_unit=row.ndc_unit,
        line_control_number=row.line_control_number,
        tooth_numbers=_split(row.tooth_numbers),
        tooth_surfaces=surfaces_of(row.tooth_surfaces),
        oral_cavity_areas=_split(row.oral_cavity_areas),
        rendering=rendering,
        line=row.line,
        providers=providers,
        other_segments=segments_of(row.other_segments),
        service_elements=elements_of(row.service_elements),
        adjudications=segments_of(row.adjudications),
        ndc_reference_qualifier=row.ndc_reference_qualifier,
        ndc_reference=row.ndc_reference,
    )


async def _rows(session: AsyncSession, model: Any, column: Any, ids: Sequence[int]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), _CHUNK):
        # plain rows, not ORM objects: a run loads hundreds of thousands of them
        table = model.__table__
        result = await session.execute(
            select(table).where(column.in_(ids[start : start + _CHUNK])).order_by(table.c.id)
        )
        found.extend(result.all())
    return found


async def load_claims(session: AsyncSession, encounter_ids: Sequence[int]) -> list[EncounterClaim]:
    """The stored claims of ``encounter_ids``, in that order (ids not found are left out)."""
    ids = list(encounter_ids)
    encounters = {e.id: e for e in await _rows(session, Encounter, Encounter.id, ids)}
    lines: dict[int, list[LineRow]] = defaultdict(list)
    for row in await _rows(session, LineRow, LineRow.encounter_id, ids):
        lines[row.encounter_id].append(row)
    diagnoses: dict[int, list[EncounterDiagnosis]] = defaultdict(list)
    for row in await _rows(session, EncounterDiagnosis, EncounterDiagnosis.encounter_id, ids):
        diagnoses[row.encounter_id].append(row)
    parties: dict[int, list[EncounterParty]] = defaultdict(list)
    for row in await _rows(session, EncounterParty, EncounterParty.encounter_id, ids):
        parties[row.encounter_id].append(row)
    payers: dict[int, list[PriorPayerRow]] = defaultdict(list)
    for row in await _rows(session, PriorPayerRow, PriorPayerRow.encounter_id, ids):
        payers[row.encounter_id].append(row)
    payer_ids = [p.id for rows in payers.values() for p in rows]
    adjustments: dict[int, list[PriorPayerAdjustment]] = defaultdict(list)
    for row in await _rows(
        session, PriorPayerAdjustment, PriorPayerAdjustment.prior_payer_id, payer_ids
    ):
        adjustments[row.prior_payer_id].append(row)
    claims: list[EncounterClaim] = []
    for enc_id in ids:
        e = encounters.get(enc_id)
        if e is None:
            continue
        claims.append(
            _claim(
                e, lines[enc_id], diagnoses[enc_id], parties[enc_id], payers[enc_id], adjustments
            )
        )
    return claims


def _claim(
    e: Encounter,
    lines: list[LineRow],
    diagnoses: list[EncounterDiagnosis],
    party_rows: list[EncounterParty],
    payer_rows: list[PriorPayerRow],
    adjustments: dict[int, list[PriorPayerAdjustment]],
) -> EncounterClaim:
    main: dict[str, Party] = {}
    providers: list[Party] = []
    line_parties: dict[int, list[Party]] = defaultdict(list)
    for row in party_rows:
        if row.service_line is not None:
            line_parties[row.service_line].append(_party(row))
        elif row.role in _MAIN_ROLES and row.role not in main:
            main[row.role] = _party(row)
        else:
            providers.append(_party(row))
    by_npi = {p.npi: p for p in providers if p.npi and p.role == "rendering"}
    for p in providers:
        if p.npi:
            by_npi.setdefault(p.npi, p)
    billing = main.get("billing", Party("billing"))
    subscriber = main.get("subscriber", Party("subscriber"))
    if billing.npi:
        by_npi.setdefault(billing.npi, billing)
    return EncounterClaim(
        guide=e.guide,
        claim_id=e.claim_id,
        total_charge=e.total_charge,
        frequency_code=e.frequency_code,
        facility_code=e.facility_code,
        facility_qualifier=e.facility_qualifier,
        type_of_bill=e.type_of_bill,
        place_of_service=e.place_of_service,
        original_claim_ref=e.original_claim_ref,
        prior_authorization=e.prior_authorization,
        referral_number=e.referral_number,
        service_date_from=e.service_date_from,
        service_date_to=e.service_date_to,
        admission_date=e.admission_date,
        discharge_hour=e.discharge_hour,
        admission_hour=e.admission_hour,
        claim_elements=elements_of(e.claim_elements),
        hierarchy_segments=hierarchy_of(e.hierarchy_segments),
        patient_status=e.patient_status,
        patient_amount_paid=e.patient_amount_paid,
        billing=billing,
        subscriber=subscriber,
        patient=main.get("patient") or _as_patient(subscriber),
        payer=main.get("payer", Party("payer")),
        patient_relationship=e.patient_relationship,
        subscriber_group=e.subscriber_group,
        claim_filing_indicator=e.claim_filing_indicator,
        member_id=e.member_id,
        patient_birth_date=e.patient_birth_date,
        patient_gender=e.patient_gender,
        providers=providers,
        diagnoses=[
            Diagnosis(d.sequence, d.qualifier, d.code, d.present_on_admission)
            for d in sorted(diagnoses, key=lambda d: d.sequence)
        ],
        lines=[_line(r, by_npi, line_parties) for r in lines],
        prior_payers=[_prior(p, adjustments.get(p.id, [])) for p in payer_rows],
        signature_indicator=e.signature_indicator,
        assignment_code=e.assignment_code,
        benefits_assignment=e.benefits_assignment,
        release_of_information=e.release_of_information,
        payer_responsibility=e.payer_responsibility,
        admission_type=e.admission_type,
        admission_source=e.admission_source,
        note_code=e.note_code,
        note=e.note,
        line=e.line,
        attachments=attachments_of(e.attachments),
        file_information=texts_of(e.file_information),
        other_codes=codes_of(e.other_codes),
        dental_status=codes_of(e.dental_status),
        other_segments=segments_of(e.other_segments),
    )


def _prior(row: PriorPayerRow, children: list[PriorPayerAdjustment]) -> PriorPayer:
    prior = PriorPayer(
        sequence=row.sequence,
        payer_name=row.payer_name,
        payer_id=row.payer_id,
        paid_amount=row.paid_amount,
        remaining_patient_liability=row.remaining_patient_liability,
        adjudication_date=row.adjudication_date,
        segments=segments_of(row.segments),
    )
    for child in children:
        if child.line_number is None:
            prior.claim_adjustments.append(_adjustment(child))
        elif child.paid_amount is not None:
            prior.line_paid[child.line_number] = child.paid_amount
        else:
            prior.line_adjustments.setdefault(child.line_number, []).append(_adjustment(child))
    return prior


def _adjustment(row: PriorPayerAdjustment) -> Adjustment:
    return Adjustment(
        row.group_code or "", row.reason_code or "", row.amount or Decimal(0), row.quantity
    )


def _segments_view(segments: list[list[str | list[str]]]) -> tuple[object, ...]:
    return tuple(tuple(tuple(e) if isinstance(e, list) else e for e in s) for s in segments)


def claim_view(c: EncounterClaim) -> dict[str, Any]:
    """The stored fields of a claim (what ``EncounterSetWriter`` keeps), for comparison."""
    return {
        "claim": (
            c.guide,
            c.claim_id,
            c.total_charge,
            c.frequency_code,
            c.facility_code,
            c.facility_qualifier,
            c.type_of_bill,
            c.place_of_service,
            c.original_claim_ref,
            c.prior_authorization,
            c.referral_number,
            c.service_date_from,
            c.service_date_to,
            c.admission_date,
            c.patient_status,
            c.patient_amount_paid,
            c.billing.npi,
            c.billing.tax_id,
            c.member_id,
            c.patient_relationship,
            c.patient.last_name,
            c.patient.first_name,
            c.patient_birth_date,
            c.patient_gender,
            c.payer.identifier,
            c.payer.last_name,
            c.subscriber_group,
            c.claim_filing_indicator,
            c.signature_indicator,
            c.assignment_code,
            c.benefits_assignment,
            c.release_of_information,
            c.payer_responsibility,
            c.admission_type,
            c.admission_source,
            c.discharge_hour,
            c.admission_hour,
            tuple(sorted(c.claim_elements.items(), key=lambda kv: kv[0])),
            c.note_code,
            c.note,
            tuple(c.attachments),
            tuple(c.file_information),
            tuple(tuple(code) for code in c.other_codes),
            tuple(tuple(segment) for segment in c.dental_status),
            _segments_view(c.other_segments),
            tuple((loop, _segments_view(kept)) for loop, kept in c.hierarchy_segments.items()),
        ),
        "lines": [
            (
                ln.line_number,
                ln.procedure_qualifier,
                ln.procedure_code,
                ",".join(ln.modifiers),
                ln.revenue_code,
                ln.charge,
                ln.unit_basis,
                ln.units,
                ln.place_of_service,
                ",".join(str(p) for p in ln.diagnosis_pointers),
                ln.service_date_from,
                ln.service_date_to,
                ln.ndc,
                ln.ndc_quantity,
                ln.ndc_unit,
                ln.ndc_reference_qualifier,
                ln.ndc_reference,
                ln.line_control_number,
                ",".join(ln.tooth_numbers),
                ",".join(ln.tooth_surfaces),
                ",".join(ln.oral_cavity_areas),
                (ln.rendering.npi if ln.rendering else None) or c.billing.npi,
                tuple(party_values(p) for p in ln.providers),
                _segments_view(ln.other_segments),
                tuple(sorted(ln.service_elements.items(), key=lambda kv: kv[0])),
                _segments_view(ln.adjudications),
            )
            for ln in c.lines
        ],
        "diagnoses": [
            (d.sequence, d.qualifier, d.code, d.present_on_admission) for d in c.diagnoses
        ],
        "parties": [
            party_values(p) for p in (c.billing, c.subscriber, c.patient, c.payer, *c.providers)
        ],
        "prior_payers": [
            (
                p.sequence[:1],
                p.payer_name,
                p.payer_id,
                p.paid_amount,
                p.remaining_patient_liability,
                p.adjudication_date,
                sorted(
                    (a.group_code, a.reason_code, a.amount, a.quantity) for a in p.claim_adjustments
                ),
                sorted(p.line_paid.items()),
                sorted(
                    (n, a.group_code, a.reason_code, a.amount, a.quantity)
                    for n, adj in p.line_adjustments.items()
                    for a in adj
                ),
                _segments_view(p.segments),
            )
            for p in c.prior_payers
        ],
    }
