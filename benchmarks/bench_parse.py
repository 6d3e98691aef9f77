"""Parse and validate speed, and peak memory, against pyx12 and bytes.split in one run.

    .venv/bin/python benchmarks/bench_parse.py [--claims 10000] [--big 100000] [--repeat 3]
    .venv/bin/python benchmarks/bench_parse.py --only-guides [--claims 10000] [--repeat 3]

For each generated file (837P claims, 834 members, 835 claim payments) it prints:

- pyx12 full validation (x12n_document with a 999): segments/s;
- our full SNIP 1-2 validation (cold: first run in a fresh process; warm: best of N);
- our parse without validation (tokenizer to element lists) and a bare
  ``[s.split(b"*") for s in data.split(b"~")]`` on the same bytes;
- the ratios the targets are written in: validation vs pyx12 (target >= 20x), parse vs
  bare split (target >= 0.40);
- peak RSS of a fresh process validating the 10,000-claim and the large 837P (memory
  flat as the file grows; target < 150 MB for 100,000 claims);
- full validation with the Medi-Cal guide on the 837P (SNIP 1-2 with units, plus the base
  guide x12-837-base and medi-cal-encounters-837 over every claim and set), as a ratio to
  SNIP 1-2 alone (target: guide time / SNIP 1-2 time <= 1.5). ``--only-guides`` runs just
  this row.

Timings are wall-clock on a shared machine: compare the ratios, which are measured in the
same run, not the absolute figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers import validate  # noqa: E402
from parsers.generate import write_file  # noqa: E402
from parsers.tokenizer import Delimiters, tokenize  # noqa: E402


def _pyx12_seconds(path: Path) -> float:
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12n_document

    params = pyx12.params.ParamsBase()
    out = io.StringIO()
    start = time.perf_counter()
    with open(path, encoding="ascii") as src:
        pyx12.x12n_document.x12n_document(params, src, out, None)
    return time.perf_counter() - start


def _ours_seconds(path: Path) -> tuple[float, int, int, bool]:
    start = time.perf_counter()
    result = validate(path)
    elapsed = time.perf_counter() - start
    units = sum(st.units for st in result.transaction_sets())
    return elapsed, result.segments, units, result.accepted


GUIDE = "medi-cal-encounters-837"
GUIDE_TARGET = 1.5


def _isa_date(path: Path) -> dt.date:
    """The interchange date (ISA09): the receipt date, so date rules do not depend on today."""
    head = path.read_bytes()[:106].decode("latin-1")
    yymmdd = head.split(head[3])[9]
    return dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))


def _guides_seconds(
    path: Path, with_guides: bool = True, run: bool = True
) -> tuple[float, int, int, int]:
    """SNIP 1-2 with units (claims handed out) and, unless told not to, the base and
    Medi-Cal guides over every unit and set: seconds, segments, units, guide findings."""
    from mappings.guides import GuideChecks, load_guide
    from parsers import SetEvent, UnitEvent, Validator

    checks = GuideChecks(load_guide(GUIDE), _isa_date(path)) if with_guides else None
    validator = Validator(units=True)
    units = findings = 0
    if not run:
        return 0.0, 0, 0, 0
    start = time.perf_counter()
    for event in validator.events(path):
        if isinstance(event, UnitEvent):
            units += 1
            if checks is not None:
                findings += len(checks.check_unit(event.unit))
        elif isinstance(event, SetEvent) and checks is not None:
            findings += len(checks.check_set(event))
    elapsed = time.perf_counter() - start
    return elapsed, validator.file.segments, units, findings


def _parse_seconds(data: bytes) -> float:
    start = time.perf_counter()
    n = 0
    for batch in tokenize(io.BytesIO(data), Delimiters()):
        n += len(batch.segments)
    return time.perf_counter() - start


def _split_seconds(data: bytes) -> float:
    start = time.perf_counter()
    [s.split(b"*") for s in data.split(b"~")]
    return time.perf_counter() - start


def _child(mode: str, path: Path) -> dict[str, float]:
    """Run one measurement in a fresh process: cold timings and a clean peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _child_main(mode: str, path: str) -> None:
    import resource

    p = Path(path)
    # "MODE-setup": the same start-up as MODE without the work (for instruction counts)
    mode, _, setup = mode.partition("-")
    if mode == "ours":
        from parsers import load_map

        for key in ("837P", "834", "835"):
            load_map(key)
        if setup:
            print(json.dumps({}))
            return
        seconds, segments, units, accepted = _ours_seconds(p)
        payload = {"seconds": seconds, "segments": segments, "units": units, "accepted": accepted}
    elif mode in ("guides", "units"):
        from mappings.guides import base_guides, load_guide
        from parsers import load_map

        load_map("837P")
        base_guides(), load_guide(GUIDE)  # parse the YAML before the clock starts
        seconds, segments, units, findings = _guides_seconds(p, mode == "guides", not setup)
        payload = {"seconds": seconds, "segments": segments, "units": units, "findings": findings}
    else:
        payload = {"seconds": _pyx12_seconds(p)}
    payload["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(payload))


def _instructions(mode: str, path: Path) -> int:
    """Instructions executed by a fresh child doing ``mode``, less those of the same child
    doing only its start-up (valgrind's callgrind counts instructions: the same count for
    the same work whatever else the machine is doing)."""

    def count(child_mode: str) -> int:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                __file__,
                "--child",
                child_mode,
                str(path),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        for line in out.stderr.splitlines():
            if "Collected :" in line:
                return int(line.rsplit(":", 1)[1].strip().replace(",", ""))
        raise RuntimeError(f"no instruction count from valgrind for {child_mode}")

    return count(mode) - count(f"{mode}-setup")


def _instructions_row(path: Path) -> None:
    import shutil

    if shutil.which("valgrind") is None:
        print("  (valgrind is not installed: no instruction counts)")
        return
    snip = _instructions("ours", path)
    units = _instructions("units", path)
    guides = _instructions("guides", path)
    print(
        f"  instructions (callgrind, fresh processes): SNIP 1-2 {snip / 1e6:,.0f} M, "
        f"with units {units / 1e6:,.0f} M ({units / snip:.2f}x), "
        f"with guides {guides / 1e6:,.0f} M ({guides / snip:.2f}x)  (target <= {GUIDE_TARGET})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="claims in the memory test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pyx12-claims",
        type=int,
        default=None,
        help="claims in pyx12's file (default: same as --claims)",
    )
    parser.add_argument(
        "--only-guides",
        action="store_true",
        help="only the Medi-Cal guide row (no pyx12, no memory test)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="with --only-guides: also count instructions with valgrind (slow, but the "
        "same figure on a busy machine)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_main(*args.child)
        return

    tmp = Path(tempfile.mkdtemp(prefix="edi-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; files in {tmp}\n")
    if args.only_guides:
        _guides_row(tmp, args.claims, args.repeat, args.instructions)
        tmp.rmdir()
        return
    header = (
        f"{'file':<22}{'segments':>10}{'pyx12 seg/s':>13}{'ours cold':>11}"
        f"{'ours warm':>11}{'x pyx12':>9}{'claims/s':>10}{'parse/split':>13}"
    )
    print(header)
    print("-" * len(header))
    ratios = []
    for kind in ("837p", "834", "835"):
        path = tmp / f"{kind}_{args.claims}.x12"
        write_file(path, kind, args.claims, seed=7)
        pyx_path = path
        if args.pyx12_claims and args.pyx12_claims != args.claims:
            pyx_path = tmp / f"{kind}_{args.pyx12_claims}.x12"
            write_file(pyx_path, kind, args.pyx12_claims, seed=7)
        pyx = _child("pyx12", pyx_path)
        pyx_segments = sum(1 for _ in pyx_path.read_bytes().split(b"~")) - 1
        pyx_rate = pyx_segments / pyx["seconds"]
        cold = _child("ours", path)
        assert cold["accepted"], f"generated {kind} file should validate cleanly"
        warm = min(_ours_seconds(path)[0] for _ in range(args.repeat))
        data = path.read_bytes()
        parse = min(_parse_seconds(data) for _ in range(args.repeat))
        split = min(_split_seconds(data) for _ in range(args.repeat))
        segs = cold["segments"]
        cold_rate = segs / cold["seconds"]
        warm_rate = segs / warm
        ratio = cold_rate / pyx_rate
        ratios.append(ratio)
        print(
            f"{kind + ' ' + str(args.claims):<22}{segs:>10,}{pyx_rate:>13,.0f}"
            f"{cold_rate:>11,.0f}{warm_rate:>11,.0f}{ratio:>8.1f}x"
            f"{cold['units'] / cold['seconds']:>10,.0f}{split / parse:>13.2f}"
        )
    print(
        "\nvalidation vs pyx12 (cold, fresh process): "
        + ", ".join(f"{r:.1f}x" for r in ratios)
        + "  (target >= 20x)"
    )

    print("\npeak RSS of a fresh process validating 837P files (memory flat as files grow):")
    for n in (args.claims, args.big):
        path = tmp / f"837p_mem_{n}.x12"
        write_file(path, "837p", n, seed=3)
        res = _child("ours", path)
        size_mb = path.stat().st_size / 1e6
        print(
            f"  {n:>7,} claims  {size_mb:7.1f} MB file  {res['segments']:>10,} segments  "
            f"peak RSS {res['peak_rss_mb']:6.1f} MB  {res['seconds']:6.2f} s  "
            f"accepted={res['accepted']}"
        )
        path.unlink()
    _guides_row(tmp, args.claims, args.repeat)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()


def _guides_row(tmp: Path, claims: int, repeat: int, instructions: bool = False) -> None:
    """Full validation with the Medi-Cal guide vs SNIP 1-2 alone, on the same 837P."""
    path = tmp / f"837p_guides_{claims}.x12"
    write_file(path, "837p", claims, seed=7)
    print(
        f"\n837P {claims:,} claims: SNIP 1-2 alone vs full validation with {GUIDE} "
        f"(+ x12-837-base), receipt date = ISA09 {_isa_date(path)}:"
    )
    snip_cold = _child("ours", path)
    units_cold = _child("units", path)
    guide_cold = _child("guides", path)
    # Interleaved (SNIP, units, guides, SNIP, ...) and the best of each: the machine's load
    # drifts, and a block of runs of one kind would carry the drift into the ratio.
    snips: list[float] = []
    units: list[float] = []
    guides: list[float] = []
    for _ in range(max(repeat, 5)):
        snips.append(_ours_seconds(path)[0])
        units.append(_guides_seconds(path, with_guides=False)[0])
        guides.append(_guides_seconds(path)[0])
    snip_warm, units_warm, guide_warm = min(snips), min(units), min(guides)
    repeat = len(snips)
    segs = snip_cold["segments"]
    n = snip_cold["units"]
    head = f"  {'':<34}{'cold s':>8}{'warm s':>8}{'seg/s (warm)':>14}{'claims/s':>10}{'ratio':>8}"
    print(head)
    print("  " + "-" * (len(head) - 2))
    rows = (
        ("SNIP 1-2 alone (validate)", snip_cold["seconds"], snip_warm),
        ("SNIP 1-2 with units, no guide", units_cold["seconds"], units_warm),
        ("SNIP 1-2 + guides (full)", guide_cold["seconds"], guide_warm),
    )
    for label, cold, warm in rows:
        print(
            f"  {label:<34}{cold:>8.2f}{warm:>8.2f}{segs / warm:>14,.0f}{n / warm:>10,.0f}"
            f"{warm / snip_warm:>7.2f}x"
        )
    ratio_warm = guide_warm / snip_warm
    ratio_cold = guide_cold["seconds"] / snip_cold["seconds"]
    verdict = "ok" if ratio_warm <= GUIDE_TARGET else "OVER TARGET"
    print(
        f"  guide time / SNIP 1-2 time: {ratio_warm:.2f} warm (best of {repeat}), "
        f"{ratio_cold:.2f} cold  (target <= {GUIDE_TARGET}) {verdict}; "
        f"{guide_cold['findings']:.0f} guide findings on {guide_cold['units']:.0f} claims"
    )
    if instructions:
        _instructions_row(path)
    path.unlink()


if __name__ == "__main__":
    main()
