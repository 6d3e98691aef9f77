"""Replacements (CLM05-3 7) and voids (8) name their original in REF*F8: our claim number
(the 277CA REF*1K), the plan's claim number, or the original's CLM01 for the same billing
provider. The check stream decides: one whose original is not on file is rejected (277CA
A7:464) unless the plan's guide passes it on; the writer only links. On SQLite and
PostgreSQL, through the ingest pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Db
from sqlalchemy import func, select
from x12_edit import dump, insert_segment, load, set_element

from edi_gateway.models import Encounter, FindingRow
from edi_gateway.partners.guides import set_guide
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.ingest import ingest_paths
from edi_gateway.submissions.repository import AcknowledgmentRepository

CLAIM = "PCN267000032364"
NPI = "1551312931"
_control = iter(range(810000001, 899999999))


def _file(tmp_path: Path, segs: list[str], sender: str = "SUBMITTER9856") -> Path:
    control = str(next(_control))
    segs = set_element(segs, "ISA", 1, 6, sender.ljust(15))
    segs = set_element(segs, "GS", 1, 2, sender)
    segs = set_element(segs, "ISA", 1, 13, control)
    segs = set_element(segs, "IEA", 1, 2, control)
    path = tmp_path / f"{control}.x12"
    path.write_bytes(dump(segs))
    return path


def _correction(code: str, reference: str, new_clm01: str = CLAIM + "R") -> list[str]:
    """The sample 837P with claim CLAIM turned into a replacement (7) or void (8) under a
    new CLM01, naming ``reference`` in REF*F8; its other claims are resent originals."""
    segs = set_element(load("837P"), f"CLM*{CLAIM}", 1, "05-3", code)
    segs = insert_segment(segs, f"CLM*{CLAIM}", f"REF*F8*{reference}")
    return set_element(segs, f"CLM*{CLAIM}", 1, 1, new_clm01)


async def _ack(db: Db, submission_id: str) -> str:
    async with db.sessionmaker() as s:
        content = await AcknowledgmentRepository(s).get_content(submission_id, "277ca")
    assert content is not None
    return content.decode()


def _our_number(ack: str, claim_id: str) -> str:
    found = re.search(rf"TRN\*2\*{claim_id}~\s*STC\*A2[^~]*~\s*REF\*1K\*(EG[0-9]+)~", ack)
    assert found is not None, ack
    return found.group(1)


async def _rows(db: Db, *claim_ids: str) -> list[tuple[str, str, int | None]]:
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(Encounter.claim_id, Encounter.status, Encounter.replaces_id)
            .where(Encounter.claim_id.in_(claim_ids))
            .order_by(Encounter.id)
        )
        return [(a, b, c) for a, b, c in rows.all()]


async def _findings(db: Db, submission_id: str, code: str) -> list[FindingRow]:
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(FindingRow).where(
                FindingRow.submission_id == submission_id, FindingRow.code == code
            )
        )
        return list(rows.scalars())


@pytest.fixture
async def clinic(db: Db) -> Db:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", ["SUBMITTER9856"], [NPI])
        await create_partner(s, "rival", "provider", ["RIVAL01"])
    return db


@pytest.mark.parametrize("code", ["7", "8"])
async def test_our_claim_number_in_ref_f8_links_the_original(
    clinic: Db, tmp_path: Path, code: str
) -> None:
    db = clinic
    [first] = await ingest_paths(
        db.sessionmaker, db.settings, [_file(tmp_path, load("837P"))], "clinic"
    )
    ours = _our_number(await _ack(db, first.submission.id), CLAIM)
    path = _file(tmp_path, _correction(code, ours))
    [fix] = await ingest_paths(db.sessionmaker, db.settings, [path], "clinic")
    assert fix.submission.units_stored == 1  # the four resent originals are duplicates
    rows = await _rows(db, CLAIM, CLAIM + "R")
    original_id = await _id_of(db, CLAIM)
    assert rows == [
        (CLAIM, "replaced" if code == "7" else "voided", None),
        (CLAIM + "R", "active" if code == "7" else "void", original_id),
    ]
    assert await _findings(db, fix.submission.id, "R16-F8-on-file") == []


async def _id_of(db: Db, claim_id: str) -> int:
    async with db.sessionmaker() as s:
        return int(
            (
                await s.execute(
                    select(func.min(Encounter.id)).where(Encounter.claim_id == claim_id)
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("code", ["7", "8"])
async def test_an_original_not_on_file_is_rejected_with_464(
    clinic: Db, tmp_path: Path, code: str
) -> None:
    db = clinic
    [first] = await ingest_paths(
        db.sessionmaker, db.settings, [_file(tmp_path, load("837P"))], "clinic"
    )
    ours = _our_number(await _ack(db, first.submission.id), CLAIM)
    # our number for a claim that does not exist, and the clinic's real number sent by
    # another provider (another tenant's claim is never found)
    for who, sender, reference in (
        ("clinic", "SUBMITTER9856", "EG9999999999"),
        ("rival", "RIVAL01", ours),
    ):
        path = _file(tmp_path, _correction(code, reference), sender)
        [fix] = await ingest_paths(db.sessionmaker, db.settings, [path], who)
        [finding] = await _findings(db, fix.submission.id, "R16-F8-on-file")
        assert (finding.rule_id, finding.severity, finding.claim_id) == (
            "R16-F8-on-file",
            "reject_claim",
            CLAIM + "R",
        )
        assert "is rejected and nothing was changed" in finding.message
        assert (finding.element, finding.value) == ("REF02", reference)
        ack = await _ack(db, fix.submission.id)
        assert re.search(rf"TRN\*2\*{CLAIM}R~\s*STC\*A7:464\*", ack), ack
        assert await _rows(db, CLAIM, CLAIM + "R") == [(CLAIM, "active", None)]


async def test_the_plans_guide_may_pass_it_on(
    clinic: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = clinic
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "passing-plan-837.yaml").write_text(
        "guide: passing-plan-837\ntitle: A plan that takes corrections it cannot match\n"
        "version: '1'\ntransactions: [837P]\n"
        "settings:\n  rule_overrides:\n    R16-F8-on-file:\n      severity: warning\n"
        "      message: 'The {kind} claim {claim} names original claim {value} (REF*F8), "
        "which is not on file for billing provider {npi}; the plan takes such claims, so it "
        "was stored unlinked and passed on to the plan.'\n"
        "rules:\n  - id: PP-1\n    title: Frequency 1, 7 or 8\n    snip: 7\n"
        "    severity: reject_claim\n    scope: claim\n    kind: allowed_values\n"
        "    params: {field: 2300/CLM05-3, values: ['1', '7', '8']}\n"
        "    message: 'CLM05-3 {value} is not allowed'\n    fix: Use 1, 7 or 8\n"
    )
    monkeypatch.setenv("EDI_GATEWAY_GUIDE_PATH", str(guides))
    async with db.sessionmaker() as s, s.begin():
        from edi_gateway.partners.service import partner_by_name

        partner = await partner_by_name(s, "clinic")
        assert partner is not None
        await set_guide(s, partner, "837P", "passing-plan-837")
    path = _file(tmp_path, _correction("8", "EG9999999999"))
    [fix] = await ingest_paths(db.sessionmaker, db.settings, [path], "clinic")
    [finding] = await _findings(db, fix.submission.id, "R16-F8-on-file")
    assert finding.severity == "warning" and "passed on to the plan" in finding.message
    assert await _rows(db, CLAIM + "R") == [(CLAIM + "R", "void", None)]
    ack = await _ack(db, fix.submission.id)
    assert re.search(rf"TRN\*2\*{CLAIM}R~\s*STC\*A2:20\*", ack), ack


def test_an_original_earlier_in_the_same_file_counts() -> None:
    """The check stream remembers the originals it has read: a replacement naming one of
    them passes without asking the history, which here knows nothing."""
    from mappings.check import CheckedUnit, GuideSelection, check

    asked: list[dict[str, str]] = []

    def history(question: str, **args: str) -> bool | None:
        if question == "original_on_file":
            asked.append(args)
            return False
        return None

    segs = set_element(load("837P"), f"CLM*{CLAIM}", 1, "05-3", "7")
    segs = insert_segment(segs, f"CLM*{CLAIM}", "REF*F8*PCN267000032363")  # the first claim
    segs = set_element(segs, "CLM*PCN267000032365", 1, "05-3", "8")
    segs = insert_segment(segs, "CLM*PCN267000032365", "REF*F8*EG0000000042")
    found = {
        item.unit.loop.segments[0][1]: [f.code for f in item.findings]
        for item in check(dump(segs), GuideSelection(None, history_for=lambda h: history))
        if isinstance(item, CheckedUnit)
    }
    assert "R16-F8-on-file" not in found[CLAIM]
    assert "R16-F8-on-file" in found["PCN267000032365"]
    assert asked == [{"claim_id": "PCN267000032365", "reference": "EG0000000042", "npi": NPI}]


def _replacements_of(original: bytes) -> bytes:
    """Every claim of a generated 837P as a replacement (CLM05-3 7) under a new CLM01,
    naming the original's CLM01 in REF*F8, in a new interchange; SE counts kept right."""
    out: list[str] = []
    count = 0
    for seg in original.decode().split("~"):
        text = seg.strip()
        if not text:
            out.append(seg)
            continue
        if text.startswith("ST*"):
            count = 0
        count += 1
        if text.startswith("CLM*"):
            el = text.split("*")
            clm01, el[1] = el[1], el[1] + "R"
            composite = el[5].split(":")
            el[5] = ":".join([*composite[:2], "7"])
            out.append("*".join(el))
            out.append(f"REF*F8*{clm01}")
            count += 1
            continue
        el = text.split("*")
        if el[0] in ("SE", "ISA", "IEA"):
            at = {"SE": 1, "ISA": 13, "IEA": 2}[el[0]]
            el[at] = str(count) if el[0] == "SE" else f"{(int(el[at]) + 1) % 10**9:09d}"
            text = "*".join(el)
        out.append(text)
    return "~".join(out).encode()


async def test_a_file_of_replacements_asks_for_its_originals_in_batches(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: 1,200 replacements ask the history for their originals a batch at a time
    (one round trip per 500 claims, not one per claim) and each still replaces its own."""
    from edi_gateway.encounters.originals import OriginalLookup
    from parsers.generate import generate_bytes

    original = generate_bytes("837p", 1200, seed=4)
    first = tmp_path / "originals.x12"
    first.write_bytes(original)
    [done] = await ingest_paths(db.sessionmaker, db.settings, [first])
    assert done.submission.units_stored == 1200
    batches: list[int] = []
    found_all = OriginalLookup._found_all

    async def counted(self: OriginalLookup, named: list[tuple[str, str, str]]) -> object:
        batches.append(len(named))
        return await found_all(self, named)

    monkeypatch.setattr(OriginalLookup, "_found_all", counted)
    fixes = tmp_path / "replacements.x12"
    fixes.write_bytes(_replacements_of(original))
    [fix] = await ingest_paths(db.sessionmaker, db.settings, [fixes])
    assert (fix.submission.status, fix.submission.units_stored) == ("completed", 1200)
    assert sum(batches) == 1200 and len(batches) <= 1200 // 500 + 2, batches
    async with db.sessionmaker() as s:
        rows = await s.execute(select(Encounter.status, func.count()).group_by(Encounter.status))
        statuses: dict[str, int] = dict(rows.all())
    assert statuses == {"replaced": 1200, "active": 1200}


@pytest.mark.parametrize("code", ["7", "8"])
async def test_a_line_of_an_original_replaced_earlier_in_the_set_is_free(
    clinic: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    """A replacement (or void) lets go of its original's service lines: a new claim later in
    the same set that bills one of them is not a duplicate, even when its batch is judged
    while the replacement's batch is still being written (PostgreSQL reads the history on
    another connection then) as when both are judged in one transaction (SQLite)."""
    from edi_gateway.encounters.writer import EncounterSetWriter

    db = clinic
    [first] = await ingest_paths(
        db.sessionmaker, db.settings, [_file(tmp_path, load("837P"))], "clinic"
    )
    ours = _our_number(await _ack(db, first.submission.id), CLAIM)
    segs = _correction(code, ours)
    # the replacement bills other services; a new claim then bills the original's first
    # line (99393 on 2026-09-03, same member and billing provider)
    segs = set_element(segs, "SV1*HC:99393", 1, "01-2", "99394")
    segs = set_element(segs, "SV1*HC:87880", 1, "01-2", "87881")
    at = "DTP*472*D8*20260903"
    for text in reversed(
        [
            "CLM*PCN267000099999*175***11:B:1*Y*A*Y*Y",
            "HI*ABK:Z0000",
            "LX*1",
            "SV1*HC:99393*175*UN*1***1",
            "DTP*472*D8*20260903",
        ]
    ):
        segs = insert_segment(segs, at, text, nth=2)
    monkeypatch.setattr(EncounterSetWriter, "flush_every", 1)  # one claim a batch
    [fix] = await ingest_paths(db.sessionmaker, db.settings, [_file(tmp_path, segs)], "clinic")
    assert fix.submission.units_stored == 2  # the replacement and the new claim
    duplicates = {f.claim_id for f in await _findings(db, fix.submission.id, "DUP")}
    assert duplicates == {
        "PCN267000032363",
        "PCN267000032365",
        "PCN267000032366",
        "PCN267000032367",
    }
    rows = await _rows(db, CLAIM, CLAIM + "R", "PCN267000099999")
    assert [(claim, status) for claim, status, _ in rows] == [
        (CLAIM, "replaced" if code == "7" else "voided"),
        (CLAIM + "R", "active" if code == "7" else "void"),
        ("PCN267000099999", "active"),
    ]
