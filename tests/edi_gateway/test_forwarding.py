"""Forwarding through the HTTP API on both databases: ops forwards a plan's accepted
encounters; the outbound file passes our SNIP 1-2, the plan's guide and pyx12's X222A1
map, is kept byte-exact, delivered to the plan's drop directory, and each claim is linked
to its file, ST and position; nothing is forwarded twice, nor to another plan."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from api_support import Api
from conftest import SAMPLES
from pyx12_oracle import run_pyx12
from sqlalchemy import select
from test_forwarding_roundtrip import accepted_claims

from edi_gateway.forwarding.load import claim_view, load_claims
from edi_gateway.forwarding.settings import OutboundChange, set_outbound
from edi_gateway.models import Encounter, ForwardedClaim
from mappings.check import GuideSelection, check
from mappings.guides import load_guide

P837 = SAMPLES / "837p" / "837p_valid_basic.x12"
GUIDE = "medi-cal-encounters-837"
URL = "/v1/forwarding/batches"


async def setup_plan(api: Api, drop: Path | None = None, **limits: int) -> None:
    await api.partner("ops", "ops")
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.partner("goldplan", "plan", "GPHP1EDI")
    async with api.db.sessionmaker() as s, s.begin():
        await set_outbound(
            s,
            "goldplan",
            OutboundChange(
                receiver_id="GPHP1EDI",
                sender_id="OURMSO",
                payer_ids=["GPHP1"],
                guide=GUIDE,
                directory=str(drop) if drop else None,
                **limits,
            ),
        )


async def test_forward_a_plans_encounters(api: Api, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    await setup_plan(api, drop, claims_per_set=2)
    await api.ingest(P837, "clinic")
    url = "/v1/forwarding/batches"

    refused = await api.client.post(url, json={"plan": "goldplan"}, headers=api.auth("clinic"))
    assert refused.status_code == 403
    unknown = await api.client.post(url, json={"plan": "nobody"}, headers=api.auth("ops"))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"

    dry = await api.client.post(
        url, json={"plan": "goldplan", "dry_run": True}, headers=api.auth("ops")
    )
    assert dry.status_code == 201, dry.text
    assert dry.json()["claims"] == 5 and dry.json()["batches"][0]["id"] is None
    async with api.db.sessionmaker() as s:
        assert not list((await s.execute(select(ForwardedClaim))).scalars())

    done = await api.client.post(url, json={"plan": "goldplan"}, headers=api.auth("ops"))
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["claims"] == 5 and body["held_back"] == []
    [batch] = body["batches"]
    assert (batch["sets"], batch["claims"], batch["guide"]) == (3, 5, "837P")

    detail = await api.client.get(f"{url}/{batch['id']}", headers=api.auth("goldplan"))
    assert detail.status_code == 200
    assert detail.json()["status"] == "delivered"  # into the drop directory, after commit
    placed = [(c["st_control"], c["position"]) for c in detail.json()["forwarded_claims"]]
    assert placed == [
        ("000010001", 1),
        ("000010001", 2),
        ("000010002", 1),
        ("000010002", 2),
        ("000010003", 1),
    ]
    assert {c["state"] for c in detail.json()["forwarded_claims"]} == {"forwarded"}

    file = await api.client.get(f"{url}/{batch['id']}/file", headers=api.auth("goldplan"))
    data = file.content
    assert hashlib.sha256(data).hexdigest() == batch["sha256"] == file.headers["x-content-sha256"]
    [dropped] = list(drop.iterdir())
    assert dropped.read_bytes() == data and dropped.name == "goldplan_837P_000000001.x12"
    assert b"BHT*0019*00*000000001000010001*" in data and b"*RP~" in data
    assert run_pyx12(data).verdict == "accepted"
    verdicts = list(check(data, GuideSelection(load_guide(GUIDE))))
    assert verdicts[-1].accepted  # type: ignore[union-attr]
    back, _ = accepted_claims(data)
    async with api.db.sessionmaker() as s:
        ids = list((await s.execute(select(Encounter.id).order_by(Encounter.id))).scalars())
        stored = await load_claims(s, ids)
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]

    # a provider sees no batch; the plan its own; nothing is forwarded twice
    mine = await api.client.get(url, headers=api.auth("clinic"))
    assert mine.status_code == 200 and mine.json()["items"] == []
    theirs = await api.client.get(url, headers=api.auth("goldplan"))
    assert [b["id"] for b in theirs.json()["items"]] == [batch["id"]]
    other = await api.client.get(f"{url}/{batch['id']}", headers=api.auth("clinic"))
    assert other.status_code == 404
    again = await api.client.post(url, json={"plan": "goldplan"}, headers=api.auth("ops"))
    assert again.json()["claims"] == 0 and again.json()["batches"] == []


async def test_routing_is_scoped_to_the_plan(api: Api) -> None:
    """Claims whose payer id another plan holds go to that plan, never to the one whose
    id the inbound file was addressed to; a plan without settings is a clear 400."""
    await setup_plan(api)
    await api.partner("otherplan", "plan", "OTHERPLANEDI")
    await api.ingest(P837, "clinic")
    url = "/v1/forwarding/batches"
    bare = await api.client.post(url, json={"plan": "otherplan"}, headers=api.auth("ops"))
    assert bare.status_code == 400 and "outbound settings" in bare.json()["detail"]
    async with api.db.sessionmaker() as s, s.begin():
        await set_outbound(
            s, "otherplan", OutboundChange(receiver_id="OTHERPLANEDI", sender_id="OURMSO")
        )
    none = await api.client.post(url, json={"plan": "otherplan"}, headers=api.auth("ops"))
    assert none.status_code == 201 and none.json()["claims"] == 0
    gold = await api.client.post(url, json={"plan": "goldplan"}, headers=api.auth("ops"))
    assert gold.json()["claims"] == 5
    listed = await api.client.get(url, params={"plan": "goldplan"}, headers=api.auth("otherplan"))
    assert listed.status_code == 404


async def test_the_plans_guide_holds_back_what_it_rejects(api: Api) -> None:
    """The plan's guide (held in partner_guides for its claim types) checks every outbound
    file: addressed to a receiver id the guide does not know, nothing leaves."""
    await setup_plan(api)
    async with api.db.sessionmaker() as s, s.begin():
        await set_outbound(
            s, "goldplan", OutboundChange(receiver_id="WRONGRCV", sender_id="OURMSO")
        )
    await api.ingest(P837, "clinic")
    run = await api.client.post(URL, json={"plan": "goldplan"}, headers=api.auth("ops"))
    assert run.status_code == 201
    body = run.json()
    assert body["claims"] == 0 and body["batches"] == [] and len(body["held_back"]) == 5
    assert all("R04-ISA08" in " ".join(h["reasons"]) for h in body["held_back"])
    async with api.db.sessionmaker() as s:
        assert not list((await s.execute(select(ForwardedClaim))).scalars())


async def test_outbound_settings_through_the_api(api: Api) -> None:
    await setup_plan(api)
    url = "/v1/partners/goldplan/outbound"
    body = {
        "receiver_id": "GPHP1EDI",
        "sender_id": "OURMSO",
        "payer_ids": ["GPHP1", "GPHP9"],
        "guide": GUIDE,
        "destination": "https",
        "url": "https://plan.example.org/edi",
        "usage": "P",
        "claims_per_set": 100,
    }
    assert (await api.client.put(url, json=body, headers=api.auth("clinic"))).status_code == 403
    put = await api.client.put(url, json=body, headers=api.auth("ops"))
    assert put.status_code == 200, put.text
    got = await api.client.get(url, headers=api.auth("goldplan"))
    assert got.status_code == 200
    shown = got.json()
    assert (shown["destination"], shown["url"], shown["usage"], shown["claims_per_set"]) == (
        "https",
        "https://plan.example.org/edi",
        "P",
        100,
    )
    assert shown["payer_ids"] == ["GPHP1", "GPHP9"] and set(shown["guides"].values()) == {GUIDE}
    assert (await api.client.get(url, headers=api.auth("clinic"))).status_code == 404
    for bad in (
        {**body, "receiver_id": "A*B"},
        {**body, "url": None},
        {**body, "destination": "download"},
        {**body, "guide": "nope"},
    ):
        refused = await api.client.put(url, json=bad, headers=api.auth("ops"))
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    again = (await api.client.get(url, headers=api.auth("ops"))).json()
    assert again["url"] == "https://plan.example.org/edi"  # nothing half-set by a refusal
    wrong = await api.client.put("/v1/partners/clinic/outbound", json=body, headers=api.auth("ops"))
    assert wrong.status_code == 400 and "only a plan" in wrong.json()["detail"]


async def test_forwarding_judges_with_the_imported_code_lists(api: Api) -> None:
    """A release imported after the claims were accepted (here a corrected FY2026 list
    without R109 and J209) judges them again before they leave: they are held back."""
    from edi_gateway.codesets.service import import_list
    from mappings.codesets.importers import parse_list_file

    await setup_plan(api)
    await api.ingest(P837, "clinic")
    rows = [("Z0000", 1), ("E785", 1)]
    data = "\n".join(
        f"{i:05d} {code:<7} {flag} {'x':<60} x" for i, (code, flag) in enumerate(rows, 1)
    ).encode()
    parsed = parse_list_file(
        "order.txt",
        data,
        list_name="icd10cm",
        version="FY2026 corrected",
        effective=date(2025, 10, 1),
    )
    async with api.db.sessionmaker() as s, s.begin():
        await import_list(s, parsed, data, "order.txt")
    run = await api.client.post(URL, json={"plan": "goldplan"}, headers=api.auth("ops"))
    assert run.status_code == 201, run.text
    held = {h["claim_id"]: " ".join(h["reasons"]) for h in run.json()["held_back"]}
    assert "R28-ICD10CM-billable" in held["PCN267000032363"]  # R109, J209
    assert "R28" not in held.get("PCN267000032364", ""), held  # Z0000, E785


async def test_files_to_a_plan_start_above_the_previous_system_s_numbers(
    api: Api, tmp_path: Path
) -> None:
    """The plan rejects an interchange control number it has already seen from us: files
    start at the plan's first number, then count on; a first number below the files sent
    changes nothing."""
    await setup_plan(api, tmp_path / "drop")
    await api.ingest(P837, "clinic")
    url = "/v1/partners/goldplan/outbound"
    body = {"receiver_id": "GPHP1EDI", "sender_id": "OURMSO", "destination": "directory"}
    body["directory"] = str(tmp_path / "drop")
    before = (await api.client.get(url, headers=api.auth("ops"))).json()
    assert (before["first_interchange_control"], before["next_interchange_control"]) == (None, 1)
    too_big = {**body, "first_interchange_control": 1_000_000_000}
    assert (await api.client.put(url, json=too_big, headers=api.auth("ops"))).status_code == 422
    put = await api.client.put(
        url, json={**body, "first_interchange_control": 750_000_001}, headers=api.auth("ops")
    )
    assert put.status_code == 200, put.text
    assert put.json()["next_interchange_control"] == 750_000_001

    done = await api.client.post(URL, json={"plan": "goldplan"}, headers=api.auth("ops"))
    [batch] = done.json()["batches"]
    assert batch["interchange_control"] == 750_000_001
    file = await api.client.get(f"{URL}/{batch['id']}/file", headers=api.auth("goldplan"))
    assert file.content.split(b"*")[13] == b"750000001"
    assert [p.name for p in (tmp_path / "drop").iterdir()] == ["goldplan_837P_750000001.x12"]
    after = (await api.client.get(url, headers=api.auth("ops"))).json()
    assert after["next_interchange_control"] == 750_000_002
    # a first number below what was sent: the files count on from the last one
    lower = await api.client.put(
        url, json={**body, "first_interchange_control": 5}, headers=api.auth("ops")
    )
    assert lower.json()["next_interchange_control"] == 750_000_002
