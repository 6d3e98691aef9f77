"""What :meth:`parsers.Validator.events` yields while it streams a file."""

from __future__ import annotations

from dataclasses import dataclass

from .results import FileResult, GroupResult, InterchangeResult, TransactionSetResult
from .tree import Loop, TransactionHeader, Unit

__all__ = ["Event", "FileEvent", "SetEvent", "UnitEvent"]


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
