"""The gateway announces what happens where it happens: a partner's upload, processed,
sends submission.completed and a claim.rejected per claim the gateway rejected (ids and
codes, no member data); closing the queue item (by hand, or by the corrected claim) sends
rejection.closed; another partner's webhook hears none of it. On both databases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, Db
from webhook_support import Env, open_env

from edi_gateway.webhooks.signing import verify

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
CLAIM = b"CLM*PCN267000032363*312*"
#: member data in the sample file that must never leave in a payload
MEMBER_DATA = (b"96994177R", b"FARNSWICK", b"NADIA", b"19610316", b"97002096D")


@pytest.fixture
async def env(db: Db) -> AsyncIterator[Env]:
    async for value in open_env(db):
        yield value


async def _upload(env: Env, data: bytes, partner: str = "clinic-a") -> str:
    r = await env.api.client.post(
        "/v1/submissions",
        content=data,
        headers={**env.api.auth(partner), "content-type": "application/edi-x12"},
    )
    assert r.status_code == 202, r.text
    await env.app.state.worker.drain()
    return str(r.json()["id"])


def _events(got: list[Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for g in got:
        body = json.loads(g.body)
        out.setdefault(body["type"], []).append(body)
    return out


async def test_processing_announces_completion_and_each_rejected_claim(env: Env) -> None:
    hook = await env.register(
        "clinic-a", ["submission.completed", "claim.rejected", "rejection.closed"]
    )
    other = await env.register("clinic-b", ["submission.completed", "claim.rejected"])
    bad = BASIC.read_bytes().replace(CLAIM, b"CLM*PCN267000032363*313*")
    submission_id = await _upload(env, bad)
    got = await env.receiver.wait_for(2)
    await env.app.state.webhooks.drain()
    assert len(env.receiver.received) == 2  # nothing for clinic-b's webhook
    for g in got:
        assert verify(hook["secret"], g.headers["Edi-Gateway-Signature"], g.body)
        assert not verify(other["secret"], g.headers["Edi-Gateway-Signature"], g.body)
        assert not any(value in g.body for value in MEMBER_DATA)
    events = _events(got)
    [done] = events["submission.completed"]
    assert done["data"]["submission_id"] == submission_id
    assert (done["data"]["status"], done["data"]["units_total"]) == ("partially_accepted", 5)
    assert (done["data"]["units_stored"], done["data"]["units_rejected"]) == (4, 1)
    [rejected] = events["claim.rejected"]
    data = rejected["data"]
    assert (data["submission_id"], data["claim_id"], data["billing_npi"]) == (
        submission_id,
        "PCN267000032363",
        "1551312931",
    )
    assert any(f["element"] == "CLM02" and f["rule_id"] for f in data["findings"])
    # the queue item it names is the partner's, and closing it by hand is announced
    item = f"/v1/rejections/{data['rejection_id']}"
    r = await env.api.client.patch(
        item, json={"state": "wont_fix"}, headers=env.api.auth("clinic-a")
    )
    assert r.status_code == 200, r.text
    [*_, last] = await env.receiver.wait_for(3)
    closed = json.loads(last.body)
    assert closed["type"] == "rejection.closed"
    assert (closed["data"]["rejection_id"], closed["data"]["state"]) == (
        data["rejection_id"],
        "wont_fix",
    )
    assert closed["data"]["claim_id"] == "PCN267000032363"


async def test_the_corrected_claim_announces_the_closed_item(env: Env, tmp_path: Path) -> None:
    await env.register("clinic-a", ["rejection.closed"])
    bad = BASIC.read_bytes().replace(CLAIM, b"CLM*PCN267000032363*313*")
    await _upload(env, bad)
    fixed = BASIC.read_bytes().replace(b"514296314", b"514296315")
    fixed_id = await _upload(env, fixed)
    [got] = await env.receiver.wait_for(1)
    await env.app.state.webhooks.drain()
    assert len(env.receiver.received) == 1
    data = json.loads(got.body)["data"]
    assert (data["state"], data["claim_id"], data["closed_by_submission_id"]) == (
        "closed_by_resubmission",
        "PCN267000032363",
        fixed_id,
    )
    assert data["closed_by_encounter_id"] is not None


async def test_a_file_of_a_partner_without_webhooks_writes_no_delivery(env: Env) -> None:
    await env.register("clinic-b", ["submission.completed"])
    await _upload(env, BASIC.read_bytes())
    await env.app.state.webhooks.drain()
    assert env.receiver.received == []


CLAIMS = [f"PCN26700003236{n}" for n in range(3, 8)]  # the five claims of the sample


@pytest.mark.parametrize(
    ("edit", "rejected_with"),
    [
        # SE01 wrong: the 999 rejects the transaction set, every claim in it with it
        (lambda data: data.replace(b"\nSE*86*", b"\nSE*96*"), "transaction_set"),
        # IEA02 is not ISA13: the interchange (the whole file) is rejected
        (lambda data: data.replace(b"IEA*1*514296314", b"IEA*1*514296315"), "file"),
    ],
    ids=["set", "file"],
)
async def test_claims_of_a_rejected_set_or_file_are_each_announced(
    env: Env, edit: Any, rejected_with: str
) -> None:
    await env.register("clinic-a", ["claim.rejected"])
    data = edit(BASIC.read_bytes())
    assert data != BASIC.read_bytes()
    submission_id = await _upload(env, data)
    got = await env.receiver.wait_for(len(CLAIMS))
    await env.app.state.webhooks.drain()
    assert len(env.receiver.received) == len(CLAIMS)
    events = _events(got)["claim.rejected"]
    assert sorted(e["data"]["claim_id"] for e in events) == CLAIMS
    for e in events:
        d = e["data"]
        assert (d["submission_id"], d["billing_npi"], d["rejected_with"]) == (
            submission_id,
            "1551312931",
            rejected_with,
        )
        assert d["rejection_id"] and d["findings"]
    assert len({e["data"]["rejection_id"] for e in events}) == 1  # the set's (file's) item
    assert not any(value in g.body for g in got for value in MEMBER_DATA)
