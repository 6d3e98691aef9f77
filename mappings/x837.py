"""837P / 837I / 837D claims (one 2300 loop with its context) to :class:`EncounterClaim`.

:func:`map_claim` reads one :class:`parsers.Unit` as handed out by
``Validator(units=True).events(...)``. It never raises on missing or malformed data (the
field is ``None``, or empty for lists), so claims of files that failed validation map
too; only a unit without a CLM segment is refused with ``ValueError``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from parsers.tree import Loop, Segment, Unit

from .common import (
    adjustments,
    amount,
    amount_of,
    demographics,
    dtp_period,
    element,
    integer,
    party,
    ref_of,
)
from .records import (
    Adjustment,
    Attachment,
    Diagnosis,
    EncounterClaim,
    EncounterLine,
    Party,
    PriorPayer,
)
from .x837_sent import SentSegment, extra_elements, kept_segments, loop_as_sent, sent_values

__all__ = ["DIAGNOSIS_QUALIFIERS", "PROVIDER_ROLES", "map_claim"]

#: 2310x loop id -> role, per guide (the IG names of the claim-level provider loops).
PROVIDER_ROLES: dict[str, dict[str, str]] = {
    "837P": {
        "2310A": "referring",
        "2310B": "rendering",
        "2310C": "service_facility",
        "2310D": "supervising",
        "2310E": "ambulance_pickup",
        "2310F": "ambulance_dropoff",
    },
    "837I": {
        "2310A": "attending",
        "2310B": "operating",
        "2310C": "other_operating",
        "2310D": "rendering",
        "2310E": "service_facility",
        "2310F": "referring",
    },
    "837D": {
        "2310A": "referring",
        "2310B": "rendering",
        "2310C": "service_facility",
        "2310D": "assistant_surgeon",
        "2310E": "supervising",
    },
}

#: NM101 entity identifier -> role; used when the loop id is not a known 2310x of the guide.
_ENTITY_ROLES = {
    "DN": "referring",
    "82": "rendering",
    "77": "service_facility",
    "DQ": "supervising",
    "PW": "ambulance_pickup",
    "45": "ambulance_dropoff",
    "71": "attending",
    "72": "operating",
    "ZZ": "other_operating",
    "DD": "assistant_surgeon",
    "DK": "ordering",
    "QB": "purchased_service",
}

#: HIxx-1 qualifiers of diagnosis codes (ICD-10 / ICD-9): principal ABK/BK, other ABF/BF,
#: admitting ABJ/BJ, patient's reason for visit APR/PR, external cause of injury ABN/BN.
#: Other HI segments (837I condition, occurrence, value, procedure codes...) are not
#: diagnoses and are skipped, so ``Diagnosis.sequence`` matches the line pointers.
DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "BK", "ABF", "BF", "ABJ", "BJ", "APR", "PR", "ABN", "BN"})

_SERVICE_SEGMENTS = {"837P": "SV1", "837I": "SV2", "837D": "SV3"}


def map_claim(unit: Unit) -> EncounterClaim:
    """The :class:`EncounterClaim` of one 837 claim unit (2300 loop and its context).

    Raises ``ValueError`` only when the unit's loop has no CLM segment.
    """
    claim = unit.loop
    clm = claim.segment("CLM")
    if clm is None:
        raise ValueError(
            f"837 unit has no CLM segment (loop {claim.id!r}, "
            f"ST {unit.header.st_control_number!r}): not a claim"
        )
    guide = unit.header.guide

    billing_loop = unit.ancestor("2000A")
    subscriber_loop = unit.ancestor("2000B")
    patient_loop = unit.ancestor("2000C")
    sbr = subscriber_loop.segment("SBR") if subscriber_loop is not None else None

    billing_name = _child(billing_loop, "2010AA")
    billing = party(
        "billing",
        billing_name,
        prv=billing_loop.segment("PRV") if billing_loop is not None else None,
    )
    if billing_name is not None:  # the billing office's contact, as sent
        billing.contacts = _contacts(billing_name)
    subscriber_name = _child(subscriber_loop, "2010BA")
    subscriber = party("subscriber", subscriber_name)
    payer = party("payer", _child(subscriber_loop, "2010BB"))
    patient_name = _child(patient_loop, "2010CA")
    if patient_name is not None:
        patient = party("patient", patient_name)
        birth_date, gender = demographics(patient_name.segment("DMG"))
    else:
        # the subscriber read again under the patient's role (its own secondary ids): the
        # same values as a copy, without the cost of ``dataclasses.replace``
        patient = party("patient", subscriber_name)
        birth_date, gender = demographics(_segment(subscriber_name, "DMG"))
    relationship = element(_segment(patient_loop, "PAT"), 1) or element(sbr, 2)

    facility = element(clm, "CLM05-1")
    frequency = element(clm, "CLM05-3")
    institutional = guide == "837I"

    cl1 = claim.segment("CL1") if institutional else None
    diagnoses, other_codes = _hi_codes(claim, with_poa=institutional)
    nte = claim.segment("NTE")
    lines = [_line(guide, loop, index) for index, loop in enumerate(claim.loops_of("2400"), 1)]
    if institutional:
        claim_from, claim_to = dtp_period(claim.segment("DTP", "434"))
    else:
        claim_from, claim_to = dtp_period(claim.segment("DTP", "472"))
    if claim_from is not None or claim_to is not None:
        for line in lines:
            if line.service_date_from is None and line.service_date_to is None:
                line.service_date_from, line.service_date_to = claim_from, claim_to
    else:
        claim_from, claim_to = _span(lines)

    return EncounterClaim(
        guide=guide,
        claim_id=element(clm, 1) or "",
        total_charge=_total_charge(clm),
        frequency_code=frequency,
        facility_code=facility,
        facility_qualifier=element(clm, "CLM05-2"),
        type_of_bill=facility + frequency if institutional and facility and frequency else None,
        place_of_service=None if institutional else facility,
        original_claim_ref=ref_of(claim, "F8"),
        prior_authorization=ref_of(claim, "G1"),
        referral_number=ref_of(claim, "9F"),
        service_date_from=claim_from,
        service_date_to=claim_to,
        admission_date=dtp_period(claim.segment("DTP", "435"))[0],
        discharge_hour=element(claim.segment("DTP", "096"), 3) if institutional else None,
        patient_status=element(claim.segment("CL1"), 3),
        patient_amount_paid=amount_of(claim, "F5"),
        billing=billing,
        subscriber=subscriber,
        patient=patient,
        payer=payer,
        patient_relationship=relationship,
        subscriber_group=element(sbr, 3),
        claim_filing_indicator=element(sbr, 9),
        member_id=subscriber.identifier,
        patient_birth_date=birth_date,
        patient_gender=gender,
        providers=_providers(
            guide, claim, _child(billing_loop, "2010AB"), _child(billing_loop, "2010AC")
        ),
        diagnoses=diagnoses,
        lines=lines,
        prior_payers=_prior_payers(claim, lines),
        signature_indicator=None if institutional else element(clm, 6),
        assignment_code=element(clm, 7),
        benefits_assignment=element(clm, 8),
        release_of_information=element(clm, 9),
        payer_responsibility=element(sbr, 1),
        admission_type=element(cl1, 1),
        admission_source=element(cl1, 2),
        note_code=element(nte, 1),
        note=element(nte, 2),
        line=clm.line,
        attachments=[
            Attachment(element(pwk, 1) or "", element(pwk, 2) or "", element(pwk, 6))
            for pwk in claim.segments_of("PWK")
            if element(pwk, 1)
        ],
        file_information=[t for t in (element(k3, 1) for k3 in claim.segments_of("K3")) if t],
        other_codes=other_codes,
        dental_status=_as_sent([*claim.segments_of("DN1"), *claim.segments_of("DN2")])
        if guide == "837D"
        else [],
        other_segments=kept_segments(guide, claim),
        admission_hour=_hour(claim.segment("DTP", "435")) if institutional else None,
        claim_elements=extra_elements(clm),
        hierarchy_segments=_hierarchy(billing_loop, subscriber_loop, patient_loop),
    )


def _hierarchy(
    billing: Loop | None, subscriber: Loop | None, patient: Loop | None
) -> dict[str, list[SentSegment]]:
    """The 2000A-2000C segments no field carries, as sent (see ``hierarchy_segments``)."""
    found: dict[str, list[SentSegment]] = {}
    if billing is not None:
        kept = [sent_values(s) for s in billing.segments_of("CUR")]
        if kept:
            found["2000A"] = kept
    if subscriber is not None:
        kept = [
            sent_values(s)
            for s in subscriber.segments
            if s.id == "PAT" or (s.id == "SBR" and any(element(s, i) for i in range(4, 9)))
        ]
        if kept:
            found["2000B"] = kept
    if patient is not None:
        pat = patient.segment("PAT")
        if pat is not None and any(element(pat, i) for i in range(2, len(pat.elements))):
            found["2000C"] = [sent_values(pat)]
    return found


def _hour(dtp: Segment | None) -> str | None:
    """HHMM of a DTP sent as a date and time (DT, CCYYMMDDHHMM); None for a date alone."""
    if dtp is None or element(dtp, 2) != "DT":
        return None
    value = element(dtp, 3) or ""
    return value[8:12] if len(value) >= 12 and value[8:12].isdigit() else None


def _total_charge(clm: Segment) -> Decimal:
    """CLM02; ``Decimal(0)`` when absent or not a number (the record field is not optional)."""
    charge = amount(clm[2])
    return charge if charge is not None else Decimal(0)


def _child(loop: Loop | None, loop_id: str) -> Loop | None:
    return loop.loop(loop_id) if loop is not None else None


def _segment(loop: Loop | None, seg_id: str, qualifier: str | None = None) -> Segment | None:
    return loop.segment(seg_id, qualifier) if loop is not None else None


def _span(lines: list[EncounterLine]) -> tuple[date | None, date | None]:
    """Earliest line from-date and latest line to-date."""
    starts = [ln.service_date_from for ln in lines if ln.service_date_from is not None]
    ends = [d for ln in lines if (d := ln.service_date_to or ln.service_date_from) is not None]
    return (min(starts) if starts else None), (max(ends) if ends else None)


# --- providers and diagnoses ---------------------------------------------------------------


def _contacts(loop: Loop) -> list[SentSegment]:
    """A name loop's PER segments (who to call), as sent."""
    return [sent_values(per) for per in loop.segments_of("PER")]


def _role(guide: str, loop: Loop) -> str:
    entity = element(loop.segment("NM1"), 1)
    if entity == "P3":  # 2310A/2420F repeated for the primary care provider
        return "primary_care"
    by_loop = PROVIDER_ROLES.get(guide, {}).get(loop.id)
    if by_loop is not None:
        return by_loop
    return _ENTITY_ROLES.get(entity or "", entity or loop.id)


def _providers(
    guide: str, claim: Loop, pay_to: Loop | None, pay_to_plan: Loop | None
) -> list[Party]:
    """The claim's other parties: the billing provider's 2010AB pay-to address and 2010AC
    pay-to plan (when it has them) and the 2310 providers."""
    found = []
    for lp in claim.loops:
        if lp.id.startswith("2310"):
            provider = party(_role(guide, lp), lp)
            provider.contacts = _contacts(lp)  # the 837P 2310C service facility's
            found.append(provider)
    if pay_to_plan is not None:
        found.insert(0, party("pay_to_plan", pay_to_plan))
    if pay_to is not None:
        found.insert(0, party("pay_to", pay_to))
    return found


def _as_sent(segments: list[Segment]) -> list[list[str]]:
    """Segments as their elements (the id first), trailing empty elements dropped."""
    out = []
    for seg in segments:
        values = [seg.id, *(e.strip() for e in seg.elements[1:])]
        while len(values) > 1 and not values[-1]:
            values.pop()
        out.append(values)
    return out


def _hi_codes(claim: Loop, *, with_poa: bool) -> tuple[list[Diagnosis], list[list[str]]]:
    """The claim's HI composites in one pass: its diagnoses, and the composites that are
    not diagnoses with their components as sent (trailing empty ones dropped)."""
    diagnoses: list[Diagnosis] = []
    others: list[list[str]] = []
    for hi in claim.segments_of("HI"):
        for pos in range(1, len(hi.elements)):
            parts = hi.components(pos)
            qualifier = parts[0].strip() if parts else ""
            if not qualifier:
                continue
            if qualifier not in DIAGNOSIS_QUALIFIERS:
                values = [p.strip() for p in parts]
                while values and not values[-1]:
                    values.pop()
                others.append(values)
                continue
            code = parts[1].strip() if len(parts) > 1 else ""
            if not code:
                continue
            poa = (parts[8].strip() or None) if with_poa and len(parts) > 8 else None
            diagnoses.append(Diagnosis(len(diagnoses) + 1, qualifier, code, poa))
    return diagnoses, others


# --- service lines -------------------------------------------------------------------------


def _procedure(parts: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(qualifier, code, modifiers) of a procedure composite (SV101 / SV202 / SV301)."""
    values = [p.strip() for p in parts]
    qualifier = (values[0] or None) if values else None
    code = (values[1] or None) if len(values) > 1 else None
    return qualifier, code, [m for m in values[2:6] if m]


def _pointers(seg: Segment, pos: int) -> list[int]:
    return [n for n in (integer(p) for p in seg.components(pos)) if n is not None]


def _line(guide: str, loop: Loop, index: int) -> EncounterLine:
    lx = loop.segment("LX")
    number = integer(lx[1]) if lx is not None else None
    line = EncounterLine(
        line_number=number if number is not None else index,
        procedure_qualifier=None,
        procedure_code=None,
        line=lx.line if lx is not None else (loop.segments[0].line if loop.segments else 0),
    )
    preferred = _SERVICE_SEGMENTS.get(guide)
    order = [preferred] if preferred else []
    order += [s for s in ("SV1", "SV2", "SV3") if s != preferred]
    for seg_id in order:
        service = loop.segment(seg_id)
        if service is None:
            continue
        if seg_id == preferred:
            line.service_elements = extra_elements(service)
        if seg_id == "SV1":
            _professional(line, service)
        elif seg_id == "SV2":
            _institutional(line, service)
        else:
            _dental(line, service)
        break

    line.service_date_from, line.service_date_to = dtp_period(loop.segment("DTP", "472"))
    line.line_control_number = ref_of(loop, "6R")
    teeth = [(element(s, 2), s) for s in loop.segments_of("TOO")]
    line.tooth_numbers = [t for t, _ in teeth if t]
    surfaces = ["".join(c.strip() for c in s.components(3)) for t, s in teeth if t]
    line.tooth_surfaces = surfaces if any(surfaces) else []
    line.providers = [
        party(_role(guide, lp), lp)
        for lp in loop.loops
        if lp.id.startswith("2420") and element(lp.segment("NM1"), 1) != "82"
    ]
    for drug in loop.loops_of("2410"):
        lin = drug.segment("LIN")
        if lin is not None and element(lin, 2) == "N4" and element(lin, 3):
            ctp = drug.segment("CTP")
            line.ndc = element(lin, 3)
            line.ndc_quantity = amount(ctp[4]) if ctp is not None else None
            line.ndc_unit = element(ctp, "CTP05-1")
            ref = drug.segment("REF")
            if ref is not None and element(ref, 2):
                line.ndc_reference_qualifier = element(ref, 1)
                line.ndc_reference = element(ref, 2)
            break
    line.rendering = _line_rendering(guide, loop)
    line.other_segments = kept_segments(guide, loop)
    return line


def _professional(line: EncounterLine, sv1: Segment) -> None:
    line.procedure_qualifier, line.procedure_code, line.modifiers = _procedure(sv1.components(1))
    line.charge = amount(sv1[2])
    line.unit_basis = element(sv1, 3)
    line.units = amount(sv1[4])
    line.place_of_service = element(sv1, 5)
    line.diagnosis_pointers = _pointers(sv1, 7)


def _institutional(line: EncounterLine, sv2: Segment) -> None:
    line.revenue_code = element(sv2, 1)
    line.procedure_qualifier, line.procedure_code, line.modifiers = _procedure(sv2.components(2))
    line.charge = amount(sv2[3])
    line.unit_basis = element(sv2, 4)
    line.units = amount(sv2[5])


def _dental(line: EncounterLine, sv3: Segment) -> None:
    line.procedure_qualifier, line.procedure_code, line.modifiers = _procedure(sv3.components(1))
    line.charge = amount(sv3[2])
    line.place_of_service = element(sv3, 3)
    line.oral_cavity_areas = [a.strip() for a in sv3.components(4) if a.strip()]
    line.units = amount(sv3[6])
    line.diagnosis_pointers = _pointers(sv3, 11)


def _line_rendering(guide: str, loop: Loop) -> Party | None:
    """The 2420x rendering provider (NM1*82: 837P/837D 2420A, 837I 2420C)."""
    for provider in loop.loops:
        if provider.id.startswith("2420") and element(provider.segment("NM1"), 1) == "82":
            return party("rendering", provider)
    rendering_loop = "2420C" if guide == "837I" else "2420A"
    provider_loop = loop.loop(rendering_loop)
    return party("rendering", provider_loop) if provider_loop is not None else None


# --- coordination of benefits --------------------------------------------------------------


def _prior_payers(claim: Loop, lines: list[EncounterLine]) -> list[PriorPayer]:
    payers: list[PriorPayer] = []
    for other in claim.loops_of("2320"):
        sbr = other.segment("SBR")
        payer_loop = other.loop("2330B")
        payer_nm1 = _segment(payer_loop, "NM1")
        payers.append(
            PriorPayer(
                sequence=element(sbr, 1) or "",
                payer_name=element(payer_nm1, 3),
                payer_id=element(payer_nm1, 9),
                paid_amount=amount_of(other, "D"),
                remaining_patient_liability=amount_of(other, "EAF"),
                adjudication_date=dtp_period(_segment(payer_loop, "DTP", "573"))[0],
                claim_adjustments=adjustments(other.segments_of("CAS")),
                segments=loop_as_sent(other),
            )
        )
    dated = {id(p) for p in payers if p.adjudication_date is not None}
    for service, line in zip(claim.loops_of("2400"), lines, strict=True):
        for adjudication in service.loops_of("2430"):
            _add_line_adjudication(payers, dated, adjudication, line.line_number)
            line.adjudications += loop_as_sent(adjudication)
    return payers


def _add_line_adjudication(
    payers: list[PriorPayer], dated: set[int], loop: Loop, line_number: int
) -> None:
    """Attach one 2430 (SVD, CAS, DTP*573) to the prior payer whose 2330B NM109 is SVD01.

    When no payer id matches and the claim has exactly one 2320, it is that payer's;
    otherwise the adjudication cannot be placed and is left out. A payer whose 2330B has
    no DTP*573 takes the latest 2430 DTP*573 as its adjudication date.
    """
    svd = loop.segment("SVD")
    if svd is None:
        return
    payer_id = element(svd, 1)
    target = next((p for p in payers if payer_id is not None and p.payer_id == payer_id), None)
    if target is None and len(payers) == 1:
        target = payers[0]
    if target is None:
        return
    if id(target) not in dated:
        adjudicated = dtp_period(loop.segment("DTP", "573"))[0]
        if adjudicated is not None and (
            target.adjudication_date is None or adjudicated > target.adjudication_date
        ):
            target.adjudication_date = adjudicated
    number = integer(svd[6])
    key = number if number is not None else line_number
    paid = amount(svd[2])
    if paid is not None:
        target.line_paid[key] = target.line_paid.get(key, Decimal(0)) + paid
    found: list[Adjustment] = adjustments(loop.segments_of("CAS"))
    if found:
        target.line_adjustments.setdefault(key, []).extend(found)
