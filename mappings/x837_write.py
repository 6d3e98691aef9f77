"""Normalized claims (:class:`EncounterClaim`) to outbound 837P / 837I / 837D files.

The reverse of :mod:`mappings.x837`: ``write_837(envelope, sets)`` writes one interchange
(ISA/IEA) with one functional group (GS/GE) of the claims' implementation guide and one
transaction set (ST/SE) per list of claims, with our own control numbers, BHT06 ``RP``
(encounter reporting) and each provider's CLM01 kept, so the plan's 277CA names it.

Claims are grouped under their billing provider (2000A), subscriber (2000B) and, when
the patient is not the subscriber, patient (2000C), in the order given; the answer says
where each claim went (ST02 and its position in the set, 1 = first claim).

Elements a normalized claim does not carry but the guide requires get the values an
encounter report uses: CLM06-09 ``Y``/``A``/``Y``/``Y``, SBR01 ``P`` (and the 2320 SBR01 of
each prior payer), OI03/OI06 ``Y``, CL101 ``9`` (information not available). A value that
holds one of the file's separators cannot be written and is refused with ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .claim_trace import claim_trace
from .records import EncounterClaim, EncounterLine, Party, PriorPayer
from .x12_out import (
    COMPONENT,
    ELEMENT,
    REPETITION,
    SEGMENT,
    Out,
    cas_segments,
    d8,
    date_period,
    rd8,
    value_text,
)
from .x837_hi import write_diagnoses, write_other_codes
from .x837_parties import (
    party_key,
    role_of,
    write_address,
    write_billing,
    write_name,
    write_patient,
    write_refs,
    write_subscriber,
)
from .x837_sent import merging, with_extra, write_sent

__all__ = ["VERSIONS", "Envelope", "WrittenClaim", "WrittenFile", "write_837"]

#: guide -> GS08 / ST03 implementation guide id
VERSIONS = {"837P": "005010X222A1", "837I": "005010X223A2", "837D": "005010X224A2"}


#: role -> (NM101, PRV01 or "") of the 2310 loops, per guide, in loop order
_PROVIDER_LOOPS: dict[str, list[tuple[str, str, str]]] = {
    "837P": [
        ("referring", "DN", ""),
        ("primary_care", "P3", ""),
        ("rendering", "82", "PE"),
        ("service_facility", "77", ""),
        ("supervising", "DQ", ""),
        ("ambulance_pickup", "PW", ""),
        ("ambulance_dropoff", "45", ""),
    ],
    "837I": [
        ("attending", "71", "AT"),
        ("operating", "72", ""),
        ("other_operating", "ZZ", ""),
        ("rendering", "82", ""),
        ("service_facility", "77", ""),
        ("referring", "DN", ""),
    ],
    "837D": [
        ("referring", "DN", ""),
        ("primary_care", "P3", ""),
        ("rendering", "82", "PE"),
        ("service_facility", "77", ""),
        ("assistant_surgeon", "DD", ""),
        ("supervising", "DQ", ""),
    ],
}
#: provider loops whose N3/N4 are part of the loop (the others carry no address)
_WITH_ADDRESS = frozenset({"77", "PW", "45"})
#: 837I diagnoses that stand in a HI segment of their own (principal, admitting, reason
#: for visit, external cause); the others (ABF) go twelve to a segment
_SINGLE_HI = {"ABK": 1, "BK": 1, "ABJ": 1, "BJ": 1}


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends the file to whom, and its control numbers."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08
    gs_sender_id: str  # GS02
    gs_receiver_id: str  # GS03
    usage: str  # ISA15: T test, P production
    interchange_control: int  # ISA13
    group_control: int  # GS06
    created: dt.datetime
    submitter_name: str  # 1000A NM103
    submitter_id: str  # 1000A NM109
    contact_name: str  # 1000A PER02
    contact_email: str  # 1000A PER04 (EM)
    receiver_name: str  # 1000B NM103


@dataclass(frozen=True, slots=True)
class WrittenClaim:
    claim_id: str  # CLM01
    st_control: str  # ST02
    position: int  # 1 = first claim of the set
    segment: int  # the CLM's ordinal in the file (ISA = 1)
    #: 2300 REF*D9, our trace of the claim as sent (see ``claim_trace``)
    trace: str = ""


@dataclass(slots=True)
class WrittenFile:
    data: bytes
    guide: str
    st_controls: list[str] = field(default_factory=list)
    claims: list[WrittenClaim] = field(default_factory=list)


# --- envelope ------------------------------------------------------------------------------


def _isa(env: Envelope) -> str:
    elements = (
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        env.sender_qualifier.ljust(2)[:2],
        env.sender_id.ljust(15)[:15],
        env.receiver_qualifier.ljust(2)[:2],
        env.receiver_id.ljust(15)[:15],
        env.created.strftime("%y%m%d"),
        env.created.strftime("%H%M"),
        REPETITION,
        "00501",
        f"{env.interchange_control:09d}",
        "0",
        env.usage,
        COMPONENT,
    )
    return ELEMENT.join(elements) + SEGMENT + "\n"


def write_837(
    envelope: Envelope, guide: str, sets: Sequence[tuple[str, Sequence[EncounterClaim]]]
) -> WrittenFile:
    """One interchange of ``guide`` claims; ``sets`` is (ST02, claims) per transaction set."""
    version = VERSIONS.get(guide)
    if version is None:
        raise ValueError(f"no outbound 837 writer for guide {guide!r}")
    out = Out()
    out.parts.append(_isa(envelope))
    out.total = 1
    out.seg(
        "GS",
        "HC",
        envelope.gs_sender_id,
        envelope.gs_receiver_id,
        d8(envelope.created.date()),
        envelope.created.strftime("%H%M"),
        str(envelope.group_control),
        "X",
        version,
    )
    written = WrittenFile(b"", guide)
    for st02, claims in sets:
        out.count = 0
        _transaction(out, envelope, guide, version, st02, claims, written)
        out.seg("SE", str(out.count + 1), st02)
        written.st_controls.append(st02)
    out.seg("GE", str(len(sets)), str(envelope.group_control))
    out.seg("IEA", "1", f"{envelope.interchange_control:09d}")
    written.data = "".join(out.parts).encode("ascii")
    return written


def _transaction(
    out: Out,
    env: Envelope,
    guide: str,
    version: str,
    st02: str,
    claims: Sequence[EncounterClaim],
    written: WrittenFile,
) -> None:
    out.seg("ST", "837", st02, version)
    out.seg(
        "BHT",
        "0019",
        "00",
        f"{env.interchange_control:09d}{st02}"[-30:],
        d8(env.created.date()),
        env.created.strftime("%H%M"),
        "RP",
    )
    out.seg("NM1", "41", "2", env.submitter_name, "", "", "", "", "46", env.submitter_id)
    out.seg("PER", "IC", env.contact_name, "EM", env.contact_email)
    out.seg("NM1", "40", "2", env.receiver_name, "", "", "", "", "46", env.gs_receiver_id)
    hl = 0
    billing_hl = subscriber_hl = 0
    billing_key: tuple[object, ...] | None = None
    subscriber_key: tuple[object, ...] | None = None
    for position, claim in enumerate(claims, 1):
        pay_to = role_of(claim, "pay_to")
        plan = role_of(claim, "pay_to_plan")
        key = (
            party_key(claim.billing),
            party_key(pay_to) if pay_to else None,
            party_key(plan) if plan else None,
            claim.hierarchy_segments.get("2000A"),
        )
        if key != billing_key:
            hl += 1
            billing_hl, billing_key, subscriber_key = hl, key, None
            write_billing(out, claim, hl, pay_to, plan)
        own = claim.patient_relationship in (None, "18")
        skey: tuple[object, ...] = (
            party_key(claim.subscriber),
            party_key(claim.payer),
            claim.subscriber_group,
            claim.claim_filing_indicator,
            claim.member_id,
            own,
            claim.hierarchy_segments.get("2000B"),
        )
        if own:
            skey += (claim.patient_birth_date, claim.patient_gender)
        if skey != subscriber_key or not own:
            hl += 1
            subscriber_hl, subscriber_key = hl, skey
            write_subscriber(out, claim, hl, billing_hl, own)
            if not own:
                hl += 1
                write_patient(out, claim, hl, subscriber_hl)
        trace = claim_trace(env.interchange_control, st02, position)
        written.claims.append(WrittenClaim(claim.claim_id, st02, position, out.total + 1, trace))
        _claim(out, guide, claim, trace)


# --- 2300 ----------------------------------------------------------------------------------


def _claim(out: Out, guide: str, claim: EncounterClaim, trace: str) -> None:
    institutional = guide == "837I"
    kept = merging(out, guide, "2300", claim.other_segments)
    qualifier = claim.facility_qualifier or ("A" if institutional else "B")
    location = out.composite(claim.facility_code, qualifier, claim.frequency_code)
    # CLM06-09 as the provider sent them (the usual values when the claim was stored before
    # they were kept)
    assignment = claim.assignment_code or "A"
    benefits = claim.benefits_assignment or "Y"
    release = claim.release_of_information or "Y"
    # CLM06 provider signature: not in the 837I
    signature = "" if institutional else (claim.signature_indicator or "Y")
    clm = [claim.claim_id, value_text(claim.total_charge), "", "", location, signature]
    out.seg("CLM", *with_extra(out, [*clm, assignment, benefits, release], claim.claim_elements))
    if institutional:
        if claim.discharge_hour:  # DTP*096 comes before the statement dates
            out.seg("DTP", "096", "TM", claim.discharge_hour)
        statement = date_period(claim.service_date_from, claim.service_date_to)
        if statement is not None:
            out.seg("DTP", "434", "RD8", rd8(claim.service_date_from, claim.service_date_to))
        if claim.admission_date is not None and claim.admission_hour:  # inpatient: with the hour
            out.seg("DTP", "435", "DT", d8(claim.admission_date) + claim.admission_hour)
        elif claim.admission_date is not None:
            out.seg("DTP", "435", "D8", d8(claim.admission_date))
        if claim.patient_status or claim.admission_type:
            out.seg(
                "CL1",
                value_text(claim.admission_type),  # situational (inpatient): as sent, never made up
                value_text(claim.admission_source),
                value_text(claim.patient_status),
            )
    elif guide == "837D":
        period = date_period(claim.service_date_from, claim.service_date_to)
        if period is not None and claim.service_date_from == claim.service_date_to:
            out.seg("DTP", "472", *period)
        for segment in claim.dental_status:  # DN1, DN2: after the DTPs, before PWK
            out.seg(*segment)
    for attachment in claim.attachments:  # PWK: after the DTPs (837I: CL1), before AMT
        control = attachment.control_number
        out.seg(
            "PWK",
            attachment.report_type,
            attachment.transmission,
            "",
            "",
            "AC" if control else "",
            value_text(control),
        )
    if claim.patient_amount_paid is not None:
        out.seg("AMT", "F5", value_text(claim.patient_amount_paid))
    for qualifier, value in (
        ("G1", claim.prior_authorization),
        ("F8", claim.original_claim_ref),
        ("9F", claim.referral_number),
        ("D9", trace),
    ):
        if value:
            out.seg("REF", qualifier, value)
    for text in claim.file_information:  # K3: after the REFs, before NTE
        out.seg("K3", text)
    if claim.note:
        out.seg("NTE", claim.note_code or "ADD", claim.note)
    drg = [c for c in claim.other_codes if c[0] == "DR"]
    write_diagnoses(out, claim.diagnoses, institutional, drg)
    write_other_codes(out, claim.other_codes)
    if kept is not None:
        kept.close()
    for role, code, prv in _PROVIDER_LOOPS[guide]:
        # every provider of the role (2310A repeats: two referring providers)
        for provider in claim.providers:
            if provider.role != role:
                continue
            write_name(out, code, provider, default_type="2" if code == "77" else "1")
            if prv and provider.taxonomy:
                out.seg("PRV", prv, "PXC", provider.taxonomy)
            if code in _WITH_ADDRESS:
                write_address(out, provider)
            write_refs(out, provider)
            for contact in provider.contacts:  # 837P 2310C PER
                write_sent(out, contact)
    for prior in claim.prior_payers:
        _prior_payer(out, claim, prior)
    rendering = next((p for p in claim.providers if p.role == "rendering"), None)
    for number, line in enumerate(claim.lines, 1):
        _line(out, guide, claim, line, number, rendering)


def _inherits_dates(guide: str, claim: EncounterClaim, line: EncounterLine) -> bool:
    """The 837D line's dates are the claim's (its 2300 DTP*472), so the line needs no
    DTP*472 of its own (it reads back the same without it)."""
    if guide != "837D" or claim.service_date_from != claim.service_date_to:
        return False
    return (line.service_date_from, line.service_date_to) == (
        claim.service_date_from,
        claim.service_date_to,
    )


def _prior_payer(out: Out, claim: EncounterClaim, prior: PriorPayer) -> None:
    if prior.segments:  # the 2320 and its 2330s as the provider sent them
        for segment in prior.segments:
            write_sent(out, segment)
        return
    out.seg("SBR", prior.sequence or "S", "18", "", "", "", "", "", "", "ZZ")
    for adjustment_group in cas_segments(prior.claim_adjustments):
        out.seg("CAS", *adjustment_group)
    if prior.paid_amount is not None:
        out.seg("AMT", "D", value_text(prior.paid_amount))
    if prior.remaining_patient_liability is not None:
        out.seg("AMT", "EAF", value_text(prior.remaining_patient_liability))
    out.seg("OI", "", "", "Y", "", "", "Y")
    write_name(out, "IL", claim.subscriber, default_type="1")
    out.seg(
        "NM1",
        "PR",
        "2",
        value_text(prior.payer_name),
        "",
        "",
        "",
        "",
        "PI",
        value_text(prior.payer_id),
    )
    if prior.adjudication_date is not None and not prior.line_paid:
        out.seg("DTP", "573", "D8", d8(prior.adjudication_date))


# --- 2400 ----------------------------------------------------------------------------------


def _line(
    out: Out,
    guide: str,
    claim: EncounterClaim,
    line: EncounterLine,
    number: int,
    rendering: Party | None,
) -> None:
    kept = merging(out, guide, "2400", line.other_segments)
    out.seg("LX", str(line.line_number or number))
    procedure = out.composite(line.procedure_qualifier, line.procedure_code, *line.modifiers)
    pointers = out.composite(*[str(p) for p in line.diagnosis_pointers])
    extra = line.service_elements
    if guide == "837P":
        sv1 = [procedure, value_text(line.charge), value_text(line.unit_basis) or "UN"]
        sv1 += [value_text(line.units), value_text(line.place_of_service), "", pointers]
        out.seg("SV1", *with_extra(out, sv1, extra))
    elif guide == "837I":
        sv2 = [value_text(line.revenue_code), procedure, value_text(line.charge)]
        sv2 += [value_text(line.unit_basis) or "UN", value_text(line.units)]
        out.seg("SV2", *with_extra(out, sv2, extra))
    else:
        sv3 = [procedure, value_text(line.charge), value_text(line.place_of_service)]
        sv3 += [out.composite(*line.oral_cavity_areas), "", value_text(line.units)]
        out.seg("SV3", *with_extra(out, [*sv3, "", "", "", "", pointers], extra))
        surfaces = line.tooth_surfaces
        for n, tooth in enumerate(line.tooth_numbers):
            # TOO03: up to five one-letter surface codes (M, O, D, B, L...)
            codes = surfaces[n] if n < len(surfaces) else ""
            out.seg("TOO", "JP", tooth, out.composite(*codes[:5]))
    period = date_period(line.service_date_from, line.service_date_to)
    if period is not None and not _inherits_dates(guide, claim, line):
        out.seg("DTP", "472", *period)
    if line.line_control_number:
        out.seg("REF", "6R", line.line_control_number)
    if line.ndc:
        out.seg("LIN", "", "N4", line.ndc)
        out.seg("CTP", "", "", "", value_text(line.ndc_quantity), value_text(line.ndc_unit) or "UN")
        if line.ndc_reference:
            out.seg("REF", value_text(line.ndc_reference_qualifier) or "XZ", line.ndc_reference)
    _line_providers(out, guide, claim, line, rendering)  # 2420, before the 2430 SVDs
    for segment in line.adjudications:  # the 2430s as sent
        write_sent(out, segment)
    for prior in [] if line.adjudications else claim.prior_payers:
        paid = prior.line_paid.get(line.line_number)
        adjustments = prior.line_adjustments.get(line.line_number, [])
        if paid is None and not adjustments:
            continue
        out.seg(
            "SVD",
            value_text(prior.payer_id),
            value_text(paid or Decimal(0)),
            procedure,
            "",
            value_text(line.units),
        )
        for group in cas_segments(adjustments):
            out.seg("CAS", *group)
        if prior.adjudication_date is not None:
            out.seg("DTP", "573", "D8", d8(prior.adjudication_date))
    if kept is not None:
        kept.close()  # the rest: 2440 forms, after the 2430s


#: role -> NM101 of the 2420 loops, per guide, in loop order
_LINE_LOOPS: dict[str, list[tuple[str, str]]] = {
    "837P": [
        ("rendering", "82"),
        ("purchased_service", "QB"),
        ("service_facility", "77"),
        ("supervising", "DQ"),
        ("ordering", "DK"),
        ("referring", "DN"),
        ("primary_care", "P3"),
        ("ambulance_pickup", "PW"),
        ("ambulance_dropoff", "45"),
    ],
    "837I": [
        ("operating", "72"),
        ("other_operating", "ZZ"),
        ("rendering", "82"),
        ("referring", "DN"),
    ],
    "837D": [
        ("rendering", "82"),
        ("assistant_surgeon", "DD"),
        ("supervising", "DQ"),
        ("service_facility", "77"),
    ],
}


def _line_providers(
    out: Out, guide: str, claim: EncounterClaim, line: EncounterLine, rendering: Party | None
) -> None:
    """The line's 2420 loops in the guide's order: its rendering provider (when it is not
    the billing provider) and its other providers as sent."""
    for role, code in _LINE_LOOPS[guide]:
        if role == "rendering":
            own = line.rendering
            if own is None or not own.npi or own.npi == claim.billing.npi:
                continue
            write_name(out, code, own, default_type="1")
            # 837P/837D 2420A PRV (the 837I 2420C has none)
            if guide != "837I" and own.taxonomy and (rendering is None or own.npi != rendering.npi):
                out.seg("PRV", "PE", "PXC", own.taxonomy)
            write_refs(out, own)
            continue
        for provider in line.providers:
            if provider.role != role:
                continue
            write_name(out, code, provider, default_type="2" if code == "77" else "1")
            if code in _WITH_ADDRESS:
                write_address(out, provider)
            write_refs(out, provider)
