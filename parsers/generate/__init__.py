"""Synthetic, implementation-guide-valid X12 5010 files for tests and benchmarks.

Pure standard library.  Every file is one interchange (ISA/IEA) holding one functional
group (GS/GE); large counts are split into several transaction sets (ST/SE).  Output is
streamed in chunks so a 100,000-claim file is never held whole in memory, and it is fully
determined by ``(kind, count, seed)``: dates are fixed in 2026 and every control number
is derived from the seed.

Kinds and what ``count`` counts:

==========  =====================  =========================  ================
kind        guide                  ``count`` =                per ST (default)
==========  =====================  =========================  ================
``834``     005010X220A1           members (INS loops)        10,000
``835``     005010X221A1           claim payments (CLP)       5,000
``837p``    005010X222A1           claims (CLM)               5,000
``837i``    005010X223A2           claims (CLM)               5,000
``837d``    005010X224A2           claims (CLM)               5,000
==========  =====================  =========================  ================

All people, organisations, identifiers and addresses are synthetic: names come from
small made-up lists, Medi-Cal CINs are ``9`` + 7 digits + a letter, NPIs are random
but Luhn-valid, ZIP codes are California ``9xxxx-xxxx``.  Separators are ``*`` (element),
``^`` (repetition), ``:`` (component) and ``~`` (segment), with a ``\\n`` after each ``~``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from .context import DEFAULT_PER_ST, KINDS, Context, make_npi, npi_check_digit, per_st_counts
from .x834 import generate_834
from .x835 import generate_835
from .x837 import generate_837

__all__ = [
    "KINDS",
    "generate",
    "generate_bytes",
    "make_npi",
    "npi_check_digit",
    "write_file",
]


def generate(
    kind: str, count: int, seed: int = 0, *, claims_per_st: int | None = None
) -> Iterator[bytes]:
    """Yield a valid synthetic X12 5010 file of ``kind`` in chunks of bytes.

    ``count`` is the number of claims (837: CLM loops), members (834: INS loops) or
    claim payments (835: CLP loops).  Transaction sets are split every ``claims_per_st``
    items (default 5,000; 10,000 members for 834).  Chunks are a few KB up to about
    1 MB; only one chunk (plus, for 835, one ST body) is held in memory at a time.
    """
    kind = kind.lower()
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if count < 1:
        raise ValueError("count must be at least 1")
    per_st = DEFAULT_PER_ST[kind] if claims_per_st is None else claims_per_st
    if per_st < 1:
        raise ValueError("claims_per_st must be at least 1")
    ctx = Context(kind, seed)
    counts = per_st_counts(count, per_st)
    if kind == "834":
        return generate_834(ctx, counts)
    if kind == "835":
        return generate_835(ctx, counts)
    return generate_837(ctx, counts)


def generate_bytes(kind: str, count: int, seed: int = 0) -> bytes:
    """Return the whole generated file as one ``bytes`` object (small counts only)."""
    return b"".join(generate(kind, count, seed))


def write_file(path: str | os.PathLike[str], kind: str, count: int, seed: int = 0) -> int:
    """Stream a generated file to ``path``; return the number of bytes written."""
    written = 0
    with open(path, "wb") as fh:
        for chunk in generate(kind, count, seed):
            fh.write(chunk)
            written += len(chunk)
    return written
