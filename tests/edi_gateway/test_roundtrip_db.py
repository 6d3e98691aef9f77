"""Round trip: every field mapped from each sample file, read back from the database
(SQLite and PostgreSQL), equals what the file says. (The mapping tests check record ==
file text field by field; this checks database == record for every stored field.)"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, Db
from parse_support import read_units
from sqlalchemy import select

from edi_gateway.eligibility.writer import member_key
from edi_gateway.models import (
    ClaimPaymentRow,
    CoverageSpan,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterParty,
    Member,
    MemberIdentifier,
    Payment,
    PaymentAdjustment,
    PriorPayerRow,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from edi_gateway.submissions.ingest import ingest_paths
from mappings.x834 import map_member
from mappings.x835 import map_claim_payment, map_payment_header
from mappings.x837 import map_claim
from parsers import SetEvent
from parsers.generate import generate_bytes


def _records(path: Path, mapper: Any) -> tuple[list[Any], list[SetEvent]]:
    units, sets = read_units(path)
    return [mapper(u) for u in units], sets


async def _all(db: Db, stmt: Any) -> list[Any]:
    async with db.sessionmaker() as s:
        return list((await s.execute(stmt)).scalars())


CLAIMS = [
    SAMPLES / "837p" / "837p_valid_basic.x12",
    SAMPLES / "837i" / "837i_valid_basic.x12",
    SAMPLES / "837d" / "837d_valid_subscriber_patient.x12",
    SAMPLES / "837d" / "837d_valid_dependent.x12",
]


@pytest.mark.parametrize("path", CLAIMS, ids=lambda p: p.name)
async def test_837_every_field(db: Db, path: Path) -> None:
    claims, _ = _records(path, map_claim)
    await ingest_paths(db.sessionmaker, db.settings, [path])
    rows = {e.claim_id: e for e in await _all(db, select(Encounter))}
    assert set(rows) == {c.claim_id for c in claims}
    for c in claims:
        e = rows[c.claim_id]
        assert (
            e.guide,
            e.total_charge,
            e.frequency_code,
            e.facility_code,
            e.facility_qualifier,
            e.type_of_bill,
            e.place_of_service,
            e.original_claim_ref,
            e.prior_authorization,
            e.referral_number,
            e.service_date_from,
            e.service_date_to,
            e.admission_date,
            e.patient_status,
            e.patient_amount_paid,
            e.billing_npi,
            e.billing_tax_id,
            e.member_id,
            e.patient_relationship,
            e.patient_last_name,
            e.patient_first_name,
            e.patient_birth_date,
            e.patient_gender,
            e.payer_id,
            e.payer_name,
            e.subscriber_group,
            e.claim_filing_indicator,
        ) == (
            c.guide,
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
        )
        lines = await _all(
            db,
            select(EncounterLine)
            .where(EncounterLine.encounter_id == e.id)
            .order_by(EncounterLine.line_number),
        )
        assert [
            (
                ln.line_number,
                ln.procedure_qualifier,
                ln.procedure_code,
                ln.modifiers,
                ln.revenue_code,
                ln.charge,
                ln.unit_basis,
                ln.units,
                ln.place_of_service,
                ln.diagnosis_pointers,
                ln.service_date_from,
                ln.service_date_to,
                ln.ndc,
                ln.ndc_quantity,
                ln.ndc_unit,
                ln.line_control_number,
                ln.tooth_numbers,
            )
            for ln in lines
        ] == [
            (
                x.line_number,
                x.procedure_qualifier,
                x.procedure_code,
                ",".join(x.modifiers),
                x.revenue_code,
                x.charge,
                x.unit_basis,
                x.units,
                x.place_of_service,
                ",".join(map(str, x.diagnosis_pointers)),
                x.service_date_from,
                x.service_date_to,
                x.ndc,
                x.ndc_quantity,
                x.ndc_unit,
                x.line_control_number,
                ",".join(x.tooth_numbers),
            )
            for x in c.lines
        ]
        dx = await _all(
            db,
            select(EncounterDiagnosis)
            .where(EncounterDiagnosis.encounter_id == e.id)
            .order_by(EncounterDiagnosis.sequence),
        )
        assert [(d.sequence, d.qualifier, d.code, d.present_on_admission) for d in dx] == [
            (d.sequence, d.qualifier, d.code, d.present_on_admission) for d in c.diagnoses
        ]
        parties = await _all(
            db,
            select(EncounterParty)
            .where(EncounterParty.encounter_id == e.id)
            .order_by(EncounterParty.id),
        )
        expected = [c.billing, c.subscriber, c.patient, c.payer, *c.providers]
        assert [
            (
                p.role,
                p.entity_type,
                p.last_name,
                p.first_name,
                p.identifier,
                p.npi,
                p.tax_id,
                p.taxonomy,
                p.address1,
                p.city,
                p.state,
                p.postal_code,
            )
            for p in parties
        ] == [
            (
                p.role,
                p.entity_type,
                p.last_name,
                p.first_name,
                p.identifier,
                p.npi,
                p.tax_id,
                p.taxonomy,
                p.address1,
                p.city,
                p.state,
                p.postal_code,
            )
            for p in expected
        ]
        payers = await _all(db, select(PriorPayerRow).where(PriorPayerRow.encounter_id == e.id))
        assert [(p.sequence, p.payer_id, p.paid_amount) for p in payers] == [
            (p.sequence, p.payer_id, p.paid_amount) for p in c.prior_payers
        ]


async def test_834_every_field(db: Db) -> None:
    path = SAMPLES / "834" / "834_valid_basic.x12"
    members, _ = _records(path, map_member)
    await ingest_paths(db.sessionmaker, db.settings, [path])
    rows = {m.member_key: m for m in await _all(db, select(Member))}
    assert set(rows) == {member_key(m) for m in members}
    for m in members:
        r = rows[member_key(m)]
        assert (
            r.subscriber_id,
            r.is_subscriber,
            r.relationship_code,
            r.last_name,
            r.first_name,
            r.middle_name,
            r.birth_date,
            r.gender,
            r.address1,
            r.address2,
            r.city,
            r.state,
            r.postal_code,
            r.phone,
            r.language,
        ) == (
            m.subscriber_id,
            m.is_subscriber,
            m.relationship,
            m.last_name,
            m.first_name,
            m.middle_name,
            m.birth_date,
            m.gender,
            m.address1,
            m.address2,
            m.city,
            m.state,
            m.postal_code,
            m.phone,
            m.language,
        )
        ids = {
            (i.qualifier, i.value)
            for i in await _all(
                db, select(MemberIdentifier).where(MemberIdentifier.member_id == r.id)
            )
        }
        assert ids == set(m.member_ids.items())
        spans = await _all(
            db, select(CoverageSpan).where(CoverageSpan.member_id == r.id).order_by(CoverageSpan.id)
        )
        assert [
            (
                s.insurance_line,
                s.plan_code,
                s.coverage_level,
                s.aid_code,
                s.policy_number,
                s.begin_date,
                s.end_date,
                s.pcp_npi,
                s.pcp_name,
            )
            for s in spans
        ] == [
            (
                c.insurance_line,
                c.plan_code,
                c.coverage_level,
                c.aid_code,
                c.policy_number,
                c.begin or m.eligibility_begin,
                c.end,
                c.pcp.npi if c.pcp else None,
                c.pcp.name if c.pcp else None,
            )
            for c in m.coverages
        ]


@pytest.mark.parametrize("source", ["sample", "generated"])
async def test_835_every_field(db: Db, source: str, tmp_path: Path) -> None:
    path = SAMPLES / "835" / "835_valid_basic.x12"
    if source == "generated":
        path = tmp_path / "r.x12"
        path.write_bytes(generate_bytes("835", 30, seed=9))
    payments, sets = _records(path, map_claim_payment)
    await ingest_paths(db.sessionmaker, db.settings, [path])
    [header_row] = await _all(db, select(Payment))
    assert sets[0].root is not None
    h = map_payment_header(sets[0].root)
    assert (
        header_row.handling_code,
        header_row.total_paid,
        header_row.credit_debit,
        header_row.payment_method,
        header_row.payment_date,
        header_row.trace_number,
        header_row.payer_trn_id,
        header_row.production_date,
        header_row.payer_name,
        header_row.payer_id,
        header_row.payee_name,
        header_row.payee_npi,
        header_row.payee_tax_id,
    ) == (
        h.handling_code,
        h.total_paid,
        h.credit_debit,
        h.payment_method,
        h.payment_date,
        h.trace_number,
        h.payer_id,
        h.production_date,
        h.payer.last_name,
        h.payer.identifier,
        h.payee.last_name,
        h.payee.npi,
        h.payee.tax_id,
    )
    plb = await _all(db, select(ProviderAdjustmentRow).order_by(ProviderAdjustmentRow.id))
    assert [
        (a.provider_id, a.fiscal_period_end, a.reason_code, a.reference, a.amount) for a in plb
    ] == [
        (a.provider_id, a.fiscal_period_end, a.reason_code, a.reference, a.amount)
        for a in h.provider_adjustments
    ]
    rows = await _all(db, select(ClaimPaymentRow).order_by(ClaimPaymentRow.id))
    assert len(rows) == len(payments)
    for row, cp in zip(rows, payments, strict=True):
        assert (
            row.claim_id,
            row.status_code,
            row.charge,
            row.paid,
            row.patient_responsibility,
            row.filing_indicator,
            row.payer_claim_number,
            row.facility_code,
            row.frequency_code,
            row.service_date_from,
            row.service_date_to,
            row.received_date,
            row.remark_codes,
        ) == (
            cp.claim_id,
            cp.status_code,
            cp.charge,
            cp.paid,
            cp.patient_responsibility,
            cp.filing_indicator,
            cp.payer_claim_number,
            cp.facility_code,
            cp.frequency_code,
            cp.service_date_from,
            cp.service_date_to,
            cp.received_date,
            ",".join(cp.remark_codes),
        )
        adjustments = await _all(
            db,
            select(PaymentAdjustment)
            .where(
                PaymentAdjustment.claim_payment_id == row.id,
                PaymentAdjustment.service_payment_id.is_(None),
            )
            .order_by(PaymentAdjustment.id),
        )
        assert [(a.group_code, a.reason_code, a.amount, a.quantity) for a in adjustments] == [
            (a.group_code, a.reason_code, a.amount, a.quantity) for a in cp.adjustments
        ]
        services = await _all(
            db,
            select(ServicePaymentRow)
            .where(ServicePaymentRow.claim_payment_id == row.id)
            .order_by(ServicePaymentRow.id),
        )
        assert [
            (
                s.procedure_code,
                s.modifiers,
                s.charge,
                s.paid,
                s.revenue_code,
                s.units_paid,
                s.service_date_from,
                s.line_control_number,
                s.remark_codes,
            )
            for s in services
        ] == [
            (
                s.procedure_code,
                ",".join(s.modifiers),
                s.charge,
                s.paid,
                s.revenue_code,
                s.units_paid,
                s.service_date_from,
                s.line_control_number,
                ",".join(s.remark_codes),
            )
            for s in cp.services
        ]
        for srow, svc in zip(services, cp.services, strict=True):
            sadj = await _all(
                db,
                select(PaymentAdjustment)
                .where(PaymentAdjustment.service_payment_id == srow.id)
                .order_by(PaymentAdjustment.id),
            )
            assert [(a.group_code, a.reason_code, a.amount) for a in sadj] == [
                (a.group_code, a.reason_code, a.amount) for a in svc.adjustments
            ]
    assert (
        sum((r.paid for r in rows), Decimal(0)) - sum((a.amount for a in plb), Decimal(0))
        == header_row.total_paid
    )
