"""How long the command line takes as a whole process, against the bare interpreter.

    .venv/bin/python benchmarks/bench_startup.py [--tree DIR] [--claims 5000]

Each command runs in a fresh process (the best of ``--repeat`` runs); the baseline is
``python -c pass`` measured in the same run, so the ratio is what our code adds. ``--tree``
points at another checkout (with its own ``.venv``) to compare a before and an after on
the same machine in one run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _best(argv: list[str], repeat: int, cwd: Path) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def _files(python: str, cwd: Path, claims: int, tmp: Path) -> tuple[Path, Path]:
    one, many = tmp / "one.x12", tmp / "many.x12"
    for path, count in ((one, 1), (many, claims)):
        subprocess.run(
            [python, "-m", "edi_gateway.cli", "generate", "837p", "--count", str(count),
             "--seed", "3", "-o", str(path)],
            cwd=cwd, check=True, capture_output=True,
        )  # fmt: skip
    return one, many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], help="another checkout")
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    trees = [ROOT, *(Path(t).resolve() for t in args.tree)]
    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-startup-"))
    base_python = str(ROOT / ".venv" / "bin" / "python")
    one, many = _files(base_python, ROOT, args.claims, tmp)
    baseline = _best([base_python, "-c", "pass"], args.repeat, ROOT)
    print(f"python -c pass: {baseline * 1000:.0f} ms (baseline)")
    header = f"{'tree':<28}{'command':<34}{'ms':>8}{'x baseline':>12}"
    print(header)
    print("-" * len(header))
    for tree in trees:
        python = str(tree / ".venv" / "bin" / "python")
        commands = {
            "--help": ["--help"],
            "validate (1 claim)": ["validate", str(one)],
            f"validate ({args.claims:,} claims)": ["validate", str(many)],
            "validate --guide (1 claim)": ["validate", "--guide", "medi-cal-encounters-837",
                                           str(one)],
            "guides list": ["guides", "list"],
        }  # fmt: skip
        for label, argv in commands.items():
            took = _best([python, "-m", "edi_gateway.cli", *argv], args.repeat, tree)
            print(f"{tree.name:<28}{label:<34}{took * 1000:>8.0f}{took / baseline:>12.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
