"""Streaming X12 tokenizer: bytes in, segments (element lists) with positions out.

The delimiters are read from the ISA header of each interchange: the element separator
is byte 4, the repetition separator ISA11, the component separator ISA16 and the
segment terminator the byte after ISA16. Whitespace (CR, LF, spaces, tabs) after a
terminator is ignored, so ``~``, ``~\\n``, ``~\\r\\n`` and newline-as-terminator files
all read the same.

A segment longer than ``MAX_SEGMENT`` characters (no real segment comes near it: a file
without terminators, or a huge element) is kept only up to that length, as a batch of its
own whose ``cut`` says how many bytes were skipped: memory stays bounded and reading stays
linear whatever the input.

Input is decoded as Latin-1, which maps every byte to one character: character offsets
in a chunk are byte offsets in the file, and no byte sequence can fail to decode.
Anything outside the X12 character sets is reported by the validator, not here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import BinaryIO

__all__ = [
    "CHUNK_SIZE",
    "ISA_LENGTH",
    "MAX_SEGMENT",
    "Delimiters",
    "IsaProblem",
    "SegmentBatch",
    "open_source",
    "read_delimiters",
    "tokenize",
]

CHUNK_SIZE = 1 << 20
ISA_LENGTH = 106
MAX_SEGMENT = 1 << 20
_WS = " \t\r\n"


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    repetition: str = "^"
    component: str = ":"
    segment: str = "~"

    def as_bytes(self) -> bytes:
        return (self.element + self.repetition + self.component + self.segment).encode("latin-1")


@dataclass(frozen=True, slots=True)
class IsaProblem:
    """Why the delimiters could not be read cleanly from an ISA (TA1 note code + text)."""

    note_code: str
    message: str


def read_delimiters(head: str) -> tuple[Delimiters | None, IsaProblem | None]:
    """Read the delimiters from the start of an interchange (``head`` starts at ``ISA``).

    Returns the delimiters (None when none can be found) and a problem when the ISA is not
    the fixed 106 characters (the delimiters are then recovered from the element count).
    """
    if len(head) < 4 or not head.startswith("ISA"):
        return None, IsaProblem("024", "The file does not start with an ISA segment")
    ele = head[3]
    if ele.isalnum() or ele in _WS:
        return None, IsaProblem("026", f"Invalid data element separator {ele!r} after ISA")
    if len(head) >= ISA_LENGTH and head.count(ele, 0, ISA_LENGTH) == 16:
        fixed = head[:ISA_LENGTH]
        if fixed.rfind(ele) == 103:
            comp, term = fixed[104], fixed[105]
            rep = fixed[82]
            delims = _make(ele, rep, comp, term)
            if delims is not None:
                return delims, None
    # Not a fixed-width ISA: find the 16th separator and read ISA16 and the terminator.
    pos = -1
    for _ in range(16):
        pos = head.find(ele, pos + 1)
        if pos < 0:
            return None, IsaProblem(
                "023", "The ISA segment is truncated: fewer than 16 elements before end of file"
            )
    if pos + 2 >= len(head):
        return None, IsaProblem("023", "The ISA segment is truncated before its terminator")
    comp, term = head[pos + 1], head[pos + 2]
    parts = head[:pos].split(ele)
    rep = parts[11] if len(parts) > 11 and len(parts[11]) == 1 else "^"
    delims = _make(ele, rep, comp, term)
    if delims is None:
        return None, IsaProblem("027", "The ISA component separator or terminator is invalid")
    length = pos + 3
    return delims, IsaProblem(
        "024",
        f"The ISA segment is {length} characters long; it must be exactly {ISA_LENGTH} "
        "(every ISA field is fixed width, pad with spaces)",
    )


def _make(ele: str, rep: str, comp: str, term: str) -> Delimiters | None:
    if term.isalnum() or comp.isalnum() or len({ele, comp, term}) != 3:
        return None
    if rep.isalnum() or rep in (ele, comp, term) or rep in _WS:
        rep = ""
    return Delimiters(ele, rep, comp, term)


class SegmentBatch:
    """A run of consecutive segments from one chunk of the file.

    ``segments[i]`` is the element list of a segment (``[seg_id, e01, e02, ...]``);
    ``first_ordinal + i`` its 1-based position in the file (ISA of the first interchange
    = 1) and ``offset(i)`` its byte offset. An empty segment (``~~``) is ``[""]``.
    """

    __slots__ = (
        "_offsets",
        "_pieces",
        "base",
        "cut",
        "first_ordinal",
        "segments",
        "term_len",
        "unterminated",
    )

    def __init__(
        self,
        segments: list[list[str]],
        pieces: list[str],
        base: int,
        first_ordinal: int,
        unterminated: bool = False,
        term_len: int = 1,
        cut: int = 0,
    ) -> None:
        self.segments = segments
        self._pieces = pieces
        self.base = base
        self.first_ordinal = first_ordinal
        #: True when the last segment of the file has no terminator (truncated file).
        self.unterminated = unterminated
        self.term_len = term_len
        #: bytes skipped from the end of the (only) segment, longer than MAX_SEGMENT
        self.cut = cut
        self._offsets: list[int] | None = None

    def offset(self, index: int) -> int:
        """Byte offset of segment ``index`` (first character of its id)."""
        cum = self._offsets
        if cum is None:
            cum = self._offsets = [0, *accumulate(map(len, self._pieces))]
        piece = self._pieces[index]
        lead = len(piece) - len(piece.lstrip(_WS))
        return self.base + cum[index] + index * self.term_len + lead


def open_source(
    source: bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO,
) -> BinaryIO:
    """Open bytes, a path or a binary stream as a binary stream."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")
    return source


def tokenize(
    stream: BinaryIO,
    delims: Delimiters,
    *,
    prefix: bytes = b"",
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[SegmentBatch]:
    """Split a stream into segment batches using the given delimiters.

    ``prefix`` holds bytes already read from the start of the stream (while sniffing the
    ISA); offsets count from the first byte of ``prefix``.
    """
    term = delims.segment
    ele = delims.element
    carry = prefix.decode("latin-1")
    held: list[str] = []  # chunks without a terminator, after carry
    held_len = 0
    cut = 0  # characters skipped from the segment being read
    base = 0
    ordinal = 1
    while True:
        data = stream.read(chunk_size)
        final = not data
        chunk = data.decode("latin-1") if data else ""
        if not final and term not in chunk and term not in carry:
            # No segment ends here: hold the chunk rather than split the carry again (which
            # would be quadratic), and no more than MAX_SEGMENT of it.
            room = max(0, MAX_SEGMENT - len(carry) - held_len)
            if room:
                held.append(chunk[:room])
                held_len += len(held[-1])
            cut += len(chunk) - min(room, len(chunk))
            continue
        if held:
            carry += "".join(held)
            held.clear()
            held_len = 0
        if cut or len(carry) >= MAX_SEGMENT:
            end = chunk.find(term)
            if end < 0:
                end = len(chunk)
            whole = carry + chunk[:end]
            piece = whole[:MAX_SEGMENT]
            cut += len(whole) - len(piece)
            seg = piece.split(ele) if piece[:1] not in _WS else piece.lstrip(_WS).split(ele)
            yield SegmentBatch([seg], [piece], base, ordinal, final, len(term), cut)
            ordinal += 1
            base += len(piece) + cut + len(term)
            carry, chunk, cut = "", chunk[end + len(term) :], 0
            if final:
                return
        text = carry + chunk if chunk else carry
        pieces = text.split(term)
        unterminated = False
        if final:
            carry = ""
            if pieces and not pieces[-1].strip(_WS):
                pieces.pop()
            elif pieces:
                unterminated = True
        else:
            carry = pieces.pop()
        if pieces:
            segs = [p.split(ele) if p[:1] not in _WS else p.lstrip(_WS).split(ele) for p in pieces]
            yield SegmentBatch(segs, pieces, base, ordinal, unterminated, len(term))
            ordinal += len(segs)
            base += sum(map(len, pieces)) + len(pieces) * len(term)
        if final:
            return
