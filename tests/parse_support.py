"""Reading a file's units (claims, members, claim payments) and set ends, for tests."""

from __future__ import annotations

from pathlib import Path

from parsers import SetEvent, UnitEvent, Validator
from parsers.tree import Unit


def read_units(source: Path | bytes) -> tuple[list[Unit], list[SetEvent]]:
    units: list[Unit] = []
    sets: list[SetEvent] = []
    for event in Validator(units=True).events(str(source) if isinstance(source, Path) else source):
        if isinstance(event, UnitEvent):
            units.append(event.unit)
        elif isinstance(event, SetEvent):
            sets.append(event)
    return units, sets
