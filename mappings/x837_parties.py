"""The 837's 2000A-2000C loops written from a normalized claim: the billing provider
(2010AA, with its pay-to address 2010AB and pay-to plan 2010AC), the subscriber (2010BA)
and payer (2010BB), the patient (2010CA), and the NM1/N3/N4/REF of any party
(:mod:`mappings.x837_write` writes the rest)."""

from __future__ import annotations

from dataclasses import fields

from .common import TAX_ID_QUALIFIERS
from .records import EncounterClaim, Party
from .x12_out import Out, d8, value_text
from .x837_sent import write_sent

__all__ = [
    "party_key",
    "role_of",
    "write_address",
    "write_billing",
    "write_name",
    "write_patient",
    "write_refs",
    "write_subscriber",
]

_PARTY_FIELDS = tuple(f.name for f in fields(Party) if f.name != "role")


def party_key(p: Party) -> tuple[object, ...]:
    """What tells two parties apart in the file: every field but the role."""
    return tuple(getattr(p, name) for name in _PARTY_FIELDS)


# --- 2000A-2000C ---------------------------------------------------------------------------


def write_name(out: Out, code: str, p: Party, *, ids: bool = True, default_type: str = "2") -> None:
    entity = p.entity_type or default_type
    qualifier = p.id_qualifier if ids else None
    identifier = p.identifier if ids else None
    out.seg(
        "NM1",
        code,
        entity,
        value_text(p.last_name),
        value_text(p.first_name) if entity == "1" else "",
        value_text(p.middle_name) if entity == "1" else "",
        "",
        value_text(p.suffix) if entity == "1" else "",
        value_text(qualifier) if identifier else "",
        value_text(identifier) if qualifier else "",
    )


def write_address(out: Out, p: Party) -> None:
    if p.address1:
        out.seg("N3", p.address1, value_text(p.address2))
    if p.city or p.state or p.postal_code or p.country:
        n4 = [value_text(p.city), value_text(p.state), value_text(p.postal_code)]
        if p.country or p.country_subdivision:
            n4 += [value_text(p.country), "", "", value_text(p.country_subdivision)]
        out.seg("N4", *n4)


def write_refs(out: Out, p: Party, *, written: str = "") -> None:
    """The party's REFs as sent (plan-assigned provider ids G2, licence 0B, the member's
    SSN SY...), but ``written``, the one already written."""
    for qualifier, value in p.secondary_ids.items():
        if qualifier != written:
            out.seg("REF", qualifier, value)


def role_of(claim: EncounterClaim, role: str) -> Party | None:
    return next((p for p in claim.providers if p.role == role), None)


def write_billing(
    out: Out, claim: EncounterClaim, hl: int, pay_to: Party | None, plan: Party | None
) -> None:
    """2000A with its 2010AA billing provider and, when it has them, 2010AB pay-to address
    and 2010AC pay-to plan (claims with another of either get a 2000A of their own)."""
    b = claim.billing
    out.seg("HL", str(hl), "", "20", "1")
    if b.taxonomy:
        out.seg("PRV", "BI", "PXC", b.taxonomy)
    for segment in claim.hierarchy_segments.get("2000A", []):  # CUR
        write_sent(out, segment)
    write_name(out, "85", b)
    write_address(out, b)
    # the tax id under the qualifier it was sent with (EI employer id, SY social security)
    tax = next((q for q in TAX_ID_QUALIFIERS if b.secondary_ids.get(q) == b.tax_id), "EI")
    if b.tax_id:
        out.seg("REF", tax, b.tax_id)
    write_refs(out, b, written=tax)
    for contact in b.contacts:
        write_sent(out, contact)
    if pay_to is not None:
        out.seg("NM1", "87", pay_to.entity_type or "2")
        write_address(out, pay_to)
    if plan is not None:  # a subrogation claim: the plan the payment goes to
        write_name(out, "PE", plan)
        write_address(out, plan)
        write_refs(out, plan)


def write_subscriber(out: Out, claim: EncounterClaim, hl: int, parent: int, own: bool) -> None:
    out.seg("HL", str(hl), str(parent), "22", "0" if own else "1")
    kept = claim.hierarchy_segments.get("2000B", [])
    if not any(segment[0] == "SBR" for segment in kept):  # else the SBR as sent
        out.seg(
            "SBR",
            claim.payer_responsibility or "P",
            "18" if own and claim.patient_relationship else "",
            value_text(claim.subscriber_group),
            "",
            "",
            "",
            "",
            "",
            value_text(claim.claim_filing_indicator),
        )
    for segment in kept:  # SBR with a group name or insurance type, PAT
        write_sent(out, segment)
    write_name(out, "IL", claim.subscriber, default_type="1")
    write_address(out, claim.subscriber)
    if own and claim.patient_birth_date is not None:
        out.seg("DMG", "D8", d8(claim.patient_birth_date), value_text(claim.patient_gender) or "U")
    write_refs(out, claim.subscriber)
    write_name(out, "PR", claim.payer)
    write_address(out, claim.payer)
    write_refs(out, claim.payer)


def write_patient(out: Out, claim: EncounterClaim, hl: int, parent: int) -> None:
    out.seg("HL", str(hl), str(parent), "23", "0")
    kept = claim.hierarchy_segments.get("2000C")
    if kept:  # PAT with a date of death, weight or pregnancy
        write_sent(out, kept[0])
    else:
        out.seg("PAT", value_text(claim.patient_relationship))
    write_name(out, "QC", claim.patient, ids=False, default_type="1")
    write_address(out, claim.patient)
    if claim.patient_birth_date is not None:
        out.seg("DMG", "D8", d8(claim.patient_birth_date), value_text(claim.patient_gender) or "U")
    write_refs(out, claim.patient)
