"""The interchange level (ISA/IEA), whose problems a TA1 reports, and files that are not
usable X12 at all.

An interchange with errors rejects every group and transaction set in it (sets marked
``rejected_by_envelope``).
"""

from __future__ import annotations

from ..elements import is_valid_date, is_valid_time
from ..findings import Finding, Level, Severity, printable
from ..results import InterchangeResult
from .group import GroupLevel
from .state import plain

__all__ = ["InterchangeLevel"]

#: the fixed widths of ISA01-ISA16
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
#: the TA1 note code (TA105) for a problem in each ISA element
_ISA_NOTE = {
    1: "010",
    2: "011",
    3: "012",
    4: "013",
    5: "005",
    6: "006",
    7: "007",
    8: "008",
    9: "014",
    10: "015",
    11: "026",
    12: "017",
    13: "018",
    14: "019",
    15: "020",
    16: "027",
}
_ID_QUALIFIERS = frozenset(("01", "14", "20", "27", "28", "29", "30", "33", "ZZ"))


class InterchangeLevel(GroupLevel):
    """ISA opens an interchange; IEA closes it (and any group or set left open in it)."""

    def _isa(self, elems: list[str], line: int, offset: int) -> None:
        if self.isa is not None and not self.isa.complete:
            self._finding(
                Level.INTERCHANGE,
                "023",
                1,
                "A new ISA starts before the IEA trailer of interchange "
                f"{self.isa.control_number}: its IEA is missing",
                "IEA",
                line,
                offset,
            )
            self._close_isa(line, offset)
        el = elems + [""] * (17 - len(elems)) if len(elems) < 17 else elems
        isa = self._open_interchange(el, line)
        if line == 1 and self.isa_problem is not None:
            self._finding(
                Level.INTERCHANGE,
                self.isa_problem.note_code,
                1,
                self.isa_problem.message,
                "ISA",
                line,
                offset,
            )
        if len(elems) != 17:
            self._finding(
                Level.INTERCHANGE,
                "024",
                1,
                f"The ISA has {len(elems) - 1} elements; it must have exactly 16",
                "ISA",
                line,
                offset,
            )
        self._check_isa_widths(el, line, offset)
        self._check_isa_values(el, line, offset)
        self._check_isa_version(el[12], line, offset)
        self._check_isa_sender(isa, line, offset)
        self._check_isa13_unique(isa, line, offset)

    def _open_interchange(self, el: list[str], line: int) -> InterchangeResult:
        isa = InterchangeResult(
            sender_qualifier=printable(el[5]),
            sender_id=printable(el[6].strip()),
            receiver_qualifier=printable(el[7]),
            receiver_id=printable(el[8].strip()),
            date=printable(el[9]),
            time=printable(el[10]),
            version=printable(el[12]),
            control_number=printable(el[13].strip()),
            ack_requested=printable(el[14]),
            usage=printable(el[15]),
            delimiters=self.delims,
            line=line,
        )
        self.isa = isa
        self.file.interchanges.append(isa)
        self.gs_count = 0
        self.gs_ids = set()
        return isa

    def _check_isa_widths(self, el: list[str], line: int, offset: int) -> None:
        """ISA01-ISA16 are fixed-width fields of X12 characters (``el``: padded to 16)."""
        for i, width in enumerate(_ISA_WIDTHS, 1):
            value = el[i]
            if not plain(value) and i not in (11, 16):
                self._finding(
                    Level.INTERCHANGE,
                    _ISA_NOTE[i],
                    1,
                    f"ISA{i:02d} {value!r} holds a character outside the X12 character set "
                    "(a control character or a non-ASCII byte)",
                    "ISA",
                    line,
                    offset,
                    f"ISA{i:02d}",
                    value,
                )
            elif len(value) != width:
                self._finding(
                    Level.INTERCHANGE,
                    _ISA_NOTE[i],
                    1,
                    f"ISA{i:02d} is {len(value)} characters long; it is a fixed-width "
                    f"field of {width} (pad with spaces, never trim)",
                    "ISA",
                    line,
                    offset,
                    f"ISA{i:02d}",
                    value,
                )

    def _check_isa_values(self, el: list[str], line: int, offset: int) -> None:
        """Codes, ids, date and time of the elements that have the right width (a wrong
        width is already reported)."""
        checks = (
            (1, el[1] in ("00", "03"), "must be 00 or 03"),
            (3, el[3] in ("00", "01"), "must be 00 or 01"),
            (5, el[5] in _ID_QUALIFIERS, "is not a valid interchange id qualifier"),
            (7, el[7] in _ID_QUALIFIERS, "is not a valid interchange id qualifier"),
            (6, bool(el[6].strip()), "the sender id is blank"),
            (8, bool(el[8].strip()), "the receiver id is blank"),
            (9, is_valid_date(el[9]), "is not a valid date (YYMMDD)"),
            (10, len(el[10]) == 4 and is_valid_time(el[10]), "is not a valid time (HHMM)"),
            (13, el[13].isdigit() and el[13].isascii(), "must be nine digits"),
            (14, el[14] in ("0", "1"), "must be 0 or 1"),
            (15, el[15] in ("P", "T"), "must be P (production) or T (test)"),
        )
        for i, ok, text in checks:
            if not ok and len(el[i]) == _ISA_WIDTHS[i - 1]:
                self._finding(
                    Level.INTERCHANGE,
                    _ISA_NOTE[i],
                    1,
                    f"ISA{i:02d} {el[i]!r} {text}",
                    "ISA",
                    line,
                    offset,
                    f"ISA{i:02d}",
                    el[i],
                )

    def _check_isa_version(self, isa12: str, line: int, offset: int) -> None:
        if isa12 != "00501" and len(isa12) == 5:
            self._finding(
                Level.INTERCHANGE,
                "003" if isa12.isdigit() else "017",
                1,
                f"ISA12 interchange version {isa12!r} is not supported; this gateway "
                "reads 00501 (X12 5010) interchanges",
                "ISA",
                line,
                offset,
                "ISA12",
                isa12,
            )

    def _check_isa_sender(self, isa: InterchangeResult, line: int, offset: int) -> None:
        """The submitting trading partner sends only under its own ISA06 ids (SNIP 7)."""
        if self.allowed_senders is not None and isa.sender_id not in self.allowed_senders:
            self._finding(
                Level.INTERCHANGE,
                "006",
                7,
                f"ISA06 sender id {isa.sender_id!r} is not one of the submitting trading "
                "partner's ids; send files only under your own interchange sender id",
                "ISA",
                line,
                offset,
                "ISA06",
                isa.sender_id,
            )

    def _check_isa13_unique(self, isa: InterchangeResult, line: int, offset: int) -> None:
        """ISA13 is new for this sender and receiver (in this file, or ever when the
        interchanges received before are given)."""
        key = (isa.sender_id, isa.receiver_id, isa.control_number)
        if key in self.seen:
            self._finding(
                Level.INTERCHANGE,
                "025",
                1,
                f"Duplicate interchange control number ISA13 {isa.control_number} from "
                f"sender {isa.sender_id}: it was already received; use a new ISA13 for "
                "every file",
                "ISA",
                line,
                offset,
                "ISA13",
                isa.control_number,
            )
        self.seen.add(key)

    def _iea(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is not None:
            self._missing_se(
                f"The SE trailer of transaction set "
                f"{self.st.control_number} is missing (IEA came first)",
                line,
                offset,
            )
        if self.gs is not None:
            self._missing_ge(
                f"The GE trailer of group {self.gs.control_number} is missing (IEA came first)",
                line,
                offset,
            )
        isa = self.isa
        if isa is None:
            self._finding(
                Level.INTERCHANGE,
                "024",
                1,
                "IEA segment without a matching ISA",
                "IEA",
                line,
                offset,
            )
            return
        iea01 = elems[1] if len(elems) > 1 else ""
        iea02 = elems[2] if len(elems) > 2 else ""
        if iea01 != str(self.gs_count) or not plain(iea01):
            self._finding(
                Level.INTERCHANGE,
                "021",
                1,
                f"IEA01 says {iea01 or 'nothing'} functional "
                f"groups; the interchange has {self.gs_count}",
                "IEA",
                line,
                offset,
                "IEA01",
                iea01,
            )
        if printable(iea02.strip()) != isa.control_number or not plain(iea02):
            self._finding(
                Level.INTERCHANGE,
                "001",
                1,
                f"IEA02 {iea02!r} does not match ISA13 {isa.control_number!r}",
                "IEA",
                line,
                offset,
                "IEA02",
                iea02,
            )
        isa.complete = True
        self._close_isa(line, offset)

    def _close_isa(self, line: int, offset: int) -> None:
        isa = self.isa
        if isa is not None and isa.rejected:
            for gs in isa.groups:
                for st in gs.transaction_sets:
                    st.rejected_by_envelope = True
        self.isa = None

    def _end_of_file(self, last_line: int) -> None:
        """Close whatever is still open at the end of the file: its trailers are missing."""
        where = "the end of the file"
        if self.st is not None:
            self._missing_se(
                f"The file ends inside transaction set "
                f"{self.st.control_number}: its SE trailer is missing",
                last_line,
                self.last_offset,
            )
        if self.gs is not None:
            self._missing_ge(
                f"The GE trailer of group {self.gs.control_number} is missing at {where}",
                last_line,
                self.last_offset,
            )
        if self.isa is not None:
            why = (
                "no IEA using the declared separators was found"
                if self.mismatch
                else "the file is truncated"
            )
            self._finding(
                Level.INTERCHANGE,
                "023",
                1,
                f"The IEA trailer of interchange "
                f"{self.isa.control_number} is missing at {where}: {why}",
                "IEA",
                last_line,
                self.last_offset,
            )
            self._close_isa(last_line, 0)

    def _unusable(self, head: bytes, why: str, skipped: int, had_bytes: bool) -> None:
        """The file has no usable ISA header: one finding says why (TA1 024 or 023)."""
        self.file.usable = False
        if not head.strip():
            why = "The file holds only whitespace" if (head or had_bytes) else "The file is empty"
        elif not head.startswith(b"ISA"):
            sample = head[:3]
            if b"\x00" in head[:64] or not all(
                32 <= b < 127 or b in (9, 10, 13) for b in head[:64]
            ):
                why = (
                    "The file is not X12 text: it starts with binary data "
                    f"(first bytes {head[:8].hex(' ')})"
                )
            else:
                why = (
                    f"The file does not start with an ISA interchange header (it starts with "
                    f"{sample.decode('latin-1')!r}); an X12 file must begin with ISA"
                )
        self.file.findings.append(
            Finding(
                1,
                Severity.REJECT_FILE,
                Level.INTERCHANGE,
                "024" if "truncated" not in why else "023",
                why,
                line=1,
                offset=skipped,
                segment_id="ISA" if head.startswith(b"ISA") else None,
            )
        )
