"""pyx12 4.0.0 as a typed reference ("oracle") for differential tests.

``run_pyx12(data)`` validates one input with pyx12's ``x12n_document`` and returns
an ``OracleResult``; ``validate_ack(ack)`` checks a 999, 277CA or TA1 interchange
that we produced with pyx12's own maps. Neither raises. Nothing of pyx12's
lowercase API leaks past this module.

Results
-------
``OracleResult.verdict`` is ``"accepted"`` / ``"rejected"`` (what ``x12n_document``
returned) or ``"crashed"`` (it raised). ``ack`` is the 997/999 pyx12 wrote, or
None: none is written for a functional group of acknowledgments (GS01=FA), for a
file pyx12 refuses, on a crash, or when writing it failed; ``ack_failure`` then
holds pyx12's "Failed to create 999 response" message and the exception.
``errors`` lists every error pyx12 reported, in the order it reported them: one
per ERROR record pyx12 logs (the 999-writing failure goes to ``ack_failure``
instead), then the ``crash`` error if pyx12 raised.

``OracleError`` fields:

* ``level``: pyx12's ``isa`` / ``gs`` / ``st`` (envelope), ``seg`` (IK3-like) or
  ``ele`` (IK4-like), plus two added here: ``file`` (pyx12 refused the input as
  "does not look like an X12 data file"; code ``X12Error``) and ``crash`` (pyx12
  raised; code = exception class, message = ``"Class: text"``).
* ``code``: pyx12's own code: TA1 note code (``001``, ``023``...), AK905-like
  (``3``, ``4``, ``5``, ``6``), IK502-like (``2``, ``3``, ``4``, ``23``), IK304
  (``1``...``8``) or IK403 (``1``...``10``). pyx12 also uses codes that are not
  X12 codes: ``SEG1`` (trailing element separator), ``HL1`` (HL01 out of
  sequence), ``HL2`` (HL02 not a valid parent), ``LX`` (2400 LX01 out of sequence).
* ``line``: the line pyx12 reports, which is the **segment ordinal in the file,
  ISA = 1**, counted across every interchange in the file and never reset; it
  is not a physical text line. Confirmed: 834/lfh_enroll_employee_managed_care.x12
  (one segment per text line) reports "Line:10 SEG:1 - Segment DTP*358 not found";
  the same bytes with every newline removed, and with three newlines after
  every ``~``, report Line:10 as well; DTP is the 10th segment (IK3*DTP*8: 8th in
  its transaction set). Over the corpus, all 11,928 ``ele`` errors and 3,523 of
  3,550 attached ``seg`` errors name the segment at that ordinal. The rest: a
  "missing" error (code 3) carries the id of the missing segment but the line
  of the segment where pyx12 noticed the gap (see also c8). Envelope errors
  carry the line of the ISA/GS/ST header even when found at the trailer
  ("Line:1 ISA:001 - IEA id=000000001 does not match ISA id=000000286" in
  999/ims_999_accepted.x12; "Line:3 ST:4 - SE count ..." for any SE01 error).
  ``file`` errors have no line; a ``crash`` has the ordinal of the last segment
  read, or None.
* ``seg_id`` / ``seg_pos``: the segment node pyx12 attached the error to (what
  its IK301/IK302 say): ``seg_pos`` counts from ST = 1. ISA/GS/ST/IEA/GE/SE for
  element errors on envelope segments (``seg_pos`` 1 for ST, else None). None
  for envelope-level errors and for errors pyx12 could not attach.
* ``ele_ref``: pyx12's reference designator, e.g. ``BPR16``, ``HI01-02``,
  ``SVC06-01`` (composite components zero padded, as in pyx12's messages).
* ``message`` / ``value``: pyx12's text and the offending value (IK404-like).
* ``attached``: False when pyx12 logged the error but could not attach it to its
  error tree ("No current segment in error_handler."): such an error never
  reaches the 999 and does not change the verdict.
* ``pyx12_log_text()`` re-renders the line pyx12 logs (MANIFEST ``first_messages``).

How it is collected: ``x12n_document`` builds its own ``err_handler``; while
pyx12 runs, ``pyx12.error_handler.err_handler`` is swapped for a subclass that
records each ``isa/gs/st/seg/ele_error`` call with the tree node it lands on,
and an ERROR log handler picks up the two messages that bypass the tree ("does
not look like an X12 data file", "Failed to create 999 response"). During a
run the "pyx12" logger does not propagate (9,018 errors for one corpus file
would flood the root logger); a module lock serialises runs. Input: ``bytes``
and paths are decoded as strict ASCII with universal newlines, exactly as
pyx12 opens a file; a ``str`` is X12 text, never a path. ``ParamsBase()`` is
used, so no pyx12 config file on the machine changes the result.

Agreement with MANIFEST.json (tests/parsers/test_pyx12_oracle.py checks it): for all 62
corpus files the verdict ("exception" there = "crashed" here), the exception
text and the first logged messages agree, and so does the error count (the
``crash`` error excluded), except for the four 835 files, where MANIFEST counted
the text lines of pyx12's ERROR log and so counted the 15 lines of the "Failed
to create 999 response" record (message plus a 14-line traceback) as 15 errors:
8/5/13/6 real errors there, 23/20/28/21 in MANIFEST. Refused files: MANIFEST's
message quotes the path pyx12 was given, here it gives pyx12's reason instead.

Known pyx12 misbehaviours (intentional differences for a differential test)
---------------------------------------------------------------------------
(a) No 999 for an 835, ever. The X221A1 map marks ST03 as not used, but the 999
    writer needs ST03 for AK203. 835/lfh_tertiary_payment.x12 (``ST*835*0001``):
    the 6 validation errors are reported, then "Failed to create 999 response"
    with "EngineError: Cannot create AK2: err_st.vriic was not set"; the 999
    left behind stops after ``AK1*HP*1*005010X221A1`` (no AK2/IK5/AK9/SE/GE/IEA)
    and ``x12n_document`` still returns normally. With ``ST03=005010X221A1``
    added, pyx12 reports "Data element ... (ST03) is marked as Not Used" and the
    999 fails again with ``KeyError: 3`` (its ST-error code table only knows
    ST01/ST02). Here: ``ack`` None, ``ack_failure`` set; same for all four 835s.
(b) An empty segment (``~~``, or ``~`` + CR/LF + ``~``) silently ends the input.
    RawX12File stops at the first empty segment: no error for it, nothing after
    it is read, then the missing trailers are reported. 834/lfh_add_dependent.x12
    with ``~~`` after its 6th segment and a bad ``DTP*999*XX*2`` after that:
    only "Line:1 ISA:023 - ... (IEA=000010216) missing", "Line:2 GS:3 - ...
    (GE=20213) missing", "Line:3 ST:2 - ... (SE=0001) missing"; the bad DTP
    (reported as "Line:11 SEG:1 - Segment DTP*999 not found" without the ``~~``)
    is not seen; 999: ``IK5*R*2``, ``AK9*R*0*0*0*3``. ``~~`` right before IEA:
    only ISA:023, 999 ``IK5*A``. ``~~`` after IEA: accepted, and anything after
    it (a second interchange) is ignored. A whitespace-only segment (``~ ~``)
    crashes: ``IndexError: string index out of range``.
(c) Other behaviours seen in the corpus and in small variations of it:

    1. No map for GS08 005010X222A2 or 005010X223A3 (nor ``005010``): "EngineError:
       Map not found.  icvn=00501, fic=HC, vriic=005010X222A2" at the GS, nothing
       validated: all 17 ``lfh_*`` 837 files, broken/staedi_837_hl_nested.x12.
       005010X223A2 is validated with pyx12's X223A1 map (837i/ims_x223_test.x12).
    2. Crashes: a GS or ST header missing -> ``IndexError: list index out of
       range`` at the GE, after 34/33 errors (broken/ims_missing_first_gs.x12,
       broken/ims_missing_first_st.x12); any non-ASCII byte, a UTF-8 BOM included ->
       ``UnicodeDecodeError`` (the CDDL ``oop_*`` files; "DOÉ" in an 834);
       a TA1 with an invalid element before any ST -> ``AttributeError:
       'NoneType' object has no attribute 'children'`` (ta1/ims_ta1_then_999.x12,
       whose TA101 is ``101``; ``TA104=Q`` does the same).
    3. Refused as "not X12" (verdict rejected, no ack): ISA12 other than 00401 /
       00501 (837p/staedi_sample837_indented.x12, ISA12=00402) or a first segment
       other than ISA (broken/ims_no_isa_line.x12).
    4. Logged but not attached (``attached=False``), so no 999 entry and no effect
       on the verdict: a segment error on a GS or ST segment, e.g. a leading
       space (834/pyx12_example834.x12: "No current segment in error_handler.
       Line:2 SEG:1 - Segment contains a leading space"); a leading space before
       only the GS of an otherwise clean 834 gives verdict accepted, one error,
       999 ``IK5*A``. 'Mandatory loop "Functional Group Header" (GS_LOOP)
       missing' at every TA1 (and at the IEA of a TA1-only interchange), which is
       a false positive: X12 lets an interchange carry TA1s without groups.
    5. A space after each ``~`` (834/pyx12_example834.x12, 837i/ims_x223_test.x12)
       is an IK304=1 error on every following segment ("Segment contains a
       leading space"); CR/LF there is accepted.
    6. A segment whose id is known but whose qualifier matches no map entry is
       "not found" (IK304=1, Unrecognized segment ID, instead of IK304=8 +
       IK403=7) and every later segment of the loop cascades: broken/
       ims_bad_valid_code.x12 (``NM1*117``) gives IK3*NM1*7**1, IK3*N3*8**1,
       IK3*N4*9**1, IK3*REF*10**1...; 835/lfh_*: ``SVC*HC>55669`` with ISA16 ``:``
       makes SVC and the rest of loop 2110 "not found".
    7. Errors with non-X12 codes HL1, HL2, LX (HL or LX numbering) reject the file
       but produce no IK3 (only IK304 1-8, I4, I6-I9 are written); SEG1 becomes
       IK304=8 with no IK4 (837p/ims_valid.x12: the HL1/HL2 errors at line 27 and
       the LX error at line 33 have no IK3 in its 999).
    8. Reader errors of a segment pyx12 cannot place are attached to the next
       segment, and pyx12 then writes a 999 that fails its own 999 map:
       broken/ims_bad_segment_identifier.x12 (``*IC*...`` at position 4) gives
       ``IK3**4**1`` (IK301 empty), ``IK3*NM1*5**1`` for the empty segment id,
       and ``IK3*NM31*18**1`` (IK301 longer than 3); ``validate_ack`` on that 999
       reports IK301 missing and too long.
    9. Findings that are pyx12 opinions rather than X12/TR3 rules: dates before
       1800 are "invalid" (277ca/ims_277ca_accepted.x12 ``DTP*472*D8*10010101``:
       "Line:24 ELE:8 - ... (DTP03) contains an invalid date"); the X214 map
       makes 2200C STC (Billing Provider Status Information) Required ("Line:19
       SEG:3 - Mandatory segment ... (STC) missing" in the same file, a public
       eMedNY sample whose billing-provider level has TRN only; the hippo Ruby
       gem's 277 model gives 2200C TRN and STC minimum 0): check it against the
       TR3 before treating it as our bug.
   10. The 999 pyx12 writes: GS08/ST03/AK1 version 005010X231 (not X231A1);
       ISA09/ISA10/GS04/GS05 are the current time, ISA13 is built from the clock,
       GS06 is random (two acks in one minute share ISA13), so compare 999s
       below the GS; a TA1 (when ISA14=1) is written between GE and IEA, where
       X12 does not allow it, and pyx12 does not flag a TA1 there either; IK303
       is only ever an LS loop id, never the TR3 loop (2010AA...); no CTX. A
       999/997 input gets no ack.
   11. ``validate_ack`` blind spots: pyx12 checks each segment against the map but
       no cross-segment arithmetic, so AK902-AK904 counts that disagree with the
       AK2/IK5 segments, or ``IK5*R`` under ``AK9*A``, pass clean; so does a TA1
       after GE.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, TextIO

import pyx12.error_handler
import pyx12.params
import pyx12.rawx12file
import pyx12.x12n_document

__all__ = ["LEVELS", "OracleError", "OracleResult", "run_pyx12", "validate_ack"]

#: pyx12's five error levels, then the two pseudo-levels this adapter adds.
LEVELS: Final = ("isa", "gs", "st", "seg", "ele", "file", "crash")

_PYX12_LOGGER: Final = "pyx12"
_NOT_X12_LOG: Final = "does not look like an X12 data file"
_ACK_FAILED_LOGS: Final = ("Failed to create 997 response", "Failed to create 999 response")
_GS_LOOP_MISSING: Final = 'Mandatory loop "Functional Group Header" (GS_LOOP) missing'
_ENVELOPE_IDS: Final = {"ISA": "IEA", "GS": "GE", "ST": "SE"}

# x12n_document builds its own err_handler; the only way to observe every error
# with its tree position is to hand it a recording subclass by swapping the module
# attribute it looks up. The lock keeps concurrent oracle runs from interleaving.
_RUN_LOCK: Final = threading.Lock()


@dataclass(frozen=True)
class OracleError:
    """One error as pyx12 reported it (see the module docstring for each field)."""

    level: str
    code: str
    line: int | None
    seg_id: str | None
    seg_pos: int | None
    ele_ref: str | None
    message: str
    value: str | None
    attached: bool = True

    def pyx12_log_text(self) -> str:
        """The line pyx12's own logger writes for this error (as in MANIFEST.json)."""
        if self.level in ("file", "crash"):
            return self.message
        prefix = (
            "" if self.attached or self.level != "seg" else "No current segment in error_handler. "
        )
        where = f"Line:{self.line} " if self.line else ""
        text = f"{prefix}{where}{self.level.upper()}:{self.code} - {self.message}"
        return f"{text} ({self.value})" if self.value else text


@dataclass(frozen=True)
class OracleResult:
    """What pyx12 made of one input."""

    verdict: str
    errors: list[OracleError]
    ack: bytes | None
    ack_failure: str | None = None


class _RecordingErrHandler(pyx12.error_handler.err_handler):  # type: ignore[misc]
    """pyx12's own error tree, which also records each error in report order."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[OracleError] = []
        self.src: Any = None

    def add_isa_loop(self, seg_data: Any, src: Any) -> None:
        self.src = src
        super().add_isa_loop(seg_data, src)

    def isa_error(self, err_cde: str, err_str: str) -> None:
        super().isa_error(err_cde, err_str)
        self._envelope("isa", err_cde, err_str, self.cur_isa_node)

    def gs_error(self, err_cde: str, err_str: str) -> None:
        super().gs_error(err_cde, err_str)
        self._envelope("gs", err_cde, err_str, self.cur_gs_node)

    def st_error(self, err_cde: str, err_str: str) -> None:
        super().st_error(err_cde, err_str)
        self._envelope("st", err_cde, err_str, self.cur_st_node)

    def seg_error(
        self,
        err_cde: str,
        err_str: str,
        err_value: str | None = None,
        src_line: int | None = None,
    ) -> None:
        node = self.cur_seg_node
        before = len(node.errors) if isinstance(node, pyx12.error_handler.err_seg) else None
        super().seg_error(err_cde, err_str, err_value, src_line)
        attached = before is not None and len(node.errors) == before + 1
        line = src_line or (node.get_cur_line() if node is not None else None)
        seg_id, seg_pos = _node_position(node) if attached else (None, None)
        self.recorded.append(
            OracleError("seg", err_cde, line, seg_id, seg_pos, None, err_str, err_value, attached)
        )

    def ele_error(
        self,
        err_cde: str,
        err_str: str,
        bad_value: str | None,
        refdes: str | None = None,
    ) -> None:
        super().ele_error(err_cde, err_str, bad_value, refdes)
        node = self.cur_seg_node
        seg_id, seg_pos = _node_position(node)
        ele_ref = refdes or _ele_ref(seg_id, self.cur_ele_node)
        self.recorded.append(
            OracleError(
                "ele", err_cde, node.get_cur_line(), seg_id, seg_pos, ele_ref, err_str, bad_value
            )
        )

    def _envelope(self, level: str, code: str, message: str, node: Any) -> None:
        self.recorded.append(
            OracleError(level, code, node.get_cur_line(), None, None, None, message, None)
        )


def _node_position(node: Any) -> tuple[str | None, int | None]:
    if isinstance(node, pyx12.error_handler.err_seg):
        return node.seg_id, node.seg_count
    if isinstance(node, pyx12.error_handler.err_node) and node.id in _ENVELOPE_IDS:
        if node.is_closed():
            return _ENVELOPE_IDS[node.id], None
        return node.id, 1 if node.id == "ST" else None
    return None, None


def _ele_ref(seg_id: str | None, ele: Any) -> str | None:
    if seg_id is None or ele is None:
        return None
    ref = f"{seg_id}{ele.ele_pos:02d}"
    return f"{ref}-{ele.subele_pos:02d}" if ele.subele_pos else ref


class _LogCapture(logging.Handler):
    """Collects pyx12's ERROR records emitted by the running thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append(record)


@contextmanager
def _pyx12_instrumented() -> Iterator[tuple[list[_RecordingErrHandler], _LogCapture]]:
    """Run pyx12 with a recording error handler and its ERROR log captured."""
    created: list[_RecordingErrHandler] = []

    def make_handler() -> _RecordingErrHandler:
        created.append(_RecordingErrHandler())
        return created[-1]

    logger = logging.getLogger(_PYX12_LOGGER)
    capture = _LogCapture()
    with _RUN_LOCK:
        saved = (pyx12.error_handler.err_handler, logger.propagate, logger.level)
        pyx12.error_handler.err_handler = make_handler
        logger.addHandler(capture)
        logger.propagate = False  # pyx12 logs every error: keep that off the root logger
        logger.setLevel(logging.ERROR)
        try:
            yield created, capture
        finally:
            pyx12.error_handler.err_handler = saved[0]
            logger.removeHandler(capture)
            logger.propagate = saved[1]
            logger.setLevel(saved[2])


def _open_text(data: bytes | str | os.PathLike[str]) -> TextIO:
    """The text stream pyx12 gets from ``open(path, encoding="ascii")`` (universal newlines)."""
    if isinstance(data, str):
        return io.StringIO(data, newline=None)
    if not isinstance(data, bytes):
        with open(data, "rb") as fd:
            data = fd.read()
    return io.TextIOWrapper(io.BytesIO(data), encoding="ascii", newline=None)


def _not_x12_reason(data: bytes | str | os.PathLike[str]) -> str:
    try:
        with _open_text(data) as fd:
            pyx12.rawx12file.RawX12File(fd)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "reason unknown"


def _ack_failure(records: list[logging.LogRecord]) -> str | None:
    for record in records:
        if record.getMessage() in _ACK_FAILED_LOGS:
            exc = record.exc_info[1] if record.exc_info else None
            detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
            return record.getMessage() + detail
    return None


def run_pyx12(data: bytes | str | os.PathLike[str], map_path: str | None = None) -> OracleResult:
    """Validate ``data`` with pyx12's ``x12n_document``; never raises.

    ``bytes`` and path-like inputs are decoded as strict ASCII, as pyx12 itself opens
    a file; a ``str`` is X12 text, never a path. ``map_path`` is pyx12's map folder.
    """
    ack_fd = io.StringIO()
    with _pyx12_instrumented() as (created, capture):
        try:
            with _open_text(data) as stream:
                ok = pyx12.x12n_document.x12n_document(
                    pyx12.params.ParamsBase(), stream, ack_fd, None, map_path=map_path
                )
            verdict, crash = ("accepted" if ok else "rejected"), None
        except Exception as exc:
            verdict, crash = "crashed", exc
    errh = created[-1] if created else None
    errors = list(errh.recorded) if errh is not None else []
    reader = errh.src if errh is not None else None
    if crash is not None:
        line = reader.get_cur_line() if reader is not None else None
        name = type(crash).__name__
        errors.append(
            OracleError("crash", name, line, None, None, None, f"{name}: {crash}", None, False)
        )
    elif reader is None and any(_NOT_X12_LOG in r.getMessage() for r in capture.records):
        message = f"{_NOT_X12_LOG} ({_not_x12_reason(data)})"
        errors.append(OracleError("file", "X12Error", None, None, None, None, message, None, False))
    ack_failure = _ack_failure(capture.records)
    ack_text = ack_fd.getvalue()
    ack = ack_text.encode() if ack_text and ack_failure is None else None
    return OracleResult(verdict, errors, ack, ack_failure)


def _segment_ids(text: str) -> list[str]:
    """Segment ids of an ISA-led text, split on the terminator that ISA declares."""
    if not text.startswith("ISA") or len(text) < pyx12.rawx12file.ISA_LEN:
        return []
    ele_sep, term = text[3], text[pyx12.rawx12file.ISA_LEN - 1]
    return [piece.strip().split(ele_sep)[0] for piece in text.split(term)]


def validate_ack(ack: bytes) -> list[OracleError]:
    """pyx12's findings on an acknowledgment we produced; ``[]`` means clean.

    Takes a 999 (005010X231A1 or X231), a 277CA (005010X214) or an interchange
    carrying TA1 segments (alone or ahead of a 999), checked with pyx12's own
    maps. One pyx12 false positive is dropped: 'Mandatory loop "Functional Group
    Header" (GS_LOOP) missing', which pyx12 logs at every TA1 (and at the IEA of
    a TA1-only interchange) although X12 lets an interchange carry TA1s. Every
    other finding is kept, a pyx12 crash included (pyx12 crashes on a TA1 with an
    invalid element when no transaction set precedes it).
    """
    errors = run_pyx12(ack).errors
    if "TA1" not in _segment_ids(ack.decode("ascii", errors="replace")):
        return list(errors)
    return [e for e in errors if not (e.level == "seg" and e.message == _GS_LOOP_MISSING)]
