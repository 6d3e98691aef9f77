"""What the product answers for one file, through the real command line, as a snapshot.

For every file in ``sample_edi/`` and ``tests/corpus/``: ``validate --format json`` with its
TA1/999, ``validate --guide`` and ``report FILE --guide`` with the file's plan guide, and
``ingest`` into a fresh SQLite database with the TA1/999/277CA it writes and the stored
submission's JSON report. The clock is pinned (time-machine), so dates in the answers are
fixed; interchange, group and set control numbers we assign, ids and temporary paths are
masked. ``tests/golden/`` holds the snapshots recorded before the one-path restructuring
(issue 15); ``EDI_GOLDEN_RECORD=1`` writes them again after a deliberate change.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from conftest import CORPUS, PINNED_CLOCK, ROOT, SAMPLES

GOLDEN = ROOT / "tests" / "golden"
_SKIP_SUFFIXES = {".md", ".json"}
_PLAN_GUIDES = {
    "005010X222A1": "medi-cal-encounters-837",
    "005010X223A2": "medi-cal-encounters-837",
    "005010X220A1": "example-health-plan-834",
    "005010X221A1": "example-health-plan-835",
}


def inputs() -> list[Path]:
    """Every X12 file the snapshots cover, in a stable order."""
    found = [
        p
        for base in (SAMPLES, CORPUS)
        for p in base.rglob("*")
        if p.is_file() and p.suffix.lower() not in _SKIP_SUFFIXES
    ]
    return sorted(found, key=lambda p: str(p.relative_to(ROOT)))


def golden_path(path: Path) -> Path:
    return GOLDEN / (str(path.relative_to(ROOT)).replace("/", "__") + ".json")


def plan_guide(data: bytes) -> str | None:
    """The plan guide a file of this implementation guide is checked with (GS08)."""
    for version, guide in _PLAN_GUIDES.items():
        if version.encode() in data:
            return guide
    return None


def _cli(*argv: str) -> tuple[int, str, str]:
    from edi_gateway.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


_UUID = re.compile(
    r"\b(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"
)


def _mask_text(text: str, tmp: Path) -> str:
    return _UUID.sub("<id>", text.replace(str(tmp), "<tmp>").replace(str(ROOT), "<root>"))


def _mask_ack(content: bytes) -> str:
    """An acknowledgment with the control numbers and references we assign masked (ISA13,
    GS06, ST02, SE02, GE02, IEA02, the 277CA's BHT03 and TRN*1); everything echoed from the
    file stays."""
    text = content.decode("latin-1")
    if len(text) < 106 or not text.startswith("ISA"):
        return text
    el, seg = text[3], text[105]
    out = []
    for s in text.split(seg):
        parts = s.split(el)
        tag = parts[0].strip()
        positions = {"ISA": (13,), "GS": (6,), "ST": (2,), "SE": (2,), "GE": (2,), "IEA": (2,)}
        for i in positions.get(tag, ()):
            if i < len(parts):
                parts[i] = "<ctl>"
        if (tag == "BHT" or (tag == "TRN" and parts[1:2] == ["1"])) and len(parts) > 3 - (
            tag == "TRN"
        ):
            parts[3 if tag == "BHT" else 2] = "<ref>"
        out.append(el.join(parts))
    return seg.join(out)


def _json_lines(text: str, tmp: Path) -> Any:
    text = _mask_text(text, tmp)
    with contextlib.suppress(ValueError):
        return json.loads(text)
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return lines[0] if len(lines) == 1 else lines


def _acks(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.suffix[1:]: _mask_ack(p.read_bytes()) for p in sorted(folder.iterdir())}


_LARGE = 64_000
_COUNTED = {"code", "rule_id", "status", "severity", "accepted", "snip_level"}


def _tally(value: Any, counts: dict[str, int]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in _COUNTED and not isinstance(v, dict | list):
                key = f"{k}={v}"
                counts[key] = counts.get(key, 0) + 1
            _tally(v, counts)
    elif isinstance(value, list):
        for v in value:
            _tally(v, counts)
    elif isinstance(value, str) and value.startswith("ISA") and len(value) > 105:
        for seg in value.split(value[105]):
            tag = seg.strip().split(value[3])[0]
            counts[f"segment={tag}"] = counts.get(f"segment={tag}", 0) + 1


def condense(shot: dict[str, Any]) -> dict[str, Any]:
    """Parts larger than 64 kB (the two big corpus files) are kept as a SHA-256 of their
    canonical JSON and a tally of codes, rule ids, statuses and segments: a change shows up
    in the tally, the digest catches the rest."""
    out: dict[str, Any] = {}
    for key, value in shot.items():
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        if len(text) <= _LARGE:
            out[key] = value
            continue
        counts: dict[str, int] = {}
        _tally(value, counts)
        out[key] = {
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "tally": dict(sorted(counts.items())),
        }
    return out


def snapshot(path: Path, tmp: Path, template_db: Path) -> dict[str, Any]:
    """Everything the product answers for ``path``, masked (see the module docstring)."""
    import time_machine

    from edi_gateway.config import get_settings

    guide = plan_guide(path.read_bytes())
    shot: dict[str, Any] = {"file": str(path.relative_to(ROOT)), "guide": guide}
    with time_machine.travel(PINNED_CLOCK, tick=False):
        code, out, _ = _cli("validate", "--format", "json", "--ack-out", str(tmp / "v"), str(path))
        shot["validate"] = {"exit": code, "result": _json_lines(out, tmp)}
        shot["validate_acks"] = _acks(tmp / "v")
        if guide:
            code, out, _ = _cli("validate", "--format", "json", "--guide", guide, str(path))
            shot["validate_guide"] = {"exit": code, "result": _json_lines(out, tmp)}
        guide_args = ["--guide", guide] if guide else []
        code, out, err = _cli("report", str(path), "--format", "json", *guide_args)
        shot["report_file"] = {"exit": code, "report": _json_lines(out, tmp) if out else err}
        db = tmp / "ingest.db"
        shutil.copy(template_db, db)
        saved = {k: os.environ.get(k) for k in ("EDI_GATEWAY_DATABASE_URL", "EDI_GATEWAY_DATA_DIR")}
        os.environ["EDI_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{db}"
        os.environ["EDI_GATEWAY_DATA_DIR"] = str(tmp / "data")
        get_settings.cache_clear()
        try:
            code, out, _ = _cli(
                "ingest", "--format", "json", "--ack-out", str(tmp / "i"), str(path)
            )
            ingested = json.loads(out.splitlines()[0]) if out.strip() else {}
            shot["ingest"] = {"exit": code, "result": _json_lines(out, tmp)}
            shot["ingest_acks"] = _acks(tmp / "i")
            if ingested.get("submission_id"):
                code, out, err = _cli("report", ingested["submission_id"], "--format", "json")
                shot["report_stored"] = {
                    "exit": code,
                    "report": _json_lines(out, tmp) if out else err,
                }
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            get_settings.cache_clear()
    return condense(shot)
