"""The encounter tables' columns as the encounter writer fills them, and how a claim's
values are stored in them (parties, attachments): read back the same way by forwarding."""

from __future__ import annotations

import json
from typing import Any

from mappings.records import Attachment, Party

__all__ = [
    "DIAGNOSIS_COLUMNS",
    "ENCOUNTER_COLUMNS",
    "LINE_COLUMNS",
    "OUTCOME_COLUMNS",
    "PARTY_COLUMNS",
    "PRIOR_ADJUSTMENT_COLUMNS",
    "PRIOR_PAYER_COLUMNS",
    "attachments_json",
    "attachments_of",
    "codes_of",
    "cut_to",
    "hierarchy_json",
    "hierarchy_of",
    "party_values",
    "surfaces_of",
    "texts_json",
    "texts_of",
]

#: column order of the rows built in ``EncounterSetWriter._insert`` (writer.py)
ENCOUNTER_COLUMNS = (
    "id",
    "submission_id",
    "transaction_set_id",
    "partner_id",
    "plan_partner_id",
    "sender_id",
    "receiver_id",
    "guide",
    "claim_id",
    "total_charge",
    "frequency_code",
    "facility_code",
    "facility_qualifier",
    "type_of_bill",
    "place_of_service",
    "original_claim_ref",
    "prior_authorization",
    "referral_number",
    "service_date_from",
    "service_date_to",
    "admission_date",
    "patient_status",
    "patient_amount_paid",
    "billing_npi",
    "billing_tax_id",
    "member_id",
    "patient_relationship",
    "patient_last_name",
    "patient_first_name",
    "patient_birth_date",
    "patient_gender",
    "payer_id",
    "payer_name",
    "subscriber_group",
    "claim_filing_indicator",
    "signature_indicator",
    "assignment_code",
    "benefits_assignment",
    "release_of_information",
    "payer_responsibility",
    "admission_type",
    "admission_source",
    "note_code",
    "note",
    "attachments",
    "file_information",
    "other_codes",
    "dental_status",
    "other_segments",
    "discharge_hour",
    "admission_hour",
    "claim_elements",
    "hierarchy_segments",
    "status",
    "claim_key",
    "line",
)
LINE_COLUMNS = (
    "encounter_id",
    "line_number",
    "procedure_qualifier",
    "procedure_code",
    "modifiers",
    "revenue_code",
    "charge",
    "unit_basis",
    "units",
    "place_of_service",
    "diagnosis_pointers",
    "service_date_from",
    "service_date_to",
    "ndc",
    "ndc_quantity",
    "ndc_unit",
    "line_control_number",
    "tooth_numbers",
    "tooth_surfaces",
    "oral_cavity_areas",
    "rendering_npi",
    "line",
    "other_segments",
    "service_elements",
    "adjudications",
    "ndc_reference_qualifier",
    "ndc_reference",
)
OUTCOME_COLUMNS = (
    "submission_id",
    "set_ordinal",
    "st_control_number",
    "claim_id",
    "accepted",
    "encounter_id",
    "charge",
    "service_date_from",
    "service_date_to",
    "patient_last_name",
    "patient_first_name",
    "member_id",
    "billing_npi",
    "billing_name",
    "type_of_bill",
    "line",
    "payer_name",
    "service_lines",
)
DIAGNOSIS_COLUMNS = ("encounter_id", "sequence", "qualifier", "code", "present_on_admission")
PARTY_COLUMNS = (
    "encounter_id",
    "role",
    "entity_type",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "id_qualifier",
    "identifier",
    "npi",
    "tax_id",
    "taxonomy",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "secondary_ids",
    "contacts",
    "country",
    "country_subdivision",
    "service_line",
)
PRIOR_PAYER_COLUMNS = (
    "encounter_id",
    "sequence",
    "payer_name",
    "payer_id",
    "paid_amount",
    "remaining_patient_liability",
    "adjudication_date",
    "segments",
)
PRIOR_ADJUSTMENT_COLUMNS = (
    "prior_payer_id",
    "line_number",
    "paid_amount",
    "group_code",
    "reason_code",
    "amount",
    "quantity",
)


def cut_to(value: str | None, width: int) -> str | None:
    """A code as stored: at most its column's width (a longer one was already reported by
    the element checks; it must not fail the set's insert)."""
    return value[:width] if value else None


def attachments_json(attachments: list[Attachment]) -> str | None:
    """A claim's PWKs as stored (``encounters.attachments``): None when it has none."""
    if not attachments:
        return None
    return json.dumps([[a.report_type, a.transmission, a.control_number] for a in attachments])


def attachments_of(stored: str | None) -> list[Attachment]:
    """The claim's PWKs back from ``encounters.attachments``."""
    if not stored:
        return []
    return [Attachment(kind, how, control) for kind, how, control in json.loads(stored)]


def texts_json(texts: list[str] | list[list[str]] | list[list[str | list[str]]]) -> str | None:
    """A list of texts (or of components, or of segments) as stored
    (``encounters.file_information``, ``other_codes``, ``other_segments``): None when
    empty."""
    return json.dumps(texts) if texts else None


def texts_of(stored: str | None) -> list[str]:
    return [str(t) for t in json.loads(stored)] if stored else []


def surfaces_of(stored: str | None) -> list[str]:
    """``encounter_lines.tooth_surfaces`` ("MOD,,O": one entry per tooth, empties kept)."""
    return stored.split(",") if stored else []


def codes_of(stored: str | None) -> list[list[str]]:
    """``encounters.other_codes`` back as lists of components."""
    return [[str(c) for c in code] for code in json.loads(stored)] if stored else []


def segments_of(stored: str | None) -> list[list[str | list[str]]]:
    """``other_segments`` back: each segment's elements, a composite as its components."""
    return _segments(json.loads(stored)) if stored else []


def _segments(decoded: list[list[Any]]) -> list[list[str | list[str]]]:
    return [
        [[str(c) for c in e] if isinstance(e, list) else str(e) for e in segment]
        for segment in decoded
    ]


def ids_of(stored: str | None) -> dict[str, str]:
    """``encounter_parties.secondary_ids`` back: REF01 -> REF02."""
    return {str(k): str(v) for k, v in json.loads(stored).items()} if stored else {}


def elements_json(elements: dict[int, str | list[str]]) -> str | None:
    """Elements kept as sent by position (``claim_elements``, ``service_elements``): None
    when there are none."""
    return json.dumps({str(k): v for k, v in sorted(elements.items())}) if elements else None


def elements_of(stored: str | None) -> dict[int, str | list[str]]:
    if not stored:
        return {}
    return {
        int(k): [str(c) for c in v] if isinstance(v, list) else str(v)
        for k, v in json.loads(stored).items()
    }


def hierarchy_json(kept: dict[str, list[list[str | list[str]]]]) -> str | None:
    """``encounters.hierarchy_segments``: the 2000A-2000C segments kept as sent, by loop;
    None when there are none."""
    return json.dumps(kept) if kept else None


def hierarchy_of(stored: str | None) -> dict[str, list[list[str | list[str]]]]:
    if not stored:
        return {}
    return {str(loop): _segments(kept) for loop, kept in json.loads(stored).items()}


def party_values(p: Party) -> tuple[Any, ...]:
    """The stored columns of a claim's party (encounter_parties), after the encounter id."""
    return (
        p.role,
        p.entity_type,
        p.last_name,
        p.first_name,
        p.middle_name,
        p.suffix,
        p.id_qualifier,
        p.identifier,
        p.npi,
        p.tax_id,
        p.taxonomy,
        p.address1,
        p.address2,
        p.city,
        p.state,
        p.postal_code,
        json.dumps(p.secondary_ids) if p.secondary_ids else None,
        texts_json(p.contacts),
        cut_to(p.country, 3),
        cut_to(p.country_subdivision, 3),
    )
