from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SAMPLES = ROOT / "sample_edi"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to test a stale mypyc build: an extension module shadows its .py source."""
    stale = []
    for so in (ROOT / "parsers").glob("*.so"):
        source = so.with_name(so.name.split(".")[0] + ".py")
        if source.exists() and source.stat().st_mtime > so.stat().st_mtime:
            stale.append(source.name)
    if stale:
        raise pytest.UsageError(
            f"parsers/{', '.join(stale)} changed after the compiled build; run `make install`"
        )


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
