"""The 277CA claim acknowledgment (005010X214), written from claim outcomes.

``build_277ca`` is a pure function: no clock (``now`` is given), no database, stdlib only.

Layout of what it writes
------------------------
One interchange (ISA/IEA) with one functional group (``GS*HN``, GS08 ``005010X214``), and
**one transaction set (ST*277) per SetAck**, i.e. one 277CA per acknowledged 837 set. The
X214 hierarchy has exactly one information receiver (2000B) under each information source
(2000A), and the batch totals of 2200B (STC04, QTY, AMT) and its TRN02 belong to one 837
set; a separate ST per 837 set keeps those totals and the correlation unambiguous, and a
rejected or resent 277CA set can be handled on its own. Inside each set:

- ``BHT*0085*08*<ref>*<date>*<time>*TH``; ``<ref>`` (also 2200A TRN02) is this 277CA's own
  trace number, ``<ISA13><set ordinal:4>``.
- 2000A ``HL*1**20*1`` / 2100A ``NM1*PR*2*<payer name>*****46*<payer id>`` (the 837's
  1000B receiver, whose id is an ETIN, qualifier 46) / 2200A ``TRN*1*<ref>``,
  ``DTP*050*D8*<received>``, ``DTP*009*D8*<processed>``.
- 2000B ``HL*2*1*21*1`` / 2100B ``NM1*41*2*<submitter name>*****46*<submitter id>`` /
  2200B ``TRN*2*<837 ST02>``, ``STC*A1:19*<processed>*WQ*<total charge>``, then
  ``QTY*90`` / ``QTY*AA`` (accepted / rejected claim counts) and ``AMT*YU`` / ``AMT*YY``
  (accepted / rejected charge totals), each only when not zero (X214: situational, sent
  when there are accepted, resp. rejected, claims).
- 2000C ``HL*n*2*19*1`` per distinct billing NPI (first-seen order) / 2100C
  ``NM1*85*2*<billing name>*****XX*<NPI>`` / 2200C ``TRN*1*<ref>-<n>`` and
  ``STC*A1:19:85**WQ*<provider total>`` (pyx12's X214 map makes the 2200C STC required;
  STC02 is not used at this level), then ``QTY*QA`` / ``QTY*QC`` and ``AMT*YU`` /
  ``AMT*YY`` for that provider's claims, again only when not zero.
- 2000D ``HL*n*<C>*PT`` (HL04 not used) per claim / 2100D ``NM1*QC*1*<last>*<first>****MI*
  <member id>`` / 2200D ``TRN*2*<CLM01>``, STC, ``REF*1K`` (accepted claims with a payer
  claim number), ``REF*BLT`` (837I bill type), ``DTP*472`` (``D8`` for one day, ``RD8``
  otherwise), then a 2220D loop per rejected service line: ``SVC`` (the line's procedure
  composite as sent, its charge, SVC04 the revenue code of an 837I line), ``STC`` (the
  line's status composites, action ``U``), ``REF*FJ`` (the 837's line item control number,
  REF*6R, when sent) and ``DTP*472`` (the line's service date).

Claim STC: an accepted claim gets ``A2:20`` with action ``WQ``; a rejected one its status
composites with action ``U`` (``A3:21`` when none is given). Up to three composites go in
one STC (STC01, STC10, STC11); further ones start another STC (the X214 STC repeats), each
repeating STC02 (processed date), STC03 and STC04 (the claim charge as sent). Status
composites given for an accepted claim (warnings) follow ``A2:20``. STC12 (message, first
STC only) carries the claim's message.

Values: every delimiter (``*`` ``:`` ``^`` ``~``) and every character outside the X12
extended character set is replaced by a space (accented letters lose their accent first),
runs of spaces are collapsed, and values are cut to the element's maximum length. A
required element whose value is missing or empty after cleaning (an identifier: shorter
than 2 characters) gets ``UNKNOWN``; a
charge that is not a number becomes ``0``. A STC01 entity code outside the X214 2200D code
list is dropped (the category and status stay). DTP*472 is required by X214: when a claim
has neither service date, the set's received date stands in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = [
    "UNKNOWN",
    "Ack277Writer",
    "ClaimAck",
    "LineAck",
    "SetAck",
    "StatusCode",
    "build_277ca",
]

#: Stands in for a required name or identifier that the caller could not supply.
UNKNOWN: Final = "UNKNOWN"

_ELEMENT: Final = "*"
_COMPONENT: Final = ":"
_REPETITION: Final = "^"
_TERMINATOR: Final = "~"
_DELIMITERS: Final = frozenset((_ELEMENT, _COMPONENT, _REPETITION, _TERMINATOR))
_VERSION: Final = "005010X214"

#: X12 extended character set (5010): anything else is replaced.
_EXTENDED: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "!\"&'()*+,-./:;?= %~@[]_{}\\|<>^`#$"
)
_SPACES: Final = re.compile(r" {2,}")
#: characters that pass through ``_clean`` unchanged
_PLAIN: Final = _EXTENDED - _DELIMITERS
_AMOUNT: Final = re.compile(r"-?[0-9]*(\.[0-9]+)?")

#: Entity identifier codes X214 lists for 2200D STC01-3 (the party a claim status is about).
# fmt: off
_CLAIM_ENTITIES: Final = frozenset((
    "03", "1P", "1Z", "40", "41", "71", "72", "73", "77", "82", "85", "87", "DK", "DN", "DQ",
    "FA", "GB", "HK", "IL", "LI", "MSC", "PR", "PRP", "QB", "QC", "QD", "SEP", "TL", "TTP", "TU",
))
# fmt: on

_ACCEPTED: Final = ("A2", "20")
_REJECTED_DEFAULT: Final = ("A3", "21")
#: X214 2220D SVC01-1: the product/service id qualifiers it lists
_SVC_QUALIFIERS: Final = frozenset(("AD", "ER", "HC", "HP", "IV", "NU", "WK"))
_RECEIVED: Final = ("A1", "19")
_COMPOSITES_PER_STC: Final = 3

# Maximum lengths (X12 data element dictionary).
_ID_LEN: Final = 80  # NM109 (67)
_NAME_LEN: Final = 60  # NM103 (1035)
_FIRST_LEN: Final = 35  # NM104 (1036)
_REF_LEN: Final = 50  # TRN02, REF02, BHT03 (127)
_CODE_LEN: Final = 30  # STC01-1 / STC01-2 (1271)
_MESSAGE_LEN: Final = 264  # STC12 (933)
_ISA_ID_LEN: Final = 15
_ID_QUALIFIERS: Final = frozenset(("01", "14", "20", "27", "28", "29", "30", "33", "ZZ"))
_ENTITY_LEN: Final = 3  # (98)


@dataclass(frozen=True)
class StatusCode:
    """One STC composite: category (code source 507) : status (508) : entity (98)."""

    category: str  # A1, A2, A3, A6, A7, A8 ...
    status: str  # e.g. 19, 20, 400, 254, 255, 562, 21
    entity: str | None = None  # 85 billing provider, 82 rendering, IL, QC, 41, 40, PR


@dataclass(frozen=True)
class LineAck:
    """A rejected service line (837 2400 loop) -> one 2220D loop."""

    qualifier: str  # SV101-1 / SV202-1 / SV301-1 (HC, AD, ER, IV, WK ...) -> SVC01-1
    procedure: str | None  # SVC01-2
    modifiers: tuple[str, ...]  # SVC01-3 .. SVC01-6
    charge: str  # SV102 / SV203 / SV302 -> SVC02
    revenue_code: str | None  # SV201 (837I) -> SVC04
    control_number: str | None  # 2400 REF*6R -> REF*FJ
    service_from: date | None  # 2400 DTP*472 -> DTP*472
    service_to: date | None
    statuses: tuple[StatusCode, ...]


@dataclass(frozen=True)
class ClaimAck:
    """The outcome of one claim (837 2300 loop)."""

    claim_id: str  # CLM01 -> 2200D TRN02
    accepted: bool
    charge: str  # CLM02 as sent -> STC04
    service_from: date | None
    service_to: date | None  # DTP*472 (D8 when one day, RD8 otherwise)
    patient_last: str | None
    patient_first: str | None
    member_id: str | None  # NM109 with NM108 MI
    billing_npi: str | None
    billing_name: str | None
    payer_claim_number: str | None  # REF*1K for accepted claims
    statuses: tuple[StatusCode, ...] = ()  # rejected claims: STC01, STC10, STC11, ...
    message: str | None = None  # STC12 free text (first finding)
    type_of_bill: str | None = None  # REF*BLT for 837I
    lines: tuple[LineAck, ...] = ()  # rejected service lines -> 2220D


@dataclass(frozen=True)
class SetAck:
    """The claims of one received 837 transaction set."""

    st_control_number: str  # the 837's ST02 -> 2200B TRN02 (or the BHT03 reference)
    submitter_id: str  # 1000A NM109 of the 837 -> 2100B NM109
    submitter_name: str  # 1000A NM103 of the 837 -> 2100B NM103
    payer_id: str  # the 837's receiver (1000B NM109) -> 2100A NM109
    payer_name: str  # 1000B NM103 -> 2100A NM103
    received: date
    processed: date
    claims: tuple[ClaimAck, ...]


def _clean(value: str | None, max_len: int) -> str:
    """``value`` without delimiters or characters X12 cannot carry, at most ``max_len``."""
    if not value:
        return ""
    if _PLAIN.issuperset(value) and "  " not in value:
        return value.strip()[:max_len].rstrip()  # nothing to replace (the usual case)
    text = unicodedata.normalize("NFKD", value)
    chars = [
        " " if (ch in _DELIMITERS or ch not in _EXTENDED) else ch
        for ch in text
        if not unicodedata.combining(ch)
    ]
    return _SPACES.sub(" ", "".join(chars)).strip()[:max_len].rstrip()


def _required(value: str | None, max_len: int) -> str:
    return _clean(value, max_len) or UNKNOWN


def _decimal(charge: str) -> Decimal:
    try:
        amount = Decimal(charge.strip())
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def _amount_text(amount: Decimal) -> str:
    """A monetary amount as X12 type R: no exponent, no trailing zeros after the point."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _charge_text(charge: str) -> str:
    """CLM02 as sent when it is a valid X12 amount, else its normalised value."""
    raw = charge.strip()
    if raw and raw not in ("-", ".") and _AMOUNT.fullmatch(raw) and any(c.isdigit() for c in raw):
        return raw
    return _amount_text(_decimal(charge))


def _d8(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _service_period(claim: ClaimAck, fallback: date) -> tuple[str, str]:
    first = claim.service_from or claim.service_to or fallback
    last = claim.service_to or claim.service_from or fallback
    first, last = min(first, last), max(first, last)
    if first == last:
        return "D8", _d8(first)
    return "RD8", f"{_d8(first)}-{_d8(last)}"


def _composite(code: StatusCode | tuple[str, str], *, first: bool) -> str:
    if isinstance(code, tuple):
        return _COMPONENT.join(code)
    category = _required(code.category, _CODE_LEN)
    status = _required(code.status, _CODE_LEN)
    entity = _clean(code.entity, _ENTITY_LEN)
    if first and entity not in _CLAIM_ENTITIES:
        entity = ""
    return _COMPONENT.join((category, status, entity) if entity else (category, status))


class _Set:
    """Segments of one transaction set (ST through SE)."""

    def __init__(self) -> None:
        self.segments: list[str] = []
        self.hl = 0

    def seg(self, *elements: str) -> None:
        items = list(elements)
        while len(items) > 1 and items[-1] == "":
            items.pop()
        self.segments.append(_ELEMENT.join(items))

    def name(
        self, entity: str, kind: str, last: str, first: str, id_qual: str, ident: str | None
    ) -> None:
        """NM1 with NM103/NM104 (NM105-NM107 unused) and NM108/NM109."""
        nm109 = _clean(ident, _ID_LEN)
        nm109 = nm109 if len(nm109) >= 2 else UNKNOWN  # NM109 is 2-80 characters
        self.seg("NM1", entity, kind, last, first, "", "", "", id_qual, nm109)

    def next_hl(self) -> str:
        self.hl += 1
        return str(self.hl)


def _claim_stcs(out: _Set, claim: ClaimAck, processed: str) -> None:
    composites: list[str] = []
    if claim.accepted:
        composites.append(_composite(_ACCEPTED, first=True))
    elif not claim.statuses:
        composites.append(_composite(_REJECTED_DEFAULT, first=True))
    for status in claim.statuses:
        text = _composite(status, first=len(composites) % _COMPOSITES_PER_STC == 0)
        if text not in composites:
            composites.append(text)
    action = "WQ" if claim.accepted else "U"
    charge = _charge_text(claim.charge)
    message = _clean(claim.message, _MESSAGE_LEN)
    for start in range(0, len(composites), _COMPOSITES_PER_STC):
        first, *more = composites[start : start + _COMPOSITES_PER_STC]
        more += [""] * (2 - len(more))
        empty = ("",) * 5  # STC05-STC09 are not used in a 277CA
        out.seg("STC", first, processed, action, charge, *empty, *more, "" if start else message)


def _line_loop(out: _Set, line: LineAck, processed: str, fallback: date) -> None:
    """2220D: SVC, STC (up to three composites), REF*FJ, DTP*472."""
    qualifier = _clean(line.qualifier, 2)
    procedure = _clean(line.procedure or line.revenue_code, _REF_LEN)
    revenue = _clean(line.revenue_code, _REF_LEN)
    if line.procedure is None and revenue:
        qualifier = "NU"  # an 837I line with a revenue code only: SVC01 carries it (NUBC)
    parts = [qualifier if qualifier in _SVC_QUALIFIERS else "HC", procedure or UNKNOWN]
    parts += [m for m in (_clean(m, 2) for m in line.modifiers[:4]) if m]
    out.seg("SVC", _COMPONENT.join(parts), _charge_text(line.charge), "", revenue)
    composites: list[str] = []
    for status in line.statuses or (StatusCode(*_REJECTED_DEFAULT),):
        text = _composite(status, first=not composites)
        if text not in composites:
            composites.append(text)
    first, *more = composites[:_COMPOSITES_PER_STC]
    more += [""] * (2 - len(more))
    out.seg("STC", first, processed, "U", "", "", "", "", "", "", *more)
    control = _clean(line.control_number, _REF_LEN)
    if control:
        out.seg("REF", "FJ", control)
    if line.service_from or line.service_to:
        first_day = line.service_from or line.service_to or fallback
        last_day = line.service_to or first_day
        if first_day == last_day or last_day < first_day:
            out.seg("DTP", "472", "D8", _d8(first_day))
        else:
            out.seg("DTP", "472", "RD8", f"{_d8(first_day)}-{_d8(last_day)}")


def _totals(
    out: _Set, claims: Sequence[ClaimAck], amounts: Sequence[Decimal], qty: tuple[str, str]
) -> Decimal:
    """QTY/AMT of the accepted and the rejected claims (``amounts``: their charges, in
    order); returns the total charge."""
    accepted = rejected = 0
    accepted_amount = rejected_amount = Decimal()
    for claim, amount in zip(claims, amounts, strict=True):
        if claim.accepted:
            accepted += 1
            accepted_amount += amount
        else:
            rejected += 1
            rejected_amount += amount
    if accepted:
        out.seg("QTY", qty[0], str(accepted))
    if rejected:
        out.seg("QTY", qty[1], str(rejected))
    if accepted:
        out.seg("AMT", "YU", _amount_text(accepted_amount))
    if rejected:
        out.seg("AMT", "YY", _amount_text(rejected_amount))
    return accepted_amount + rejected_amount


def _transaction_set(ack: SetAck, st02: str, ref: str, now: datetime) -> list[str]:
    if not ack.claims:
        raise ValueError(f"set {ack.st_control_number!r} has no claims to acknowledge")
    out = _Set()
    processed = _d8(ack.processed)
    amounts = [_decimal(c.charge) for c in ack.claims]  # each charge read once
    total = _amount_text(sum(amounts, Decimal()))
    out.seg("ST", "277", st02, _VERSION)
    out.seg("BHT", "0085", "08", ref, _d8(now.date()), now.strftime("%H%M"), "TH")
    # 2000A information source
    source = out.next_hl()
    out.seg("HL", source, "", "20", "1")
    out.name("PR", "2", _required(ack.payer_name, _NAME_LEN), "", "46", ack.payer_id)
    out.seg("TRN", "1", ref)
    out.seg("DTP", "050", "D8", _d8(ack.received))
    out.seg("DTP", "009", "D8", processed)
    # 2000B information receiver
    receiver = out.next_hl()
    out.seg("HL", receiver, source, "21", "1")
    out.name("41", "2", _required(ack.submitter_name, _NAME_LEN), "", "46", ack.submitter_id)
    out.seg("TRN", "2", _required(ack.st_control_number, _REF_LEN))
    out.seg("STC", _COMPONENT.join(_RECEIVED), processed, "WQ", total)
    _totals(out, ack.claims, amounts, ("90", "AA"))
    # 2000C billing providers, each with its 2000D patients/claims
    providers: dict[str, tuple[list[ClaimAck], list[Decimal]]] = {}
    for claim, amount in zip(ack.claims, amounts, strict=True):
        claims, charges = providers.setdefault(_clean(claim.billing_npi, _ID_LEN), ([], []))
        claims.append(claim)
        charges.append(amount)
    for index, (npi, (claims, charges)) in enumerate(providers.items(), start=1):
        provider = out.next_hl()
        out.seg("HL", provider, receiver, "19", "1")
        name = _required(next((c.billing_name for c in claims if c.billing_name), None), _NAME_LEN)
        out.name("85", "2", name, "", "XX" if npi else "SV", npi)
        out.seg("TRN", "1", f"{ref}-{index}")
        # the provider's STC total comes before its QTY/AMT: written in place afterwards
        stc = len(out.segments)
        out.seg("STC")
        provider_total = _totals(out, claims, charges, ("QA", "QC"))
        out.segments[stc] = _ELEMENT.join(
            ("STC", _COMPONENT.join((*_RECEIVED, "85")), "", "WQ", _amount_text(provider_total))
        )
        for claim in claims:
            out.seg("HL", out.next_hl(), provider, "PT")
            first = _clean(claim.patient_first, _FIRST_LEN)
            last = _required(claim.patient_last, _NAME_LEN)
            out.name("QC", "1", last, first, "MI", claim.member_id)
            out.seg("TRN", "2", _required(claim.claim_id, _REF_LEN))
            _claim_stcs(out, claim, processed)
            payer_claim = _clean(claim.payer_claim_number, _REF_LEN)
            if claim.accepted and payer_claim:
                out.seg("REF", "1K", payer_claim)
            bill_type = _clean(claim.type_of_bill, _REF_LEN)
            if bill_type:
                out.seg("REF", "BLT", bill_type)
            out.seg("DTP", "472", *_service_period(claim, ack.received))
            if not claim.accepted:
                for line in claim.lines:
                    _line_loop(out, line, processed, ack.received)
    out.seg("SE", str(len(out.segments) + 1), st02)
    return out.segments


def _isa_id(value: str) -> str:
    """ISA06/ISA08 (and, stripped, GS02/GS03, which need at least 2 characters)."""
    text = _clean(value, _ISA_ID_LEN)
    return (text if len(text) >= 2 else UNKNOWN).ljust(_ISA_ID_LEN)


def _qualifier(value: str) -> str:
    """An interchange id qualifier (ISA05/ISA07); ``ZZ`` for one X12 does not define."""
    value = _clean(value, 2)
    return value if value in _ID_QUALIFIERS else "ZZ"


class Ack277Writer:
    """One 277CA interchange written a transaction set at a time: :meth:`head`, then
    :meth:`transaction_set` for each SetAck, then :meth:`tail` (``build_277ca`` in pieces,
    the same bytes). A large file's 277CA is built so from stored rows, one set's claims
    in memory at a time.

    ``control_number`` is ISA13 (zero padded to 9) and GS06; the ST02s are ``0001``...
    """

    def __init__(
        self,
        *,
        sender_qualifier: str,
        sender_id: str,
        receiver_qualifier: str,
        receiver_id: str,
        control_number: int,
        now: datetime,
        usage: str = "P",
    ) -> None:
        if not 1 <= control_number <= 999_999_999:
            raise ValueError(f"control number {control_number} is outside 1..999999999")
        self.sender_qualifier = sender_qualifier
        self.sender_id = sender_id
        self.receiver_qualifier = receiver_qualifier
        self.receiver_id = receiver_id
        self.control_number = control_number
        self.now = now
        self.usage = usage
        self.sets = 0

    def head(self) -> bytes:
        """ISA and GS."""
        now = self.now
        sender, receiver = _isa_id(self.sender_id), _isa_id(self.receiver_id)
        # fmt: off
        isa = (
            "ISA", "00", " " * 10, "00", " " * 10,
            _qualifier(self.sender_qualifier), sender, _qualifier(self.receiver_qualifier),
            receiver, now.strftime("%y%m%d"), now.strftime("%H%M"), _REPETITION, "00501",
            f"{self.control_number:09d}", "0", self.usage if self.usage in ("P", "T") else "P",
            _COMPONENT,
        )
        gs = (
            "GS", "HN", sender.strip(), receiver.strip(), _d8(now.date()), now.strftime("%H%M"),
            str(self.control_number), "X", _VERSION,
        )
        # fmt: on
        return _text([_ELEMENT.join(isa), _ELEMENT.join(gs)])

    def transaction_set(self, ack: SetAck) -> bytes:
        """The next ST*277 through its SE. A SetAck without claims raises ``ValueError``
        (X214 requires 2000C/2000D loops)."""
        self.sets += 1
        st02 = f"{self.sets:04d}"
        return _text(_transaction_set(ack, st02, f"{self.control_number}{st02}", self.now))

    def tail(self) -> bytes:
        """GE and IEA, counting the sets written."""
        return _text(
            [
                _ELEMENT.join(("GE", str(self.sets), str(self.control_number))),
                _ELEMENT.join(("IEA", "1", f"{self.control_number:09d}")),
            ]
        )


def _text(segments: list[str]) -> bytes:
    return "".join(f"{s}{_TERMINATOR}\n" for s in segments).encode("ascii")


def build_277ca(
    sets: Sequence[SetAck],
    *,
    sender_qualifier: str,
    sender_id: str,
    receiver_qualifier: str,
    receiver_id: str,
    control_number: int,
    now: datetime,
    usage: str = "P",
) -> bytes:
    """One 277CA interchange (one ST*277 per SetAck) as ASCII bytes; ``b""`` for no sets.

    ``control_number`` is ISA13 (zero padded to 9) and GS06; the ST02s are ``0001``...
    A SetAck without claims raises ``ValueError`` (X214 requires 2000C/2000D loops).
    """
    writer = Ack277Writer(
        sender_qualifier=sender_qualifier,
        sender_id=sender_id,
        receiver_qualifier=receiver_qualifier,
        receiver_id=receiver_id,
        control_number=control_number,
        now=now,
        usage=usage,
    )
    if not sets:
        return b""
    return b"".join([writer.head(), *(writer.transaction_set(a) for a in sets), writer.tail()])
