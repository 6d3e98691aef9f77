"""The transaction-set level (ST/SE): open a set, start its guide walk, check its trailer.

A set whose guide is not supported (or not accepted from the submitting partner) is
rejected as a whole: it gets no walker, and its segments are only counted for SE01.
"""

from __future__ import annotations

from ..events import SetEvent, UnitEvent
from ..findings import Level, printable
from ..igmap import GUIDES, GuideInfo, guide_for, load_map
from ..results import GroupResult, InterchangeResult, TransactionSetResult
from ..tree import TransactionHeader
from ..walker import TransactionWalker
from .state import EnvelopeState

__all__ = ["TransactionSetLevel"]


class TransactionSetLevel(EnvelopeState):
    """ST opens a transaction set and its guide walk; SE closes both."""

    def _st(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is not None:
            self._missing_se(
                f"A new ST starts before the SE trailer of "
                f"transaction set {self.st.control_number}: its SE is missing",
                line,
                offset,
            )
        gs = self.gs
        isa = self.isa
        if gs is None or isa is None:
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
        version = st03 or gs.version
        guide = guide_for(st01, version)
        st = self._open_set(gs, st01, st02, version, guide, line)
        self._check_st02(st02, line, offset)
        self._check_st03(st03, gs, line, offset)
        if guide is None:
            self._unsupported_set(st01, st03, version, line, offset)
            self._skip_set(st)
            return
        if self.allowed_guides is not None and guide.key not in self.allowed_guides:
            self._refused_set(guide, st01, self.allowed_guides, line, offset)
            self._skip_set(st)
            return
        if gs.functional_id != guide.functional_id:
            self._finding(
                Level.TRANSACTION,
                "6",
                2,
                f"Transaction set {st01} belongs in a {guide.functional_id} functional "
                f"group, not {gs.functional_id!r}",
                "ST",
                line,
                offset,
                "ST01",
                st01,
                position=1,
            )
        self._start_walk(isa, gs, st, guide, version, elems, line, offset)

    def _open_set(
        self,
        gs: GroupResult,
        st01: str,
        st02: str,
        version: str,
        guide: GuideInfo | None,
        line: int,
    ) -> TransactionSetResult:
        st = TransactionSetResult(
            st01=printable(st01),
            control_number=printable(st02),
            version=printable(version),
            guide=guide.key if guide else None,
            line=line,
        )
        self.st = st
        gs.transaction_sets.append(st)
        self.st_count += 1
        self.set_index += 1
        return st

    def _check_st02(self, st02: str, line: int, offset: int) -> None:
        """ST02: unique in the group, 4-9 digits."""
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

    def _check_st03(self, st03: str, gs: GroupResult, line: int, offset: int) -> None:
        """ST03, when sent, names the same implementation guide as GS08."""
        if st03 and gs.version and st03 != gs.version:
            self._finding(
                Level.TRANSACTION,
                "I6",
                2,
                f"ST03 {st03!r} differs from GS08 {gs.version!r}; both must name the "
                "same implementation guide",
                "ST",
                line,
                offset,
                "ST03",
                st03,
                position=1,
            )

    def _unsupported_set(self, st01: str, st03: str, version: str, line: int, offset: int) -> None:
        if st01 not in {g.st01 for g in GUIDES}:
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

    def _refused_set(
        self, guide: GuideInfo, st01: str, allowed: frozenset[str], line: int, offset: int
    ) -> None:
        """A guide the submitting partner's role may not send."""
        may = ", ".join(sorted(allowed)) or "none"
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

    def _skip_set(self, st: TransactionSetResult) -> None:
        """Reject the whole set: no guide walk, its segments are only counted."""
        st.guide = None
        self.walker = None
        self.header = None

    def _start_walk(
        self,
        isa: InterchangeResult,
        gs: GroupResult,
        st: TransactionSetResult,
        guide: GuideInfo,
        version: str,
        elems: list[str],
        line: int,
        offset: int,
    ) -> None:
        """The set's header and its walk through the guide, starting with ST itself."""
        self.header = TransactionHeader(
            guide=guide.key,
            version=version,
            st_control_number=elems[2] if len(elems) > 2 else "",
            gs_control_number=gs.control_number,
            isa_control_number=isa.control_number,
            sender_id=isa.sender_id,
            receiver_id=isa.receiver_id,
            gs_sender_id=gs.sender_id,
            gs_receiver_id=gs.receiver_id,
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
        walker._segment_contents(tmap.st, elems)
        self.walker = walker

    def _missing_se(self, message: str, line: int, offset: int | None) -> None:
        """The open set ends without its SE trailer: report it, close the set."""
        self._finding(Level.TRANSACTION, "2", 1, message, "SE", line, offset)
        self._close_st(None)

    def _se(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is None:
            self._finding(
                Level.INTERCHANGE, "024", 1, "SE segment without a matching ST", "SE", line, offset
            )
            return
        self._close_st(elems, line, offset)

    def _close_st(self, se: list[str] | None, line: int = 0, offset: int = 0) -> None:
        """Close the open set, at its SE (``se``) or without one; hand out its events."""
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
            self._check_se(st, se, count, line, offset)
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

    def _check_se(
        self, st: TransactionSetResult, se: list[str], count: int, line: int, offset: int
    ) -> None:
        """SE01 counts the set's segments (ST through SE); SE02 repeats ST02."""
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
