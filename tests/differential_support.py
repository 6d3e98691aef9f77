"""Plumbing for the differential test against pyx12 (tests/parsers/test_differential.py).

* ``differential_files()``: every input the test compares, by id: the files under
  ``sample_edi/`` and ``tests/corpus/``, plus the files of ``../shared/corpus/`` that
  are not copied into ``tests/corpus/`` (the CDDL ``oop_*`` samples), when that
  folder exists next to the checkout.
* ``build_map_dir(folder)``: a copy of pyx12's map folder that also knows our 837D map
  (``parsers/maps/837.5010.X224.A2.xml``, GS08 ``005010X224A2``).
* ``run_oracle(data, map_dir)``: ``run_pyx12`` with each map file parsed once per
  session. pyx12 re-parses a map XML file (0.25 s for an 837) for every file it reads;
  a map object is never changed by a run (loop counts live in the walker), so sharing
  it is safe.
* ``reports(result, error)``: our error findings that report one pyx12 error.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyx12
import pyx12.map_if
from pyx12_oracle import OracleError, OracleResult, run_pyx12

from parsers import FileResult, Finding, Level

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_edi"
CORPUS = ROOT / "tests" / "corpus"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
OUR_837D_MAP = ROOT / "parsers" / "maps" / "837.5010.X224.A2.xml"
BOM = b"\xef\xbb\xbf"

_SUFFIXES = (".x12", ".bin")
_837D_ENTRY = '<map vriic="005010X224A2" fic="HC" abbr="837D">837.5010.X224.A2.xml</map>'
# pyx12's envelope error levels and the Finding level that carries the same X12 code
# (TA1 note code, AK905, IK502).
ENVELOPE_LEVELS = {"isa": Level.INTERCHANGE, "gs": Level.GROUP, "st": Level.TRANSACTION}


def differential_files() -> dict[str, Path]:
    """Test id -> path, for every file the differential test compares."""
    files: dict[str, Path] = {}
    for folder in (SAMPLES, CORPUS):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in _SUFFIXES:
                files[path.relative_to(ROOT).as_posix()] = path
    if SHARED_CORPUS.is_dir():
        for path in sorted(SHARED_CORPUS.rglob("*")):
            rel = path.relative_to(SHARED_CORPUS)
            if path.is_file() and path.suffix in _SUFFIXES and not (CORPUS / rel).exists():
                files[f"../shared/corpus/{rel.as_posix()}"] = path
    return files


def build_map_dir(folder: Path) -> Path:
    """pyx12's map folder, copied, with our 837D map added to the 00501 maps."""
    target = folder / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", target)
    shutil.copy(OUR_837D_MAP, target)
    maps_xml = target / "maps.xml"
    text = maps_xml.read_text(encoding="utf-8")
    text, n = re.subn(r'(<version icvn="00501">)', rf"\1\n    {_837D_ENTRY}", text, count=1)
    assert n == 1, "pyx12's maps.xml has no 00501 section"
    maps_xml.write_text(text, encoding="utf-8")
    return target


_MAPS: dict[tuple[str, str | None], Any] = {}
_MAPS_LOCK = threading.Lock()


@contextmanager
def _shared_maps() -> Iterator[None]:
    load: Callable[..., Any] = pyx12.map_if.load_map_file

    def cached(map_file: str, param: Any, map_path: str | None = None) -> Any:
        key = (map_file, map_path)
        if key not in _MAPS:
            _MAPS[key] = load(map_file, param, map_path)
        return _MAPS[key]

    with _MAPS_LOCK:
        pyx12.map_if.load_map_file = cached
        try:
            yield
        finally:
            pyx12.map_if.load_map_file = load


def run_oracle(data: bytes, map_dir: Path) -> OracleResult:
    with _shared_maps():
        return run_pyx12(data, map_path=str(map_dir))


def compared_errors(oracle: OracleResult) -> list[OracleError]:
    """pyx12's errors that reach its 999/TA1 and say where: attached, with a line."""
    return [e for e in oracle.errors if e.attached and e.line is not None]


@dataclass(frozen=True)
class Ours:
    """Our result for one file, with its error findings indexed by segment (line)."""

    result: FileResult
    errors: list[Finding]
    by_line: dict[int | None, list[Finding]]

    @classmethod
    def of(cls, result: FileResult) -> Ours:
        errors = [f for f in result.all_findings() if f.is_error]
        by_line: dict[int | None, list[Finding]] = defaultdict(list)
        for f in errors:
            by_line[f.line].append(f)
        return cls(result, errors, dict(by_line))

    def at(self, line: int | None) -> list[Finding]:
        return self.by_line.get(line, [])

    def has(self, level: str, code: str, line: int) -> bool:
        return any((f.level.value, f.code) == (level, code) for f in self.at(line))


def _envelope_findings(result: FileResult, level: str, line: int) -> list[Finding]:
    """Our findings on the ISA, GS or ST envelope whose header is at ``line``."""
    found: list[Finding] = []
    for isa in result.interchanges:
        if level == "isa" and isa.line == line:
            found += isa.findings
        for gs in isa.groups:
            if level == "gs" and gs.line == line:
                found += gs.findings
            for st in gs.transaction_sets:
                if level == "st" and st.line == line:
                    found += st.findings
    return found


def reports(ours: Ours, error: OracleError) -> list[Finding]:
    """Our error findings that report the same problem as one pyx12 error.

    A segment or element error (pyx12 levels ``seg``/``ele``) is matched by any error
    of ours on the same segment (same ``line``, the segment ordinal in the file). A
    "missing" error (IK304=3) names the segment where the gap was noticed: it is matched
    by our IK304=3 at that line for the same missing segment (the first segment of a
    missing loop, as pyx12's ``seg_id``). An envelope error
    (``isa``/``gs``/``st``) carries the line of the ISA/GS/ST header even when pyx12
    found it at the trailer (SE01 count, IEA02 mismatch...), while we report it at the
    trailer: it is matched by an error of ours with the same level and X12 code (TA1
    note code, AK905, IK502) in the same interchange, group or transaction set.
    """
    assert error.line is not None
    if error.level in ENVELOPE_LEVELS:
        level = ENVELOPE_LEVELS[error.level]
        return [
            f
            for f in _envelope_findings(ours.result, error.level, error.line)
            if f.is_error and f.level is level and f.code == error.code
        ]
    if error.level == "seg" and error.code == "3":
        return [
            f
            for f in ours.at(error.line)
            if f.level is Level.SEGMENT and f.code == "3" and f.segment_id == error.seg_id
        ]
    return ours.at(error.line)


def describe(error: OracleError) -> str:
    return f"{error.pyx12_log_text()} [pyx12 level {error.level}, {error.seg_id or ''}]"


def describe_ours(findings: list[Finding]) -> str:
    return "; ".join(
        f"line {f.line} {f.level.value} {f.code} {f.element or f.segment_id or ''}: "
        f"{f.message[:80]}"
        for f in findings
    )
