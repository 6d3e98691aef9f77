"""Rule kinds that no shipped guide uses yet, checked on a minimal guide of their own, and
the guide-level behaviours (effective dates, receiver selection)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import SAMPLES

from mappings.guides import GuideRunner, check_guide_file
from parsers import UnitEvent, Validator

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"


def _guide(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "kind-test.yaml"
    path.write_text(
        "guide: kind-test\ntitle: one rule\nversion: '1'\ntransactions: [837P]\n"
        "effective: {from: 2026-01-01, to: 2026-12-31}\n"
        "applies_to: {receiver_ids: [GPHP1EDI]}\nrules:\n" + rule
    )
    return path


def _run(path: Path, data: bytes, history=None) -> list:  # type: ignore[no-untyped-def]
    runner = GuideRunner(check_guide_file(path), dt.date(2026, 10, 1), history)
    out = []
    for event in Validator(units=True).events(data):
        if isinstance(event, UnitEvent):
            out += runner.check_unit(event.unit)
    return out


LENGTH = """  - id: L1
    title: Patient control numbers of at most 15 characters
    snip: 7
    severity: reject_claim
    scope: claim
    kind: length
    params: {field: 2300/CLM01, min: 1, max: 15}
    message: "CLM01 {value} must be {expected}"
    fix: Shorten the patient control number
"""


def test_length_fires_only_on_the_long_value(tmp_path: Path) -> None:
    guide = _guide(tmp_path, LENGTH)
    data = BASIC.read_bytes()
    assert _run(guide, data) == []
    long_id = data.replace(b"CLM*PCN267000032363*", b"CLM*PCN2670000323631234*")
    [finding] = _run(guide, long_id)
    assert (finding.rule_id, finding.element, finding.value, finding.line) == (
        "L1",
        "CLM01",
        "PCN2670000323631234",
        21,
    )
    assert "1-15 characters" in finding.message


UNIQUE_HISTORY = """  - id: U1
    title: CLM01 not sent before
    snip: 7
    severity: reject_claim
    scope: claim
    kind: unique
    params: {field: 2300/CLM01, per: [2010AA/NM109], within: history}
    message: "CLM01 {value} was received {where}"
    fix: Give each new claim its own patient control number
"""


def test_unique_within_history_asks_the_gateway(tmp_path: Path) -> None:
    guide = _guide(tmp_path, UNIQUE_HISTORY)
    asked: list[dict[str, str]] = []

    def history(question: str, **args: str) -> bool | None:
        asked.append({"question": question, **args})
        return args["claim_id"] == "PCN267000032364"

    findings = _run(guide, BASIC.read_bytes(), history)
    assert [(f.claim_id, f.rule_id) for f in findings] == [("PCN267000032364", "U1")]
    assert "in an earlier file" in findings[0].message
    assert {a["question"] for a in asked} == {"claim_exists"}
    assert all(a["scope"] == "1551312931" for a in asked)  # per billing NPI
    # Without a gateway to ask (e.g. `edi-gateway validate`), history rules stay silent.
    assert _run(guide, BASIC.read_bytes()) == []


def test_effective_dates_and_receivers_are_read(tmp_path: Path) -> None:
    g = check_guide_file(_guide(tmp_path, LENGTH))
    assert g.receiver_ids == ("GPHP1EDI",)
    assert g.in_effect(dt.date(2026, 6, 1)) and not g.in_effect(dt.date(2027, 1, 1))


def test_a_guide_applies_only_within_its_effective_dates(tmp_path: Path) -> None:
    from mappings.guides import GuideChecks

    g = check_guide_file(_guide(tmp_path, LENGTH))
    assert "kind-test" in GuideChecks(g, dt.date(2026, 6, 1), include_base=False).names
    assert GuideChecks(g, dt.date(2027, 1, 2), include_base=False).names == []
