"""Companion guides as data: versioned YAML per plan and transaction, rule kinds in Python.

``list_guides()`` and ``load_guide(name)`` read the guides shipped in ``guides/data``;
``check_guide_file(path)`` validates any guide file (``edi-gateway guides check``);
``GuideRunner`` evaluates a guide over parsed units.
"""

from __future__ import annotations

import os
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from .apply import GuideChecks, base_guides, plans_by_transaction
from .kinds import KINDS
from .model import Guide, GuideError, Rule, load_guide_file
from .runner import MEMBER_ELIGIBLE, BatchedHistory, GuideRunner, HistoryLookup

__all__ = [
    "KINDS",
    "MEMBER_ELIGIBLE",
    "BatchedHistory",
    "Guide",
    "GuideChecks",
    "GuideError",
    "GuideRunner",
    "HistoryLookup",
    "Rule",
    "base_guides",
    "check_guide_file",
    "guide_dirs",
    "guide_for_receiver",
    "guides_dir",
    "list_guides",
    "load_guide",
    "plans_by_transaction",
]


@cache
def guides_dir() -> Path:
    """The shipped guides' directory (inside the installed package)."""
    return Path(str(resources.files("mappings.guides") / "data"))


def guide_dirs() -> list[Path]:
    """The shipped guides, then any directories in ``EDI_GATEWAY_GUIDE_PATH`` (separated
    like PATH), where a plan's own guides can live without changing the package."""
    extra = [Path(p) for p in os.environ.get("EDI_GATEWAY_GUIDE_PATH", "").split(os.pathsep) if p]
    return [guides_dir(), *extra]


def _guide_files() -> dict[str, Path]:
    """Each guide's file by name (the first directory that has it wins). Listed again only
    when a directory changes (a guide added, removed or renamed: the directory's own
    modification time), not for every file checked; a guide edited in place is read again
    by ``load_guide``, which looks at the file's time."""
    dirs = tuple(guide_dirs())
    return dict(_listing(dirs, tuple(_modified(d) for d in dirs)))


def _modified(directory: Path) -> int:
    try:
        return directory.stat().st_mtime_ns
    except OSError:  # not there (yet): nothing listed from it
        return -1


@lru_cache(maxsize=16)
def _listing(dirs: tuple[Path, ...], _stamps: tuple[int, ...]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for directory in dirs:
        for path in sorted(directory.glob("*.yaml")):
            files.setdefault(path.stem, path)
    return files


def list_guides() -> list[str]:
    return sorted(_guide_files())


def load_guide(name: str) -> Guide:
    """A guide by name (the file name without .yaml); loaded and checked once per file."""
    path = _guide_files().get(name)
    if path is None:
        raise GuideError(f"no guide named {name!r}; available: {', '.join(list_guides())}")
    return _read(path)


def _read(path: Path) -> Guide:
    """The guide in ``path``, read again only when the file has changed."""
    return _load(path, path.stat().st_mtime_ns)


@cache
def _load(path: Path, _mtime: int) -> Guide:
    return load_guide_file(path, dict(KINDS))


def check_guide_file(path: Path) -> Guide:
    return load_guide_file(path, dict(KINDS))


def guide_for_receiver(receiver_id: str, transaction: str) -> Guide | None:
    """The shipped guide that serves this receiver id (ISA08/GS03) for this transaction."""
    files = _guide_files()
    for name in sorted(files):
        guide = _read(files[name])
        if transaction in guide.transactions and receiver_id.strip() in guide.receiver_ids:
            return guide
    return None
