"""Helpers shared by the mappings: element values, dates, amounts, adjustments and parties.

Every helper accepts missing input (``None`` segments or loops, empty or malformed
elements) and answers ``None`` (or an empty value) instead of raising, so a unit from a
file that failed validation still maps as far as it can.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from parsers.tree import Loop, Segment

from .records import Adjustment, Party

__all__ = [
    "TAX_ID_QUALIFIERS",
    "adjustments",
    "amount",
    "amount_of",
    "demographics",
    "dtp_date",
    "dtp_period",
    "element",
    "integer",
    "parse_date",
    "parse_period",
    "party",
    "party_from_segments",
    "ref_of",
    "text",
]

#: REF01 qualifiers read as ``Party.tax_id``, in order of preference (EI employer id,
#: TJ federal taxpayer id (835 payee), SY social security number).
TAX_ID_QUALIFIERS = ("EI", "TJ", "SY")


def _is_decimal_number(value: str) -> bool:
    """Whether ``value`` is an X12 decimal: an optional minus sign, then digits with at most
    one decimal point and at least one digit (``12``, ``12.``, ``12.5``, ``.5``). Digits are
    Unicode decimal digits, as ``\\d`` of a regular expression; no plus sign, exponent or blank.
    (String methods: a regular expression costs several times as much per value.)"""
    body = value[1:] if value.startswith("-") else value
    whole, _, fraction = body.partition(".")
    if not whole and not fraction:
        return False
    return (not whole or whole.isdecimal()) and (not fraction or fraction.isdecimal())


# --- element values -----------------------------------------------------------------------


def text(value: str | None) -> str | None:
    """The value with surrounding blanks removed; ``None`` when absent or blank."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def element(seg: Segment | None, ref: int | str) -> str | None:
    """``seg[ref]`` (``2``, ``"CLM05-3"``) as :func:`text`; ``None`` without a segment."""
    if seg is None:
        return None
    try:
        return text(seg[ref])
    except (ValueError, IndexError):  # malformed reference such as "CLM0x"
        return None


def amount(value: str | None) -> Decimal | None:
    """An X12 decimal (R) as ``Decimal``, exactly as sent ("312" -> Decimal("312")).

    ``None`` when absent or not a plain decimal number (exponents, NaN and the like are
    not X12 numbers and are refused too).
    """
    value = text(value)
    if value is None or not _is_decimal_number(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None


def integer(value: str | None) -> int | None:
    """An unsigned whole number (N0: LX01, pointers, line numbers); ``None`` otherwise."""
    value = text(value)
    if value is None or not value.isdecimal():
        return None
    return int(value)


# --- dates --------------------------------------------------------------------------------


def parse_date(value: str | None, fmt: str = "D8") -> date | None:
    """A date in X12 format ``fmt``; ``None`` when absent or not a real date.

    ``D8`` is CCYYMMDD; ``DT`` is CCYYMMDDHHMM (the time is dropped); ``D6`` is YYMMDD
    (taken as 20YY, as in ISA09).
    """
    value = text(value)
    if value is None or not value.isdecimal():
        return None
    if fmt == "D8" and len(value) == 8:
        digits = value
    elif fmt == "DT" and len(value) in (12, 14):
        digits = value[:8]
    elif fmt == "D6" and len(value) == 6:
        digits = "20" + value
    else:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def parse_period(fmt: str | None, value: str | None) -> tuple[date | None, date | None]:
    """(from, to) of a date or date range in format ``fmt`` (D8, RD8, DT, RDT, D6).

    A single date gives (d, d). When ``fmt`` is missing it is guessed from the value's
    shape. Unparseable halves are ``None``.
    """
    value = text(value)
    if value is None:
        return None, None
    fmt = text(fmt) or _guess_format(value)
    if fmt in ("RD8", "RDT"):
        start, sep, end = value.partition("-")
        single = "D8" if fmt == "RD8" else "DT"
        if not sep:
            return parse_date(start, single), None
        return parse_date(start, single), parse_date(end, single)
    if fmt in ("D8", "DT", "D6"):
        day = parse_date(value, fmt)
        return day, day
    return None, None


def _guess_format(value: str) -> str:
    if "-" in value:
        return "RDT" if len(value) > 17 else "RD8"
    return {6: "D6", 8: "D8", 12: "DT", 14: "DT"}.get(len(value), "D8")


def dtp_period(seg: Segment | None) -> tuple[date | None, date | None]:
    """(from, to) of a DTP segment (DTP02 format, DTP03 value)."""
    if seg is None:
        return None, None
    return parse_period(seg[2], seg[3])


def dtp_date(seg: Segment | None) -> date | None:
    """The (first) date of a DTP segment."""
    return dtp_period(seg)[0]


def demographics(dmg: Segment | None) -> tuple[date | None, str | None]:
    """(birth date, gender) of a DMG segment (DMG01 format, DMG02 date, DMG03 gender)."""
    if dmg is None:
        return None, None
    return parse_period(dmg[1] or "D8", dmg[2])[0], element(dmg, 3)


# --- loop look-ups ------------------------------------------------------------------------


def ref_of(loop: Loop | None, qualifier: str) -> str | None:
    """REF02 of the loop's first REF with REF01 = ``qualifier``."""
    return element(loop.segment("REF", qualifier), 2) if loop is not None else None


def amount_of(loop: Loop | None, qualifier: str) -> Decimal | None:
    """AMT02 of the loop's first AMT with AMT01 = ``qualifier``."""
    if loop is None:
        return None
    seg = loop.segment("AMT", qualifier)
    return amount(seg[2]) if seg is not None else None


# --- adjustments --------------------------------------------------------------------------


def adjustments(segments: Segment | Iterable[Segment] | None) -> list[Adjustment]:
    """The adjustments of one or more CAS segments, in order.

    A CAS holds a group code (CAS01) and up to six (reason, amount, quantity) triples:
    CAS02-04, CAS05-07, ... CAS17-19. A triple without a reason code or with an amount
    that is not a number is skipped.
    """
    if segments is None:
        return []
    if isinstance(segments, Segment):
        segments = [segments]
    result: list[Adjustment] = []
    for cas in segments:
        group = element(cas, 1) or ""
        for start in range(2, 20, 3):
            reason = element(cas, start)
            value = amount(cas[start + 1])
            if reason is None or value is None:
                continue
            result.append(Adjustment(group, reason, value, amount(cas[start + 2])))
    return result


# --- parties ------------------------------------------------------------------------------


def party_from_segments(
    role: str,
    name: Segment | None,
    *,
    n3: Segment | None = None,
    n4: Segment | None = None,
    refs: Iterable[Segment] = (),
    prv: Segment | None = None,
) -> Party:
    """A :class:`Party` from an NM1 (or an 835 N1) and its N3/N4/REF/PRV companions.

    NM1: NM102 entity type, NM103 last or organisation name, NM104 first, NM105 middle,
    NM107 suffix, NM108 id qualifier, NM109 id (also ``npi`` when NM108 = XX).
    N1: N102 name, N103 id qualifier, N104 id (``npi`` when N103 = XX).
    ``tax_id`` is the first REF*EI (else TJ, else SY); ``secondary_ids`` holds every REF
    (REF01 -> REF02, the first of each qualifier); ``taxonomy`` is PRV03.
    """
    result = Party(role=role)
    if name is not None and name.id == "N1":
        result.last_name = element(name, 2)
        result.id_qualifier = element(name, 3)
        result.identifier = element(name, 4)
    elif name is not None:
        result.entity_type = element(name, 2)
        result.last_name = element(name, 3)
        result.first_name = element(name, 4)
        result.middle_name = element(name, 5)
        result.suffix = element(name, 7)
        result.id_qualifier = element(name, 8)
        result.identifier = element(name, 9)
    if result.id_qualifier == "XX":
        result.npi = result.identifier
    result.address1 = element(n3, 1)
    result.address2 = element(n3, 2)
    result.city = element(n4, 1)
    result.state = element(n4, 2)
    result.postal_code = element(n4, 3)
    result.country = element(n4, 4)
    result.country_subdivision = element(n4, 7)
    for ref in refs:
        qualifier, value = element(ref, 1), element(ref, 2)
        if qualifier is not None and value is not None:
            result.secondary_ids.setdefault(qualifier, value)
    for qualifier in TAX_ID_QUALIFIERS:
        if qualifier in result.secondary_ids:
            result.tax_id = result.secondary_ids[qualifier]
            break
    result.taxonomy = element(prv, 3)
    return result


def party(
    role: str,
    loop: Loop | None,
    *,
    name_id: str = "NM1",
    prv: Segment | None = None,
) -> Party:
    """A :class:`Party` from a name loop (2010AA, 2310B, 1000A ...): its first NM1 (or
    ``name_id``), N3, N4, every REF and its PRV (or ``prv`` when the taxonomy sits in
    another loop, e.g. the 837 billing provider's 2000A PRV). An empty ``Party(role)``
    when ``loop`` is ``None``.
    """
    if loop is None:
        return Party(role=role)
    return party_from_segments(
        role,
        loop.segment(name_id),
        n3=loop.segment("N3"),
        n4=loop.segment("N4"),
        refs=loop.segments_of("REF"),
        prv=prv if prv is not None else loop.segment("PRV"),
    )
