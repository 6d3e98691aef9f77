"""The tokenizer reads delimiters from the ISA and finds every segment and its offset."""

from __future__ import annotations

import io

import pytest

from parsers import validate
from parsers.tokenizer import Delimiters, read_delimiters, tokenize

ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
    "*260105*1200*^*00501*000000001*0*P*:~"
)


def _file(ele: str = "*", rep: str = "^", comp: str = ":", term: str = "~", eol: str = "") -> str:
    isa = ISA.replace("*", "\x00").replace("^", rep).replace(":", comp).replace("~", term)
    isa = isa.replace("\x00", ele)
    body = [
        f"GS{ele}HC{ele}SUBMITTER{ele}RECEIVER{ele}20260105{ele}1200{ele}1{ele}X{ele}005010X222A1",
        f"ST{ele}837{ele}0001{ele}005010X222A1",
        f"SE{ele}2{ele}0001",
        f"GE{ele}1{ele}1",
        f"IEA{ele}1{ele}000000001",
    ]
    return isa + eol + "".join(seg + term + eol for seg in body)


def test_isa_is_106_characters() -> None:
    assert len(ISA) == 106


@pytest.mark.parametrize(
    ("ele", "rep", "comp", "term"),
    [
        ("*", "^", ":", "~"),
        ("|", "!", ">", "'"),
        ("^", "{", "\\", "\n"),
        ("\x1d", "\x1f", "\x1c", "\x1e"),
    ],
)
def test_delimiters_are_read_from_the_isa(ele: str, rep: str, comp: str, term: str) -> None:
    text = _file(ele, rep, comp, term)
    delims, problem = read_delimiters(text)
    assert problem is None
    assert delims == Delimiters(ele, rep, comp, term)


@pytest.mark.parametrize("eol", ["", "\n", "\r\n", "\r", "  \n"])
def test_line_endings_after_terminators_are_ignored(eol: str) -> None:
    data = _file(eol=eol).encode()
    batches = list(tokenize(io.BytesIO(data), Delimiters()))
    ids = [seg[0] for b in batches for seg in b.segments]
    assert ids == ["ISA", "GS", "ST", "SE", "GE", "IEA"]


def test_offsets_point_at_each_segment_id() -> None:
    data = _file(eol="\r\n").encode()
    batch = next(tokenize(io.BytesIO(data), Delimiters()))
    for i, seg in enumerate(batch.segments):
        off = batch.offset(i)
        assert data[off : off + len(seg[0])].decode() == seg[0]


def test_small_chunks_give_the_same_segments_and_offsets() -> None:
    data = _file(eol="\n").encode() * 3
    whole = list(tokenize(io.BytesIO(data), Delimiters()))
    pieces = list(tokenize(io.BytesIO(data), Delimiters(), chunk_size=7))
    flat_whole = [
        (b.first_ordinal + i, s, b.offset(i)) for b in whole for i, s in enumerate(b.segments)
    ]
    flat_small = [
        (b.first_ordinal + i, s, b.offset(i)) for b in pieces for i, s in enumerate(b.segments)
    ]
    assert flat_small == flat_whole
    assert len(pieces) > 10


def test_newline_as_segment_terminator_is_valid_x12(samples) -> None:
    data = (samples / "837p" / "837p_valid_basic.x12").read_bytes()
    nl = data.replace(b"~\n", b"\n")
    assert b"~" not in nl
    assert validate(nl).accepted


def test_short_isa_is_reported_with_its_length() -> None:
    text = ISA.replace("SUBMITTER      ", "SUBMITTER     ")
    delims, problem = read_delimiters(text)
    assert delims == Delimiters()
    assert problem is not None and "105 characters" in problem.message
