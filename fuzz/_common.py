"""Shared by the harnesses: the project's tests/ on the path, the seed corpus on disk, and
a runner that uses atheris when it is installed and hypothesis otherwise."""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
CORPUS = ROOT / "fuzz" / "corpus"


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Import parsers/ and mappings/ from their .py sources, not the mypyc build: atheris
    instruments Python bytecode, and a compiled module gives it no coverage to follow."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] not in ("parsers", "mappings"):
            return None
        loader = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)
        for folder in path or [str(ROOT)]:
            spec = importlib.machinery.FileFinder(folder, loader).find_spec(fullname)
            if spec is not None:
                return spec
        return None


def instrumented() -> Any:
    """A context in which imports are instrumented for atheris (from source); a no-op
    without atheris or with FUZZ_ENGINE=hypothesis."""
    if os.environ.get("FUZZ_ENGINE", "atheris") != "atheris":
        return contextlib.nullcontext()
    try:
        import atheris
    except ImportError:
        return contextlib.nullcontext()
    sys.meta_path.insert(0, _SourceFirst())
    return atheris.instrument_imports(include=["parsers", "mappings", "fuzz_support"])


def write_seed_corpus() -> Path:
    """The seed files (samples, public corpus, generated files) as atheris' start corpus,
    under fuzz/corpus/ (ignored by git)."""
    import fuzz_support

    CORPUS.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(fuzz_support.seeds()):
        path = CORPUS / f"seed-{i:03d}"
        if not path.exists():
            path.write_bytes(data)
    return CORPUS


def run(target: Callable[[bytes], None]) -> None:
    """Fuzz ``target`` for FUZZ_SECONDS (default 300) with atheris, or with hypothesis when
    atheris is not installed (or FUZZ_ENGINE=hypothesis)."""
    seconds = int(os.environ.get("FUZZ_SECONDS", "300"))
    engine = os.environ.get("FUZZ_ENGINE", "atheris")
    try:
        if engine != "atheris":
            raise ImportError(engine)
        import atheris
    except ImportError:
        _hypothesis(target, seconds)
        return
    corpus = write_seed_corpus()
    crashes = ROOT / "fuzz" / "crashes"
    crashes.mkdir(exist_ok=True)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        "-max_len=200000",
        "-timeout=30",
        "-rss_limit_mb=4096",
        f"-artifact_prefix={crashes}/",
        *sys.argv[1:],
    ]
    atheris.Setup(argv, target)
    atheris.Fuzz()


def _hypothesis(target: Callable[[bytes], None], seconds: int) -> None:
    import fuzz_support
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    seeds = fuzz_support.seeds()
    ops = st.builds(
        fuzz_support.Op,
        kind=st.sampled_from(fuzz_support.OPS),
        at=st.floats(0, 1),
        to=st.floats(0, 1),
        arg=st.integers(0, 300),
        text=st.binary(max_size=12),
    )
    inputs = st.one_of(
        st.binary(max_size=2000),
        st.builds(
            lambda s, o: fuzz_support.mutate(seeds[s], o),
            st.integers(0, len(seeds) - 1),
            st.lists(ops, min_size=1, max_size=4),
        ),
    )
    deadline = time.monotonic() + seconds
    runs = 0

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs)
    def fuzz(data: bytes) -> None:
        nonlocal runs
        runs += 1
        target(data)

    while time.monotonic() < deadline:
        fuzz()  # a failure raises, with the input and the blob to reproduce it
    print(f"hypothesis: {runs} inputs in {seconds} s, no failure")
