"""Companion guides as data: versioned YAML per plan and transaction, rule kinds in Python.

``list_guides()`` and ``load_guide(name)`` read the guides shipped in ``guides/data``;
``check_guide_file(path)`` validates any guide file (``edi-gateway guides check``);
``GuideRunner`` evaluates a guide over parsed units.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from .kinds import KINDS
from .model import Guide, GuideError, Rule, load_guide_file
from .runner import GuideRunner, HistoryLookup

__all__ = [
    "KINDS",
    "Guide",
    "GuideError",
    "GuideRunner",
    "HistoryLookup",
    "Rule",
    "check_guide_file",
    "guide_for_receiver",
    "guides_dir",
    "list_guides",
    "load_guide",
]


def guides_dir() -> Path:
    return Path(str(resources.files("mappings.guides") / "data"))


def list_guides() -> list[str]:
    return sorted(p.stem for p in guides_dir().glob("*.yaml"))


@cache
def load_guide(name: str) -> Guide:
    """A shipped guide by name (the file name without .yaml); loaded and checked once."""
    path = guides_dir() / f"{name}.yaml"
    if not path.is_file():
        raise GuideError(f"no guide named {name!r}; available: {', '.join(list_guides())}")
    return load_guide_file(path, dict(KINDS))


def check_guide_file(path: Path) -> Guide:
    return load_guide_file(path, dict(KINDS))


def guide_for_receiver(receiver_id: str, transaction: str) -> Guide | None:
    """The shipped guide that serves this receiver id (ISA08/GS03) for this transaction."""
    for name in list_guides():
        guide = load_guide(name)
        if transaction in guide.transactions and receiver_id.strip() in guide.receiver_ids:
            return guide
    return None
