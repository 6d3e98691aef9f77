"""What ops does with a plan's answer that matched nothing, on SQLite and PostgreSQL: re-match
it (against the plan that sent it, or against another plan: the plan's answer sent under
an id not yet registered to it), or release it with a note; ops only, audited, once; the
same through `edi-gateway answers list|rematch|release`."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api
from cli_support import command_line
from test_plan_answers import _encounter, _forwarded, _plans_277, _submit

URL = "/v1/forwarding/answers"


async def _held_answers(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """goldplan's batch; its 277CA (rejecting the first claim) sent by otherplan, and a
    277CA of goldplan's for a claim never sent: both held."""
    batch = await _forwarded(api)
    await api.partner("otherplan", "plan", "OTHERPLANEDI")
    x277 = _plans_277(batch, batch["forwarded_claims"][0]["claim_id"], 601)
    x277 = x277.replace(b"GPHP1EDI       ", b"OTHERPLANEDI   ").replace(
        b"GPHP1EDI", b"OTHERPLANEDI"
    )
    await _submit(api, "otherplan", x277)
    await _submit(api, "goldplan", _plans_277(batch, "", 602, claim_id="NEVERSENT1"))
    held = await api.client.get(URL, params={"status": "held"}, headers=api.auth("ops"))
    items = sorted(held.json()["items"], key=lambda a: a["id"])
    assert [(a["plan"], a["status"]) for a in items] == [
        ("otherplan", "held"),
        ("goldplan", "held"),
    ]
    return batch, items


async def _states(api: Api, batch: dict[str, Any]) -> list[str]:
    return [
        (await _encounter(api, c["encounter_id"], "ops"))["plan_tracking"]["state"]
        for c in batch["forwarded_claims"]
    ]


async def test_ops_rematches_a_held_answer_against_the_plan_it_answers(api: Api) -> None:
    batch, (sent_by_other, _) = await _held_answers(api)
    rematch = f"{URL}/{sent_by_other['id']}/rematch"
    refused = await api.client.post(rematch, json={}, headers=api.auth("clinic"))
    assert refused.status_code == 403
    refused = await api.client.post(rematch, json={}, headers=api.auth("goldplan"))
    assert refused.status_code == 403
    # against the plan that sent it: still nothing of its own to match
    again = await api.client.post(rematch, json={}, headers=api.auth("ops"))
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["plan"]) == ("held", "otherplan")
    assert again.json()["detail"].startswith("re-matched by ops; not matched:")
    assert await _states(api, batch) == ["forwarded"] * len(batch["forwarded_claims"])
    unknown = await api.client.post(
        f"{URL}/{again.json()['id']}/rematch", json={"plan": "noplan"}, headers=api.auth("ops")
    )
    assert unknown.status_code == 404
    # against goldplan, whose files it answers: every claim moves, one rejected
    done = await api.client.post(
        f"{URL}/{again.json()['id']}/rematch", json={"plan": "goldplan"}, headers=api.auth("ops")
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["plan"], body["unmatched"]) == ("matched", "goldplan", 0)
    assert body["matched"] >= len(batch["forwarded_claims"])
    states = await _states(api, batch)
    assert states[0] == "rejected_by_plan"
    assert set(states[1:]) == {"accepted_by_plan"}
    items = await api.client.get(
        "/v1/rejections", params={"kind": "rejected_by_plan"}, headers=api.auth("clinic")
    )
    assert [i["claim_id"] for i in items.json()["items"]] == [
        batch["forwarded_claims"][0]["claim_id"]
    ]
    # matched now: nothing is left to do, and nothing moves twice
    twice = await api.client.post(
        f"{URL}/{body['id']}/rematch", json={"plan": "goldplan"}, headers=api.auth("ops")
    )
    assert twice.status_code == 409
    audit = await api.client.get(
        "/v1/audit", params={"action": "plan_answer.rematch"}, headers=api.auth("ops")
    )
    details = [e["detail"] for e in audit.json()["items"]]
    assert details == [
        f"answer {again.json()['id']} (held, 0 matched) -> matched, {body['matched']} matched, "
        "as goldplan",
        f"answer {sent_by_other['id']} (held, 0 matched) -> held, 0 matched",
    ]


async def test_ops_releases_a_held_answer_with_a_note(api: Api) -> None:
    batch, (_, never_sent) = await _held_answers(api)
    release = f"{URL}/{never_sent['id']}/release"
    no_note = await api.client.post(release, json={"note": ""}, headers=api.auth("ops"))
    assert no_note.status_code == 422
    refused = await api.client.post(release, json={"note": "x"}, headers=api.auth("goldplan"))
    assert refused.status_code == 403
    done = await api.client.post(
        release, json={"note": "a test file from the plan"}, headers=api.auth("ops")
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "released"
    assert done.json()["detail"].startswith("released by ops: a test file from the plan;")
    again = await api.client.post(release, json={"note": "again"}, headers=api.auth("ops"))
    assert again.status_code == 409
    listed = await api.client.get(URL, params={"status": "released"}, headers=api.auth("ops"))
    assert [a["id"] for a in listed.json()["items"]] == [never_sent["id"]]
    assert await _states(api, batch) == ["forwarded"] * len(batch["forwarded_claims"])
    missing = await api.client.post(
        f"{URL}/999999/release", json={"note": "x"}, headers=api.auth("ops")
    )
    assert missing.status_code == 404


async def test_answers_from_the_command_line(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    batch, (sent_by_other, never_sent) = await _held_answers(api)
    with command_line(api.db, monkeypatch, capsys) as cli:
        code, out, _ = await cli("answers", "list")
        assert code == 0
        assert [line.split("\t")[:4] for line in out.splitlines()] == [
            [str(sent_by_other["id"]), "otherplan", "277CA", "held"],
            [str(never_sent["id"]), "goldplan", "277CA", "held"],
        ]
        code, out, _ = await cli(
            "answers", "rematch", str(sent_by_other["id"]), "--plan", "goldplan"
        )
        assert code == 0 and "\tgoldplan\t277CA\tmatched\t" in out
        assert "re-matched by the command line as goldplan" in out
        code, out, _ = await cli("answers", "release", str(never_sent["id"]), "--note", "test file")
        assert (
            code == 0 and "\treleased\t" in out and "released by the command line: test file" in out
        )
        code, _, err = await cli("answers", "release", str(never_sent["id"]), "--note", "again")
        assert code == 2 and "is released: nothing is left to do" in err
        code, out, _ = await cli("answers", "list")
        assert (code, out) == (0, "no plan answers held or partly matched\n")
    assert (await _states(api, batch))[0] == "rejected_by_plan"
