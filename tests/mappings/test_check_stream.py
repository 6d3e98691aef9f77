"""The check stream (``mappings.check``): the one place that decides what happens to each
unit, set and file, in one read of the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import SAMPLES
from parse_support import fail_mapping

from mappings.check import (
    CheckedFile,
    CheckedSet,
    CheckedUnit,
    FileVerdict,
    GuideSelection,
    check,
)
from mappings.guides import check_guide_file
from parsers import Severity

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
STRICT = """guide: strict-plan-837
title: A plan that rejects files under 95% clean claims
version: '1'
transactions: [837P]
acceptance_threshold: 0.95
rules:
  - id: SP-1
    title: Frequency code 1 or 7
    snip: 7
    severity: reject_claim
    scope: claim
    kind: allowed_values
    params: {field: 2300/CLM05-3, values: ['1', '7']}
    message: 'CLM05-3 {value} is not allowed'
    fix: Use 1 or 7
"""


class _CountingReader(io.BytesIO):
    """A stream that counts the bytes read from it (to prove a single read)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = super().readinto(buffer)
        self.read_bytes += n
        return n


def _items(data: bytes, guides: GuideSelection | None) -> list[object]:
    return list(check(data, guides))


def _bad_total() -> bytes:
    data = BASIC.read_bytes()
    return data.replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*")


def test_a_clean_file_is_accepted_unit_by_unit() -> None:
    items = _items(BASIC.read_bytes(), GuideSelection(None))
    units = [i for i in items if isinstance(i, CheckedUnit)]
    [s] = [i for i in items if isinstance(i, CheckedSet)]
    last = items[-1]
    assert isinstance(last, CheckedFile)
    assert len(units) == 5 and all(u.accepted and u.record is not None for u in units)
    assert [u.record.claim_id for u in units][:2] == ["PCN267000032363", "PCN267000032364"]  # type: ignore[union-attr]
    assert (s.accepted, s.units_accepted) == (True, 5)
    assert (last.verdict, last.units, last.units_accepted) == (FileVerdict.ACCEPTED, 5, 5)
    assert "x12-837-base" in last.guides


def test_a_claim_out_of_balance_is_rejected_alone() -> None:
    items = _items(_bad_total(), GuideSelection(None))
    units = [i for i in items if isinstance(i, CheckedUnit)]
    [bad] = [u for u in units if not u.accepted]
    assert bad.record is not None and bad.record.claim_id == "PCN267000032363"  # type: ignore[union-attr]
    assert any(f.severity is Severity.REJECT_CLAIM and f.element == "CLM02" for f in bad.findings)
    [s] = [i for i in items if isinstance(i, CheckedSet)]
    last = items[-1]
    assert isinstance(last, CheckedFile)
    assert (s.accepted, s.units_accepted) == (True, 4)
    assert last.verdict is FileVerdict.PARTIALLY_ACCEPTED


def test_the_acceptance_threshold_is_decided_in_one_read(tmp_path: Path) -> None:
    """Below the plan's threshold every set is rejected and the file says why; the file
    is read once (the pipeline used to read it twice)."""
    guide_file = tmp_path / "strict-plan-837.yaml"
    guide_file.write_text(STRICT)
    plan = check_guide_file(guide_file)
    data = BASIC.read_bytes().replace(b"*11:B:1*", b"*11:B:8*", 1)
    assert data != BASIC.read_bytes()
    stream = _CountingReader(data)
    items = list(check(stream, GuideSelection(plan)))
    assert stream.read_bytes == len(data)
    [s] = [i for i in items if isinstance(i, CheckedSet)]
    last = items[-1]
    assert isinstance(last, CheckedFile)
    assert not s.accepted and s.units_accepted == 0
    [threshold] = last.findings
    assert threshold.code == "THRESHOLD" and threshold.severity is Severity.REJECT_FILE
    assert "80.0%" in threshold.message and threshold.guide == "strict-plan-837"
    assert last.verdict is FileVerdict.REJECTED and last.acceptance_share == 0.8


def test_above_the_threshold_nothing_changes(tmp_path: Path) -> None:
    guide_file = tmp_path / "strict-plan-837.yaml"
    guide_file.write_text(STRICT)
    items = list(check(BASIC.read_bytes(), GuideSelection(check_guide_file(guide_file))))
    last = items[-1]
    assert isinstance(last, CheckedFile)
    assert last.verdict is FileVerdict.ACCEPTED and last.findings == []
    assert last.acceptance_share == 1.0


def test_a_claim_that_cannot_be_read_is_a_map_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    import mappings.x837

    fail_mapping(monkeypatch, mappings.x837, "map_claim", "PCN267000032364", "bad amount")
    items = _items(BASIC.read_bytes(), GuideSelection(None))
    [bad] = [i for i in items if isinstance(i, CheckedUnit) and not i.accepted]
    assert bad.record is None and bad.error is not None and "bad amount" in str(bad.error)
    [f] = [f for f in bad.findings if f.code == "MAP"]
    assert (f.claim_id, f.segment_id, f.loop, f.line) == ("PCN267000032364", "CLM", "2300", 44)
    assert f.message == "The claim could not be read: bad amount"


def test_a_set_the_999_rejects_takes_its_units_with_it() -> None:
    data = BASIC.read_bytes()
    se = next(seg.strip() for seg in data.split(b"~") if seg.strip().startswith(b"SE*"))
    broken = data.replace(se, b"SE*999*" + se.split(b"*")[2])
    items = _items(broken, GuideSelection(None))
    [s] = [i for i in items if isinstance(i, CheckedSet)]
    last = items[-1]
    assert isinstance(last, CheckedFile)
    assert all(u.accepted for u in items if isinstance(u, CheckedUnit))  # each on its own
    assert not s.accepted and s.units_accepted == 0
    assert last.verdict is FileVerdict.REJECTED


def test_sets_done_earlier_are_skipped() -> None:
    path = SAMPLES / "837p" / "837p_valid_multi_st.x12"
    items = list(check(path.read_bytes(), GuideSelection(None), skip_sets=frozenset({1})))
    ordinals = {i.header.set_index for i in items if isinstance(i, CheckedSet)}
    unit_sets = {i.unit.header.set_index for i in items if isinstance(i, CheckedUnit)}
    assert ordinals == unit_sets == {2, 3}


def test_snip_1_2_only_without_guides_or_mapping() -> None:
    items = list(check(_bad_total(), None, map_units=False))
    last = items[-1]
    assert isinstance(last, CheckedFile)
    assert last.verdict is FileVerdict.ACCEPTED and last.guides == []
