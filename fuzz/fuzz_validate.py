"""Fuzz the validator, the mappers, the companion guides and the TA1/999/277CA builders
with raw bytes (atheris mutates the seed corpus byte by byte).

    FUZZ_SECONDS=60 .venv/bin/python fuzz/fuzz_validate.py
    FUZZ_ENGINE=hypothesis .venv/bin/python fuzz/fuzz_validate.py
"""

from __future__ import annotations

import _common

with _common.instrumented():
    from fuzz_support import exercise


def target(data: bytes) -> None:
    exercise(data)


if __name__ == "__main__":
    _common.run(target)
