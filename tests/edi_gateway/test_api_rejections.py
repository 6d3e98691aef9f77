"""GET/PATCH /v1/rejections: the queue through the API, on SQLite and PostgreSQL: a
provider sees and works its own items only, ops sees all; filters, history, CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from api_support import Api
from conftest import SAMPLES

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"


def _bad(tmp_path: Path, sender: str = "SUBMITTER9856") -> Path:
    data = BASIC.read_bytes().replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*")
    path = tmp_path / f"bad-{sender}.x12"
    path.write_bytes(data.replace(b"SUBMITTER9856", sender.encode()))
    return path


async def _setup(api: Api, tmp_path: Path) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.partner("clinic-b", "provider", "SUBMITTER9857")
    await api.partner("ops", "ops")
    await api.ingest(_bad(tmp_path), "clinic-a")
    await api.ingest(_bad(tmp_path, "SUBMITTER9857"), "clinic-b")


async def test_each_provider_sees_its_own_items_and_ops_all(api: Api, tmp_path: Path) -> None:
    await _setup(api, tmp_path)
    a = (await api.client.get("/v1/rejections", headers=api.auth("clinic-a"))).json()
    b = (await api.client.get("/v1/rejections", headers=api.auth("clinic-b"))).json()
    ops = (await api.client.get("/v1/rejections", headers=api.auth("ops"))).json()
    assert [i["partner"] for i in a["items"]] == ["clinic-a"]
    assert [i["partner"] for i in b["items"]] == ["clinic-b"]
    assert sorted(i["partner"] for i in ops["items"]) == ["clinic-a", "clinic-b"]
    [item] = a["items"]
    assert (item["claim_id"], item["amount"], item["state"], item["age_days"]) == (
        "PCN267000032363",
        "313.00",
        "open",
        0,
    )
    [f] = [f for f in item["findings"] if f["element"] == "CLM02"]
    assert f["line"] == 21 and f["fix"]  # where, and how to fix it
    other = next(i for i in ops["items"] if i["partner"] == "clinic-b")
    missing = await api.client.get(f"/v1/rejections/{other['id']}", headers=api.auth("clinic-a"))
    assert missing.status_code == 404
    change = await api.client.patch(
        f"/v1/rejections/{other['id']}", json={"state": "wont_fix"}, headers=api.auth("clinic-a")
    )
    assert change.status_code == 404


async def test_assign_note_and_resolve_with_history(api: Api, tmp_path: Path) -> None:
    await _setup(api, tmp_path)
    [item] = (await api.client.get("/v1/rejections", headers=api.auth("clinic-a"))).json()["items"]
    url = f"/v1/rejections/{item['id']}"
    done = await api.client.patch(
        url,
        json={"state": "in_progress", "assignee": "maria", "note": "calling the office"},
        headers=api.auth("clinic-a"),
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["state"], body["assignee"]) == ("in_progress", "maria")
    assert [(h["action"], h["actor"], h["new_value"]) for h in body["history"]] == [
        ("created", "gateway", "open"),
        ("state", "clinic-a", "in_progress"),
        ("assignee", "clinic-a", "maria"),
        ("note", "clinic-a", None),
    ]
    assert body["history"][-1]["note"] == "calling the office"
    mine = await api.client.get(
        "/v1/rejections", params={"assignee": "maria"}, headers=api.auth("ops")
    )
    assert [i["id"] for i in mine.json()["items"]] == [item["id"]]
    refused = await api.client.patch(
        url, json={"state": "closed_by_resubmission"}, headers=api.auth("clinic-a")
    )
    assert refused.status_code == 422
    empty = await api.client.patch(url, json={}, headers=api.auth("clinic-a"))
    assert empty.status_code == 400
    assert empty.headers["content-type"] == "application/problem+json"


async def test_filters_and_csv_export(api: Api, tmp_path: Path) -> None:
    await _setup(api, tmp_path)
    ops = api.auth("ops")
    by_partner = await api.client.get("/v1/rejections", params={"partner": "clinic-b"}, headers=ops)
    assert [i["partner"] for i in by_partner.json()["items"]] == ["clinic-b"]
    none = await api.client.get("/v1/rejections", params={"state": "resolved"}, headers=ops)
    assert none.json()["items"] == []
    old = await api.client.get("/v1/rejections", params={"min_age_days": 1}, headers=ops)
    assert old.json()["items"] == []
    text = await api.client.get("/v1/rejections", params={"q": "PCN26700003236"}, headers=ops)
    assert len(text.json()["items"]) == 2
    paged = await api.client.get("/v1/rejections", params={"limit": 1}, headers=ops)
    second = await api.client.get(
        "/v1/rejections",
        params={"limit": 1, "cursor": paged.json()["next_cursor"]},
        headers=ops,
    )
    ids = [paged.json()["items"][0]["id"], second.json()["items"][0]["id"]]
    assert len(set(ids)) == 2 and second.json()["next_cursor"] is None
    exported = await api.client.get(
        "/v1/rejections", params={"partner": "clinic-a"}, headers={**ops, "Accept": "text/csv"}
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:4] == ["id", "kind", "subject", "state"]
    assert [r[rows[0].index("claim_id")] for r in rows[1:]] == ["PCN267000032363"]
    bad = await api.client.get("/v1/rejections", params={"state": "closed"}, headers=ops)
    assert bad.status_code == 422


async def test_bulk_change_over_a_filter(api: Api, tmp_path: Path) -> None:
    """Ops assigns every open item of one partner at once; another partner's items and a
    provider's reach stay untouched."""
    await _setup(api, tmp_path)
    done = await api.client.post(
        "/v1/rejections/bulk",
        json={"filter": {"partner": "clinic-a", "state": "open"}, "assignee": "lee"},
        headers=api.auth("ops"),
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"matched": 1, "changed": 1}
    items = (await api.client.get("/v1/rejections", headers=api.auth("ops"))).json()["items"]
    assert {i["partner"]: i["assignee"] for i in items} == {"clinic-a": "lee", "clinic-b": None}
    mine = await api.client.post(
        "/v1/rejections/bulk",
        json={"filter": {}, "state": "in_progress"},
        headers=api.auth("clinic-b"),
    )
    assert mine.json() == {"matched": 1, "changed": 1}  # only its own item
    empty = await api.client.post(
        "/v1/rejections/bulk", json={"filter": {}}, headers=api.auth("ops")
    )
    assert empty.status_code == 400
