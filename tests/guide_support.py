"""Run a companion guide over X12 bytes, and build the edited files the guide tests need.

``run_guide(guide, data, receipt_date, history)`` parses ``data`` with
``parsers.Validator(units=True)``, hands every claim / member / claim payment to
``GuideRunner.check_unit`` and every transaction set to ``check_set``, and returns the
findings in file order. The receipt date is always explicit (by default the file's own ISA09
date, see :func:`isa_date`), so date-window rules never depend on today.

Edits are functions from segments to segments (``tests/x12_edit.py`` does the work):
``setel``, ``ins``, ``ins_before``, ``delete``, ``repl`` and ``both`` to combine them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import x12_edit as x

from mappings.codesets.catalog import CodeLists, DatedList
from mappings.guides import Guide, GuideRunner, HistoryLookup
from mappings.guides.runner import GuideEvaluator
from parsers import Finding, SetEvent, UnitEvent, Validator
from parsers.generate import npi_check_digit

Segs = list[str]
Edit = Callable[[Segs], Segs]

__all__ = [
    "Edit",
    "Segs",
    "apply",
    "bad_npi",
    "both",
    "delete",
    "eligible_except",
    "good_npi",
    "ins",
    "ins_before",
    "isa_date",
    "no_history",
    "repl",
    "run_evaluator",
    "run_guide",
    "run_segs",
    "seen_claims",
    "setel",
]


# --- running ------------------------------------------------------------------------------------


def run_guide(
    guide: Guide,
    data: bytes,
    receipt_date: dt.date | None = None,
    history: HistoryLookup | None = None,
    code_lists: CodeLists | None = None,
) -> list[Finding]:
    """Every finding of ``guide`` over ``data`` (units and sets), in the order produced."""
    runner = GuideRunner(
        guide, receipt_date=receipt_date or isa_date(data), history=history, code_lists=code_lists
    )
    return run_evaluator(runner, data)


def run_evaluator(evaluator: GuideEvaluator, data: bytes) -> list[Finding]:
    """Every finding of a compiled set of guides over ``data``, in the order produced."""
    out: list[Finding] = []
    for event in Validator(units=True).events(data):
        if isinstance(event, UnitEvent):
            out.extend(evaluator.check_unit(event.unit))
        elif isinstance(event, SetEvent):
            out.extend(evaluator.check_set(event))
    return out


def run_segs(
    guide: Guide,
    segs: Segs,
    receipt_date: dt.date | None = None,
    history: HistoryLookup | None = None,
    code_lists: CodeLists | None = None,
) -> list[Finding]:
    return run_guide(guide, x.dump(segs), receipt_date, history, code_lists)


def isa_date(data: bytes) -> dt.date:
    """The interchange date (ISA09, YYMMDD) of the first interchange: the default receipt."""
    text = data.decode("latin-1").lstrip()
    yymmdd = text.split(text[3], 10)[9]
    return dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))


# --- history look-ups -------------------------------------------------------------------------


def no_history(question: str, **args: str) -> bool | None:
    """A gateway without stored data: every look-up answers "cannot tell"."""
    return None


def eligible_except(*members: str) -> HistoryLookup:
    """Members are eligible on every date, except those listed (never eligible)."""

    def lookup(question: str, **args: str) -> bool | None:
        if question == "member_eligible":
            return args["member_id"] not in members
        return None

    return lookup


def originals_on_file(*references: str) -> HistoryLookup:
    """Originals a replacement or void may name (``original_on_file``), by REF*F8."""

    def lookup(question: str, **args: str) -> bool | None:
        if question == "original_on_file":
            return args["reference"] in references
        return None

    return lookup


def seen_claims(*claim_ids: str) -> HistoryLookup:
    """Claims already accepted in earlier files (``claim_exists``), whatever the provider."""

    def lookup(question: str, **args: str) -> bool | None:
        if question == "claim_exists":
            return args["claim_id"] in claim_ids
        return None

    return lookup


# --- NPIs -------------------------------------------------------------------------------------


def good_npi(first9: str = "123456789") -> str:
    return first9 + npi_check_digit(first9)


def bad_npi(first9: str = "123456789") -> str:
    """The same NPI with a wrong check digit."""
    return first9 + str((int(npi_check_digit(first9)) + 1) % 10)


# --- edits ------------------------------------------------------------------------------------


def setel(sel: str, nth: int, ref: str | int, value: str) -> Edit:
    """Element ``ref`` (``3``, ``"05-3"``) of the nth ``sel`` set to ``value``."""
    return lambda s: x.set_element(s, sel, nth, ref, value)


def ins(sel: str, *texts: str, nth: int = 1) -> Edit:
    """Insert ``texts`` (in order) after the nth ``sel``."""

    def edit(s: Segs) -> Segs:
        i = x.find(s, sel, nth)
        return [*s[: i + 1], *texts, *s[i + 1 :]]

    return edit


def ins_before(sel: str, *texts: str, nth: int = 1) -> Edit:
    """Insert ``texts`` (in order) before the nth ``sel``."""

    def edit(s: Segs) -> Segs:
        i = x.find(s, sel, nth)
        return [*s[:i], *texts, *s[i:]]

    return edit


def delete(sel: str, nth: int = 1, count: int = 1) -> Edit:
    """Delete ``count`` segments starting at the nth ``sel``."""

    def edit(s: Segs) -> Segs:
        i = x.find(s, sel, nth)
        return s[:i] + s[i + count :]

    return edit


def repl(sel: str, text: str, nth: int = 1) -> Edit:
    return lambda s: x.replace_segment(s, sel, text, nth)


def both(*edits: Edit) -> Edit:
    """The edits applied one after the other."""

    def edit(s: Segs) -> Segs:
        for e in edits:
            s = e(s)
        return s

    return edit


def apply(segs: Segs, edits: Iterable[Edit]) -> Segs:
    for e in edits:
        segs = e(segs)
    return segs


def hcpcs_lists(
    *codes: tuple[str, dt.date | None], since: dt.date = dt.date(2026, 1, 1)
) -> CodeLists:
    """An imported CMS HCPCS list in effect from ``since``: each code with its termination
    date (None: still valid)."""
    spans = {code: (0, end.toordinal() if end else 0) for code, end in codes}
    return CodeLists([DatedList("hcpcs", "2026 January", "test", since, None, spans)])
