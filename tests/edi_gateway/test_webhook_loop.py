"""The loop closed, as the provider hears it (issue 17's proof), on both databases: its
file is accepted and forwarded, the plan's 999 accepts it and its 277CA rejects one
claim; the provider's webhook, on a loopback receiver, gets each claim's plan state as
signed encounter.plan_state_changed events: forwarded, then accepted_by_plan or (the one
claim) rejected_by_plan with the plan's codes. A resent 277CA sends nothing new."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import Db
from test_forwarding import P837, setup_plan
from test_plan_answers import NOW, URL, _plans_277, _submit
from webhook_support import Env, open_env

from edi_gateway.webhooks.signing import verify
from parsers import Validator
from parsers.acks import AckOptions, build_999


@pytest.fixture
async def env(db: Db) -> AsyncIterator[Env]:
    async for value in open_env(db, partners=False):
        yield value


def _states(env: Env, secret: str) -> list[dict[str, Any]]:
    out = []
    for got in env.receiver.received:
        assert verify(secret, got.headers["Edi-Gateway-Signature"], got.body)
        body = json.loads(got.body)
        assert body["type"] == "encounter.plan_state_changed"
        out.append(body["data"])
    return out


async def _forward(env: Env) -> dict[str, Any]:
    """The forwarding tests' plan and provider; the provider's file, forwarded."""
    api = env.api
    await api.ingest(P837, "clinic")
    done = await api.client.post(URL, json={"plan": "goldplan"}, headers=api.auth("ops"))
    [batch] = done.json()["batches"]
    detail = (await api.client.get(f"{URL}/{batch['id']}", headers=api.auth("ops"))).json()
    detail["data"] = (
        await api.client.get(f"{URL}/{batch['id']}/file", headers=api.auth("ops"))
    ).content
    for c in detail["forwarded_claims"]:
        enc = await api.client.get(f"/v1/encounters/{c['encounter_id']}", headers=api.auth("ops"))
        c["charge"] = enc.json()["total_charge"]
    return dict(detail)


async def test_the_provider_hears_the_plan_s_answers_by_webhook(env: Env) -> None:
    api = env.api
    await setup_plan(api, claims_per_set=3)
    secret = (await env.register("clinic", ["encounter.plan_state_changed"]))["secret"]
    batch = await _forward(env)
    claims = batch["forwarded_claims"]
    await env.receiver.wait_for(len(claims))
    await env.app.state.webhooks.drain()
    forwarded = _states(env, secret)
    assert sorted(d["claim_id"] for d in forwarded) == sorted(c["claim_id"] for c in claims)
    assert {(d["state"], d["previous_state"]) for d in forwarded} == {("forwarded", None)}

    result = None
    for event in Validator().events(batch["data"]):
        result = getattr(event, "result", result)
    x999 = build_999(result, AckOptions(control_number=501, now=NOW))  # type: ignore[arg-type]
    assert (await _submit(api, "goldplan", x999))["status"] == "completed"
    rejected = claims[1]
    x277 = _plans_277(batch, rejected["claim_id"], 502)
    assert (await _submit(api, "goldplan", x277))["status"] == "completed"
    await env.receiver.wait_for(2 * len(claims))
    await env.app.state.webhooks.drain()
    answered = _states(env, secret)[len(claims) :]
    by_claim = {d["claim_id"]: d for d in answered}
    assert len(answered) == len(by_claim) == len(claims)
    refused = by_claim[rejected["claim_id"]]
    assert (refused["state"], refused["previous_state"]) == ("rejected_by_plan", "forwarded")
    assert refused["codes"] == "A7:562:85" and refused["encounter_id"] == rejected["encounter_id"]
    assert {d["state"] for c, d in by_claim.items() if c != rejected["claim_id"]} == {
        "accepted_by_plan"
    }
    # the same 277CA again, in a new interchange: no state moves, nothing is sent
    again = await _submit(api, "goldplan", _plans_277(batch, rejected["claim_id"], 503))
    assert again["status"] == "completed"
    await env.app.state.webhooks.drain()
    assert len(env.receiver.received) == 2 * len(claims)
