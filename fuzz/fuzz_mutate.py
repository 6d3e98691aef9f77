"""Fuzz with structure: the fuzzer's bytes choose a seed file and X12-aware mutations
(segments repeated, dropped, moved, truncated; element values replaced; delimiters
changed), then everything ``exercise`` runs is run on the result.

    FUZZ_SECONDS=60 .venv/bin/python fuzz/fuzz_mutate.py
"""

from __future__ import annotations

import _common

with _common.instrumented():
    from fuzz_support import OPS, Op, exercise, mutate, seeds

SEEDS = seeds()


def target(data: bytes) -> None:
    try:
        import atheris
    except ImportError:  # under hypothesis the input is already mutated X12
        exercise(data)
        return
    fdp = atheris.FuzzedDataProvider(data)
    seed = SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)]
    ops = [
        Op(
            OPS[fdp.ConsumeIntInRange(0, len(OPS) - 1)],
            fdp.ConsumeProbability(),
            fdp.ConsumeProbability(),
            fdp.ConsumeIntInRange(0, 300),
            fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 12)),
        )
        for _ in range(fdp.ConsumeIntInRange(1, 4))
    ]
    exercise(mutate(seed, ops))


if __name__ == "__main__":
    _common.run(target)
