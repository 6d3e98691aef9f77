"""835 remittance advice: claim payments (one 2100 loop) and the payment header to records.

:func:`map_claim_payment` reads one :class:`parsers.Unit` as handed out by
``Validator(units=True).events(...)``; :func:`map_payment_header` reads the transaction
set's root loop (``unit.context[0]`` while the set is being read, or ``SetEvent.root`` at
its end, which also holds the PLB footer). Neither raises on missing or malformed data
(the field is ``None``, or empty for lists); only a unit without a CLP segment is refused
with ``ValueError``. Record fields that are not optional get ``""`` (codes) or
``Decimal(0)`` (amounts) when the file does not give them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from parsers.tree import Loop, Segment, Unit

from .common import adjustments, amount, element, parse_date, party, party_from_segments, text
from .records import ClaimPayment, Party, PaymentHeader, ProviderAdjustment, ServicePayment

__all__ = ["map_claim_payment", "map_payment_header"]


# --- header -------------------------------------------------------------------------------


def map_payment_header(root: Loop) -> PaymentHeader:
    """The :class:`PaymentHeader` of a transaction set's root loop (ST_LOOP or HEADER).

    ``provider_adjustments`` holds every PLB adjustment pair found at or below ``root``
    (the FOOTER): empty while the set is still being read.
    """
    header = _find(root, "HEADER") or root
    bpr = header.segment("BPR")
    trn = header.segment("TRN", "1") or header.segment("TRN")
    production = header.segment("DTM", "405")
    return PaymentHeader(
        handling_code=element(bpr, 1) or "",
        total_paid=_required_amount(bpr, 2),
        credit_debit=element(bpr, 3),
        payment_method=element(bpr, 4),
        payment_date=parse_date(bpr[16]) if bpr is not None else None,
        trace_number=element(trn, 2),
        payer_id=element(trn, 3),
        production_date=parse_date(production[2]) if production is not None else None,
        payer=_payer(_find(header, "1000A")),
        payee=_payee(_find(header, "1000B")),
        provider_adjustments=[
            adjustment
            for loop in root.walk()
            for plb in loop.segments_of("PLB")
            for adjustment in _provider_adjustments(plb)
        ],
    )


def _find(root: Loop, loop_id: str) -> Loop | None:
    """The first loop ``loop_id`` at or below ``root`` (depth first)."""
    return next((lp for lp in root.walk() if lp.id == loop_id), None)


def _payer(loop: Loop | None) -> Party:
    """1000A N1*PR with N3/N4 and REFs; ``identifier`` is N104, else REF*2U."""
    payer = party("payer", loop, name_id="N1")
    if payer.identifier is None and "2U" in payer.secondary_ids:
        payer.id_qualifier = "2U"
        payer.identifier = payer.secondary_ids["2U"]
    return payer


def _payee(loop: Loop | None) -> Party:
    """1000B N1*PE (``npi`` when N103 = XX) with N3/N4 and REFs; ``tax_id`` is REF*TJ,
    else N104 when N103 = FI (federal taxpayer id)."""
    payee = party("payee", loop, name_id="N1")
    if payee.tax_id is None and payee.id_qualifier == "FI":
        payee.tax_id = payee.identifier
    return payee


def _provider_adjustments(plb: Segment) -> list[ProviderAdjustment]:
    """One :class:`ProviderAdjustment` per PLB03/04 ... PLB13/14 pair with an amount."""
    provider_id = element(plb, 1) or ""
    period_end = parse_date(plb[2])
    result: list[ProviderAdjustment] = []
    for pos in range(3, 15, 2):
        value = amount(plb[pos + 1])
        if value is None:
            continue
        parts = plb.components(pos)
        reason = text(parts[0]) if parts else None
        reference = text(parts[1]) if len(parts) > 1 else None
        result.append(ProviderAdjustment(provider_id, period_end, reason or "", reference, value))
    return result


def _required_amount(seg: Segment | None, pos: int) -> Decimal:
    """An amount the record cannot leave empty: ``Decimal(0)`` when absent or malformed."""
    value = amount(seg[pos]) if seg is not None else None
    return value if value is not None else Decimal(0)


# --- claim payments -----------------------------------------------------------------------


def map_claim_payment(unit: Unit) -> ClaimPayment:
    """The :class:`ClaimPayment` of one 835 claim payment unit (2100 loop).

    Raises ``ValueError`` only when the unit's loop has no CLP segment.
    """
    claim = unit.loop
    clp = claim.segment("CLP")
    if clp is None:
        raise ValueError(
            f"835 unit has no CLP segment (loop {claim.id!r}, "
            f"ST {unit.header.st_control_number!r}): not a claim payment"
        )
    return ClaimPayment(
        claim_id=element(clp, 1) or "",
        status_code=element(clp, 2) or "",
        charge=_required_amount(clp, 3),
        paid=_required_amount(clp, 4),
        patient_responsibility=amount(clp[5]),
        filing_indicator=element(clp, 6),
        payer_claim_number=element(clp, 7),
        facility_code=element(clp, 8),
        frequency_code=element(clp, 9),
        patient=_name(claim, "QC", "patient"),
        insured=_name(claim, "IL", "subscriber"),
        rendering=_name(claim, "82", "rendering"),
        service_date_from=_dtm(claim, "232"),
        service_date_to=_dtm(claim, "233"),
        received_date=_dtm(claim, "050"),
        adjustments=adjustments(claim.segments_of("CAS")),
        remark_codes=_claim_remarks(claim),
        services=[_service(loop) for loop in claim.loops_of("2110")],
        line=clp.line,
    )


def _name(loop: Loop, entity: str, role: str) -> Party | None:
    nm1 = loop.segment("NM1", entity)
    return party_from_segments(role, nm1) if nm1 is not None else None


def _dtm(loop: Loop, qualifier: str) -> date | None:
    seg = loop.segment("DTM", qualifier)
    return parse_date(seg[2]) if seg is not None else None


#: Remark code positions: MIA05 and MIA20-23 (inpatient; MIA24 is the PPS-capital
#: exception amount, not a code), MOA03-07 (outpatient), in segment order.
_REMARK_POSITIONS = {"MIA": (5, 20, 21, 22, 23), "MOA": (3, 4, 5, 6, 7)}


def _claim_remarks(claim: Loop) -> list[str]:
    codes: list[str] = []
    for seg in claim.segments:
        for pos in _REMARK_POSITIONS.get(seg.id, ()):
            code = element(seg, pos)
            if code is not None:
                codes.append(code)
    return codes


def _service(loop: Loop) -> ServicePayment:
    svc = loop.segment("SVC")
    parts = [p.strip() for p in svc.components(1)] if svc is not None else []
    single = _dtm(loop, "472")
    start = single or _dtm(loop, "150")
    end = _dtm(loop, "151") or single
    return ServicePayment(
        procedure_qualifier=(parts[0] or None) if parts else None,
        procedure_code=(parts[1] or None) if len(parts) > 1 else None,
        modifiers=[m for m in parts[2:6] if m],
        charge=amount(svc[2]) if svc is not None else None,
        paid=amount(svc[3]) if svc is not None else None,
        revenue_code=element(svc, 4),
        units_paid=amount(svc[5]) if svc is not None else None,
        service_date_from=start,
        service_date_to=end,
        line_control_number=element(loop.segment("REF", "6R"), 2),
        adjustments=adjustments(loop.segments_of("CAS")),
        remark_codes=[
            code for lq in loop.segments_of("LQ", "HE") if (code := element(lq, 2)) is not None
        ],
        line=svc.line if svc is not None else (loop.segments[0].line if loop.segments else 0),
    )
