"""The compiled guide engine (mappings/guides/program.py, checks.py) gives the same answers
as the plain definitions it replaces: dates, amounts and code formats worked out without
the standard library's parsers, value objects reused from claim to claim, values of the
loops above a claim remembered while they are the same loops, and line-scope rules seeing
only their own line.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from mappings.codesets import medi_cal_cin_format, npi_valid, taxonomy_format, zip_format
from mappings.guides import GuideRunner, check_guide_file
from mappings.guides.checks import cents, day_number
from parsers import UnitEvent, Validator
from parsers.generate import npi_check_digit, write_file

# --- plain building blocks -----------------------------------------------------------------


def _reference_day(value: str) -> int:
    text = value.split("-", 1)[0]
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return 0
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8])).toordinal()
    except ValueError:
        return 0


def test_day_numbers_equal_the_calendar_for_every_day_of_four_centuries() -> None:
    day = dt.date(1800, 1, 1)
    while day.year < 2201:
        text = day.strftime("%Y%m%d")
        assert day_number(text) == day.toordinal(), text
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "text",
    [
        "20260229",  # not a leap year
        "20240229",  # a leap year
        "19000229",  # century, not a leap year
        "20000229",  # 400-year leap year
        "20261301",
        "20260100",
        "20260431",
        "2026010",
        "202601011",
        "2026-01-01",
        "abcdefgh",
        "20260101-20260131",  # RD8: the first date
        "2026011²",
        "",
        "00000101",
    ],
)
def test_day_numbers_reject_what_is_not_a_date(text: str) -> None:
    assert day_number(text) == _reference_day(text)


def _reference_cents(value: str) -> int | None:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    scaled = amount * 100
    return int(scaled) if scaled == scaled.to_integral_value() else None


@pytest.mark.parametrize(
    "text",
    ["22", "22.5", "22.50", "0.01", ".5", "5.", "-12.34", "0", "-0", "1234567890.12"],
)
def test_amounts_in_cents_equal_decimal(text: str) -> None:
    assert cents(text) == _reference_cents(text)


@pytest.mark.parametrize("text", ["1.234", "1e2", "+5", " 5", "5 ", "", "-", ".", "1,5", "abc"])
def test_amounts_that_need_decimal_are_left_to_it(text: str) -> None:
    # the fast path declines; SumCheck then compares with Decimal exactly as before
    assert cents(text) < -(10**15)


def test_format_checks_agree_with_their_patterns() -> None:
    rng = random.Random(5)
    patterns = {
        zip_format: re.compile(r"[0-9]{5}(?:[0-9]{4})?"),
        medi_cal_cin_format: re.compile(r"9[0-9]{7}[A-Z]"),
        taxonomy_format: re.compile(r"[0-9]{3}[0-9A-Z]{6}X"),
    }
    alphabet = "0123456789AXZ9a -²"
    samples = ["95131", "951310250", "91234567A", "207Q00000X", "261QF0400X", "9123456A7"]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 11))) for _ in range(20000)
    ]
    for fn, pattern in patterns.items():
        for text in samples:
            assert fn(text) == (pattern.fullmatch(text) is not None), (fn.__name__, text)


def test_npi_check_digit_agrees_with_the_luhn_definition() -> None:
    rng = random.Random(9)
    for _ in range(5000):
        first9 = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(8))
        good = first9 + npi_check_digit(first9)
        assert npi_valid(good)
        for wrong in "0123456789":
            if wrong != good[9]:
                assert not npi_valid(first9 + wrong)
    for text in ("", "123456789", "12345678901", "3234567893", "12345678A3", "1234567893²"):
        assert not npi_valid(text)


# --- the engine over real files ----------------------------------------------------------------

GUIDE = """guide: engine-test
title: engine behaviours
version: '1'
transactions: [837P]
rules:
  - id: NPI
    title: Rendering NPI check digit
    snip: 5
    severity: reject_claim
    scope: claim
    kind: format
    params: {field: 2310B/NM109, check: npi}
    message: "NPI {value}"
    fix: fix it
  - id: ZIP9
    title: Billing ZIP+4
    snip: 4
    severity: reject_claim
    scope: claim
    kind: pattern
    params: {field: 2010AA/N403, regex: '\\d{9}'}
    message: "ZIP {value}"
    fix: fix it
  - id: LINE-DATE
    title: Line date not after receipt
    snip: 4
    severity: reject_claim
    scope: line
    kind: date_window
    params: {field: "2400/DTP[472]03", not_after_receipt: true}
    message: "date {value}"
    fix: fix it
  - id: LINE-CHARGE
    title: Line charge not zero
    snip: 7
    severity: warning
    scope: line
    kind: pattern
    params: {field: 2400/SV102, regex: '(?!0*(?:\\.0*)?$).+'}
    message: "charge {value}"
    fix: fix it
"""


def _run(tmp_path: Path, data: bytes) -> list:  # type: ignore[type-arg]
    path = tmp_path / "engine-test.yaml"
    path.write_text(GUIDE)
    runner = GuideRunner(check_guide_file(path), dt.date(2026, 5, 10))
    out = []
    for event in Validator(units=True).events(data):
        if isinstance(event, UnitEvent):
            out += runner.check_unit(event.unit)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("engine") / "g.x12"
    write_file(path, "837p", 60, seed=11)
    return path.read_bytes()


def _segments(data: bytes) -> list[str]:
    return [s.strip() for s in data.decode("latin-1").split("~") if s.strip()]


def _join(segments: list[str]) -> bytes:
    return "".join(s + "~\n" for s in segments).encode("latin-1")


def test_each_finding_keeps_its_own_claim_values(tmp_path: Path, generated: bytes) -> None:
    """Value objects are reused from claim to claim; a finding must keep the value, segment
    and claim of its own claim."""
    segs = _segments(generated)
    rendering = [i for i, s in enumerate(segs) if s.startswith("NM1*82*")]
    bad = {rendering[2]: "1234567890", rendering[7]: "1999999999", rendering[8]: "2000000001"}
    for i, npi in bad.items():
        parts = segs[i].split("*")
        parts[9] = npi
        segs[i] = "*".join(parts)
    assert all(not npi_valid(n) for n in bad.values())
    findings = [f for f in _run(tmp_path, _join(segs)) if f.rule_id == "NPI"]
    assert [f.value for f in findings] == list(bad.values())
    claim_ids = []
    for i in bad:
        clm = max(j for j, s in enumerate(segs[:i]) if s.startswith("CLM*"))
        claim_ids.append(segs[clm].split("*")[1])
    assert [f.claim_id for f in findings] == claim_ids
    # the line is the segment's ordinal in the file (ISA = 1)
    assert [f.line for f in findings] == [i + 1 for i in bad]


def test_a_problem_above_the_claims_is_reported_for_every_claim_under_it(
    tmp_path: Path, generated: bytes
) -> None:
    segs = _segments(generated)
    billing = [i for i, s in enumerate(segs) if s.startswith("NM1*85*")]
    assert len(billing) >= 2
    n4 = billing[0] + 2
    assert segs[n4].startswith("N4*")
    parts = segs[n4].split("*")
    parts[3] = "95131"
    segs[n4] = "*".join(parts)
    findings = [f for f in _run(tmp_path, _join(segs)) if f.rule_id == "ZIP9"]
    # every claim under the first billing provider, none under the second
    claims = [s.split("*")[1] for s in segs[: billing[1]] if s.startswith("CLM*")]
    assert claims
    assert [f.claim_id for f in findings] == claims
    assert {(f.value, f.line) for f in findings} == {("95131", n4 + 1)}


def test_line_rules_see_only_their_own_line(tmp_path: Path, generated: bytes) -> None:
    segs = _segments(generated)
    claims = [i for i, s in enumerate(segs) if s.startswith("CLM*")]
    # a claim with at least three lines
    for c, start in enumerate(claims):
        end = claims[c + 1] if c + 1 < len(claims) else len(segs)
        lines = [i for i in range(start, end) if segs[i].startswith("LX*")]
        if len(lines) >= 3:
            break
    else:
        pytest.fail("the generated file has no claim with three lines")
    dates = [i for i in range(lines[1], lines[2]) if segs[i].startswith("DTP*472*")]
    charges = [i for i in range(lines[2], end) if segs[i].startswith("SV1*")]
    segs[dates[0]] = "DTP*472*D8*20991231"
    parts = segs[charges[0]].split("*")
    parts[2] = "0"
    segs[charges[0]] = "*".join(parts)
    findings = _run(tmp_path, _join(segs))
    assert [(f.rule_id, f.value, f.line) for f in findings] == [
        ("LINE-DATE", "20991231", dates[0] + 1),
        ("LINE-CHARGE", "0", charges[0] + 1),
    ]
