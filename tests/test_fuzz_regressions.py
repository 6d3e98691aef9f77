"""Every input that once broke something (found by the property tests or the fuzzers) is
kept in tests/regressions/ and must stay harmless: ``exercise`` runs the validator, the
mappers, the guides and the TA1/999/277CA builders on it and checks their output. A file
named ``*.reject.x12`` must also be rejected (not accepted as a whole)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_support import REGRESSIONS, exercise

FILES = sorted(p for p in REGRESSIONS.iterdir() if p.is_file() and p.name != "README.md")


def test_there_are_regressions() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_regression(path: Path) -> None:
    outcome = exercise(path.read_bytes())
    if path.name.endswith(".reject.x12"):
        assert not outcome.result.accepted
