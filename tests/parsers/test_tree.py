"""The typed tree: claims, members and claim payments handed out one at a time."""

from __future__ import annotations

from conftest import SAMPLES

from parsers import SetEvent, UnitEvent, Validator
from parsers.generate import generate_bytes


def _events(data: bytes | str) -> tuple[list[UnitEvent], list[SetEvent]]:
    units: list[UnitEvent] = []
    sets: list[SetEvent] = []
    for event in Validator(units=True).events(data):
        if isinstance(event, UnitEvent):
            units.append(event)
        elif isinstance(event, SetEvent):
            sets.append(event)
    return units, sets


def test_837p_claims_come_with_their_providers_and_subscriber() -> None:
    units, sets = _events(str(SAMPLES / "837p" / "837p_valid_basic.x12"))
    assert len(units) == 5 and len(sets) == 1
    first = units[0].unit
    assert first.loop.id == "2300"
    clm = first.loop.segment("CLM")
    assert clm is not None
    assert clm["CLM01"] == "PCN267000032363" and clm["CLM02"] == "312"
    assert clm["CLM05-1"] == "11" and clm["CLM05-3"] == "1"
    lines = first.loop.loops_of("2400")
    assert [ln.segment("LX")[1] for ln in lines] == ["1", "2", "3", "4"]  # type: ignore[index]
    assert [ln.segment("SV1")["SV101-2"] for ln in lines] == ["81002", "99203", "99213", "36415"]  # type: ignore[index]
    billing = first.ancestor("2000A")
    assert billing is not None
    assert billing.loop("2010AA").segment("NM1")[9] == "1551312931"  # type: ignore[union-attr,index]
    subscriber = first.ancestor("2000B")
    assert subscriber is not None
    assert subscriber.loop("2010BA").segment("NM1", "IL")[9] == "96994177R"  # type: ignore[union-attr,index]
    assert first.header.guide == "837P" and first.header.st_control_number == "1923"
    assert sets[0].result.accepted


def test_claims_are_not_kept_in_the_tree_after_they_are_handed_out() -> None:
    data = generate_bytes("837p", 300, seed=5)
    units, _ = _events(data)
    assert len(units) == 300
    last_context = units[-1].unit.context
    held = sum(1 for loop in last_context for node in loop.walk() if node.id == "2300")
    assert held == 0
    root = last_context[0]
    assert sum(1 for _ in root.walk()) < 20  # header loops and open HL loops only


def test_834_members_carry_their_ids() -> None:
    units, _ = _events(str(SAMPLES / "834" / "834_valid_basic.x12"))
    assert len(units) == 6
    for event in units:
        member = event.unit.loop
        assert member.id == "2000"
        ins = member.segment("INS")
        ref = member.segment("REF", "0F")
        assert ins is not None and ref is not None
        assert ref[2]
        assert member.loop("2100A") is not None


def test_835_claim_payments() -> None:
    units, sets = _events(str(SAMPLES / "835" / "835_valid_basic.x12"))
    assert len(units) == 6
    clp = units[0].unit.loop.segment("CLP")
    assert clp is not None and clp[1]
    assert sets[0].header.guide == "835"


def test_units_of_a_rejected_set_are_still_seen_but_the_set_says_rejected() -> None:
    units, sets = _events(str(SAMPLES / "837i" / "837i_invalid_bad_code.x12"))
    assert len(units) == 4
    assert [s.result.accepted for s in sets] == [False]
