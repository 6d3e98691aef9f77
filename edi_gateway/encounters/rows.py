"""The rows of accepted claims, built for the encounter tables (``columns.py`` gives their
column order): one encounter row per claim, its lines, diagnoses, parties and prior payers.

Compiled with mypyc (``[tool.edi_gateway] compiled`` in pyproject.toml), like the mappers
that make the records: building these tuples was the largest interpreted part of the
event loop's work in an ingest (a third of its samples on a 10,000-claim 837P). No
database here: the writer (``writer.py``) draws the ids and sends the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mappings.records import EncounterClaim

from .columns import (
    attachments_json,
    cut_to,
    elements_json,
    hierarchy_json,
    party_values,
    texts_json,
)

__all__ = ["EncounterRows", "build_rows"]

Row = tuple[Any, ...]


class EncounterRows:
    """The rows of a batch of claims, in the order of ``ENCOUNTER_COLUMNS``,
    ``LINE_COLUMNS``, ``DIAGNOSIS_COLUMNS``, ``PARTY_COLUMNS`` and ``PRIOR_PAYER_COLUMNS``
    (without its id); ``payer_children`` holds each prior payer's adjustment rows without
    the prior payer's id (drawn when the payers are stored)."""

    def __init__(self) -> None:
        self.encounters: list[Row] = []
        self.lines: list[Row] = []
        self.diagnoses: list[Row] = []
        self.parties: list[Row] = []
        self.payers: list[Row] = []
        self.payer_children: list[list[Row]] = []

    def keep_only(self, stored: set[int]) -> None:
        """Drop the rows of encounters not stored (their key was taken meanwhile)."""
        self.encounters = [r for r in self.encounters if r[0] in stored]
        self.lines = [r for r in self.lines if r[0] in stored]
        self.diagnoses = [r for r in self.diagnoses if r[0] in stored]
        self.parties = [r for r in self.parties if r[0] in stored]
        kept = [i for i, r in enumerate(self.payers) if r[0] in stored]
        self.payers = [self.payers[i] for i in kept]
        self.payer_children = [self.payer_children[i] for i in kept]


def build_rows(
    claims: list[tuple[EncounterClaim, int]],
    ids: list[int],
    head: Row,
    claim_key: Callable[[str | None, str], str],
) -> EncounterRows:
    """The rows of ``claims`` (each with the ordinal of its CLM segment) stored as
    encounters ``ids``. ``head`` is the columns every
    encounter of the set shares (submission, set, partner, plan, sender, receiver);
    ``claim_key`` gives the tenant's unique key of a billing NPI and CLM01."""
    out = EncounterRows()
    for (claim, line), enc_id in zip(claims, ids, strict=True):
        _add_claim(out, claim, line, enc_id, head, claim_key)
    return out


def _add_claim(
    out: EncounterRows,
    claim: EncounterClaim,
    line: int,
    enc_id: int,
    head: Row,
    claim_key: Callable[[str | None, str], str],
) -> None:
    billing, patient = claim.billing, claim.patient
    frequency = claim.frequency_code
    replacing = frequency == "7" or frequency == "8"
    claim_id = claim.claim_id[:40]
    out.encounters.append(
        (
            enc_id,
            *head,
            claim.guide,
            claim_id,
            claim.total_charge,
            frequency,
            claim.facility_code,
            claim.facility_qualifier,
            claim.type_of_bill,
            claim.place_of_service,
            claim.original_claim_ref,
            claim.prior_authorization,
            claim.referral_number,
            claim.service_date_from,
            claim.service_date_to,
            claim.admission_date,
            claim.patient_status,
            claim.patient_amount_paid,
            billing.npi,
            billing.tax_id,
            claim.member_id,
            claim.patient_relationship,
            patient.last_name,
            patient.first_name,
            claim.patient_birth_date,
            claim.patient_gender,
            claim.payer.identifier,
            claim.payer.last_name,
            claim.subscriber_group,
            claim.claim_filing_indicator,
            cut_to(claim.signature_indicator, 1),
            cut_to(claim.assignment_code, 1),
            cut_to(claim.benefits_assignment, 1),
            cut_to(claim.release_of_information, 1),
            cut_to(claim.payer_responsibility, 1),
            cut_to(claim.admission_type, 1),
            cut_to(claim.admission_source, 1),
            cut_to(claim.note_code, 3),
            cut_to(claim.note, 80),
            attachments_json(claim.attachments),
            texts_json(claim.file_information),
            texts_json(claim.other_codes),
            texts_json(claim.dental_status),
            texts_json(claim.other_segments),
            cut_to(claim.discharge_hour, 4),
            cut_to(claim.admission_hour, 4),
            elements_json(claim.claim_elements),
            hierarchy_json(claim.hierarchy_segments),
            "void" if frequency == "8" else "active",
            # a replacement takes its key once the original has let go of it
            None if replacing else claim_key(billing.npi, claim_id),
            line,
        )
    )
    lines = out.lines
    parties = out.parties
    for ln in claim.lines:
        rendering = ln.rendering
        lines.append(
            (
                enc_id,
                ln.line_number,
                ln.procedure_qualifier,
                ln.procedure_code,
                ",".join(ln.modifiers),
                ln.revenue_code,
                ln.charge,
                ln.unit_basis,
                ln.units,
                ln.place_of_service,
                ",".join([str(p) for p in ln.diagnosis_pointers]),
                ln.service_date_from,
                ln.service_date_to,
                ln.ndc,
                ln.ndc_quantity,
                ln.ndc_unit,
                ln.line_control_number,
                ",".join(ln.tooth_numbers),
                ",".join(ln.tooth_surfaces),
                ",".join(ln.oral_cavity_areas),
                (rendering.npi if rendering is not None else None) or billing.npi,
                ln.line,
                texts_json(ln.other_segments),
                elements_json(ln.service_elements),
                texts_json(ln.adjudications),
                cut_to(ln.ndc_reference_qualifier, 3),
                cut_to(ln.ndc_reference, 50),
            )
        )
    for dx in claim.diagnoses:
        out.diagnoses.append((enc_id, dx.sequence, dx.qualifier, dx.code, dx.present_on_admission))
    subscriber = party_values(claim.subscriber)
    parties.append((enc_id, *party_values(billing), None))
    parties.append((enc_id, *subscriber, None))
    sent_patient = party_values(patient)
    if sent_patient[1:] != subscriber[1:]:
        # a patient of their own (2010CA); when the patient is the subscriber (no 2000C,
        # every field the same), no second row: it is read back from the subscriber's
        parties.append((enc_id, *sent_patient, None))
    for p in (claim.payer, *claim.providers):
        parties.append((enc_id, *party_values(p), None))
    for ln in claim.lines:
        if ln.rendering is not None:  # its own 2420A/2420C, name and ids as sent
            parties.append((enc_id, *party_values(ln.rendering), ln.line))
        for p in ln.providers:
            parties.append((enc_id, *party_values(p), ln.line))
    for pp in claim.prior_payers:
        out.payers.append(
            (
                enc_id,
                pp.sequence[:1],
                pp.payer_name,
                pp.payer_id,
                pp.paid_amount,
                pp.remaining_patient_liability,
                pp.adjudication_date,
                texts_json(pp.segments),
            )
        )
        children: list[Row] = [
            (None, None, a.group_code, a.reason_code, a.amount, a.quantity)
            for a in pp.claim_adjustments
        ]
        for number, paid in pp.line_paid.items():
            children.append((number, paid, None, None, None, None))
        for number, adjustments in pp.line_adjustments.items():
            children.extend(
                (number, None, a.group_code, a.reason_code, a.amount, a.quantity)
                for a in adjustments
            )
        out.payer_children.append(children)
