"""Per-file validation state and the finding bookkeeping shared by every envelope level.

Findings go to the innermost open level (transaction set, group, interchange or the file)
and stay bounded: once a level holds an error, at most ``MAX_SET_FINDINGS`` are kept there
(then one says the rest are not listed), and reading stops after ``MAX_FILE_FINDINGS`` in
the whole file.
"""

from __future__ import annotations

from typing import Protocol

from ..events import Event
from ..findings import Finding, Level, Severity
from ..results import FileResult, GroupResult, InterchangeResult, TransactionSetResult
from ..tokenizer import CHUNK_SIZE, Delimiters, IsaProblem
from ..tree import TransactionHeader, Unit
from ..walker import MAX_SET_FINDINGS, TransactionWalker

__all__ = ["MAX_FILE_FINDINGS", "EnvelopeState", "SeenInterchanges", "plain"]

#: findings in a file after which reading stops (the file is rejected long before)
MAX_FILE_FINDINGS = 200_000
_DEFAULT_DELIMITERS = Delimiters()
MORE = "More than"


class SeenInterchanges(Protocol):
    """The (ISA06 sender, ISA08 receiver, ISA13) interchanges already received: a set, or
    a registry that claims each new one as it is read (so that two files with the same
    ISA13 read at once are not both accepted)."""

    def __contains__(self, key: object, /) -> bool: ...

    def add(self, key: tuple[str, str, str], /) -> None: ...


def plain(value: str) -> bool:
    """Printable ASCII only: no control character (NUL...) and no byte above 0x7E."""
    return value.isascii() and value.isprintable()


class EnvelopeState:
    """The validator's settings, the state of the file being read, and its findings."""

    def __init__(
        self,
        *,
        units: bool = False,
        chunk_size: int = CHUNK_SIZE,
        seen_interchanges: SeenInterchanges | None = None,
        allowed_senders: frozenset[str] | None = None,
        allowed_guides: frozenset[str] | None = None,
    ) -> None:
        self.want_units = units
        self.chunk_size = chunk_size
        # (sender, receiver, ISA13) already received in this file (or before it, when given).
        self.seen: SeenInterchanges = seen_interchanges if seen_interchanges is not None else set()
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
            target = self._findings_of(level)
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

    def _findings_of(self, level: Level) -> list[Finding]:
        """Where a finding of ``level`` goes: that level if open, else the one around it."""
        if level is Level.INTERCHANGE:
            return self.isa.findings if self.isa else self.file.findings
        if level is Level.GROUP:
            if self.gs:
                return self.gs.findings
            return self.isa.findings if self.isa else self.file.findings
        return self.st.findings if self.st else self.file.findings

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
                    f"{MORE} {MAX_FILE_FINDINGS:,} problems in this file: reading stopped "
                    f"at line {self.last_line}; correct the file and send it again",
                    line=self.last_line,
                )
            )

    def _full(self, target: list[Finding]) -> bool:
        """Whether ``target`` holds an error; then a last finding says the rest is left out."""
        last = target[-1]
        if last.message.startswith(MORE):
            return True
        if not any(f.is_error for f in target):
            return False
        target.append(
            Finding(
                1,
                last.severity if last.is_error else Severity.REJECT_FILE,
                last.level,
                last.code,
                f"{MORE} {MAX_SET_FINDINGS:,} problems here: only the first "
                f"{MAX_SET_FINDINGS:,} are listed",
                last.segment_id,
                line=last.line,
            )
        )
        return True
