"""The validation engine: a file streamed through the envelope levels (ISA/GS/ST) around
the per-set guide walk.

``Validator.events(source)`` streams a file and yields :class:`UnitEvent` for each
claim/member/claim payment (when asked for), :class:`SetEvent` at each SE, and finally
one :class:`FileEvent` with the complete :class:`~parsers.results.FileResult`.
``validate(source)`` runs it for the result alone. Nothing here raises on bad input:
every problem becomes a :class:`~parsers.findings.Finding`. The checks of each envelope
level are in :mod:`parsers.envelope`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from .envelope.interchange import InterchangeLevel
from .envelope.state import MAX_FILE_FINDINGS, plain
from .events import Event, FileEvent, SetEvent, UnitEvent
from .findings import Finding, Level, Severity
from .results import FileResult
from .tokenizer import (
    CHUNK_SIZE,
    MAX_SEGMENT,
    Delimiters,
    SegmentBatch,
    open_source,
    read_delimiters,
    tokenize,
)
from .walker import TransactionWalker

__all__ = [
    "MAX_FILE_FINDINGS",
    "Event",
    "FileEvent",
    "SetEvent",
    "Source",
    "UnitEvent",
    "Validator",
    "validate",
]

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

_ENVELOPE = frozenset(("ISA", "IEA", "GS", "GE", "ST", "SE"))
_BOM = b"\xef\xbb\xbf"
_SNIFF = 4096


def validate(source: Source) -> FileResult:
    """Validate a whole file (bytes, a path or a binary stream) at SNIP levels 1 and 2."""
    return Validator().run(source)


class Validator(InterchangeLevel):
    """Streams one file through tokenizer, envelope checks and guide walks.

    Keyword arguments: ``units`` (hand out a :class:`UnitEvent` per claim, member or claim
    payment), ``chunk_size`` (bytes read at a time), ``seen_interchanges`` ((sender,
    receiver, ISA13) received before: duplicates are rejected), ``allowed_senders`` (the
    ISA06 ids the submitting partner may use) and ``allowed_guides`` (the guides its role
    may send).
    """

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
        head, skipped = self._sniff(stream)
        delims, problem = read_delimiters(head[:_SNIFF].decode("latin-1"))
        if delims is None:
            self._unusable(
                head,
                problem.message if problem else "Not an X12 file",
                skipped,
                had_bytes=skipped > 0,
            )
        else:
            self._reset(delims, problem)
            yield from self._segments(stream, head, skipped, delims)
        _drain(stream)
        self.file.size = _stream_size(stream)
        yield FileEvent(self.file)

    def _sniff(self, stream: BinaryIO) -> tuple[bytes, int]:
        """The first bytes of the file, from its ISA on (a byte-order mark and leading
        whitespace are skipped), and how many bytes were skipped."""
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
        return head, skipped

    def _segments(
        self, stream: BinaryIO, head: bytes, skipped: int, delims: Delimiters
    ) -> Iterator[Event]:
        """Every segment: data segments to the open set's walker, envelope segments to
        their level; then whatever is still open is closed at the end of the file."""
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
            if not self.stop:
                self._batch_end(batch, delims, first, last_line)
            if self.stop:
                break
        self._end_of_file(last_line)
        if self.events_out:
            yield from self.events_out
            self.events_out.clear()
        self.file.segments = last_line

    def _batch_end(self, batch: SegmentBatch, delims: Delimiters, first: int, last: int) -> None:
        """What the tokenizer noticed in a batch: a segment cut for being far too long, a
        file ending in the middle of a segment."""
        segs = batch.segments
        if batch.cut:
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
                line=last,
            )

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
        """A segment that is not in the open set's walk: empty, written with other
        separators, a TA1, or outside the envelope it needs."""
        sid = elems[0]
        if not sid:
            self._empty_segment(line, offset)
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
        alien = next((c for c in sid if not c.isalnum()), None)
        if alien is not None:
            self._other_separator(sid, alien, ele, line, offset)
        elif self.st is not None:
            # Inside a transaction set that is not supported (already rejected as a whole):
            # its segments are only counted for SE01.
            return
        elif sid == "TA1" and self.isa is not None and self.gs is None:
            self._ta1(elems, line, offset)
        else:
            self._outside_envelope(sid[:3], line, offset)

    def _empty_segment(self, line: int, offset: int) -> None:
        """Two segment terminators in a row."""
        if self.st is not None:
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

    def _other_separator(self, sid: str, alien: str, ele: str, line: int, offset: int) -> None:
        """A segment written with another element separator than the ISA declares: one
        finding, which counts the segments after it with the same problem."""
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

    def _ta1(self, elems: list[str], line: int, offset: int) -> None:
        """TA1 acknowledgments may sit between ISA and the first GS."""
        bad = next((i for i, e in enumerate(elems[1:], 1) if not plain(e)), None)
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

    def _outside_envelope(self, head: str, line: int, offset: int) -> None:
        if self.isa is None:
            msg = f"Segment {head} is outside an interchange (no ISA before it)"
        elif self.gs is None:
            msg = f"Segment {head} is outside a functional group (no GS before it)"
        else:
            msg = f"Segment {head} is outside a transaction set (no ST before it)"
        self._finding(Level.INTERCHANGE, "024", 1, msg, head, line, offset)


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
