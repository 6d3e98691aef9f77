"""The validation engine: envelopes (ISA/GS/ST) around the per-set guide walk.

``Validator.events(source)`` streams a file and yields :class:`UnitEvent` for each
claim/member/claim payment (when asked for), :class:`SetEvent` at each SE, and finally
one :class:`FileEvent` with the complete :class:`~parsers.results.FileResult`.
``validate(source)`` runs it for the result alone. Nothing here raises on bad input:
every problem becomes a :class:`~parsers.findings.Finding`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .elements import is_valid_date, is_valid_time
from .findings import Finding, Level, Severity, printable
from .igmap import GUIDES, guide_for, load_map
from .results import FileResult, GroupResult, InterchangeResult, TransactionSetResult
from .tokenizer import (
    CHUNK_SIZE,
    MAX_SEGMENT,
    Delimiters,
    IsaProblem,
    open_source,
    read_delimiters,
    tokenize,
)
from .tree import Loop, TransactionHeader, Unit
from .walker import MAX_SET_FINDINGS, TransactionWalker

__all__ = ["FileEvent", "SetEvent", "UnitEvent", "Validator", "validate"]

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

_ENVELOPE = frozenset(("ISA", "IEA", "GS", "GE", "ST", "SE"))
_BOM = b"\xef\xbb\xbf"
_SNIFF = 4096
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
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
_SUPPORTED_FUNCTIONAL_IDS = {g.functional_id for g in GUIDES}
_DEFAULT_DELIMITERS = Delimiters()
_MORE = "More than"
#: findings in a file after which reading stops (the file is rejected long before)
MAX_FILE_FINDINGS = 200_000


@dataclass(frozen=True, slots=True)
class UnitEvent:
    unit: Unit


@dataclass(frozen=True, slots=True)
class SetEvent:
    """The end of a transaction set. ``root`` (only when units were asked for) is the set's
    tree without its units: header loops, 835 PLB footer, and so on."""

    header: TransactionHeader
    result: TransactionSetResult
    interchange: InterchangeResult
    group: GroupResult
    root: Loop | None = None


@dataclass(frozen=True, slots=True)
class FileEvent:
    result: FileResult


Event = UnitEvent | SetEvent | FileEvent


def validate(source: Source) -> FileResult:
    """Validate a whole file (bytes, a path or a binary stream) at SNIP levels 1 and 2."""
    return Validator().run(source)


class Validator:
    """Streams one file through tokenizer, envelope checks and guide walks."""

    def __init__(
        self,
        *,
        units: bool = False,
        chunk_size: int = CHUNK_SIZE,
        seen_interchanges: set[tuple[str, str, str]] | None = None,
        allowed_senders: frozenset[str] | None = None,
        allowed_guides: frozenset[str] | None = None,
    ) -> None:
        self.want_units = units
        self.chunk_size = chunk_size
        # (sender, receiver, ISA13) already received in this file (or before it, when given).
        self.seen = seen_interchanges if seen_interchanges is not None else set()
        #: when given, an ISA06 outside this set is rejected (TA1 006): the submitting
        #: trading partner may only send under its own interchange ids
        self.allowed_senders = allowed_senders
        #: when given, the guides ("837P", "834"...) the submitting partner's role may send;
        #: a set of any other is rejected as not supported for it (IK502 1)
        self.allowed_guides = allowed_guides
        self.file = FileResult()
        self._reset()

    def _reset(
        self, delims: Delimiters = _DEFAULT_DELIMITERS, problem: IsaProblem | None = None
    ) -> None:
        """Per-file state (a Validator can be reused for several files, one at a time)."""
        self.delims = delims
        self.isa_problem = problem
        self.isa: InterchangeResult | None = None
        self.gs: GroupResult | None = None
        self.st: TransactionSetResult | None = None
        self.walker: TransactionWalker | None = None
        self.header: TransactionHeader | None = None
        self.pending_units: list[Unit] = []
        self.events_out: list[Event] = []
        self.gs_count = 0
        self.st_count = 0
        self.gs_ids: set[str] = set()
        self.st_ids: set[str] = set()
        self.set_index = 0
        self.stop = False
        self.total_findings = 0
        self.last_line = 0
        self.mismatch: Finding | None = None
        self.mismatch_text = ""
        self.mismatch_count = 0
        self.last_offset: int | None = None

    def run(self, source: Source) -> FileResult:
        result = None
        for event in self.events(source):
            if isinstance(event, FileEvent):
                result = event.result
        assert result is not None
        return result

    # --- streaming --------------------------------------------------------------------------

    def events(self, source: Source) -> Iterator[Event]:
        stream = open_source(source)
        try:
            yield from self._events(stream)
        finally:
            if not isinstance(source, bytes | bytearray | memoryview) and stream is not source:
                stream.close()

    def _events(self, stream: BinaryIO) -> Iterator[Event]:
        self.file = FileResult()
        head = stream.read(_SNIFF)
        skipped = 0
        if head.startswith(_BOM):
            head = head[3:]
            skipped = 3
            self.file.findings.append(
                Finding(
                    1,
                    Severity.WARNING,
                    Level.INTERCHANGE,
                    "024",
                    "The file starts with a UTF-8 byte-order mark (EF BB BF), which is not X12; "
                    "it was ignored. Save the file as plain ASCII.",
                    line=1,
                    offset=0,
                )
            )
        stripped = head.lstrip(b" \t\r\n")
        skipped += len(head) - len(stripped)
        head = stripped
        while len(head) < 200:  # the ISA and its terminator must be in the sniffed bytes
            more = stream.read(_SNIFF)
            if not more:
                break
            head += more
        text = head[:_SNIFF].decode("latin-1")
        delims, problem = read_delimiters(text)
        if delims is None:
            self._unusable(
                head,
                problem.message if problem else "Not an X12 file",
                skipped,
                had_bytes=skipped > 0,
            )
            _drain(stream)
            self.file.size = _stream_size(stream)
            yield FileEvent(self.file)
            return
        self._reset(delims, problem)
        ele = delims.element
        last_line = 0
        pending = self.pending_units
        for batch in tokenize(stream, delims, prefix=head, chunk_size=self.chunk_size):
            segs = batch.segments
            first = batch.first_ordinal
            walker: TransactionWalker | None = self.walker
            for i, elems in enumerate(segs):
                sid = elems[0]
                if walker is not None and sid and sid not in _ENVELOPE:
                    found = walker.findings
                    before = len(found)
                    # HL offsets are kept: HL04/HL02 findings can name an earlier HL.
                    walker.segment(
                        elems, first + i, skipped + batch.offset(i) if sid == "HL" else -1
                    )
                    if len(found) != before:
                        off = skipped + batch.offset(i)
                        for f in found[before:]:
                            if f.offset == -1:
                                f.offset = off
                    if pending:
                        for unit in pending:
                            yield UnitEvent(unit)
                        pending.clear()
                    continue
                self._envelope(elems, first + i, skipped + batch.offset(i), ele)
                walker = self.walker
                if self.events_out:
                    yield from self.events_out
                    self.events_out.clear()
                if self.stop:
                    break
            last_line = first + len(segs) - 1
            self.last_offset = skipped + batch.offset(len(segs) - 1)
            if batch.cut and not self.stop:
                self._finding(
                    Level.INTERCHANGE,
                    "024",
                    1,
                    f"Segment {segs[0][0][:3]!r} is {MAX_SEGMENT + batch.cut:,} bytes long "
                    f"(more than {MAX_SEGMENT:,}): a segment terminator "
                    f"{delims.segment!r} is missing or an element is far too long; "
                    "the rest of it was skipped",
                    segs[0][0][:3],
                    line=first,
                    offset=self.last_offset,
                )
            if batch.unterminated and segs and not self.stop:
                self._finding(
                    Level.INTERCHANGE,
                    "023",
                    1,
                    "The file ends in the middle of a segment (no segment terminator "
                    f"{delims.segment!r} after the last segment)",
                    segs[-1][0][:3],
                    line=last_line,
                )
            if self.stop:
                break
        self._end_of_file(last_line)
        if self.events_out:
            yield from self.events_out
            self.events_out.clear()
        self.file.segments = last_line
        _drain(stream)
        self.file.size = _stream_size(stream)
        yield FileEvent(self.file)

    # --- helpers ------------------------------------------------------------------------------

    def _unusable(self, head: bytes, why: str, skipped: int, had_bytes: bool) -> None:
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

    def _finding(
        self,
        level: Level,
        code: str,
        snip: int,
        message: str,
        seg_id: str | None,
        line: int | None = None,
        offset: int | None = None,
        element: str | None = None,
        value: str | None = None,
        severity: Severity | None = None,
        target: list[Finding] | None = None,
        position: int | None = None,
    ) -> Finding:
        if severity is None:
            severity = {
                Level.INTERCHANGE: Severity.REJECT_FILE,
                Level.GROUP: Severity.REJECT_GROUP,
            }.get(level, Severity.REJECT_TRANSACTION)
        if target is None:
            if level is Level.INTERCHANGE:
                target = self.isa.findings if self.isa else self.file.findings
            elif level is Level.GROUP:
                target = (
                    self.gs.findings
                    if self.gs
                    else (self.isa.findings if self.isa else self.file.findings)
                )
            else:
                target = self.st.findings if self.st else self.file.findings
        if len(target) >= MAX_SET_FINDINGS and self._full(target):
            # already rejected for an error: further findings are not kept (bounded memory)
            return target[-1]
        f = Finding(
            snip_level=snip,
            severity=severity,
            level=level,
            code=code,
            message=message,
            segment_id=seg_id,
            line=line,
            offset=offset,
            element=element,
            value=value,
            segment_position=position,
            interchange_control_number=self.isa.control_number if self.isa else None,
            group_control_number=self.gs.control_number if self.gs else None,
            transaction_control_number=self.st.control_number if self.st else None,
        )
        target.append(f)
        self._count(1)
        return f

    def _count(self, n: int) -> None:
        self.total_findings += n
        if self.total_findings > MAX_FILE_FINDINGS and not self.stop:
            self.stop = True
            self.file.findings.append(
                Finding(
                    1,
                    Severity.REJECT_FILE,
                    Level.INTERCHANGE,
                    "024",
                    f"{_MORE} {MAX_FILE_FINDINGS:,} problems in this file: reading stopped "
                    f"at line {self.last_line}; correct the file and send it again",
                    line=self.last_line,
                )
            )

    def _full(self, target: list[Finding]) -> bool:
        """Whether ``target`` holds an error; then a last finding says the rest is left out."""
        last = target[-1]
        if last.message.startswith(_MORE):
            return True
        if not any(f.is_error for f in target):
            return False
        target.append(
            Finding(
                1,
                last.severity if last.is_error else Severity.REJECT_FILE,
                last.level,
                last.code,
                f"{_MORE} {MAX_SET_FINDINGS:,} problems here: only the first "
                f"{MAX_SET_FINDINGS:,} are listed",
                last.segment_id,
                line=last.line,
            )
        )
        return True

    # --- envelope -------------------------------------------------------------------------------

    def _envelope(self, elems: list[str], line: int, offset: int, ele: str) -> None:
        sid = elems[0]
        self.last_line = line
        if sid == "ISA":
            self._isa(elems, line, offset)
        elif sid == "GS":
            self._gs(elems, line, offset)
        elif sid == "ST":
            self._st(elems, line, offset)
        elif sid == "SE":
            self._se(elems, line, offset)
        elif sid == "GE":
            self._ge(elems, line, offset)
        elif sid == "IEA":
            self._iea(elems, line, offset)
        else:
            self._stray(elems, line, offset, ele)

    def _stray(self, elems: list[str], line: int, offset: int, ele: str) -> None:
        sid = elems[0]
        if not sid:
            if self.st is not None:
                self.st.segment_count += 0
                self._finding(
                    Level.SEGMENT,
                    "1",
                    1,
                    "Empty segment: two segment terminators in a row with nothing "
                    "between them. Remove the extra terminator.",
                    "",
                    line,
                    offset,
                    position=(self.walker.position + 1) if self.walker else None,
                )
            else:
                self._finding(
                    Level.INTERCHANGE,
                    "024",
                    1,
                    "Empty segment: two segment terminators in a row",
                    "",
                    line,
                    offset,
                )
            return
        if sid.startswith("ISA") and len(sid) > 3:
            self._finding(
                Level.INTERCHANGE,
                "026",
                1,
                f"An interchange starting here uses a different element separator "
                f"({sid[3]!r}) from the first interchange ({ele!r}); send each "
                "interchange in its own file",
                "ISA",
                line,
                offset,
                target=self.file.findings,
            )
            self.stop = True
            return
        head = sid[:3]
        alien = next((c for c in sid if not c.isalnum()), None)
        if alien is not None:
            if self.mismatch is not None:
                self.mismatch_count += 1
                self.mismatch.message = self.mismatch_text + (
                    f" ({self.mismatch_count} more segments after it have the same problem)"
                )
                return
            msg = (
                f"Segment {sid[:20]!r} does not use the element separator {ele!r} "
                f"declared in the ISA (byte 4); it seems to use {alien!r}. Every segment "
                "must use the separators the ISA declares"
            )
            self.mismatch_text = msg
            self.mismatch = self._finding(
                Level.INTERCHANGE, "026", 1, msg, sid.split(alien, 1)[0][:3], line, offset
            )
            return
        elif self.isa is None:
            msg = f"Segment {head} is outside an interchange (no ISA before it)"
            code = "024"
        elif self.gs is None:
            msg = f"Segment {head} is outside a functional group (no GS before it)"
            code = "024"
        else:
            msg = f"Segment {head} is outside a transaction set (no ST before it)"
            code = "024"
        if self.st is not None:
            # Inside a transaction set that is not supported (already rejected as a whole):
            # its segments are only counted for SE01.
            return
        if sid == "TA1" and self.isa is not None and self.gs is None:
            # TA1 acknowledgments may sit between ISA and the first GS
            bad = next((i for i, e in enumerate(elems[1:], 1) if not _plain(e)), None)
            if bad is not None:
                self._finding(
                    Level.INTERCHANGE,
                    "024",
                    1,
                    f"TA1{bad:02d} holds a character outside the X12 character set",
                    "TA1",
                    line,
                    offset,
                    f"TA1{bad:02d}",
                    elems[bad],
                )
            return
        else:
            self._finding(Level.INTERCHANGE, code, 1, msg, head, line, offset)

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
        delims = self.delims
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
            delimiters=delims,
            line=line,
        )
        self.isa = isa
        self.file.interchanges.append(isa)
        self.gs_count = 0
        self.gs_ids = set()
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
        for i, width in enumerate(_ISA_WIDTHS, 1):
            value = el[i]
            if not _plain(value) and i not in (11, 16):
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
        if el[12] != "00501" and len(el[12]) == 5:
            code = "003" if el[12].isdigit() else "017"
            self._finding(
                Level.INTERCHANGE,
                code,
                1,
                f"ISA12 interchange version {el[12]!r} is not supported; this gateway "
                "reads 00501 (X12 5010) interchanges",
                "ISA",
                line,
                offset,
                "ISA12",
                el[12],
            )
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

    def _gs(self, elems: list[str], line: int, offset: int) -> None:
        if self.isa is None:
            self._finding(
                Level.INTERCHANGE,
                "024",
                1,
                "GS segment outside an interchange (no ISA before it)",
                "GS",
                line,
                offset,
            )
            return
        if self.gs is not None:
            self._finding(
                Level.GROUP,
                "3",
                1,
                f"A new GS starts before the GE trailer of group {self.gs.control_number}: "
                "its GE is missing",
                "GE",
                line,
                offset,
            )
            self._close_gs()
        el = elems + [""] * (10 - len(elems)) if len(elems) < 10 else elems
        gs = GroupResult(
            functional_id=printable(el[1]),
            sender_id=printable(el[2]),
            receiver_id=printable(el[3]),
            date=printable(el[4]),
            time=printable(el[5]),
            control_number=printable(el[6]),
            version=printable(el[8]),
            line=line,
        )
        self.gs = gs
        self.isa.groups.append(gs)
        self.gs_count += 1
        self.st_count = 0
        self.st_ids = set()
        for pos, ok, text in (
            (1, bool(el[1]), "GS01 functional identifier code is missing"),
            (2, 2 <= len(el[2]) <= 15, "GS02 application sender code must be 2-15 characters"),
            (3, 2 <= len(el[3]) <= 15, "GS03 application receiver code must be 2-15 characters"),
            (4, len(el[4]) == 8 and is_valid_date(el[4]), "GS04 is not a valid date (CCYYMMDD)"),
            (5, is_valid_time(el[5]), "GS05 is not a valid time (HHMM)"),
            (
                6,
                el[6].isdigit() and el[6].isascii() and len(el[6]) <= 9,
                "GS06 group control number must be 1-9 digits",
            ),
            (7, el[7] == "X", "GS07 responsible agency code must be X"),
            *(
                (pos, False, f"GS{pos:02d} holds a character outside the X12 character set")
                for pos in range(1, len(elems))
                if not _plain(elems[pos])
            ),
        ):
            if not ok:
                self._finding(
                    Level.GROUP, "6", 1, text, "GS", line, offset, f"GS{pos:02d}", el[pos]
                )
        if el[6] in self.gs_ids:
            self._finding(
                Level.GROUP,
                "6",
                1,
                f"GS06 group control number {el[6]} is used twice in this interchange",
                "GS",
                line,
                offset,
                "GS06",
                el[6],
            )
        self.gs_ids.add(el[6])
        if el[1] and el[1] not in _SUPPORTED_FUNCTIONAL_IDS:
            self._finding(
                Level.GROUP,
                "1",
                1,
                f"Functional group {el[1]!r} is not supported "
                "(this gateway reads HC 837, BE 834 and HP 835 groups)",
                "GS",
                line,
                offset,
                "GS01",
                el[1],
            )
        elif not any(g.version == el[8] for g in GUIDES):
            self._finding(
                Level.GROUP,
                "2",
                1,
                f"GS08 version {el[8]!r} is not supported; expected one of "
                + ", ".join(g.version for g in GUIDES[:5]),
                "GS",
                line,
                offset,
                "GS08",
                el[8],
            )

    def _st(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is not None:
            self._finding(
                Level.TRANSACTION,
                "2",
                1,
                f"A new ST starts before the SE trailer of "
                f"transaction set {self.st.control_number}: its SE is missing",
                "SE",
                line,
                offset,
            )
            self._close_st(None)
        if self.gs is None or self.isa is None:
            self._finding(
                Level.INTERCHANGE,
                "024",
                1,
                "ST segment outside a functional group (no GS before it)",
                "ST",
                line,
                offset,
            )
            return
        st01 = elems[1] if len(elems) > 1 else ""
        st02 = elems[2] if len(elems) > 2 else ""
        st03 = elems[3] if len(elems) > 3 else ""
        version = st03 or self.gs.version
        guide = guide_for(st01, version)
        st = TransactionSetResult(
            st01=printable(st01),
            control_number=printable(st02),
            version=printable(version),
            guide=guide.key if guide else None,
            line=line,
        )
        self.st = st
        self.gs.transaction_sets.append(st)
        self.st_count += 1
        self.set_index += 1
        if st02 in self.st_ids:
            self._finding(
                Level.TRANSACTION,
                "23",
                1,
                f"ST02 control number {st02} is used twice in this functional group",
                "ST",
                line,
                offset,
                "ST02",
                st02,
                position=1,
            )
        self.st_ids.add(st02)
        if not st02 or not st02.isdigit() or not 4 <= len(st02) <= 9:
            self._finding(
                Level.TRANSACTION,
                "7",
                1,
                f"ST02 control number {st02!r} must be 4-9 digits",
                "ST",
                line,
                offset,
                "ST02",
                st02,
                position=1,
            )
        if st03 and self.gs.version and st03 != self.gs.version:
            self._finding(
                Level.TRANSACTION,
                "I6",
                2,
                f"ST03 {st03!r} differs from GS08 {self.gs.version!r}; both must name the "
                "same implementation guide",
                "ST",
                line,
                offset,
                "ST03",
                st03,
                position=1,
            )
        if (
            guide is not None
            and self.allowed_guides is not None
            and guide.key not in self.allowed_guides
        ):
            may = ", ".join(sorted(self.allowed_guides)) or "none"
            self._finding(
                Level.TRANSACTION,
                "1",
                7,
                f"Transaction set {guide.key} is not accepted from this trading partner: "
                f"its role may send {may}",
                "ST",
                line,
                offset,
                "ST01",
                st01,
                position=1,
            )
            st.guide = None
            self.walker = None
            self.header = None
            return
        if guide is None:
            known = {g.st01 for g in GUIDES}
            if st01 not in known:
                self._finding(
                    Level.TRANSACTION,
                    "1",
                    1,
                    f"Transaction set {st01!r} is not supported",
                    "ST",
                    line,
                    offset,
                    "ST01",
                    st01,
                    position=1,
                )
            else:
                self._finding(
                    Level.TRANSACTION,
                    "I6",
                    2,
                    f"Implementation guide {version!r} is not supported for {st01}; "
                    "expected " + ", ".join(g.version for g in GUIDES if g.st01 == st01),
                    "ST",
                    line,
                    offset,
                    "ST03" if st03 else "GS08",
                    version,
                    position=1,
                )
            st.guide = None
            self.walker = None
            self.header = None
            return
        if self.gs.functional_id != guide.functional_id:
            self._finding(
                Level.TRANSACTION,
                "6",
                2,
                f"Transaction set {st01} belongs in a {guide.functional_id} functional "
                f"group, not {self.gs.functional_id!r}",
                "ST",
                line,
                offset,
                "ST01",
                st01,
                position=1,
            )
        isa = self.isa
        self.header = TransactionHeader(
            guide=guide.key,
            version=version,
            st_control_number=st02,
            gs_control_number=self.gs.control_number,
            isa_control_number=isa.control_number,
            sender_id=isa.sender_id,
            receiver_id=isa.receiver_id,
            gs_sender_id=self.gs.sender_id,
            gs_receiver_id=self.gs.receiver_id,
            interchange_index=len(self.file.interchanges),
            group_index=self.gs_count,
            set_index=self.set_index,
        )
        tmap = load_map(guide)
        walker = TransactionWalker(
            tmap,
            self.header,
            isa.delimiters.component,
            isa.delimiters.repetition,
            st.findings,
            self.pending_units.append if self.want_units else None,
        )
        walker.line = line
        walker.offset = offset
        # ST itself: check its elements against the guide.
        walker._segment_contents(tmap.st, elems)
        self.walker = walker

    def _se(self, elems: list[str], line: int, offset: int) -> None:
        st = self.st
        if st is None:
            self._finding(
                Level.INTERCHANGE, "024", 1, "SE segment without a matching ST", "SE", line, offset
            )
            return
        self._close_st(elems, line, offset)

    def _close_st(self, se: list[str] | None, line: int = 0, offset: int = 0) -> None:
        st = self.st
        assert st is not None
        self._count(len(st.findings))
        walker = self.walker
        if se is None:
            st.segment_count = walker.position if walker else 0
            if walker is not None:
                walker.abandon()
        else:
            if walker is not None:
                walker.finish(line, offset)
                walker._segment_contents(walker.tmap.se, se)
                count = walker.position
            else:
                count = line - st.line + 1
            st.segment_count = count
            se01 = se[1] if len(se) > 1 else ""
            se02 = se[2] if len(se) > 2 else ""
            if se01 != str(count):
                self._finding(
                    Level.TRANSACTION,
                    "4",
                    1,
                    f"SE01 says {se01 or 'nothing'} segments; the set has {count} (ST through SE)",
                    "SE",
                    line,
                    offset,
                    "SE01",
                    se01,
                    position=count,
                )
            if printable(se02) != st.control_number:
                self._finding(
                    Level.TRANSACTION,
                    "3",
                    1,
                    f"SE02 {se02!r} does not match ST02 {st.control_number!r}",
                    "SE",
                    line,
                    offset,
                    "SE02",
                    se02,
                    position=count,
                )
            st.complete = True
        if walker is not None:
            st.units = walker.units
        if self.isa is not None and self.isa.rejected:
            st.rejected_by_envelope = True
        if self.pending_units:  # units closed by SE come before the set's own event
            self.events_out.extend(UnitEvent(u) for u in self.pending_units)
            self.pending_units.clear()
        if self.header is not None and self.isa is not None and self.gs is not None:
            root = walker.root if walker is not None and se is not None else None
            self.events_out.append(SetEvent(self.header, st, self.isa, self.gs, root))
        self.st = None
        self.walker = None
        self.header = None

    def _ge(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is not None:
            self._finding(
                Level.TRANSACTION,
                "2",
                1,
                f"The SE trailer of transaction set "
                f"{self.st.control_number} is missing (GE came first)",
                "SE",
                line,
                offset,
            )
            self._close_st(None)
        gs = self.gs
        if gs is None:
            self._finding(
                Level.INTERCHANGE, "024", 1, "GE segment without a matching GS", "GE", line, offset
            )
            return
        ge01 = elems[1] if len(elems) > 1 else ""
        ge02 = elems[2] if len(elems) > 2 else ""
        if ge01 != str(self.st_count) or not _plain(ge01):
            self._finding(
                Level.GROUP,
                "5",
                1,
                f"GE01 says {ge01 or 'nothing'} transaction sets; the group has {self.st_count}",
                "GE",
                line,
                offset,
                "GE01",
                ge01,
            )
        if printable(ge02) != gs.control_number or not _plain(ge02):
            self._finding(
                Level.GROUP,
                "4",
                1,
                f"GE02 {ge02!r} does not match GS06 {gs.control_number!r}",
                "GE",
                line,
                offset,
                "GE02",
                ge02,
            )
        gs.complete = True
        self._close_gs()

    def _close_gs(self) -> None:
        gs = self.gs
        if gs is not None and gs.has_errors:
            for st in gs.transaction_sets:
                st.rejected_by_envelope = True
        self.gs = None

    def _iea(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is not None:
            self._finding(
                Level.TRANSACTION,
                "2",
                1,
                f"The SE trailer of transaction set "
                f"{self.st.control_number} is missing (IEA came first)",
                "SE",
                line,
                offset,
            )
            self._close_st(None)
        if self.gs is not None:
            self._finding(
                Level.GROUP,
                "3",
                1,
                f"The GE trailer of group {self.gs.control_number} is missing (IEA came first)",
                "GE",
                line,
                offset,
            )
            self._close_gs()
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
        if iea01 != str(self.gs_count) or not _plain(iea01):
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
        if printable(iea02.strip()) != isa.control_number or not _plain(iea02):
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
        where = "the end of the file"
        if self.st is not None:
            self._finding(
                Level.TRANSACTION,
                "2",
                1,
                f"The file ends inside transaction set "
                f"{self.st.control_number}: its SE trailer is missing",
                "SE",
                last_line,
                self.last_offset,
            )
            self._close_st(None)
        if self.gs is not None:
            self._finding(
                Level.GROUP,
                "3",
                1,
                f"The GE trailer of group {self.gs.control_number} is missing at {where}",
                "GE",
                last_line,
                self.last_offset,
            )
            self._close_gs()
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


def _plain(value: str) -> bool:
    """Printable ASCII only: no control character (NUL...) and no byte above 0x7E."""
    return value.isascii() and value.isprintable()


def _drain(stream: BinaryIO) -> int:
    total = 0
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return total
        total += len(chunk)


def _stream_size(stream: BinaryIO) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0
