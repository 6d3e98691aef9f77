"""Round trip: every field mapped from each sample file, read back from the database
(SQLite and PostgreSQL), equals what the file says. (The mapping tests check record ==
file text field by field; this checks database == record for every stored field.)

The fields come from the record dataclasses themselves (``dataclasses.fields``): each one
is compared with the row's column of the same name unless its spec below says where else it
is stored or why it is not, so a field added to a record that the writer forgets fails here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import x12_edit
from conftest import SAMPLES, Db
from parse_support import read_units
from sqlalchemy import select

from edi_gateway.eligibility.writer import member_key
from edi_gateway.encounters.columns import (
    attachments_json,
    elements_json,
    hierarchy_json,
    texts_json,
)
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
    PriorPayerAdjustment,
    PriorPayerRow,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from edi_gateway.submissions.ingest import ingest_paths
from mappings.records import (
    Adjustment,
    ClaimPayment,
    CoverageLine,
    Diagnosis,
    EncounterClaim,
    MemberRecord,
    Party,
    PaymentHeader,
    PriorPayer,
    ProviderAdjustment,
    ServicePayment,
)
from mappings.records import EncounterLine as LineRecord
from mappings.x834 import map_member
from mappings.x835 import map_claim_payment, map_payment_header
from mappings.x837 import map_claim
from parsers import SetEvent
from parsers.generate import generate_bytes

#: Fields the database does not keep (the record keeps them for validation and reports).
#: Each entry is a gap a reviewer has accepted; a field missing from here and from its
#: table fails the test.
NOT_STORED: Mapping[type[Any], Mapping[str, str]] = {
    EncounterClaim: {},
    Party: {},
    LineRecord: {},
    MemberRecord: {
        "maintenance_reason": "INS04, not kept",
        "benefit_status": "INS05, not kept",
    },
    CoverageLine: {},
    ClaimPayment: {"insured": "NM1*IL, not kept (the patient's NM1*QC is)"},
}


def assert_stored(
    row: object,
    record: object,
    *,
    columns: Mapping[str, Mapping[str, object]] | None = None,
    elsewhere: Mapping[str, str] | None = None,
) -> None:
    """Every dataclass field of ``record`` is in ``row``: in the column of the same name (a
    list as its comma-joined items), else in the ``columns`` given for it (column ->
    value), else checked ``elsewhere`` (in child rows: field -> where), else ``NOT_STORED``.
    """
    columns = columns or {}
    elsewhere = elsewhere or {}
    kind = type(record)
    not_stored = NOT_STORED.get(kind, {})
    names = {f.name for f in dataclasses.fields(kind)}
    assert not (set(columns) | set(elsewhere) | set(not_stored)) - names, "stale spec"
    for f in dataclasses.fields(kind):
        if f.name in elsewhere or f.name in not_stored:
            continue
        value = getattr(record, f.name)
        expected = columns.get(f.name)
        if expected is None:
            if isinstance(value, list):
                value = ",".join(map(str, value))
            expected = {f.name: value}
        for column, want in expected.items():
            assert hasattr(row, column), (
                f"{kind.__name__}.{f.name} is not stored: {type(row).__name__} has no "
                f"column {column!r} (store it, or say why not in NOT_STORED)"
            )
            got = getattr(row, column)
            assert got == want, f"{kind.__name__}.{f.name}: {column} = {got!r}, want {want!r}"


def _records(path: Path, mapper: Any) -> tuple[list[Any], list[SetEvent]]:
    units, sets = read_units(path)
    return [mapper(u) for u in units], sets


async def _all(db: Db, stmt: Any) -> list[Any]:
    async with db.sessionmaker() as s:
        return list((await s.execute(stmt)).scalars())


def _pairs(rows: list[Any], records: list[Any]) -> list[tuple[Any, Any]]:
    assert len(rows) == len(records), (rows, records)
    return list(zip(rows, records, strict=True))


def _ids_json(p: Party) -> str | None:
    return json.dumps(p.secondary_ids) if p.secondary_ids else None


def _adjustment_columns(a: Adjustment) -> dict[str, object]:
    return {"group_code": a.group_code, "reason_code": a.reason_code, "amount": a.amount}


#: the first 837P sample claim paid first by another payer (2320/2330, and 2430 for its
#: first line): its 12.00 line paid 10.00 after 2.00 of line adjustments, less 2.00 of
#: claim-level adjustments
_OTHER_PAYER = [
    "SBR*S*01*OTHERGRP******CI",
    "CAS*CO*45*1.50*1*253*0.25",
    "CAS*PR*2*0.25",
    "AMT*D*8.00",
    "AMT*EAF*0.25",
    "OI***Y*P**Y",
    "NM1*IL*1*ROSALVEN*MARCO****MI*OTH998877",
    "NM1*PR*2*BLUE SIERRA INSURANCE*****PI*BSI01",
    "DTP*573*D8*20261001",
]
_LINE_PAID = ["SVD*BSI01*10.00*HC:81002**1", "CAS*CO*45*2.00", "DTP*573*D8*20261001"]


def _with_other_payer(folder: Path) -> Path:
    segs = x12_edit.load("837P")
    first_line = x12_edit.find(segs, "LX")
    segs = segs[:first_line] + _OTHER_PAYER + segs[first_line:]
    second_line = x12_edit.find(segs, "LX", 2)
    segs = segs[:second_line] + _LINE_PAID + segs[second_line:]
    path = folder / "837p_other_payer.x12"
    path.write_bytes(x12_edit.dump(segs))
    return path


CLAIMS = {
    "837p": lambda _: SAMPLES / "837p" / "837p_valid_basic.x12",
    "837i": lambda _: SAMPLES / "837i" / "837i_valid_basic.x12",
    "837d": lambda _: SAMPLES / "837d" / "837d_valid_subscriber_patient.x12",
    "837d-dependent": lambda _: SAMPLES / "837d" / "837d_valid_dependent.x12",
    "837p-other-payer": _with_other_payer,
}


@pytest.mark.parametrize("name", CLAIMS)
async def test_837_every_field(db: Db, name: str, tmp_path: Path) -> None:
    path = CLAIMS[name](tmp_path)
    claims: list[EncounterClaim]
    claims, _ = _records(path, map_claim)
    await ingest_paths(db.sessionmaker, db.settings, [path])
    rows = {e.claim_id: e for e in await _all(db, select(Encounter))}
    assert set(rows) == {c.claim_id for c in claims}
    for c in claims:
        e = rows[c.claim_id]
        assert_stored(
            e,
            c,
            columns={
                "billing": {"billing_npi": c.billing.npi, "billing_tax_id": c.billing.tax_id},
                "patient": {
                    "patient_last_name": c.patient.last_name,
                    "patient_first_name": c.patient.first_name,
                },
                "payer": {"payer_id": c.payer.identifier, "payer_name": c.payer.last_name},
                "attachments": {"attachments": attachments_json(c.attachments)},
                "file_information": {"file_information": texts_json(c.file_information)},
                "other_codes": {"other_codes": texts_json(c.other_codes)},
                "dental_status": {"dental_status": texts_json(c.dental_status)},
                "other_segments": {"other_segments": texts_json(c.other_segments)},
                "claim_elements": {"claim_elements": elements_json(c.claim_elements)},
                "hierarchy_segments": {"hierarchy_segments": hierarchy_json(c.hierarchy_segments)},
            },
            elsewhere={
                "subscriber": "encounter_parties",
                "providers": "encounter_parties",
                "diagnoses": "encounter_diagnoses",
                "lines": "encounter_lines",
                "prior_payers": "encounter_prior_payers",
            },
        )
        lines = await _all(
            db,
            select(EncounterLine)
            .where(EncounterLine.encounter_id == e.id)
            .order_by(EncounterLine.line_number),
        )
        for row, ln in _pairs(lines, c.lines):
            rendering = (ln.rendering.npi if ln.rendering else None) or c.billing.npi
            assert_stored(
                row,
                ln,
                columns={
                    "rendering": {"rendering_npi": rendering},
                    "other_segments": {"other_segments": texts_json(ln.other_segments)},
                    "service_elements": {"service_elements": elements_json(ln.service_elements)},
                    "adjudications": {"adjudications": texts_json(ln.adjudications)},
                },
                elsewhere={"providers": "encounter_parties (service_line)"},
            )
        dx = await _all(
            db,
            select(EncounterDiagnosis)
            .where(EncounterDiagnosis.encounter_id == e.id)
            .order_by(EncounterDiagnosis.sequence),
        )
        for row, d in _pairs(dx, c.diagnoses):
            assert_stored(row, d)
        parties = await _all(
            db,
            select(EncounterParty)
            .where(EncounterParty.encounter_id == e.id)
            .order_by(EncounterParty.id),
        )
        own = [c.patient]
        if dataclasses.replace(c.patient, role="subscriber") == c.subscriber:
            own = []  # the patient is the subscriber: the subscriber's row stands for both
        for row, p in _pairs(parties, [c.billing, c.subscriber, *own, c.payer, *c.providers]):
            assert_stored(
                row,
                p,
                columns={
                    "secondary_ids": {"secondary_ids": _ids_json(p)},
                    "contacts": {"contacts": texts_json(p.contacts)},
                },
            )
        payers = await _all(
            db,
            select(PriorPayerRow)
            .where(PriorPayerRow.encounter_id == e.id)
            .order_by(PriorPayerRow.id),
        )
        for row, pp in _pairs(payers, c.prior_payers):
            assert_stored(
                row,
                pp,
                columns={"segments": {"segments": texts_json(pp.segments)}},
                elsewhere={
                    "claim_adjustments": "encounter_prior_payer_adjustments",
                    "line_paid": "encounter_prior_payer_adjustments",
                    "line_adjustments": "encounter_prior_payer_adjustments",
                },
            )
            children = await _all(
                db,
                select(PriorPayerAdjustment)
                .where(PriorPayerAdjustment.prior_payer_id == row.id)
                .order_by(PriorPayerAdjustment.id),
            )
            claim_level = [a for a in children if a.line_number is None]
            for child, a in _pairs(claim_level, pp.claim_adjustments):
                assert_stored(child, a)
            paid = {a.line_number: a.paid_amount for a in children if a.paid_amount is not None}
            assert paid == pp.line_paid
            line_level = [a for a in children if a.line_number is not None and a.group_code]
            expected = [
                (n, a) for n, adjustments in pp.line_adjustments.items() for a in adjustments
            ]
            for child, (number, a) in _pairs(line_level, expected):
                assert child.line_number == number
                assert_stored(child, a)


async def test_the_837_files_reach_every_kind_of_row(db: Db, tmp_path: Path) -> None:
    """The files above store at least one row of each 837 table (so no check is empty)."""
    for make in reversed(CLAIMS.values()):  # the claims with another payer before their copy
        await ingest_paths(db.sessionmaker, db.settings, [make(tmp_path)])
    for table in (EncounterLine, EncounterDiagnosis, EncounterParty, PriorPayerRow):
        assert await _all(db, select(table).limit(1)), table.__name__
    children = await _all(db, select(PriorPayerAdjustment))
    assert any(a.line_number is None for a in children)
    assert any(a.paid_amount is not None for a in children)
    assert any(a.line_number is not None and a.group_code for a in children)


async def test_834_every_field(db: Db) -> None:
    path = SAMPLES / "834" / "834_valid_basic.x12"
    members: list[MemberRecord]
    members, _ = _records(path, map_member)
    await ingest_paths(db.sessionmaker, db.settings, [path])
    rows = {m.member_key: m for m in await _all(db, select(Member))}
    assert set(rows) == {member_key(m) for m in members}
    assert any(c.pcp for m in members for c in m.coverages)
    for m in members:
        r = rows[member_key(m)]
        assert_stored(
            r,
            m,
            columns={
                "relationship": {"relationship_code": m.relationship},
                "maintenance_type": {
                    "status": "terminated" if m.maintenance_type == "024" else "active"
                },
                "line": {},  # the line of each coverage span (below)
            },
            elsewhere={
                "member_ids": "member_identifiers",
                "coverages": "coverage_spans",
                "eligibility_begin": "coverage_spans.begin_date when HD has none",
                "eligibility_end": "coverage_spans.end_date of a termination",
            },
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
        for span, cov in _pairs(spans, m.coverages):
            end = cov.end if cov.end or m.maintenance_type != "024" else m.eligibility_end
            assert span.line == m.line
            assert_stored(
                span,
                cov,
                columns={
                    "maintenance_type": {
                        "maintenance_type": cov.maintenance_type or m.maintenance_type
                    },
                    "begin": {"begin_date": cov.begin or m.eligibility_begin},
                    "end": {"end_date": end},
                    "pcp": {
                        "pcp_npi": cov.pcp.npi if cov.pcp else None,
                        "pcp_name": cov.pcp.name if cov.pcp else None,
                        "pcp_begin": cov.pcp.begin if cov.pcp else None,
                        "pcp_end": cov.pcp.end if cov.pcp else None,
                    },
                },
            )


@pytest.mark.parametrize("source", ["sample", "generated"])
async def test_835_every_field(db: Db, source: str, tmp_path: Path) -> None:
    path = SAMPLES / "835" / "835_valid_basic.x12"
    if source == "generated":
        path = tmp_path / "r.x12"
        path.write_bytes(generate_bytes("835", 30, seed=9))
    payments: list[ClaimPayment]
    payments, sets = _records(path, map_claim_payment)
    await ingest_paths(db.sessionmaker, db.settings, [path])
    [header_row] = await _all(db, select(Payment))
    assert sets[0].root is not None
    h: PaymentHeader = map_payment_header(sets[0].root)
    assert_stored(
        header_row,
        h,
        columns={
            "payer_id": {"payer_trn_id": h.payer_id},
            "payer": {"payer_name": h.payer.last_name, "payer_id": h.payer.identifier},
            "payee": {
                "payee_name": h.payee.last_name,
                "payee_npi": h.payee.npi,
                "payee_tax_id": h.payee.tax_id,
            },
        },
        elsewhere={"provider_adjustments": "provider_adjustments"},
    )
    plb = await _all(db, select(ProviderAdjustmentRow).order_by(ProviderAdjustmentRow.id))
    for row, a in _pairs(plb, h.provider_adjustments):
        assert_stored(row, a)
    rows = await _all(db, select(ClaimPaymentRow).order_by(ClaimPaymentRow.id))
    for row, cp in _pairs(rows, payments):
        assert_stored(
            row,
            cp,
            columns={
                "patient": {
                    "patient_last_name": cp.patient.last_name if cp.patient else None,
                    "patient_first_name": cp.patient.first_name if cp.patient else None,
                    "patient_member_id": cp.patient.identifier if cp.patient else None,
                },
                "rendering": {"rendering_npi": cp.rendering.npi if cp.rendering else None},
            },
            elsewhere={"adjustments": "payment_adjustments", "services": "service_payments"},
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
        for adj, a in _pairs(adjustments, cp.adjustments):
            assert_stored(adj, a)
        services = await _all(
            db,
            select(ServicePaymentRow)
            .where(ServicePaymentRow.claim_payment_id == row.id)
            .order_by(ServicePaymentRow.id),
        )
        for srow, svc in _pairs(services, cp.services):
            assert_stored(srow, svc, elsewhere={"adjustments": "payment_adjustments"})
            sadj = await _all(
                db,
                select(PaymentAdjustment)
                .where(PaymentAdjustment.service_payment_id == srow.id)
                .order_by(PaymentAdjustment.id),
            )
            for adj, a in _pairs(sadj, svc.adjustments):
                assert_stored(adj, a)
    assert (
        sum((r.paid for r in rows), Decimal(0)) - sum((a.amount for a in plb), Decimal(0))
        == header_row.total_paid
    )


def test_the_spec_names_real_fields() -> None:
    """NOT_STORED lists fields of its records only (a renamed field must not hide here)."""
    for kind, fields in NOT_STORED.items():
        assert set(fields) <= {f.name for f in dataclasses.fields(kind)}, kind.__name__
    assert {Diagnosis, PriorPayer, ProviderAdjustment, ServicePayment, Adjustment}.isdisjoint(
        NOT_STORED
    )
