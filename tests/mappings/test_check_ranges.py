"""Work units (issue 19): a large 837 set cut into claim ranges (``parsers.ranges``), each
range checked on its own by the same check stream, gives every claim the verdict,
findings, record and file lines it gets when the whole file is checked in one pass; and
only sets whose guides judge each claim alone are cut."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from mappings.check import CheckedUnit, GuideSelection, check
from parsers import TransactionHeader, Validator
from parsers.generate import generate_bytes
from parsers.ranges import RangeEvents, RangeLayout, plan_ranges, range_stream

RECEIVED = dt.date(2026, 12, 6)


def _file(tmp_path: Path, claims: int, receiver: str = "OTHERPAY") -> Path:
    """A generated 837P (one set) sent to ``receiver`` (8 characters, as GPHP1EDI)."""
    path = tmp_path / "big.x12"
    path.write_bytes(generate_bytes("837p", claims, seed=3).replace(b"GPHP1EDI", receiver.encode()))
    return path


def _seen(c: CheckedUnit) -> tuple[Any, ...]:
    return (
        c.line,
        c.accepted,
        c.unit.header,
        [(f.code, f.line, f.segment_position, f.message) for f in c.findings],
        repr(c.record),
    )


def check_header(seen: list[tuple[Any, ...]]) -> TransactionHeader:
    header = seen[0][2]
    assert isinstance(header, TransactionHeader)
    return header


def _guides() -> GuideSelection:
    return GuideSelection(None, RECEIVED, by_receiver=True)


def test_ranges_of_a_large_set_check_as_the_whole_file_does(tmp_path: Path) -> None:
    path = _file(tmp_path, 1_000)
    [outline] = plan_ranges(str(path), 300)
    assert outline.claims == 1_000
    assert len(outline.ranges) >= 3
    assert sum(r.claims for r in outline.ranges) == 1_000
    # a range starting at a 2000B subscriber HL carries its 2000A billing provider
    assert outline.ranges[0].billing is None
    assert all(r.billing is not None for r in outline.ranges[1:])

    whole = [_seen(c) for c in check(str(path), _guides()) if isinstance(c, CheckedUnit)]
    in_ranges = []
    for claim_range in outline.ranges:
        layout = RangeLayout.from_dict(RangeLayout.of(outline, claim_range).as_dict())
        data = range_stream(path, layout)
        events = RangeEvents(Validator(units=True), layout)
        got = [c for c in check(data, _guides(), validator=events) if isinstance(c, CheckedUnit)]
        assert len(got) == claim_range.claims
        in_ranges += [_seen(c) for c in got]
    assert len(whole) == 1_000
    assert outline.header() == check_header(whole)
    assert in_ranges == whole  # same lines, positions, findings, records, set ordinal


def test_small_sets_and_other_transactions_are_not_cut(tmp_path: Path) -> None:
    path = _file(tmp_path, 200)
    [outline] = plan_ranges(str(path), 300)
    assert outline.claims == 200 and outline.ranges == []
    roster = tmp_path / "834.x12"
    roster.write_bytes(generate_bytes("834", 500, seed=1))
    assert all(o.ranges == [] for o in plan_ranges(str(roster), 100))
    assert plan_ranges(b"not x12 at all", 10) == []


def _header(transaction: str, receiver: str) -> TransactionHeader:
    return TransactionHeader(transaction, "", "1", "1", "1", "S", receiver, "S", receiver, 0, 1, 1)


def test_only_sets_whose_guides_judge_each_claim_alone_stand_alone() -> None:
    guides = _guides()
    # the base 837 guide judges each claim alone
    assert guides.for_header(_header("837P", "OTHERPAY")).units_stand_alone("837P")
    # the Medi-Cal plan guide has file rules (R03, R04), a claims-per-set limit (R10) and
    # a claim unique in the file (R15): its sets stay whole
    assert not guides.for_header(_header("837P", "GPHP1EDI")).units_stand_alone("837P")
    # 835 balancing rejects the whole set (R40, R41)
    assert not guides.for_header(_header("835", "OTHERPAY")).units_stand_alone("835")


def test_only_a_guide_with_file_rules_keeps_every_set_of_the_file_whole() -> None:
    guides = _guides()
    # the Medi-Cal plan guide: file-scope rules (R03, R04) and a claim unique in the file
    assert guides.for_header(_header("837P", "GPHP1EDI")).units_keep_file_whole("837P")
    # the base guides judge a set at most (835 balancing): the file's other sets may be cut
    for transaction in ("837P", "835", "834"):
        checks = guides.for_header(_header(transaction, "OTHERPAY"))
        assert not checks.units_keep_file_whole(transaction)


def _claims(text: str) -> list[int]:
    return [i for i, s in enumerate(text.split("~")) if s.strip().startswith("CLM*")]


def test_a_set_whose_claims_may_judge_each_other_is_not_cut(tmp_path: Path) -> None:
    """A duplicate claim, a duplicate service line or a replacement of a claim in the same
    set is decided in file order by one pass: such a set is not cut."""
    path = _file(tmp_path, 1_000)
    text = path.read_text()
    segments = text.split("~")
    first, second = _claims(text)[:2]
    clm01 = segments[first].split("*")[1]

    def cut(new: list[str]) -> list[Any]:
        path.write_text("~".join(new))
        [outline] = plan_ranges(str(path), 300)
        return outline.ranges

    assert cut(segments) != []
    # the same patient control number twice for one billing provider
    twice = list(segments)
    parts = twice[second].split("*")
    twice[second] = "*".join([parts[0], clm01, *parts[2:]])
    assert cut(twice) == []
    # a replacement naming a claim of the set (REF*F8)
    replaced = list(segments)
    parts = replaced[second].split("*")
    parts[5] = parts[5].rsplit(":", 1)[0] + ":7"
    replaced[second] = "*".join(parts)
    replaced.insert(second + 1, f"\nREF*F8*{clm01}")
    assert cut(replaced) == []
    # the second claim's first service line as the first claim's, for the same subscriber
    lines = list(segments)

    def last(prefix: str, before: int) -> int:
        return max(i for i in range(before) if lines[i].strip().startswith(prefix))

    def next_one(prefix: str, after: int) -> int:
        return next(i for i in range(after, len(lines)) if lines[i].strip().startswith(prefix))

    lines[last("NM1*IL", second)] = lines[last("NM1*IL", first)]
    lines[next_one("SV1", second)] = lines[next_one("SV1", first)]
    lines[next_one("DTP*472", second)] = lines[next_one("DTP*472", first)]
    assert cut(lines) == []


def test_a_set_holding_a_claim_repeated_in_another_set_of_the_file_is_not_cut(
    tmp_path: Path,
) -> None:
    """One job judges the later set's copy the duplicate; units of the large set would
    commit in any order beside the other set, so the large set stays whole. The other
    sets of the file are still cut."""
    path = _file(tmp_path, 1_000)
    segments = path.read_text().split("~")
    st = next(i for i, s in enumerate(segments) if s.strip().startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.strip().startswith("SE*"))
    hls = [i for i, s in enumerate(segments) if s.strip().startswith("HL*")]
    first_claim = _claims("~".join(segments))[0]
    # a small set: the large set's head and its first claim (billing, subscriber, claim)
    next_hl = next(i for i in hls if i > first_claim)
    st_parts = segments[st].split("*")
    small = ["*".join([*st_parts[:2], "9999", *st_parts[3:]]), *segments[st + 1 : next_hl]]
    small.append(f"\nSE*{len(small) + 1}*9999")

    def plan(*sets: list[str]) -> list[Any]:
        body = [s for one in sets for s in one]
        path.write_text("~".join([*segments[:st], *body, *segments[se + 1 :]]))
        return [outline.ranges for outline in plan_ranges(str(path), 300)]

    large = segments[st : se + 1]
    # two copies of the large set: each holds the other's claims
    assert plan(large, large) == [[], []]
    # the small set after (or before) the large one repeats its first claim
    assert plan(large, small) == [[], []]
    assert plan(small, large) == [[], []]
    # the small set with another patient control number: the large set is cut
    other = [s.replace(segments[first_claim].split("*")[1], "OTHER-CLAIM-1") for s in small]
    other = [s.replace("SV1*HC:", "SV1*HC:A") for s in other]
    ranges = plan(large, other)
    assert len(ranges[0]) == 4 and ranges[1] == []
