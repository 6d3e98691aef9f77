"""834 benefit enrollment members (one 2000 loop with its context) to :class:`MemberRecord`.

:func:`map_member` reads one :class:`parsers.Unit` as handed out by
``Validator(units=True).events(...)``; :func:`map_enrollment_header` reads the transaction
set's root loop (``unit.context[0]`` or ``SetEvent.root``). Neither raises on missing or
malformed data (the field is ``None``, or empty for lists and dicts), so members of files
that failed validation map too; only a unit without an INS segment is refused with
``ValueError``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parsers.tree import Loop, Segment, Unit

from .common import demographics, dtp_date, element, parse_date
from .records import CoverageLine, MemberRecord, PcpAssignment

__all__ = [
    "FULL_FILE_ACTIONS",
    "IMPLIED_END_RULES",
    "PCP_ENTITY_CODES",
    "EnrollmentFileInfo",
    "implied_end",
    "map_enrollment_header",
    "map_member",
]

#: BGN08 action codes of a full roster (every current member is in the file): 4 verify,
#: RX replace. 2 (change) is an update file.
FULL_FILE_ACTIONS = frozenset({"4", "RX"})

#: 2310 NM101 codes taken as the coverage line's primary care assignment, in order of
#: preference (P3 primary care provider, Y2 managed care organisation). When a 2300 loop has
#: neither, its first 2310 provider with an NM1 is used (e.g. QN dentist on a DEN line).
PCP_ENTITY_CODES = ("P3", "Y2")

#: PER communication number qualifiers that are telephone numbers (TE first, then these).
_PHONE_QUALIFIERS = ("HP", "WP", "CP", "AP", "BN")

#: 2300 REF01 qualifiers read as the aid code, in order of preference.
_AID_CODE_QUALIFIERS = ("CE", "ZZ", "17")


# --- header -------------------------------------------------------------------------------


@dataclass(slots=True)
class EnrollmentFileInfo:
    """The 834 transaction header: BGN and the sponsor (1000A) and payer (1000B)."""

    purpose: str | None  # BGN01: 00 original, 15 re-submission, 22 information copy
    reference: str | None  # BGN02
    date: dt.date | None  # BGN03
    action: str | None  # BGN08: 2 change (update), 4 verify (full file), RX replace
    sponsor_name: str | None  # 1000A N1*P5 N102
    sponsor_id: str | None  # 1000A N104
    payer_name: str | None  # 1000B N1*IN N102
    payer_id: str | None  # 1000B N104
    effective: dt.date | None = None  # header DTP*007 (the file's effective date)
    master_policy: str | None = None  # header REF*38 (master policy number)

    @property
    def is_full_file(self) -> bool:
        """True for a full roster (BGN08 = 4 or RX): members absent from it are terminated."""
        return self.action in FULL_FILE_ACTIONS

    @property
    def effective_date(self) -> dt.date | None:
        """The date the file speaks for: DTP*007 when sent, else its creation date (BGN03)."""
        return self.effective or self.date

    @property
    def roster_scope(self) -> str:
        """Which of a plan's rosters this file is: sponsor (N1*P5), master policy (REF*38)
        and payer (N1*IN). A full file ends only the members of its own roster."""
        return f"P5={self.sponsor_id or ''}|38={self.master_policy or ''}|IN={self.payer_id or ''}"


#: how a plan's guide dates the end of coverage implied by absence from a full file
#: (``implied_end`` in its companion guide): the day before the file's effective date (the
#: default), the last day of the month before it, or the last day of its month
IMPLIED_END_RULES = ("day_before_effective", "end_of_prior_month", "end_of_month")


def implied_end(effective: dt.date, rule: str | None = None) -> dt.date:
    """The last day of coverage of a member absent from a full file effective ``effective``."""
    if rule is None or rule == "day_before_effective":
        return effective - dt.timedelta(days=1)
    if rule == "end_of_prior_month":
        return effective.replace(day=1) - dt.timedelta(days=1)
    if rule == "end_of_month":
        following = (effective.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)
    raise ValueError(f"unknown implied_end rule {rule!r}; one of {', '.join(IMPLIED_END_RULES)}")


def map_enrollment_header(root: Loop) -> EnrollmentFileInfo:
    """The :class:`EnrollmentFileInfo` of a transaction set's root loop (ST_LOOP, or its
    HEADER wrapper). Every field is ``None`` when its segment or element is missing."""
    header = _find(root, "HEADER") or root
    bgn = header.segment("BGN")
    sponsor = _n1(header, "1000A", "P5")
    payer = _n1(header, "1000B", "IN")
    return EnrollmentFileInfo(
        purpose=element(bgn, 1),
        reference=element(bgn, 2),
        date=parse_date(bgn[3]) if bgn is not None else None,
        action=element(bgn, 8),
        sponsor_name=element(sponsor, 2),
        sponsor_id=element(sponsor, 4),
        payer_name=element(payer, 2),
        payer_id=element(payer, 4),
        effective=dtp_date(header.segment("DTP", "007")),
        master_policy=element(header.segment("REF", "38"), 2),
    )


def _find(root: Loop, loop_id: str) -> Loop | None:
    """The first loop ``loop_id`` at or below ``root`` (depth first)."""
    return next((lp for lp in root.walk() if lp.id == loop_id), None)


def _n1(header: Loop, loop_id: str, entity: str) -> Segment | None:
    """The N1 of loop ``loop_id`` (preferring N101 = ``entity``); else any N1*``entity``."""
    loop = _find(header, loop_id)
    if loop is not None:
        seg = loop.segment("N1", entity) or loop.segment("N1")
        if seg is not None:
            return seg
    for lp in header.walk():
        seg = lp.segment("N1", entity)
        if seg is not None:
            return seg
    return None


# --- members ------------------------------------------------------------------------------


def map_member(unit: Unit) -> MemberRecord:
    """The :class:`MemberRecord` of one 834 member unit (2000 loop).

    Raises ``ValueError`` only when the unit's loop has no INS segment.
    """
    member = unit.loop
    ins = member.segment("INS")
    if ins is None:
        raise ValueError(
            f"834 unit has no INS segment (loop {member.id!r}, "
            f"ST {unit.header.st_control_number!r}): not a member"
        )
    member_ids: dict[str, str] = {}
    for ref in member.segments_of("REF"):
        qualifier, value = element(ref, 1), element(ref, 2)
        if qualifier is not None and value is not None:
            member_ids.setdefault(qualifier, value)

    name_loop = member.loop("2100A")
    nm1 = _member_name(name_loop)
    n3 = name_loop.segment("N3") if name_loop is not None else None
    n4 = name_loop.segment("N4") if name_loop is not None else None
    birth_date, gender = demographics(name_loop.segment("DMG") if name_loop is not None else None)
    return MemberRecord(
        maintenance_type=element(ins, 3) or "",
        maintenance_reason=element(ins, 4),
        is_subscriber=element(ins, 1) == "Y",
        relationship=element(ins, 2),
        benefit_status=element(ins, 5),
        subscriber_id=member_ids.get("0F"),
        member_ids=member_ids,
        last_name=element(nm1, 3),
        first_name=element(nm1, 4),
        middle_name=element(nm1, 5),
        birth_date=birth_date,
        gender=gender,
        address1=element(n3, 1),
        address2=element(n3, 2),
        city=element(n4, 1),
        state=element(n4, 2),
        postal_code=element(n4, 3),
        phone=_phone(name_loop),
        language=_language(name_loop),
        eligibility_begin=dtp_date(member.segment("DTP", "356")),
        eligibility_end=dtp_date(member.segment("DTP", "357")),
        coverages=[_coverage(loop) for loop in member.loops_of("2300")],
        line=ins.line,
    )


def _member_name(loop: Loop | None) -> Segment | None:
    """2100A NM1: IL (insured or subscriber), else 74 (corrected insured), else the first."""
    if loop is None:
        return None
    return loop.segment("NM1", "IL") or loop.segment("NM1", "74") or loop.segment("NM1")


def _phone(loop: Loop | None) -> str | None:
    """The first PER telephone number: the first TE, else the first HP/WP/CP/AP/BN."""
    if loop is None:
        return None
    numbers: list[tuple[str, str]] = []
    for per in loop.segments_of("PER"):
        for pos in (3, 5, 7):
            qualifier, number = element(per, pos), element(per, pos + 1)
            if qualifier is not None and number is not None:
                numbers.append((qualifier, number))
    for qualifier, number in numbers:
        if qualifier == "TE":
            return number
    return next((n for q, n in numbers if q in _PHONE_QUALIFIERS), None)


def _language(loop: Loop | None) -> str | None:
    """The first LUI's language code (LUI02), else its description (LUI03)."""
    if loop is None:
        return None
    for lui in loop.segments_of("LUI"):
        value = element(lui, 2) or element(lui, 3)
        if value is not None:
            return value
    return None


# --- coverage -----------------------------------------------------------------------------


def _coverage(loop: Loop) -> CoverageLine:
    hd = loop.segment("HD")
    aid_code = next(
        (v for q in _AID_CODE_QUALIFIERS if (v := element(loop.segment("REF", q), 2))),
        None,
    )
    return CoverageLine(
        maintenance_type=element(hd, 1),
        insurance_line=element(hd, 3),
        plan_code=element(hd, 4),
        coverage_level=element(hd, 5),
        begin=dtp_date(loop.segment("DTP", "348")),
        end=dtp_date(loop.segment("DTP", "349")),
        aid_code=aid_code,
        policy_number=element(loop.segment("REF", "1L"), 2),
        pcp=_pcp(loop),
    )


def _pcp(coverage: Loop) -> PcpAssignment | None:
    """The coverage line's 2310 provider: the first P3, else Y2, else the first with an NM1.

    005010X220A1 gives the 2310 loop no DTP segment: ``begin`` is a 2310 DTP*348 when a
    sender puts one there anyway, else PLA03 (provider effective date); ``end`` is a 2310
    DTP*349 or ``None``. ``reason`` is PLA05 (maintenance reason code; PLA02 is always
    the entity code 1P).
    """
    providers = [
        (lp, nm1) for lp in coverage.loops_of("2310") if (nm1 := lp.segment("NM1")) is not None
    ]
    if not providers:
        return None
    chosen = next(
        (
            (lp, nm1)
            for code in PCP_ENTITY_CODES
            for lp, nm1 in providers
            if element(nm1, 1) == code
        ),
        providers[0],
    )
    loop, nm1 = chosen
    pla = loop.segment("PLA")
    effective = parse_date(pla[3]) if pla is not None else None
    return PcpAssignment(
        role=element(nm1, 1) or "",
        npi=element(nm1, 9) if element(nm1, 8) == "XX" else None,
        name=_display_name(nm1),
        begin=dtp_date(loop.segment("DTP", "348")) or effective,
        end=dtp_date(loop.segment("DTP", "349")),
        reason=element(pla, 5),
    )


def _display_name(nm1: Segment) -> str | None:
    """``LAST, FIRST MIDDLE SUFFIX`` for a person; the organisation name (NM103) otherwise."""
    last = element(nm1, 3)
    given = " ".join(p for p in (element(nm1, 4), element(nm1, 5), element(nm1, 7)) if p)
    if last and given:
        return f"{last}, {given}"
    return last or given or None
