"""Hostile input never breaks the parser, the mappers or the acknowledgments (issue 14).

Generated and mutated X12 (byte flips, deletions, repeated, dropped, moved and truncated
segments, other delimiters, random, control and huge element values) from the valid
samples, the public corpus and ``parsers.generate``: every input gives findings or a clean
rejection, never an unexpected exception or a hang (the deadline), and the TA1/999/277CA
written for it are valid X12 (see ``fuzz_support.exercise``).

Profiles: ``ci`` (the default, about 30 s for the file) and ``fuzz`` (many more examples,
no deadline), chosen with ``EDI_FUZZ_PROFILE=fuzz``. A failure prints the reproducing
blob; keep the input as a file in tests/regressions/ (test_fuzz_regressions.py).
"""

from __future__ import annotations

import io
import os
from datetime import timedelta

from fuzz_support import ODD, OPS, Op, exercise, mutate, seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import Validator
from parsers.tokenizer import read_delimiters, tokenize

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=timedelta(seconds=10),
    suppress_health_check=_SLOW,
    database=None,
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=_SLOW,
    print_blob=True,
)
PROFILE = settings.get_profile(os.environ.get("EDI_FUZZ_PROFILE", "ci"))

SEEDS = seeds()
_TEXT = st.one_of(
    st.binary(max_size=12),
    st.text(alphabet=ODD + "AZ09-. ", max_size=12).map(lambda s: s.encode("latin-1")),
)
_OPS = st.builds(
    Op,
    kind=st.sampled_from(OPS),
    at=st.floats(0, 1),
    to=st.floats(0, 1),
    arg=st.integers(0, 300),
    text=_TEXT,
)
MUTATED = st.builds(
    lambda seed, ops: mutate(SEEDS[seed], ops),
    st.integers(0, len(SEEDS) - 1),
    st.lists(_OPS, min_size=1, max_size=4),
)
#: any bytes behind an ISA, so the envelope is read and the rest is garbage
BEHIND_ISA = st.builds(
    lambda seed, cut, tail: SEEDS[seed][: 106 + cut] + tail,
    st.integers(0, len(SEEDS) - 1),
    st.integers(0, 400),
    st.binary(max_size=400),
)


@PROFILE
@given(st.one_of(st.binary(max_size=600), MUTATED), st.sampled_from([1, 7, 64, 1 << 20]))
def test_tokenizer_reads_any_bytes(data: bytes, chunk: int) -> None:
    delims, _ = read_delimiters(data.lstrip(b" \t\r\n")[:4096].decode("latin-1"))
    if delims is None:
        return
    whole = [s for b in tokenize(io.BytesIO(data), delims) for s in b.segments]
    pieces = [s for b in tokenize(io.BytesIO(data), delims, chunk_size=chunk) for s in b.segments]
    assert pieces == whole


@PROFILE
@given(MUTATED)
def test_mutated_files_give_findings_and_valid_acks(data: bytes) -> None:
    exercise(data)


@PROFILE
@given(st.one_of(st.binary(max_size=2000), BEHIND_ISA))
def test_any_bytes_give_findings_or_a_clean_rejection(data: bytes) -> None:
    outcome = exercise(data)
    if not outcome.result.usable:
        assert [f for f in outcome.result.findings if f.is_error]


@PROFILE
@given(MUTATED, st.sampled_from([16, 101, 4096]))
def test_chunk_size_changes_nothing(data: bytes, chunk: int) -> None:
    def findings(chunk_size: int) -> list[tuple[object, ...]]:
        result = Validator(chunk_size=chunk_size).run(data)
        return [(f.code, f.line, f.offset, f.element, f.value) for f in result.all_findings()]

    assert findings(chunk) == findings(1 << 20)


_CONTROL = "".join(chr(c) for c in (*range(0, 32), 127))


@PROFILE
@given(
    st.integers(0, len(SEEDS) - 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.text(alphabet="ABC 123", max_size=5),
    st.sampled_from(_CONTROL),
)
def test_a_control_character_in_an_element_rejects_the_file(
    seed: int, at: float, to: float, text: str, char: str
) -> None:
    data = SEEDS[seed].decode("latin-1")
    delims, _ = read_delimiters(data[:200])
    assert delims is not None
    if char in (delims.element, delims.segment, delims.component, delims.repetition):
        return
    segs = data.split(delims.segment)
    # an element of a segment other than ISA (whose ISA11 and ISA16 are delimiters)
    index = 1 + min(len(segs) - 3, int(at * (len(segs) - 2)))
    elements = segs[index].split(delims.element)
    if len(elements) < 2:
        return
    k = 1 + min(len(elements) - 2, int(to * (len(elements) - 1)))
    elements[k] = text[:2] + char + text[2:]
    segs[index] = delims.element.join(elements)
    outcome = exercise(delims.segment.join(segs).encode("latin-1"))
    assert not outcome.result.accepted
