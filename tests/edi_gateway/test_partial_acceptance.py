"""Partial acceptance: claims failing claim-level guide rules are rejected one by one, the
good ones are stored; set- and file-level failures reject what they cover; a plan's
acceptance threshold can reject the whole file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, Db
from parse_support import fail_mapping
from sqlalchemy import select

from edi_gateway.models import Encounter, FindingRow, Partner, PartnerGuide, WorkItem
from edi_gateway.submissions.ingest import ingest_paths
from edi_gateway.submissions.repository import AcknowledgmentRepository

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"


def _bad_total(tmp_path: Path) -> Path:
    data = BASIC.read_bytes()
    assert b"CLM*PCN267000032363*312*" in data
    path = tmp_path / "one_bad.x12"
    path.write_bytes(data.replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*"))
    return path


async def test_bad_claim_rejected_good_claims_stored(db: Db, tmp_path: Path) -> None:
    [o] = await ingest_paths(db.sessionmaker, db.settings, [_bad_total(tmp_path)])
    sub = o.submission
    assert sub.status == "partially_accepted"
    assert (sub.units_total, sub.units_stored, sub.units_rejected) == (5, 4, 1)
    async with db.sessionmaker() as s:
        stored = set((await s.execute(select(Encounter.claim_id))).scalars())
        findings = (
            (
                await s.execute(
                    select(FindingRow).where(
                        FindingRow.submission_id == sub.id, FindingRow.rule_id.is_not(None)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert "PCN267000032363" not in stored and len(stored) == 4
    [f] = [f for f in findings if f.snip_level == 3]
    assert (f.claim_id, f.element, f.line, f.severity) == (
        "PCN267000032363",
        "CLM02",
        21,
        "reject_claim",
    )
    assert f.guide == "x12-837-base"
    # the rule id is the finding's code, whole (it was cut to 10 characters: B3-CLM02-S),
    # and so is the work item's
    assert f.code == f.rule_id == "B3-CLM02-SV1"
    async with db.sessionmaker() as s:
        [item] = (await s.execute(select(WorkItem).where(WorkItem.claim_id == f.claim_id))).all()
    assert (item[0].rule_id, item[0].code) == ("B3-CLM02-SV1", "B3-CLM02-SV1")


async def test_acceptance_threshold_rejects_the_file(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "strict-plan-837.yaml").write_text(
        "guide: strict-plan-837\ntitle: A plan that rejects files under 95% clean claims\n"
        "version: '1'\ntransactions: [837P]\nacceptance_threshold: 0.95\nrules:\n"
        "  - id: SP-1\n    title: Frequency code 1, 7 or 8\n    snip: 7\n"
        "    severity: reject_claim\n    scope: claim\n    kind: allowed_values\n"
        "    params: {field: 2300/CLM05-3, values: ['1', '7', '8']}\n"
        "    message: 'CLM05-3 {value} is not allowed'\n    fix: Use 1, 7 or 8\n"
    )
    monkeypatch.setenv("EDI_GATEWAY_GUIDE_PATH", str(guides))
    async with db.sessionmaker() as s, s.begin():
        strict = Partner(name="strict", role="provider")
        s.add(strict)
        await s.flush()
        s.add(PartnerGuide(partner_id=strict.id, transaction_type="837P", guide="strict-plan-837"))
    [o] = await ingest_paths(db.sessionmaker, db.settings, [_bad_total(tmp_path)], "strict")
    sub = o.submission
    assert sub.status == "rejected" and sub.units_stored == 0
    async with db.sessionmaker() as s:
        threshold = (
            await s.execute(
                select(FindingRow).where(
                    FindingRow.submission_id == sub.id, FindingRow.code == "THRESHOLD"
                )
            )
        ).scalar_one()
        count = len((await s.execute(select(Encounter.id))).all())
    assert "80.0%" in threshold.message and count == 0


async def test_277ca_reports_each_claim(db: Db, tmp_path: Path) -> None:
    """The 277CA of a mixed file: A2 with a payer claim number for the stored claims,
    A7/400 for the claim out of balance, and pyx12's 277 map accepts it."""
    from pyx12_oracle import validate_ack

    [o] = await ingest_paths(db.sessionmaker, db.settings, [_bad_total(tmp_path)])
    async with db.sessionmaker() as s:
        ack = await AcknowledgmentRepository(s).get_content(o.submission.id, "277ca")
    assert ack is not None
    text = ack.decode()
    segments = [seg.strip() for seg in text.split("~") if seg.strip()]
    trn = [seg.split("*")[2] for seg in segments if seg.startswith("TRN*2*PCN")]
    assert len(trn) == 5
    stcs = {}
    current = None
    for seg in segments:
        if seg.startswith("TRN*2*PCN"):
            current = seg.split("*")[2]
        elif seg.startswith("STC*") and current:
            stcs.setdefault(current, seg.split("*")[1])
    assert stcs["PCN267000032363"].startswith("A7:400")
    assert all(v.startswith("A2:20") for k, v in stcs.items() if k != "PCN267000032363")
    assert text.count("REF*1K*EG") == 4
    assert "QTY*90*4~" in text and "QTY*AA*1~" in text
    assert validate_ack(bytes(ack)) == []


async def test_unreadable_claim_rejected_and_acknowledged(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim that passes the 999 but cannot be mapped to an encounter is rejected on its
    own (a MAP finding naming it, A3:21 in the 277CA); the other claims are stored."""
    from pyx12_oracle import validate_ack

    import mappings.x837

    reason = "service line 2 has no procedure code"
    fail_mapping(monkeypatch, mappings.x837, "map_claim", "PCN267000032363", reason)
    [o] = await ingest_paths(db.sessionmaker, db.settings, [BASIC])
    sub = o.submission
    assert (sub.status, sub.units_stored, sub.units_rejected) == ("partially_accepted", 4, 1)
    async with db.sessionmaker() as s:
        stored = set((await s.execute(select(Encounter.claim_id))).scalars())
        [f] = (
            await s.execute(
                select(FindingRow).where(
                    FindingRow.submission_id == sub.id, FindingRow.code == "MAP"
                )
            )
        ).scalars()
        ack = await AcknowledgmentRepository(s).get_content(sub.id, "277ca")
        assert ack is not None
    assert "PCN267000032363" not in stored and len(stored) == 4
    assert (f.claim_id, f.severity, f.segment_id, f.loop, f.line) == (
        "PCN267000032363",
        "reject_claim",
        "CLM",
        "2300",
        21,
    )
    assert "no procedure code" in f.message
    text = bytes(ack).decode()
    after = text.split("TRN*2*PCN267000032363~", 1)[1]
    assert after.lstrip().startswith("STC*A3:21")
    assert text.count("REF*1K*EG") == 4
    assert validate_ack(bytes(ack)) == []
