"""Changing webhooks after registration, on SQLite and PostgreSQL: PATCH (URL, events,
pause and resume; ops may pause another partner's webhook but not redirect it), a secret
rotation with a grace period in which both secrets sign, and deliveries that connect to
the address that passed the private-network check (no second resolution of the name)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import Db
from webhook_support import Env, open_env

from edi_gateway.statuses import EventType
from edi_gateway.webhooks.signing import verify


@pytest.fixture
async def env(db: Db) -> AsyncIterator[Env]:
    async for value in open_env(db):
        yield value


async def _deliveries(env: Env, hook_id: int) -> list[dict[str, Any]]:
    r = await env.api.client.get(
        f"/v1/webhooks/{hook_id}/deliveries", headers=env.api.auth("clinic-a")
    )
    assert r.status_code == 200
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_the_owner_changes_events_and_url_and_pauses_and_resumes(env: Env) -> None:
    api = env.api
    hook = await env.register("clinic-a", ["rejection.closed"])
    url = f"/v1/webhooks/{hook['id']}"
    mine = api.auth("clinic-a")
    r = await api.client.patch(url, json={"events": ["claim.rejected"]}, headers=mine)
    assert r.status_code == 200, r.text
    assert (r.json()["events"], r.json()["url"]) == (["claim.rejected"], env.receiver.url)
    # the old event no longer goes to it, the new one does
    await env.publish("clinic-a", EventType.REJECTION_CLOSED, {"item_id": 1})
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C1"})
    [got] = await env.receiver.wait_for(1)
    assert got.headers["Edi-Gateway-Event"] == "claim.rejected"
    # paused: no new deliveries at all
    r = await api.client.patch(url, json={"active": False}, headers=mine)
    assert (r.status_code, r.json()["active"]) == (200, False)
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C2"})
    await env.app.state.webhooks.drain()
    assert len(await _deliveries(env, hook["id"])) == 1
    # resumed, and pointed at a new path of the receiver
    moved = env.receiver.url.replace("/hooks/edi", "/hooks/v2")
    r = await api.client.patch(url, json={"active": True, "url": moved}, headers=mine)
    assert (r.status_code, r.json()["active"], r.json()["url"]) == (200, True, moved)
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C3"})
    received = await env.receiver.wait_for(2)
    assert received[1].path == "/hooks/v2?x=1"
    # every change is in the audit trail
    audit = await api.client.get(
        "/v1/audit", params={"action": "webhook.update"}, headers=api.auth("ops")
    )
    details = [e["detail"] for e in audit.json()["items"]]
    assert details == ["url; active", "paused", "events=claim.rejected"]


async def test_changes_are_checked_and_scoped_to_the_owner(env: Env) -> None:
    api = env.api
    hook = await env.register("clinic-a", ["rejection.closed"])
    url = f"/v1/webhooks/{hook['id']}"
    mine = api.auth("clinic-a")
    for body, says in (
        ({"url": "http://10.0.0.5/hook"}, "https"),
        ({"url": "https://169.254.169.254/latest"}, "public address"),
        ({"events": ["no.such.event"]}, "events"),
        ({"events": []}, "events"),
        ({"secret": "mine"}, "secret"),
    ):
        r = await api.client.patch(url, json=body, headers=mine)
        assert r.status_code == 422, (body, r.text)
        assert says in r.text, (body, r.text)
    # another partner cannot see it, so cannot change it
    r = await api.client.patch(url, json={"active": False}, headers=api.auth("clinic-b"))
    assert r.status_code == 404
    # ops may pause it (an endpoint that keeps failing), not redirect it
    ops = api.auth("ops")
    r = await api.client.patch(url, json={"url": "https://elsewhere.example/x"}, headers=ops)
    assert r.status_code == 403
    r = await api.client.patch(url, json={"active": False}, headers=ops)
    assert (r.status_code, r.json()["active"], r.json()["url"]) == (200, False, env.receiver.url)


async def test_after_a_rotation_both_secrets_sign_for_the_grace_period_only(env: Env) -> None:
    api = env.api
    hook = await env.register("clinic-a", ["rejection.closed"])
    url = f"/v1/webhooks/{hook['id']}/rotate-secret"
    mine = api.auth("clinic-a")
    r = await api.client.post(url, params={"grace_hours": 200}, headers=mine)
    assert r.status_code == 422
    second = (await api.client.post(url, params={"grace_hours": 2}, headers=mine)).json()
    assert second["previous_secret_until"] is not None
    await env.publish("clinic-a", EventType.REJECTION_CLOSED, {"item_id": 1})
    [got] = await env.receiver.wait_for(1)
    header = got.headers["Edi-Gateway-Signature"]
    assert header.count("v1=") == 2
    assert verify(second["secret"], header, got.body) and verify(hook["secret"], header, got.body)
    # a leaked secret: rotate with no grace, and only the newest one signs
    third = (await api.client.post(url, params={"grace_hours": 0}, headers=mine)).json()
    assert third["previous_secret_until"] is None
    await env.publish("clinic-a", EventType.REJECTION_CLOSED, {"item_id": 2})
    got = (await env.receiver.wait_for(2))[1]
    header = got.headers["Edi-Gateway-Signature"]
    assert header.count("v1=") == 1 and verify(third["secret"], header, got.body)
    assert not verify(second["secret"], header, got.body)
    assert not verify(hook["secret"], header, got.body)


async def test_a_delivery_connects_to_the_address_that_was_checked(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers the check with an allowed address and any later
    look-up with a private one. The delivery resolves the name once and connects to the
    checked address, with the URL's name as Host."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo
    port = env.receiver.url.split(":")[2].split("/")[0]
    asked: list[str] = []

    async def resolve(host: Any, p: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "receiver.rebind.example":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "10.0.0.5"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(p)))]
        return await real(host, p, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", resolve)
    hook = await env.register(
        "clinic-a", ["claim.rejected"], f"http://localhost:{port}/hooks/edi?x=1"
    )
    # registration refuses a name that is not loopback for plain http, so point the
    # stored URL at the rebinding name directly (as a name that passed https checks would)
    from sqlalchemy import update

    from edi_gateway.models import Webhook

    async with env.app.state.sessionmaker() as s, s.begin():
        await s.execute(
            update(Webhook)
            .where(Webhook.id == hook["id"])
            .values(url=f"http://receiver.rebind.example:{port}/hooks/edi?x=1")
        )
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C1"})
    [got] = await env.receiver.wait_for(1)
    assert got.headers["Host"] == f"receiver.rebind.example:{port}"
    assert asked == ["receiver.rebind.example"]
    await env.app.state.webhooks.drain()
    [d] = await _deliveries(env, hook["id"])
    assert (d["status"], d["attempts"]) == ("delivered", 1)
