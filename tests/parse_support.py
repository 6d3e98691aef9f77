"""Reading a file's units (claims, members, claim payments) and set ends, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


def fail_mapping(
    monkeypatch: pytest.MonkeyPatch, module: Any, mapper: str, claim_id: str, reason: str
) -> None:
    """Make ``module.mapper`` fail, as bad data would, for the claim (or claim payment)
    ``claim_id`` only; the ingest looks the mapper up by name when a file starts."""
    real = getattr(module, mapper)

    def failing(unit: Unit) -> Any:
        record = real(unit)
        if record.claim_id == claim_id:
            raise ValueError(reason)
        return record

    monkeypatch.setattr(module, mapper, failing)
