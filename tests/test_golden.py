"""Behaviour is unchanged by restructuring: every sample and corpus file gets the same
``validate`` JSON, TA1/999/277CA and correction reports (file and stored) as recorded in
``tests/golden/`` before the one-path work of issue 15 (see ``golden_support``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from golden_support import GOLDEN, golden_path, inputs, snapshot

RECORD = os.environ.get("EDI_GOLDEN_RECORD") == "1"


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from edi_gateway.db import upgrade

    db = tmp_path_factory.mktemp("golden") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{db}")
    return db


@pytest.mark.parametrize("path", inputs(), ids=lambda p: golden_path(p).name[:-5])
def test_answers_are_unchanged(path: Path, tmp_path: Path, template_db: Path) -> None:
    shot = json.loads(json.dumps(snapshot(path, tmp_path, template_db)))
    target = golden_path(path)
    if RECORD:
        target.write_text(json.dumps(shot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(target.read_text(encoding="utf-8"))
    for part in sorted(set(expected) | set(shot)):
        assert shot.get(part) == expected.get(part), f"{target.name}: {part} changed"
    shutil.rmtree(tmp_path, ignore_errors=True)
    # One path: `validate --guide` and `report FILE --guide` give the file one verdict.
    guided, report = shot.get("validate_guide", {}), shot["report_file"].get("report")
    if "result" in guided and isinstance(report, dict) and "header" in report:
        said = report["header"]["status"] == "accepted"
        assert guided["result"]["accepted"] == said, f"{target.name}: verdicts differ"


def test_every_input_has_a_snapshot() -> None:
    """A file added to the samples or corpus gets a snapshot, and none is left over."""
    expected = {golden_path(p).name for p in inputs()}
    if RECORD:
        GOLDEN.mkdir(exist_ok=True)
        for stale in {p.name for p in GOLDEN.glob("*.json")} - expected:
            (GOLDEN / stale).unlink()
    assert {p.name for p in GOLDEN.glob("*.json")} == expected
