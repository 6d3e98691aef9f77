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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .claim_trace import claim_trace
from .records import Adjustment, Diagnosis, EncounterClaim, EncounterLine, Party, PriorPayer

__all__ = ["VERSIONS", "Envelope", "WrittenClaim", "WrittenFile", "write_837"]

#: guide -> GS08 / ST03 implementation guide id
VERSIONS = {"837P": "005010X222A1", "837I": "005010X223A2", "837D": "005010X224A2"}

_ELEMENT, _COMPONENT, _REPETITION, _SEGMENT = "*", ":", "^", "~"
_SEPARATORS = frozenset(_ELEMENT + _COMPONENT + _REPETITION + _SEGMENT)

#: role -> (NM101, PRV01 or "") of the 2310 loops, per guide, in loop order
_PROVIDER_LOOPS: dict[str, list[tuple[str, str, str]]] = {
    "837P": [
        ("referring", "DN", ""),
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


class _Composite(str):
    """A composite element already joined with the component separator."""

    __slots__ = ()


class _Out:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.count = 0  # segments in the current transaction set
        self.total = 0  # segments in the file

    def seg(self, *elements: str) -> None:
        values = list(elements)
        while len(values) > 1 and values[-1] == "":
            values.pop()
        for value in values[1:]:
            if not isinstance(value, _Composite) and _SEPARATORS.intersection(value):
                raise ValueError(f"{values[0]}: value {value!r} holds an X12 separator")
        self.parts.append(_ELEMENT.join(values) + _SEGMENT + "\n")
        self.count += 1
        self.total += 1

    def composite(self, *parts: str | None) -> _Composite:
        values = [p or "" for p in parts]
        for value in values:
            if _SEPARATORS.intersection(value):
                raise ValueError(f"value {value!r} holds an X12 separator")
        while values and values[-1] == "":
            values.pop()
        return _Composite(_COMPONENT.join(values))


def _s(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _amount(value)
    return str(value)


def _amount(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _d8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _period(start: dt.date | None, end: dt.date | None) -> tuple[str, str] | None:
    """(DTP02, DTP03) of a date or range; None without a start."""
    if start is None:
        return None
    if end is None or end == start:
        return "D8", _d8(start)
    return "RD8", f"{_d8(start)}-{_d8(end)}"


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
        _REPETITION,
        "00501",
        f"{env.interchange_control:09d}",
        "0",
        env.usage,
        _COMPONENT,
    )
    return _ELEMENT.join(elements) + _SEGMENT + "\n"


def write_837(
    envelope: Envelope, guide: str, sets: Sequence[tuple[str, Sequence[EncounterClaim]]]
) -> WrittenFile:
    """One interchange of ``guide`` claims; ``sets`` is (ST02, claims) per transaction set."""
    version = VERSIONS.get(guide)
    if version is None:
        raise ValueError(f"no outbound 837 writer for guide {guide!r}")
    out = _Out()
    out.parts.append(_isa(envelope))
    out.total = 1
    out.seg(
        "GS",
        "HC",
        envelope.gs_sender_id,
        envelope.gs_receiver_id,
        _d8(envelope.created.date()),
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
    out: _Out,
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
        _d8(env.created.date()),
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
        key = _party_key(claim.billing)
        if key != billing_key:
            hl += 1
            billing_hl, billing_key, subscriber_key = hl, key, None
            _billing(out, claim, hl)
        own = claim.patient_relationship in (None, "18")
        skey: tuple[object, ...] = (
            _party_key(claim.subscriber),
            _party_key(claim.payer),
            claim.subscriber_group,
            claim.claim_filing_indicator,
            claim.member_id,
            own,
        )
        if own:
            skey += (claim.patient_birth_date, claim.patient_gender)
        if skey != subscriber_key or not own:
            hl += 1
            subscriber_hl, subscriber_key = hl, skey
            _subscriber(out, claim, hl, billing_hl, own)
            if not own:
                hl += 1
                _patient(out, claim, hl, subscriber_hl)
        trace = claim_trace(env.interchange_control, st02, position)
        written.claims.append(WrittenClaim(claim.claim_id, st02, position, out.total + 1, trace))
        _claim(out, guide, claim, trace)


def _party_key(p: Party) -> tuple[object, ...]:
    return (
        p.entity_type,
        p.last_name,
        p.first_name,
        p.middle_name,
        p.id_qualifier,
        p.identifier,
        p.tax_id,
        p.taxonomy,
        p.address1,
        p.city,
        p.state,
        p.postal_code,
    )


# --- 2000A-2000C ---------------------------------------------------------------------------


def _name(out: _Out, code: str, p: Party, *, ids: bool = True, default_type: str = "2") -> None:
    entity = p.entity_type or default_type
    qualifier = p.id_qualifier if ids else None
    identifier = p.identifier if ids else None
    out.seg(
        "NM1",
        code,
        entity,
        _s(p.last_name),
        _s(p.first_name) if entity == "1" else "",
        _s(p.middle_name) if entity == "1" else "",
        "",
        "",
        _s(qualifier) if identifier else "",
        _s(identifier) if qualifier else "",
    )


def _address(out: _Out, p: Party) -> None:
    if p.address1:
        out.seg("N3", p.address1)
    if p.city or p.state or p.postal_code:
        out.seg("N4", _s(p.city), _s(p.state), _s(p.postal_code))


def _billing(out: _Out, claim: EncounterClaim, hl: int) -> None:
    b = claim.billing
    out.seg("HL", str(hl), "", "20", "1")
    if b.taxonomy:
        out.seg("PRV", "BI", "PXC", b.taxonomy)
    _name(out, "85", b)
    _address(out, b)
    if b.tax_id:
        out.seg("REF", "EI", b.tax_id)


def _subscriber(out: _Out, claim: EncounterClaim, hl: int, parent: int, own: bool) -> None:
    out.seg("HL", str(hl), str(parent), "22", "0" if own else "1")
    out.seg(
        "SBR",
        claim.payer_responsibility or "P",
        "18" if own and claim.patient_relationship else "",
        _s(claim.subscriber_group),
        "",
        "",
        "",
        "",
        "",
        _s(claim.claim_filing_indicator),
    )
    _name(out, "IL", claim.subscriber, default_type="1")
    _address(out, claim.subscriber)
    if own and claim.patient_birth_date is not None:
        out.seg("DMG", "D8", _d8(claim.patient_birth_date), _s(claim.patient_gender) or "U")
    _name(out, "PR", claim.payer)


def _patient(out: _Out, claim: EncounterClaim, hl: int, parent: int) -> None:
    out.seg("HL", str(hl), str(parent), "23", "0")
    out.seg("PAT", _s(claim.patient_relationship))
    _name(out, "QC", claim.patient, ids=False, default_type="1")
    _address(out, claim.patient)
    if claim.patient_birth_date is not None:
        out.seg("DMG", "D8", _d8(claim.patient_birth_date), _s(claim.patient_gender) or "U")


# --- 2300 ----------------------------------------------------------------------------------


def _claim(out: _Out, guide: str, claim: EncounterClaim, trace: str) -> None:
    institutional = guide == "837I"
    qualifier = claim.facility_qualifier or ("A" if institutional else "B")
    location = out.composite(claim.facility_code, qualifier, claim.frequency_code)
    # CLM06-09 as the provider sent them (the usual values when the claim was stored before
    # they were kept)
    assignment = claim.assignment_code or "A"
    benefits = claim.benefits_assignment or "Y"
    release = claim.release_of_information or "Y"
    if institutional:
        out.seg(
            "CLM",
            claim.claim_id,
            _s(claim.total_charge),
            "",
            "",
            location,
            "",
            assignment,
            benefits,
            release,
        )
        statement = _period(claim.service_date_from, claim.service_date_to)
        if statement is not None:
            out.seg("DTP", "434", "RD8", _rd8(claim.service_date_from, claim.service_date_to))
        if claim.admission_date is not None:
            out.seg("DTP", "435", "D8", _d8(claim.admission_date))
        if claim.patient_status or claim.admission_type:
            out.seg(
                "CL1",
                _s(claim.admission_type),  # situational (inpatient): as sent, never made up
                _s(claim.admission_source),
                _s(claim.patient_status),
            )
    else:
        signature = claim.signature_indicator or "Y"
        out.seg(
            "CLM",
            claim.claim_id,
            _s(claim.total_charge),
            "",
            "",
            location,
            signature,
            assignment,
            benefits,
            release,
        )
        if guide == "837D":
            period = _period(claim.service_date_from, claim.service_date_to)
            if period is not None and claim.service_date_from == claim.service_date_to:
                out.seg("DTP", "472", *period)
    if claim.patient_amount_paid is not None:
        out.seg("AMT", "F5", _s(claim.patient_amount_paid))
    for qualifier, value in (
        ("G1", claim.prior_authorization),
        ("F8", claim.original_claim_ref),
        ("9F", claim.referral_number),
        ("D9", trace),
    ):
        if value:
            out.seg("REF", qualifier, value)
    if claim.note:
        out.seg("NTE", claim.note_code or "ADD", claim.note)
    _diagnoses(out, claim.diagnoses, institutional)
    by_role = {p.role: p for p in claim.providers}
    for role, code, prv in _PROVIDER_LOOPS[guide]:
        provider = by_role.get(role)
        if provider is None:
            continue
        _name(out, code, provider, default_type="2" if code == "77" else "1")
        if prv and provider.taxonomy:
            out.seg("PRV", prv, "PXC", provider.taxonomy)
        if code in _WITH_ADDRESS:
            _address(out, provider)
    for prior in claim.prior_payers:
        _prior_payer(out, claim, prior)
    rendering = by_role.get("rendering")
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


def _rd8(start: dt.date | None, end: dt.date | None) -> str:
    assert start is not None
    return f"{_d8(start)}-{_d8(end or start)}"


def _diagnoses(out: _Out, diagnoses: Iterable[Diagnosis], institutional: bool) -> None:
    pending: list[str] = []

    def flush() -> None:
        for start in range(0, len(pending), 12):
            out.seg("HI", *pending[start : start + 12])
        pending.clear()

    for dx in sorted(diagnoses, key=lambda d: d.sequence):
        parts: list[str | None] = [dx.qualifier, dx.code]
        if institutional and dx.present_on_admission:
            parts += [None] * 6 + [dx.present_on_admission]
        value = out.composite(*parts)
        if institutional and dx.qualifier not in ("ABF", "BF"):
            flush()
            out.seg("HI", value)
        else:
            pending.append(value)
    flush()


def _prior_payer(out: _Out, claim: EncounterClaim, prior: PriorPayer) -> None:
    out.seg("SBR", prior.sequence or "S", "18", "", "", "", "", "", "", "ZZ")
    for adjustment_group in _cas(prior.claim_adjustments):
        out.seg("CAS", *adjustment_group)
    if prior.paid_amount is not None:
        out.seg("AMT", "D", _s(prior.paid_amount))
    if prior.remaining_patient_liability is not None:
        out.seg("AMT", "EAF", _s(prior.remaining_patient_liability))
    out.seg("OI", "", "", "Y", "", "", "Y")
    _name(out, "IL", claim.subscriber, default_type="1")
    out.seg("NM1", "PR", "2", _s(prior.payer_name), "", "", "", "", "PI", _s(prior.payer_id))
    if prior.adjudication_date is not None and not prior.line_paid:
        out.seg("DTP", "573", "D8", _d8(prior.adjudication_date))


def _cas(adjustments: Iterable[Adjustment]) -> list[list[str]]:
    """CAS segments (group code, then up to six reason/amount/quantity triples)."""
    groups: dict[str, list[str]] = {}
    segments: list[list[str]] = []
    for a in adjustments:
        group_code = a.group_code
        triple = [a.reason_code, _s(a.amount), _s(a.quantity)]
        current = groups.get(group_code)
        if current is None or len(current) >= 1 + 18:
            current = [group_code]
            groups[group_code] = current
            segments.append(current)
        current.extend(triple)
    return segments


# --- 2400 ----------------------------------------------------------------------------------


def _line(
    out: _Out,
    guide: str,
    claim: EncounterClaim,
    line: EncounterLine,
    number: int,
    rendering: Party | None,
) -> None:
    out.seg("LX", str(line.line_number or number))
    procedure = out.composite(line.procedure_qualifier, line.procedure_code, *line.modifiers)
    pointers = out.composite(*[str(p) for p in line.diagnosis_pointers])
    if guide == "837P":
        out.seg(
            "SV1",
            procedure,
            _s(line.charge),
            _s(line.unit_basis) or "UN",
            _s(line.units),
            _s(line.place_of_service),
            "",
            pointers,
        )
    elif guide == "837I":
        out.seg(
            "SV2",
            _s(line.revenue_code),
            procedure,
            _s(line.charge),
            _s(line.unit_basis) or "UN",
            _s(line.units),
        )
    else:
        out.seg(
            "SV3",
            procedure,
            _s(line.charge),
            _s(line.place_of_service),
            out.composite(*line.oral_cavity_areas),
            "",
            _s(line.units),
            "",
            "",
            "",
            "",
            pointers,
        )
        surfaces = line.tooth_surfaces
        for n, tooth in enumerate(line.tooth_numbers):
            # TOO03: up to five one-letter surface codes (M, O, D, B, L...)
            codes = surfaces[n] if n < len(surfaces) else ""
            out.seg("TOO", "JP", tooth, out.composite(*codes[:5]))
    period = _period(line.service_date_from, line.service_date_to)
    if period is not None and not _inherits_dates(guide, claim, line):
        out.seg("DTP", "472", *period)
    if line.line_control_number:
        out.seg("REF", "6R", line.line_control_number)
    if line.ndc:
        out.seg("LIN", "", "N4", line.ndc)
        out.seg("CTP", "", "", "", _s(line.ndc_quantity), _s(line.ndc_unit) or "UN")
    for prior in claim.prior_payers:
        paid = prior.line_paid.get(line.line_number)
        adjustments = prior.line_adjustments.get(line.line_number, [])
        if paid is None and not adjustments:
            continue
        out.seg("SVD", _s(prior.payer_id), _s(paid or Decimal(0)), procedure, "", _s(line.units))
        for group in _cas(adjustments):
            out.seg("CAS", *group)
        if prior.adjudication_date is not None:
            out.seg("DTP", "573", "D8", _d8(prior.adjudication_date))
    own = line.rendering
    if own is not None and own.npi and own.npi != claim.billing.npi:
        loop_code = "82"
        _name(out, loop_code, own, default_type="1")
        if guide == "837P" and own.taxonomy and (rendering is None or own.npi != rendering.npi):
            out.seg("PRV", "PE", "PXC", own.taxonomy)
