"""The functional-group level (GS/GE): open a group, check its header and trailer.

A group with errors rejects every transaction set in it (999 AK9 R, sets marked
``rejected_by_envelope``).
"""

from __future__ import annotations

from ..elements import is_valid_date, is_valid_time
from ..findings import Level, printable
from ..igmap import GUIDES
from ..results import GroupResult, InterchangeResult
from .state import plain
from .transaction import TransactionSetLevel

__all__ = ["GroupLevel"]

_SUPPORTED_FUNCTIONAL_IDS = {g.functional_id for g in GUIDES}


class GroupLevel(TransactionSetLevel):
    """GS opens a functional group; GE closes it (and any set left open in it)."""

    def _gs(self, elems: list[str], line: int, offset: int) -> None:
        isa = self.isa
        if isa is None:
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
            self._missing_ge(
                f"A new GS starts before the GE trailer of group {self.gs.control_number}: "
                "its GE is missing",
                line,
                offset,
            )
        el = elems + [""] * (10 - len(elems)) if len(elems) < 10 else elems
        self._open_group(isa, el, line)
        self._check_gs_elements(elems, el, line, offset)
        self._check_gs06_unique(el[6], line, offset)
        self._check_gs_supported(el[1], el[8], line, offset)

    def _open_group(self, isa: InterchangeResult, el: list[str], line: int) -> None:
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
        isa.groups.append(gs)
        self.gs_count += 1
        self.st_count = 0
        self.st_ids = set()

    def _check_gs_elements(self, elems: list[str], el: list[str], line: int, offset: int) -> None:
        """GS01-GS07 (``el``: the elements padded to GS08) and the character set."""
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
                if not plain(elems[pos])
            ),
        ):
            if not ok:
                self._finding(
                    Level.GROUP, "6", 1, text, "GS", line, offset, f"GS{pos:02d}", el[pos]
                )

    def _check_gs06_unique(self, gs06: str, line: int, offset: int) -> None:
        if gs06 in self.gs_ids:
            self._finding(
                Level.GROUP,
                "6",
                1,
                f"GS06 group control number {gs06} is used twice in this interchange",
                "GS",
                line,
                offset,
                "GS06",
                gs06,
            )
        self.gs_ids.add(gs06)

    def _check_gs_supported(self, gs01: str, gs08: str, line: int, offset: int) -> None:
        """A functional group (GS01) and version (GS08) this gateway reads."""
        if gs01 and gs01 not in _SUPPORTED_FUNCTIONAL_IDS:
            self._finding(
                Level.GROUP,
                "1",
                1,
                f"Functional group {gs01!r} is not supported "
                "(this gateway reads HC 837, BE 834 and HP 835 groups)",
                "GS",
                line,
                offset,
                "GS01",
                gs01,
            )
        elif not any(g.version == gs08 for g in GUIDES):
            self._finding(
                Level.GROUP,
                "2",
                1,
                f"GS08 version {gs08!r} is not supported; expected one of "
                + ", ".join(g.version for g in GUIDES[:5]),
                "GS",
                line,
                offset,
                "GS08",
                gs08,
            )

    def _ge(self, elems: list[str], line: int, offset: int) -> None:
        if self.st is not None:
            self._missing_se(
                f"The SE trailer of transaction set "
                f"{self.st.control_number} is missing (GE came first)",
                line,
                offset,
            )
        gs = self.gs
        if gs is None:
            self._finding(
                Level.INTERCHANGE, "024", 1, "GE segment without a matching GS", "GE", line, offset
            )
            return
        ge01 = elems[1] if len(elems) > 1 else ""
        ge02 = elems[2] if len(elems) > 2 else ""
        if ge01 != str(self.st_count) or not plain(ge01):
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
        if printable(ge02) != gs.control_number or not plain(ge02):
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

    def _missing_ge(self, message: str, line: int, offset: int | None) -> None:
        """The open group ends without its GE trailer: report it, close the group."""
        self._finding(Level.GROUP, "3", 1, message, "GE", line, offset)
        self._close_gs()

    def _close_gs(self) -> None:
        gs = self.gs
        if gs is not None and gs.has_errors:
            for st in gs.transaction_sets:
                st.rejected_by_envelope = True
        self.gs = None
