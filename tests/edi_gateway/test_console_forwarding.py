"""The console's forwarding page over HTTP on SQLite and PostgreSQL: ops sees the files
forwarded to each plan and the plans' answers waiting for it, and re-matches or releases
an answer from there (CSRF-checked, audited); a provider or a plan cannot open it."""

from __future__ import annotations

import re

from api_support import Api
from console_support import csrf_of
from test_console_pages import as_
from test_plan_answers_held import _held_answers, _states


async def test_ops_works_held_answers_from_the_forwarding_page(api: Api) -> None:
    batch, (sent_by_other, never_sent) = await _held_answers(api)
    ops = await as_(api, "ops")
    page = await ops.get("/console/forwarding")
    assert page.status_code == 200
    assert '<a href="/console/forwarding" aria-current="page">' in page.text
    waiting = re.findall(r"<td>#(\d+) \(<a", page.text)
    assert waiting == [str(never_sent["id"]), str(sent_by_other["id"])]
    assert f'href="/v1/forwarding/batches/{batch["id"]}/file">#{batch["id"]}<' in page.text
    assert "277CA claim NEVERSENT1" in page.text
    only_other = await ops.get("/console/forwarding?plan=otherplan")
    assert re.findall(r"<td>#(\d+) \(<a", only_other.text) == [str(sent_by_other["id"])]
    assert "Nothing forwarded to otherplan yet." in only_other.text
    assert (await ops.get("/console/forwarding?plan=nosuch")).status_code == 400
    csrf = csrf_of(page.text)
    url = f"/console/forwarding/answers/{sent_by_other['id']}"
    refused = await ops.post(url, data={"action": "rematch", "plan": "goldplan"})
    assert refused.status_code == 403
    done = await ops.post(url, data={"action": "rematch", "plan": "goldplan", "csrf_token": csrf})
    assert done.status_code == 303
    shown = await ops.get(done.headers["location"])
    assert re.search(r"Answer \d+ re-matched: matched, \d+ matched\.", shown.text)
    assert (await _states(api, batch))[0] == "rejected_by_plan"
    url = f"/console/forwarding/answers/{never_sent['id']}"
    no_note = await ops.post(url, data={"action": "release", "note": " ", "csrf_token": csrf})
    assert no_note.status_code == 400
    released = await ops.post(
        url, data={"action": "release", "note": "plan's test file", "csrf_token": csrf}
    )
    assert released.status_code == 303
    after = await ops.get(released.headers["location"])
    assert f"Answer {never_sent['id']} released." in after.text
    assert "No answer is waiting." in after.text
    again = await ops.post(url, data={"action": "release", "note": "x", "csrf_token": csrf})
    assert again.status_code == 409
    audit = await api.client.get(
        "/v1/audit", params={"action": "plan_answer.release"}, headers=api.auth("ops")
    )
    assert [e["detail"] for e in audit.json()["items"]] == ["plan's test file"]


async def test_the_forwarding_page_is_for_ops_only(api: Api) -> None:
    await _held_answers(api)
    for who in ("clinic", "goldplan"):
        client = await as_(api, who)
        home = await client.get("/console")
        assert "/console/forwarding" not in home.text
        page = await client.get("/console/forwarding")
        assert page.status_code == 403 and "Only ops" in page.text
        csrf = csrf_of(home.text)
        post = await client.post(
            "/console/forwarding/answers/1",
            data={"action": "release", "note": "x", "csrf_token": csrf},
        )
        assert post.status_code == 403
