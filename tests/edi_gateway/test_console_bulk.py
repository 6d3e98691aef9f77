"""The work queue by submission, and bulk changes from the console, on SQLite and
PostgreSQL: a submission's page links to the items it opened; the queue (console and API)
filters by submission; one form changes every item of the current view, the caller's own
items only, each change in its item's history and the whole in the audit trail."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from api_support import Api
from test_console_pages import as_, bad_file, item_ids

from edi_gateway.rejections.service import BULK_CAP


def second_file(tmp_path: Path) -> Path:
    """Another bad file of clinic-a: a new ISA13 and claim id, the same CLM02 error."""
    data = bad_file(tmp_path).read_bytes()
    data = data.replace(b"*514296314*", b"*514296315*").replace(
        b"PCN267000032363", b"PCN267000032364"
    )
    path = tmp_path / "bad-second.x12"
    path.write_bytes(data)
    return path


async def setup(api: Api, tmp_path: Path) -> tuple[str, str]:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.partner("clinic-b", "provider", "SUBMITTER9857")
    await api.partner("ops", "ops")
    first = await api.ingest(bad_file(tmp_path), "clinic-a")
    second = await api.ingest(second_file(tmp_path), "clinic-a")
    await api.ingest(bad_file(tmp_path, "SUBMITTER9857"), "clinic-b")
    return first, second


async def test_the_queue_filters_by_submission(api: Api, tmp_path: Path) -> None:
    first, second = await setup(api, tmp_path)
    a = await as_(api, "clinic-a")
    assert len(item_ids((await a.get("/console/queue")).text)) == 2
    page = (await a.get(f"/console/submissions/{first}")).text
    assert f'href="/console/queue?submission_id={first}&amp;open=1"' in page
    only = await a.get(f"/console/queue?submission_id={first}&open=1")
    [item] = item_ids(only.text)
    assert f'name="submission_id" value="{first}"' in only.text
    r = await api.client.get(
        "/v1/rejections", params={"submission_id": first}, headers=api.auth("clinic-a")
    )
    assert [i["id"] for i in r.json()["items"]] == [item]
    assert [i["submission_id"] for i in r.json()["items"]] == [first]
    # another tenant's submission id finds nothing of theirs
    b = await as_(api, "clinic-b")
    assert item_ids((await b.get(f"/console/queue?submission_id={second}")).text) == []


async def test_one_form_changes_every_item_of_the_view(api: Api, tmp_path: Path) -> None:
    first, _ = await setup(api, tmp_path)
    a = await as_(api, "clinic-a")
    queue = (await a.get("/console/queue?open=1")).text
    assert 'id="bulk"' in queue and f"up to {BULK_CAP:,}" in queue
    csrf = queue.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    refused = await a.post("/console/queue/bulk?open=1", data={"assignee": "maria"})
    assert refused.status_code == 403
    nothing = await a.post("/console/queue/bulk?open=1", data={"csrf_token": csrf})
    assert nothing.status_code == 400 and "Nothing to change" in nothing.text
    # the view of one submission: only its item changes
    done = await a.post(
        f"/console/queue/bulk?submission_id={first}&open=1",
        data={"csrf_token": csrf, "assignee": "maria", "state": "in_progress"},
    )
    assert done.status_code == 303
    where = urlsplit(done.headers["location"])
    query = parse_qs(where.query)
    assert where.path == "/console/queue"
    assert query["submission_id"] == [first] and query["open"] == ["1"]
    assert query["done"] == ["Changed 1 of 1 matching item"]
    shown = (await a.get(done.headers["location"])).text
    assert "Changed 1 of 1 matching item." in shown
    items = (await api.client.get("/v1/rejections", headers=api.auth("clinic-a"))).json()
    by_submission = {i["submission_id"]: i for i in items["items"]}
    assert (by_submission[first]["assignee"], by_submission[first]["state"]) == (
        "maria",
        "in_progress",
    )
    assert [i["assignee"] for i in items["items"] if i["submission_id"] != first] == [None]
    # the whole view, with an empty assignee field: every item of clinic-a's gets the note,
    # assignees stay, and clinic-b's item is untouched
    done = await a.post(
        "/console/queue/bulk?open=1", data={"csrf_token": csrf, "assignee": "", "note": "batch"}
    )
    assert parse_qs(urlsplit(done.headers["location"]).query)["done"] == [
        "Changed 2 of 2 matching items"
    ]
    items = (await api.client.get("/v1/rejections", headers=api.auth("clinic-a"))).json()
    assert sorted(i["assignee"] or "" for i in items["items"]) == ["", "maria"]
    for i in items["items"]:
        detail = (await api.client.get(f"/v1/rejections/{i['id']}", headers=api.auth("ops"))).json()
        assert "batch" in [e["note"] for e in detail["history"] if e["action"] == "note"]
    theirs = (await api.client.get("/v1/rejections", headers=api.auth("clinic-b"))).json()
    [other] = theirs["items"]
    detail = (await api.client.get(f"/v1/rejections/{other['id']}", headers=api.auth("ops"))).json()
    assert [e["action"] for e in detail["history"]] == ["created"]
    audit = await api.client.get(
        "/v1/audit",
        params={"action": "update", "object_type": "work_item"},
        headers=api.auth("ops"),
    )
    bulk = [e["detail"] for e in audit.json()["items"] if (e["detail"] or "").startswith("bulk")]
    assert bulk == ["bulk: 2 of 2 items", "bulk: 1 of 1 items"]
