"""Every input that once broke something (found by the property tests or the fuzzers) is
kept in tests/regressions/ and must stay harmless: ``exercise`` runs the validator, the
mappers, the guides and the TA1/999/277CA builders on it and checks their output. A file
named ``*.reject.x12`` must also be rejected (not accepted as a whole)."""

from __future__ import annotations

import io
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import REGRESSIONS, ROOT, exercise

from parsers import validate

FILES = sorted(p for p in REGRESSIONS.iterdir() if p.is_file() and p.name != "README.md")


def test_there_are_regressions() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_regression(path: Path) -> None:
    outcome = exercise(path.read_bytes())
    if path.name.endswith(".reject.x12"):
        assert not outcome.result.accepted


class _Endless(io.RawIOBase):
    """``head`` and then ``size`` bytes of ``fill``, produced as read (never held whole)."""

    def __init__(self, head: bytes, fill: bytes, size: int) -> None:
        self.head, self.fill, self.left = head, fill, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n], self.head = self.head[:n], self.head[n:]
            return n
        n = min(len(buffer), self.left)
        buffer[:n] = (self.fill * (n // len(self.fill) + 1))[:n]
        self.left -= n
        return n


@pytest.mark.parametrize("fill", [b"A", b"A*"])
def test_a_segment_without_end_is_cut_in_bounded_time_and_memory(fill: bytes) -> None:
    """64 MB with no segment terminator: once quadratic in time and held whole (with one
    string per element) until the end of the file."""
    isa = (ROOT / "sample_edi" / "837p" / "837p_valid_basic.x12").read_bytes()[:107]
    stream = io.BufferedReader(_Endless(isa + b"\nGS*", fill, 64 << 20))
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = validate(stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 20
    assert peak < 48 << 20
    [cut] = [f for f in result.all_findings() if "more than 1,048,576" in f.message]
    assert cut.code == "024" and cut.line == 2 and not result.accepted


@pytest.mark.parametrize("junk", [b"ZZZ*1~\n", b"~", b"GS*1~", b"ST*837*0001~SE*2*0001~"])
def test_a_file_of_junk_segments_keeps_a_bounded_number_of_findings(junk: bytes) -> None:
    """400,000 bad segments inside a claim: findings were once kept for every one of them
    (3.6 million for ``GS*1~``, 17 s and gigabytes for a 2 MB file)."""
    sample = (ROOT / "sample_edi" / "837p" / "837p_valid_basic.x12").read_bytes()
    at = sample.index(b"~", sample.index(b"CLM*")) + 2
    started = time.monotonic()
    result = validate(sample[:at] + junk * 400_000 + sample[at:])
    assert time.monotonic() - started < 30
    assert not result.accepted
    assert sum(1 for _ in result.all_findings()) <= 400_000
    assert any(f.message.startswith("More than") for f in result.all_findings())
