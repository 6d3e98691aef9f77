"""The error-correction report: built from the database after the real pipeline (SQLite and
PostgreSQL) or from a file alone; JSON, CSV and HTML; over HTTP with content negotiation and
tenancy; and from the command line."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from api_support import Api
from conftest import SAMPLES, Db
from sqlalchemy import func, select

from edi_gateway.app import create_app
from edi_gateway.models import AuditEvent, FindingRow
from edi_gateway.reports import (
    CSV_COLUMNS,
    ReportNotFound,
    build_report,
    render_csv,
    render_html,
    render_json,
    report_for_file,
)
from edi_gateway.reports.cli import register
from edi_gateway.reports.endpoints import router
from edi_gateway.reports.explain import element_positions, excerpt, guide_info
from parsers import Delimiters

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
BAD_SET = SAMPLES / "837i" / "837i_invalid_bad_code.x12"
BAD_CLAIM = "PCN267000032363"
REPORT_PATH = "/v1/submissions/{submission_id}/report"


def mixed_file(tmp_path: Path) -> Path:
    """837P with five claims; the first one's CLM02 (312 -> 313) no longer equals its lines."""
    data = BASIC.read_bytes()
    assert b"CLM*PCN267000032363*312*" in data
    path = tmp_path / "mixed_837p.x12"
    path.write_bytes(data.replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*"))
    return path


def clm02_total(path: Path) -> Decimal:
    return sum(
        (Decimal(m.decode()) for m in re.findall(rb"CLM\*[^*]*\*([0-9.]+)\*", path.read_bytes())),
        Decimal(0),
    )


@pytest.fixture
async def api(db: Db) -> AsyncIterator[Api]:
    """The app (with the report routes) on the test database, with an HTTP client."""
    app = create_app(db.settings)
    if not any(getattr(r, "path", None) == REPORT_PATH for r in app.routes):
        app.include_router(router)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(db, client)


async def _world(api: Api, tmp_path: Path) -> tuple[str, str]:
    """Two providers, each with one submission: mixed good/bad claims, and a set the 999
    rejects."""
    await api.partner("Sierra <Vista> & Co", "provider", "SUBMITTER9856")
    await api.partner("valley", "provider", "SUBMITTER5419")
    mixed = await api.ingest(mixed_file(tmp_path), "Sierra <Vista> & Co")
    rejected = await api.ingest(BAD_SET, "valley")
    return mixed, rejected


async def _report(api: Api, submission_id: str) -> Any:
    async with api.db.sessionmaker() as session:
        return await build_report(session, api.db.settings, submission_id)


# --- the report from the database -----------------------------------------------------------


async def test_summary_and_rejected_claim(api: Api, tmp_path: Path) -> None:
    mixed, _ = await _world(api, tmp_path)
    doc = render_json(await _report(api, mixed))
    json.dumps(doc)  # JSON-ready

    h = doc["header"]
    assert h["submission_id"] == mixed and h["file_name"] == "mixed_837p.x12"
    assert h["partner_name"] == "Sierra <Vista> & Co"
    assert h["status"] == "partially_accepted" and h["outcome"] == "partially accepted"
    assert h["interchange_control_numbers"] == ["514296314"]
    assert h["group_control_numbers"] == ["191703486"]
    assert h["transaction_control_numbers"] == ["1923"]
    assert "x12-837-base" in [g["name"] for g in h["guides"]]
    assert h["received_at"]

    s = doc["summary"]
    total = clm02_total(mixed_file(tmp_path))
    assert (s["unit_label"], s["received"], s["accepted"], s["rejected"]) == ("claims", 5, 4, 1)
    assert s["amount_rejected"] == "313.00"
    assert s["amount_received"] == f"{total:.2f}"
    assert s["amount_accepted"] == f"{total - 313:.2f}"
    assert s["errors"] >= 1
    top = s["top_problems"][0]
    assert (top["rule_id"], top["guide"], top["count"], top["claims"]) == (
        "B3-CLM02-SV1",
        "x12-837-base",
        1,
        1,
    )

    assert doc["file_problems"] == [] and doc["rejected_sets"] == []
    [claim] = doc["rejected_claims"]
    assert claim["claim_id"] == BAD_CLAIM
    assert claim["patient_name"] == "FARNSWICK, NADIA"
    assert claim["member_id"] == "96994177R"
    assert claim["service_date_from"] == claim["service_date_to"] == "2026-09-07"
    assert claim["amount"] == "313.00" and claim["line"] == 21
    [f] = [f for f in claim["findings"] if f["rule_id"] == "B3-CLM02-SV1"]
    assert (f["element"], f["line"], f["value"], f["loop"], f["segment_id"]) == (
        "CLM02",
        21,
        "313",
        "2300",
        "CLM",
    )
    assert f["snip_level"] == 3 and f["severity"] == "reject_claim"
    assert f["guide"] == "x12-837-base"
    assert (
        f["fix"] == "Make the claim total equal the sum of the service line charges, to the cent."
    )
    assert f["source"].startswith(
        "005010X222A1 2300 CLM02 claim total (as the validator reads it) "
        "/reference/x12/005010X222A1#2300-CLM; Stedi enhanced claim validation"
    )
    assert "005010X222A1" in f["guide_source"]
    assert f["expected"].startswith("312.00")
    assert f["element_name"] == "Total Claim Charge Amount"
    seg = f["segment"]
    assert seg["text"] == "CLM*PCN267000032363*313***11:B:1*Y*A*Y*Y"
    assert (seg["before"], seg["marked"]) == ("CLM*PCN267000032363*", "313")
    assert seg["before"] + seg["marked"] + seg["after"] == seg["text"]


async def test_set_rejected_by_the_999(api: Api, tmp_path: Path) -> None:
    _, rejected = await _world(api, tmp_path)
    doc = render_json(await _report(api, rejected))
    assert doc["header"]["outcome"] == "rejected" and doc["header"]["status"] == "rejected"
    s = doc["summary"]
    assert (s["received"], s["accepted"], s["rejected"]) == (4, 0, 4)
    assert s["transaction_sets_rejected"] == 1
    assert s["amount_rejected"] == f"{clm02_total(BAD_SET):.2f}"
    assert doc["rejected_claims"] == []  # no claim outcome: the set section covers them
    [rs] = doc["rejected_sets"]
    assert rs["claims"] == 4 and rs["transaction_set"]["st_control_number"] == "8929"
    [f] = [f for f in rs["findings"] if f["element"] == "CLM05-2"]
    assert (f["snip_level"], f["level"], f["code"], f["value"]) == (2, "element", "7", "B")
    assert f["code_meaning"] == "IK403 7: Invalid code value"
    assert f["fix"] == "Pick a value from the list the guide allows for this field."
    assert f["source"] == "005010X223A2 as the validator reads it /reference/x12/005010X223A2"
    assert f["expected"] == "one of: A"
    assert f["claim_id"] == "PCN153000889365" and f["line"] == 21
    assert f["segment"]["marked"] == "B"
    assert f["segment"]["before"].endswith("*13:") and f["segment"]["after"].startswith(":1*")


async def test_file_mode_agrees_with_the_database(api: Api, tmp_path: Path) -> None:
    mixed, rejected = await _world(api, tmp_path)
    for sid, path in ((mixed, mixed_file(tmp_path)), (rejected, BAD_SET)):
        stored = render_json(await _report(api, sid))
        # the plan guide the pipeline chose (by receiver id), if any, besides the base guides
        plan = next(
            (g["name"] for g in stored["header"]["guides"] if not guide_info(g["name"]).base),
            None,
        )
        alone = render_json(report_for_file(path, plan))
        assert [g["name"] for g in alone["header"]["guides"]] == [
            g["name"] for g in stored["header"]["guides"]
        ]
        keys = ("received", "accepted", "rejected", "amount_received", "amount_rejected")
        assert {k: alone["summary"][k] for k in keys} == {k: stored["summary"][k] for k in keys}
        assert [c["claim_id"] for c in alone["rejected_claims"]] == [
            c["claim_id"] for c in stored["rejected_claims"]
        ]
        assert alone["header"]["submission_id"] is None and alone["notes"]


async def test_unknown_submission(api: Api) -> None:
    with pytest.raises(ReportNotFound):
        await _report(api, "0" * 32)


# --- CSV and HTML ----------------------------------------------------------------------------


async def test_csv_one_row_per_finding(api: Api, tmp_path: Path) -> None:
    mixed, rejected = await _world(api, tmp_path)
    for sid in (mixed, rejected):
        text = render_csv(await _report(api, sid))
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == [
            "submission_id", "file", "claim_id", "patient", "member_id", "service_from",
            "service_to", "amount", "level", "snip_level", "severity", "code", "rule_id",
            "guide", "loop", "segment_id", "element", "line", "value", "message", "fix",
            "source", "expected", "coverage_end", "applied",
        ]  # fmt: skip
        assert tuple(rows[0]) == CSV_COLUMNS
        async with api.db.sessionmaker() as s:
            stored = (
                await s.execute(
                    select(func.count())
                    .select_from(FindingRow)
                    .where(FindingRow.submission_id == sid)
                )
            ).scalar_one()
        assert len(rows) - 1 == stored
    rows = list(csv.DictReader(io.StringIO(render_csv(await _report(api, mixed)))))
    [row] = [r for r in rows if r["rule_id"] == "B3-CLM02-SV1"]
    assert row["submission_id"] == mixed and row["claim_id"] == BAD_CLAIM
    assert (row["patient"], row["member_id"], row["amount"]) == (
        "FARNSWICK, NADIA",
        "96994177R",
        "313.00",
    )
    assert (row["element"], row["line"], row["value"], row["severity"]) == (
        "CLM02",
        "21",
        "313",
        "reject_claim",
    )
    assert row["service_from"] == "2026-09-07" and row["fix"].startswith("Make the claim total")


async def test_html_page(api: Api, tmp_path: Path) -> None:
    mixed, rejected = await _world(api, tmp_path)
    page = render_html(await _report(api, mixed))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "1 of 5 claims rejected ($313.00)" in page and "4 accepted" in page
    assert "$313.00" in page and "Partially accepted" in page
    assert "CLM*PCN267000032363*<mark>313</mark>***11:B:1*Y*A*Y*Y" in page
    assert "Make the claim total equal the sum of the service line charges" in page
    assert "FARNSWICK, NADIA" in page and "96994177R" in page
    # escaped, self-contained, no script, accessible structure
    assert "Sierra &lt;Vista&gt; &amp; Co" in page and "<Vista>" not in page
    # nothing is loaded from another host; the only outside addresses are the citations'
    # links, which send no Referer (the report's address names the submission)
    assert not re.search(r"""src\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    outside = re.findall(r"""<(\w+)[^>]*href\s*=\s*["']?\s*(?:https?:)?//[^>]*>""", page, re.I)
    assert outside and set(outside) == {"a"}
    assert all(
        'rel="noreferrer"' in tag
        for tag in re.findall(r"""<a [^>]*href="(?:https?:)?//[^>]*>""", page)
    )
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert page.count("<h1") == 1 and "<h2" in page and "<h3" in page
    assert '<th scope="col"' in page and '<th scope="row"' in page and "<caption>" in page
    assert "@media print" in page
    # summary before the set problems before the claims
    assert page.index('id="summary"') < page.index('id="file-problems"') < page.index('id="claims"')
    set_page = render_html(await _report(api, rejected))
    assert "Transaction set 8929" in set_page and "None of the 4 claims" in set_page
    assert "*13:<mark>B</mark>:1*" in set_page


# --- over HTTP -------------------------------------------------------------------------------


async def test_content_types(api: Api, tmp_path: Path) -> None:
    mixed, _ = await _world(api, tmp_path)
    url = REPORT_PATH.format(submission_id=mixed)
    auth = api.auth("Sierra <Vista> & Co")

    r = await api.client.get(url, headers={**auth, "Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<mark>313</mark>" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"

    r = await api.client.get(url, headers={**auth, "Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("submission_id,file,claim_id")
    assert "attachment" in r.headers["content-disposition"]

    r = await api.client.get(url, headers={**auth, "Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["summary"]["rejected"] == 1

    r = await api.client.get(url, headers=auth)  # */* (httpx's default): JSON
    assert r.headers["content-type"].startswith("application/json")

    r = await api.client.get(
        url, headers={**auth, "Accept": "text/html;q=0.5, text/csv;q=0.9, */*;q=0.1"}
    )
    assert r.headers["content-type"].startswith("text/csv")

    r = await api.client.get(url, params={"format": "csv"}, headers={**auth, "Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/csv")
    r = await api.client.get(url, params={"format": "html"}, headers=auth)
    assert r.headers["content-type"].startswith("text/html")
    r = await api.client.get(url, params={"format": "pdf"}, headers=auth)
    assert r.status_code == 422

    r = await api.client.get(url, headers={**auth, "Accept": "application/xml"})
    assert r.status_code == 406
    assert r.headers["content-type"].startswith("application/problem+json")

    async with api.db.sessionmaker() as s:
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.resource_id == mixed)))
            .scalars()
            .all()
        )
    kinds = {e.resource_type for e in events if e.action == "download"}
    assert {"report:html", "report:csv", "report:json"} <= kinds


async def test_tenancy(api: Api, tmp_path: Path) -> None:
    mixed, rejected = await _world(api, tmp_path)
    await api.partner("ops", "ops")
    url = REPORT_PATH.format(submission_id=mixed)

    r = await api.client.get(url, headers=api.auth("valley"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "FARNSWICK" not in r.text

    r = await api.client.get(url)
    assert r.status_code == 401
    r = await api.client.get(
        REPORT_PATH.format(submission_id="f" * 32), headers=api.auth("Sierra <Vista> & Co")
    )
    assert r.status_code == 404

    ok = await api.client.get(
        REPORT_PATH.format(submission_id=rejected), headers=api.auth("valley")
    )
    assert ok.status_code == 200 and ok.json()["summary"]["received"] == 4
    ops = await api.client.get(url, headers=api.auth("ops"))
    assert ops.status_code == 200 and ops.json()["header"]["submission_id"] == mixed


# --- the command line ------------------------------------------------------------------------


def _cli() -> Callable[..., int]:
    parser = argparse.ArgumentParser(prog="edi-gateway")
    register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        return int(args.func(args))

    return run


def test_cli_file_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _cli()
    path = mixed_file(tmp_path)

    assert run("report", str(path), "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["summary"]["received"], doc["summary"]["rejected"]) == (5, 1)
    assert doc["rejected_claims"][0]["claim_id"] == BAD_CLAIM

    out = tmp_path / "report.html"
    assert run("report", str(path), "-o", str(out)) == 0  # format from the suffix
    page = out.read_text(encoding="utf-8")
    assert "<mark>313</mark>" in page and "1 of 5 claims rejected" in page

    assert run("report", str(path), "--format", "csv", "--guide", "x12-837-base") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["rule_id"] for r in rows] == ["B3-CLM02-SV1"]

    assert run("report", str(path), "--guide", "no-such-guide") == 2
    assert "no guide named" in capsys.readouterr().err


async def test_cli_submission_mode(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edi_gateway.config import get_settings

    mixed, _ = await _world(api, tmp_path)
    monkeypatch.setenv("EDI_GATEWAY_DATABASE_URL", api.db.url)
    monkeypatch.setenv("EDI_GATEWAY_DATA_DIR", str(api.db.settings.data_dir))
    get_settings.cache_clear()
    out = tmp_path / "out.csv"
    try:
        run = _cli()
        code = await anyio.to_thread.run_sync(lambda: run("report", mixed, "-o", str(out)))
        missing = await anyio.to_thread.run_sync(lambda: run("report", "0" * 32))
    finally:
        get_settings.cache_clear()
    assert code == 0 and missing == 2
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    [row] = [r for r in rows if r["rule_id"] == "B3-CLM02-SV1"]
    assert row["submission_id"] == mixed and row["value"] == "313"


# --- pieces ----------------------------------------------------------------------------------


def test_element_positions_and_excerpts() -> None:
    assert element_positions("CLM", "CLM05-3") == (5, 3)
    assert element_positions("SV1", "SV102") == (2, None)
    assert element_positions("SV1", "SV101-2") == (1, 2)
    assert element_positions("CLM", None) == (None, None)
    d = Delimiters()
    e = excerpt("CLM*A*10***11:B:1*Y", 7, d, 5, 3)
    assert (e.before, e.marked, e.after) == ("CLM*A*10***11:B:", "1", "*Y")
    e = excerpt("CLM*A*10***11:B:1*Y", 7, d, 4, None)
    assert e.marked == "" and e.missing and e.before + e.after == e.text
    e = excerpt("NM1*85*2", 3, d, 9, None)
    assert e.missing and e.before == "NM1*85*2" and e.after == ""
    e = excerpt("XYZ*1", 3, d, None, None, whole=True)
    assert e.marked == "XYZ*1"
