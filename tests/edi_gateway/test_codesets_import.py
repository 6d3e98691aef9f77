"""`edi-gateway codesets list|import` (issue 18): a new ICD-10-CM release, HCPCS file or
CARC/RARC list is imported into the database without a release, versioned and audited,
and judges the claims the service (and every worker) checks from then on; a bad file is
refused with its line and nothing is stored; lists past their scheduled update are named
by `codesets list`, `validate` and `/readyz` (still ready)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, Db
from sqlalchemy import func, select

from edi_gateway.models import AuditEvent, CodeListVersion, FindingRow
from edi_gateway.submissions.ingest import ingest_paths


def _order_line(order: int, code: str, billable: bool) -> str:
    text = f"description of {code}"
    return f"{order:05d} {code:<7} {int(billable)} {text:<60} {text}"


FY2027 = "\n".join(
    _order_line(i, code, billable)
    for i, (code, billable) in enumerate(
        [("Z00", False), ("Z000", False), ("Z0000", True), ("E78", False), ("E785", True)], 1
    )
)


async def _cli(db: Db, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": db.url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_AUTO_MIGRATE": "false",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "edi_gateway.cli", "codesets", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


async def _versions(db: Db) -> int:
    async with db.sessionmaker() as s:
        return int((await s.execute(select(func.count(CodeListVersion.id)))).scalar_one())


async def test_an_imported_release_judges_services_in_its_year(db: Db, tmp_path: Path) -> None:
    order = tmp_path / "icd10cm_order_2027.txt"
    order.write_text(FY2027 + "\n")
    done = await _cli(db, tmp_path, "import", str(order))
    assert done.returncode == 0, done.stderr
    assert "imported icd10cm FY2027: 2 codes, for services from 2026-10-01" in done.stdout
    again = await _cli(db, tmp_path, "import", str(order))
    assert again.returncode == 2 and "already imported from the same file" in again.stderr
    assert await _versions(db) == 1
    async with db.sessionmaker() as s:
        [event] = (
            await s.execute(select(AuditEvent).where(AuditEvent.resource_type == "code_list"))
        ).scalars()
        assert (event.action, event.resource_id) == ("import", "icd10cm:FY2027")

    # services on 2026-10-05: judged by the imported FY2027 list, not left unjudged
    claims = tmp_path / "claims.x12"
    text = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    claims.write_text(
        text.replace("D8*20260907", "D8*20261005").replace("D8*20260903", "D8*20261005")
    )
    [outcome] = await ingest_paths(db.sessionmaker, db.settings, [claims])
    async with db.sessionmaker() as s:
        rows = (
            await s.execute(
                select(FindingRow.claim_id, FindingRow.message).where(
                    FindingRow.submission_id == outcome.submission.id,
                    FindingRow.code.like("R28-ICD10CM%"),
                )
            )
        ).all()
    judged = {(claim, message.split(" is not")[0]) for claim, message in rows}
    assert ("PCN267000032363", "Diagnosis code R109") in judged  # not in the FY2027 list
    assert all(claim != "PCN267000032364" for claim, _ in judged)  # Z0000, E785 are
    assert all("FY2027" in message for _, message in rows)


async def test_a_bad_file_is_refused_with_its_line_and_nothing_is_stored(
    db: Db, tmp_path: Path
) -> None:
    bad = tmp_path / "icd10cm_order_2027.txt"
    bad.write_text(FY2027 + "\nthis is not an order record\n")
    done = await _cli(db, tmp_path, "import", str(bad))
    assert done.returncode == 2
    assert "icd10cm_order_2027.txt line 6: not an ICD-10-CM order record" in done.stderr
    carc = tmp_path / "carc.csv"
    carc.write_text("1,Deductible,01/01/1995,\n2,Coinsurance,31/31/2000,\n")
    done = await _cli(db, tmp_path, "import", str(carc))
    assert done.returncode == 2 and "carc.csv line 2 start date" in done.stderr
    assert await _versions(db) == 0


async def test_codesets_list_shows_versions_and_stale_lists(db: Db, tmp_path: Path) -> None:
    carc = tmp_path / "carc.csv"
    carc.write_text("Code,Description,Start,Stop\n1,Deductible,1995-01-01,\n309,New,2026-11-01,\n")
    assert (await _cli(db, tmp_path, "import", str(carc))).returncode == 0
    done = await _cli(db, tmp_path, "list", "--format", "json", "--today", "2026-12-06")
    rows = {(r["name"], r["origin"]): r for r in json.loads(done.stdout)}
    imported = rows[("claim_adjustment_reason", "imported")]
    assert (imported["version"], imported["entries"]) == ("X12 CARC list, update of 2026-11-01", 2)
    assert (imported["next_update"], imported["current"], imported["stale"]) == (
        "2027-03-01",
        True,
        False,
    )
    assert rows[("claim_adjustment_reason", "shipped")]["current"] is False
    rarc = rows[("remittance_advice_remark", "shipped")]
    assert (rarc["effective_from"], rarc["next_update"], rarc["stale"]) == (
        "2025-11-01",
        "2026-03-01",
        True,
    )
    assert rows[("icd10cm", "shipped")]["stale"] is True  # FY2027 began 2026-10-01
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert any("remittance_advice_remark" in w and "2026-03-01" in w for w in warnings)
    assert any("icd10cm" in w and "2026-10-01" in w for w in warnings)
    assert not any("claim_adjustment_reason" in w for w in warnings)
    text = await _cli(db, tmp_path, "list", "--today", "2026-12-06")
    assert any(
        line.startswith("remittance_advice_remark") and line.find("STALE") > 0
        for line in text.stdout.splitlines()
    )


async def test_readyz_names_stale_lists_and_stays_ready(api: object) -> None:
    from api_support import Api

    assert isinstance(api, Api)
    answer = await api.client.get("/readyz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    stale = {s["list"]: s for s in body["code_lists"]["stale"]}
    assert {"claim_adjustment_reason", "remittance_advice_remark"} <= set(stale)
    assert stale["claim_adjustment_reason"]["update_due"] == "2026-03-01"
    assert "codesets import" in stale["claim_adjustment_reason"]["warning"]


async def test_validate_warns_and_judges_with_imported_lists_when_asked(
    db: Db, tmp_path: Path
) -> None:
    order = tmp_path / "icd10cm_order_2027.txt"
    order.write_text(FY2027 + "\n")
    assert (await _cli(db, tmp_path, "import", str(order))).returncode == 0
    claims = tmp_path / "claims.x12"
    text = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    claims.write_text(text.replace("D8*20260907", "D8*20261005"))
    env = {**os.environ, "EDI_GATEWAY_DATABASE_URL": db.url, "EDI_GATEWAY_AUTO_MIGRATE": "false"}
    base = [sys.executable, "-m", "edi_gateway.cli", "validate", "--format", "json"]
    runs = {}
    for extra in ([], ["--imported-lists"]):
        done = await asyncio.to_thread(
            subprocess.run,
            [*base, "--guide", "x12-837-base", *extra, str(claims)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stderr, done.stderr
        runs[bool(extra)] = done
    alone, imported = runs[False], runs[True]
    assert "warning: code list remittance_advice_remark" in alone.stderr
    assert "warning: code list icd10cm (FY2026" in alone.stderr  # FY2027 began 2026-10-01
    assert "warning: code list icd10cm" not in imported.stderr  # FY2027 is installed
    assert "R28-ICD10CM-release" in alone.stdout and "R28-ICD10CM-billable" not in alone.stdout
    assert "R28-ICD10CM-billable" in imported.stdout and "FY2027" in imported.stdout


async def test_serve_warns_at_start_up(caplog: pytest.LogCaptureFixture, api: object) -> None:
    """The lifespan (what `serve` runs first) logs one warning per stale list."""
    lines = [
        r.getMessage()
        for r in caplog.get_records("setup")
        if r.name == "edi_gateway.codesets" and r.levelname == "WARNING"
    ]
    assert any(line.startswith("code list claim_adjustment_reason") for line in lines), lines
    assert any("2026-03-01" in line for line in lines)


async def test_report_file_judges_with_imported_lists_when_asked(db: Db, tmp_path: Path) -> None:
    order = tmp_path / "icd10cm_order_2027.txt"
    order.write_text(FY2027 + "\n")
    assert (await _cli(db, tmp_path, "import", str(order))).returncode == 0
    claims = tmp_path / "claims.x12"
    text = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    claims.write_text(text.replace("D8*20260907", "D8*20261005"))
    env = {**os.environ, "EDI_GATEWAY_DATABASE_URL": db.url, "EDI_GATEWAY_AUTO_MIGRATE": "false"}
    outputs = []
    for extra in ([], ["--imported-lists"]):
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "edi_gateway.cli", "report", str(claims), *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        outputs.append(done.stdout)
    alone, imported = outputs
    assert "R28-ICD10CM-release" in alone and "icd10cm_order_2027.txt" in alone
    assert "R28-ICD10CM-billable" not in alone
    assert "R28-ICD10CM-billable" in imported and "FY2027" in imported
