"""Diagnosis codes are checked against the full ICD-10-CM list in effect on the date of
service (the release shipped by simple-icd-10-cm), in the base 837 guide every plan gets;
a date of service after the receipt date rejects the claim (277CA A7:187)."""

from __future__ import annotations

import datetime as dt

from x12_edit import dump, load, set_element

from mappings.check import CheckedUnit, GuideSelection, check
from mappings.codesets.icd10_release import icd10cm_billable_on, icd10cm_release
from mappings.guides import load_guide
from parsers import Severity

CLAIM = "PCN267000032364"  # HI*ABK:Z0000*ABF:E785, services on 2026-09-03
RECEIVED = dt.date(2026, 10, 15)


def _findings(segs: list[str], received: dt.date = RECEIVED) -> dict[str, list[tuple[str, str]]]:
    return {
        item.unit.loop.segments[0][1]: [(f.code, f.severity.value) for f in item.findings]
        for item in check(dump(segs), GuideSelection(None, received))
        if isinstance(item, CheckedUnit)
    }


def test_the_installed_release_and_its_window() -> None:
    release = icd10cm_release()
    assert release.effective_from.month == 10 and release.effective_from.day == 1
    assert release.next_update == release.effective_to + dt.timedelta(days=1)
    assert "simple-icd-10-cm" in release.source and release.version.startswith("FY")
    assert len(release.codes) > 70_000
    day = release.effective_from + dt.timedelta(days=200)
    assert icd10cm_billable_on("E119", day) is True
    assert icd10cm_billable_on("E11", day) is False  # a category
    assert icd10cm_billable_on("E11", release.next_update) is None  # list not installed


def test_a_category_as_the_principal_diagnosis_is_rejected() -> None:
    segs = set_element(load("837P"), "HI", 2, "01-2", "E11")
    found = _findings(segs)
    assert ("R28-ICD10CM-billable", "reject_claim") in found[CLAIM]
    assert all("R28-ICD10CM-billable" not in dict(v) for k, v in found.items() if k != CLAIM)
    # the billable code below it passes
    assert "R28-ICD10CM-billable" not in dict(
        _findings(set_element(load("837P"), "HI", 2, "01-2", "E119"))[CLAIM]
    )


def test_a_code_not_in_the_release_is_rejected_and_the_message_names_it() -> None:
    segs = set_element(load("837P"), "HI", 2, "02-2", "E7899")
    [finding] = [
        f
        for item in check(dump(segs), GuideSelection(None, RECEIVED))
        if isinstance(item, CheckedUnit)
        for f in item.findings
        if f.code == "R28-ICD10CM-billable"
    ]
    assert finding.claim_id == CLAIM and finding.value == "ABF:E7899"
    assert finding.message.startswith("Diagnosis code E7899 is not a billable")
    assert "2026-09-03" in finding.message and icd10cm_release().version in finding.message


def test_the_rule_is_in_the_base_guide_with_its_277ca_status() -> None:
    rule = next(r for r in load_guide("x12-837-base").rules if r.id == "R28-ICD10CM-billable")
    assert rule.stc == {"category": "A7", "status": "255"}


def test_a_future_date_of_service_rejects_the_claim_with_187() -> None:
    segs = load("837P")
    found = _findings(segs, received=dt.date(2026, 9, 5))  # before the 2026-09-07 services
    assert ("B4-DOS-future-line", Severity.REJECT_CLAIM.value) in found["PCN267000032363"]
    assert "B4-DOS-future-line" not in dict(found[CLAIM])  # served 2026-09-03
    for rid in ("B4-DOS-future-line", "B4-DOS-future-claim", "B4-statement-future"):
        rule = next(r for r in load_guide("x12-837-base").rules if r.id == rid)
        assert (rule.severity, rule.stc) == ("reject_claim", {"category": "A7", "status": "187"})
