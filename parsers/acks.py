"""TA1 (interchange) and 999 (005010X231A1 implementation) acknowledgments.

Built from a :class:`~parsers.results.FileResult`:

- one TA1 per interchange when the interchange has errors or its ISA14 asks for one
  (``always=True`` sends one for every interchange);
- one 999 interchange per received interchange that was not rejected at the TA1 level,
  holding one ST*999 per functional group: AK1, an AK2 for every transaction set, IK3
  (with ``CTX*CLM01:<claim>`` for claim segments) and IK4 per finding, IK5, AK9.

Control numbers: ``AckOptions.control_number`` is the first of a block the caller owns.
Each TA1 interchange takes one (its ISA13); each 999 functional group takes one (its
GS06), and a 999 interchange's ISA13 is its first group's number, so no two groups or
interchanges of the block share one.

The acknowledgment's ISA sender is the received interchange's receiver and vice versa.
Every value echoed from the received file (ids, control numbers, versions, bad values) is
cleaned first: delimiters and characters outside printable ASCII become spaces, and a value
that cannot be echoed as the element requires is replaced (``UNKNOWN``, ``ZZ``, zeros).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from .elements import is_valid_date, is_valid_time
from .findings import Finding, Level
from .results import FileResult, GroupResult, InterchangeResult, TransactionSetResult
from .tokenizer import Delimiters

__all__ = [
    "AckOptions",
    "build_999",
    "build_ta1",
    "build_unusable_ta1",
    "isa_header",
    "numbers_999",
]

_MAX_IK3 = 99999  # the 999 allows any number of 2100 loops; IK4 per IK3 is capped below
_MAX_IK4 = 99


@dataclass(frozen=True, slots=True)
class AckOptions:
    control_number: int = 1  # ISA13 of the acknowledgment interchange
    now: datetime | None = None
    segment_terminator: str = "~"
    element_separator: str = "*"
    component_separator: str = ":"
    repetition_separator: str = "^"
    newline: bool = True


_ID_QUALIFIERS = frozenset(("01", "14", "20", "27", "28", "29", "30", "33", "ZZ"))


def _pad(value: str, width: int) -> str:
    return value[:width].ljust(width)


def _qualifier(value: str) -> str:
    return value if value in _ID_QUALIFIERS else "ZZ"


def _isa_id(value: str, opts: AckOptions) -> str:
    return _pad(_clean(value, 15, opts) or "UNKNOWN", 15)


def _gs_id(opts: AckOptions, *candidates: str) -> str:
    """GS02/GS03: the first candidate that is 2-15 characters once cleaned."""
    for value in candidates:
        text = _clean(value, 15, opts)
        if len(text) >= 2:
            return text
    return "UNKNOWN"


def _digits(value: str, width: int) -> str | None:
    """``value`` when it is 1-``width`` ASCII digits, else None."""
    return value if value.isascii() and value.isdigit() and len(value) <= width else None


def isa_header(received: InterchangeResult, control: int, now: datetime, opts: AckOptions) -> str:
    """An ISA addressed back to the sender of ``received``."""
    e = opts.element_separator
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        _qualifier(received.receiver_qualifier),
        _isa_id(received.receiver_id, opts),
        _qualifier(received.sender_qualifier),
        _isa_id(received.sender_id, opts),
        now.strftime("%y%m%d"),
        now.strftime("%H%M"),
        opts.repetition_separator,
        "00501",
        f"{control:09d}",
        "0",
        received.usage if received.usage in ("P", "T") else "P",
        opts.component_separator,
    ]
    return e.join(fields)


class _Writer:
    def __init__(self, opts: AckOptions) -> None:
        self.opts = opts
        self.lines: list[str] = []

    def seg(self, *elements: str) -> None:
        items = list(elements)
        while len(items) > 1 and items[-1] == "":
            items.pop()
        self.lines.append(self.opts.element_separator.join(items))

    def text(self) -> bytes:
        term = self.opts.segment_terminator + ("\n" if self.opts.newline else "")
        return "".join(line + term for line in self.lines).encode("ascii", "replace")


def _now(opts: AckOptions) -> datetime:
    return opts.now or datetime.now(UTC)


def build_ta1(result: FileResult, opts: AckOptions = AckOptions(), always: bool = False) -> bytes:
    """TA1 interchanges for ``result``; empty bytes when none is due."""
    now = _now(opts)
    w = _Writer(opts)
    control = opts.control_number
    for isa in result.interchanges:
        if not (always or isa.rejected or isa.ack_requested == "1" or not isa.complete):
            continue
        w.lines.append(isa_header(isa, control, now, opts))
        errors = [f for f in isa.findings if f.is_error]
        ta104 = "R" if errors else "A"
        note = errors[0].code if errors else "000"
        isa13 = _digits(isa.control_number, 9)
        w.seg(
            "TA1",
            _pad(isa13, 9).replace(" ", "0") if isa13 else "000000000",
            isa.date if len(isa.date) == 6 and is_valid_date(isa.date) else now.strftime("%y%m%d"),
            isa.time if len(isa.time) == 4 and is_valid_time(isa.time) else now.strftime("%H%M"),
            ta104,
            note,
        )
        w.seg("IEA", "0", f"{control:09d}")
        control += 1
    if not result.interchanges and result.findings:
        # Nothing readable: a TA1 for an unknown sender cannot be addressed; callers that know
        # the sender build one with ``build_unusable_ta1``.
        return b""
    return w.text()


def build_unusable_ta1(
    sender_id: str, receiver_id: str, note: str, opts: AckOptions = AckOptions()
) -> bytes:
    """A TA1*...*R for a file that holds no readable interchange, addressed to its sender."""
    now = _now(opts)
    fake = InterchangeResult(
        sender_qualifier="ZZ",
        sender_id=sender_id,
        receiver_qualifier="ZZ",
        receiver_id=receiver_id,
        date=now.strftime("%y%m%d"),
        time=now.strftime("%H%M"),
        version="00501",
        control_number="000000000",
        ack_requested="1",
        usage="P",
        delimiters=Delimiters(),
        line=0,
    )
    w = _Writer(opts)
    w.lines.append(isa_header(fake, opts.control_number, now, opts))
    w.seg("TA1", "000000000", now.strftime("%y%m%d"), now.strftime("%H%M"), "R", note)
    w.seg("IEA", "0", f"{opts.control_number:09d}")
    return w.text()


def _ik5(st: TransactionSetResult, envelope_rejected: bool) -> tuple[str, list[str]]:
    codes: list[str] = []
    for f in st.findings:
        if f.level is Level.TRANSACTION and f.is_error and f.code not in codes:
            codes.append(f.code)
    if any(f.level in (Level.SEGMENT, Level.ELEMENT) and f.is_error for f in st.findings):
        level2 = any(
            f.snip_level >= 2 and f.level in (Level.SEGMENT, Level.ELEMENT) and f.is_error
            for f in st.findings
        )
        level1 = any(
            f.snip_level == 1 and f.level in (Level.SEGMENT, Level.ELEMENT) and f.is_error
            for f in st.findings
        )
        if level1 and "5" not in codes:
            codes.append("5")
        if level2 and not level1 and "I5" not in codes:
            codes.append("I5")
    if not st.complete and "2" not in codes:
        codes.insert(0, "2")
    if st.accepted:
        warn = any(not f.is_error for f in st.findings)
        return ("E" if warn else "A"), []
    if not codes and envelope_rejected:
        codes.append("5")
    return "R", codes[:5]


def _segment_groups(findings: Iterable[Finding]) -> list[tuple[Finding, list[Finding]]]:
    """Error findings grouped into IK3 loops: one per segment occurrence and IK304 code."""
    groups: dict[tuple[int, str, str], tuple[Finding, list[Finding]]] = {}
    for f in findings:
        if f.level not in (Level.SEGMENT, Level.ELEMENT) or not f.is_error:
            continue
        code = f.code if f.level is Level.SEGMENT else "8"
        key = (f.segment_position or 0, f.segment_id or "", code)
        group = groups.get(key)
        if group is None:
            group = groups[key] = (f, [])
        if f.level is Level.ELEMENT:
            group[1].append(f)
    return list(groups.values())


def _clean(value: str, limit: int, opts: AckOptions) -> str:
    """A value that fits in an element of the acknowledgment: no delimiters, trimmed."""
    for ch in (
        opts.element_separator,
        opts.component_separator,
        opts.segment_terminator,
        opts.repetition_separator,
    ):
        value = value.replace(ch, " ")
    value = "".join(c if " " <= c <= "~" else " " for c in value)
    return value.strip()[:limit].strip()


def build_999(
    result: FileResult,
    opts: AckOptions = AckOptions(),
    *,
    include_values: bool = True,
) -> bytes:
    """999 interchanges for every readable interchange that was not rejected by TA1.

    ``include_values`` puts the bad value in IK404 (omit it for partners who do not
    want element data echoed back).
    """
    now = _now(opts)
    w = _Writer(opts)
    control = opts.control_number
    for isa in result.interchanges:
        if isa.rejected or not isa.groups:
            continue
        first = control
        w.lines.append(isa_header(isa, first, now, opts))
        for gs in isa.groups:
            _group_999(w, isa, gs, control, now, include_values)
            control += 1
        w.seg("IEA", str(len(isa.groups)), f"{first:09d}")
    return w.text()


def numbers_999(result: FileResult) -> int:
    """How many control numbers ``build_999`` takes for ``result``: one per functional
    group acknowledged (GS06), the interchange's ISA13 being its first group's."""
    return sum(len(isa.groups) for isa in result.interchanges if not isa.rejected)


def _group_999(
    w: _Writer,
    isa: InterchangeResult,
    gs: GroupResult,
    control: int,
    now: datetime,
    include_values: bool,
) -> None:
    gs_ctrl = str(control)
    opts = w.opts
    w.seg(
        "GS",
        "FA",
        _gs_id(opts, gs.receiver_id, isa.receiver_id),
        _gs_id(opts, gs.sender_id, isa.sender_id),
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        gs_ctrl,
        "X",
        "005010X231A1",
    )
    start = len(w.lines)
    w.seg("ST", "999", "0001", "005010X231A1")
    w.seg(
        "AK1",
        _clean(gs.functional_id, 2, opts) or "HC",
        _digits(gs.control_number, 9) or "0",
        _clean(gs.version, 12, opts),
    )
    group_errors = [f for f in gs.findings if f.is_error]
    accepted = 0
    received = len(gs.transaction_sets)
    any_warning = False
    for st in gs.transaction_sets:
        w.seg(
            "AK2",
            _clean(st.st01, 3, opts) or "837",
            _clean(st.control_number, 9, opts) or "0",
            _clean(st.version, 35, opts),
        )
        for head, elements in _segment_groups(st.findings):
            seg_id = head.segment_id or ""
            if not (2 <= len(seg_id) <= 3 and seg_id.isalnum() and seg_id.isascii()):
                continue  # no segment id to name (an empty segment): IK5 carries the rejection
            code = head.code if head.level is Level.SEGMENT else "8"
            loop = head.loop if head.loop and len(head.loop) <= 4 else ""
            w.seg("IK3", seg_id, str(head.segment_position or 1), loop, code)
            if head.claim_id:
                claim = _clean(head.claim_id, 35, w.opts)
                if claim:
                    w.seg("CTX", f"CLM01{w.opts.component_separator}{claim}")
            for e in elements[:_MAX_IK4]:
                parts = [str(e.element_position or 1)]
                if e.component_position or e.repetition_position:
                    parts.append(str(e.component_position or ""))
                if e.repetition_position:
                    parts.append(str(e.repetition_position))
                ref = w.opts.component_separator.join(parts)
                value = (
                    _clean(e.value or "", 99, w.opts) if include_values and e.code != "1" else ""
                )
                # IK402 is a simple element's number; composites (C023) have none to give.
                ele_num = _digits(e.data_element or "", 4) or ""
                w.seg("IK4", ref, ele_num, e.code, value)
        ack, codes = _ik5(st, gs.has_errors or isa.rejected)
        if gs.has_errors and ack in ("A", "E"):
            ack, codes = "R", ["5"]
        if ack in ("A", "E"):
            accepted += 1
            any_warning = any_warning or ack == "E"
        w.seg("IK5", ack, *codes)
    if received == 0:
        ak9 = "R"
    elif accepted == received:
        ak9 = "E" if any_warning else "A"
    elif accepted == 0:
        ak9 = "R"
    else:
        ak9 = "P"
    ak9_codes: list[str] = []
    for f in group_errors:
        if f.code not in ak9_codes:
            ak9_codes.append(f.code)
    if group_errors:
        ak9 = "R"
    w.seg("AK9", ak9, str(received), str(received), str(accepted), *ak9_codes[:5])
    count = len(w.lines) - start + 1
    w.seg("SE", str(count), "0001")
    w.seg("GE", "1", gs_ctrl)
