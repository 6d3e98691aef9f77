"""Webhooks through the API on SQLite and PostgreSQL: partners register URLs for events
and see only their own; deliveries reach a real loopback receiver signed with the
webhook's secret; a failing receiver gets its retries with backoff, then the delivery is
failed, and every attempt shows in GET /v1/webhooks/{id}/deliveries."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import ROOT, Db
from webhook_support import Env, open_env

from edi_gateway.statuses import EventType
from edi_gateway.webhooks.delivery import refused_address
from edi_gateway.webhooks.signing import verify


@pytest.fixture
async def env(db: Db) -> AsyncIterator[Env]:
    async for value in open_env(db):
        yield value


async def test_register_list_read_and_the_secret_is_shown_once(env: Env) -> None:
    api = env.api
    created = await env.register("clinic-a", ["submission.completed", "claim.rejected"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["secret_prefix"] == created["secret"][:12]
    assert (created["partner"], created["url"], created["active"]) == (
        "clinic-a",
        env.receiver.url,
        True,
    )
    assert created["events"] == ["submission.completed", "claim.rejected"]
    listed = (await api.client.get("/v1/webhooks", headers=api.auth("clinic-a"))).json()
    assert [h["id"] for h in listed["items"]] == [created["id"]]
    one = await api.client.get(f"/v1/webhooks/{created['id']}", headers=api.auth("clinic-a"))
    assert one.status_code == 200
    for shown in (listed["items"][0], one.json()):
        assert "secret" not in shown and created["secret"] not in json.dumps(shown)


async def test_a_partner_sees_and_changes_only_its_own_webhooks(env: Env) -> None:
    api = env.api
    a = await env.register("clinic-a", ["rejection.closed"])
    b = await env.register("clinic-b", ["rejection.closed"])
    mine = (await api.client.get("/v1/webhooks", headers=api.auth("clinic-b"))).json()
    assert [h["id"] for h in mine["items"]] == [b["id"]]
    url = f"/v1/webhooks/{a['id']}"
    as_b = api.auth("clinic-b")
    assert (await api.client.get(url, headers=as_b)).status_code == 404
    assert (await api.client.get(url + "/deliveries", headers=as_b)).status_code == 404
    assert (await api.client.post(url + "/rotate-secret", headers=as_b)).status_code == 404
    assert (await api.client.delete(url, headers=as_b)).status_code == 404
    # ops lists and reads everyone's, but only the owner rotates a secret
    everyone = (await api.client.get("/v1/webhooks", headers=api.auth("ops"))).json()
    assert sorted(h["partner"] for h in everyone["items"]) == ["clinic-a", "clinic-b"]
    assert (await api.client.get(url, headers=api.auth("ops"))).status_code == 200
    rotate = await api.client.post(url + "/rotate-secret", headers=api.auth("ops"))
    assert rotate.status_code == 403
    # an event of clinic-b's never goes to clinic-a's webhook
    await env.publish("clinic-b", EventType.REJECTION_CLOSED, {"item_id": 7})
    [got] = await env.receiver.wait_for(1)
    assert verify(b["secret"], got.headers["Edi-Gateway-Signature"], got.body)
    assert not verify(a["secret"], got.headers["Edi-Gateway-Signature"], got.body)
    # the owner deletes its own
    assert (await api.client.delete(url, headers=api.auth("clinic-a"))).status_code == 204
    assert (await api.client.get(url, headers=api.auth("clinic-a"))).status_code == 404
    # ops may remove any partner's (audited)
    other = f"/v1/webhooks/{b['id']}"
    assert (await api.client.delete(other, headers=api.auth("ops"))).status_code == 204
    assert (await api.client.get(other, headers=as_b)).status_code == 404
    audit = await api.client.get("/v1/audit?action=webhook.delete", headers=api.auth("ops"))
    assert sorted(e["actor"] for e in audit.json()["items"]) == ["clinic-a", "ops"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"url": "http://receiver.example/hook", "events": ["claim.rejected"]}, "https"),
        ({"url": "ftp://receiver.example/hook", "events": ["claim.rejected"]}, "https"),
        ({"url": "https://10.1.2.3/hook", "events": ["claim.rejected"]}, "public address"),
        ({"url": "https://169.254.169.254/latest", "events": ["claim.rejected"]}, "public"),
        ({"url": "https://u:p@receiver.example/", "events": ["claim.rejected"]}, "password"),
        ({"url": "/relative", "events": ["claim.rejected"]}, "absolute"),
        ({"url": "https://receiver.example/", "events": ["claim.paid"]}, "events"),
        ({"url": "https://receiver.example/", "events": []}, "events"),
        ({"url": "https://receiver.example/"}, "events"),
        ({"events": ["claim.rejected"]}, "url"),
        ({"url": "https://receiver.example/", "events": ["claim.rejected"], "x": 1}, "x"),
    ],
)
async def test_bad_input_is_a_422_problem(env: Env, body: dict[str, object], says: str) -> None:
    r = await env.api.client.post("/v1/webhooks", json=body, headers=env.api.auth("clinic-a"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert says in r.text
    listed = await env.api.client.get("/v1/webhooks", headers=env.api.auth("clinic-a"))
    assert listed.json()["items"] == []


async def test_unknown_ids_and_no_key(env: Env) -> None:
    api = env.api
    assert (await api.client.get("/v1/webhooks")).status_code == 401
    for path in ("/v1/webhooks/999", "/v1/webhooks/999/deliveries"):
        assert (await api.client.get(path, headers=api.auth("clinic-a"))).status_code == 404
    huge = "/v1/webhooks/99999999999999999999"
    assert (await api.client.get(huge, headers=api.auth("clinic-a"))).status_code == 422
    bad = await api.client.get("/v1/webhooks/1/deliveries?status=lost", headers=api.auth("ops"))
    assert bad.status_code == 422


async def test_a_signed_delivery_reaches_the_receiver_and_is_logged(env: Env) -> None:
    hook = await env.register("clinic-a", ["submission.completed"])
    await env.publish("clinic-a", EventType.SUBMISSION_COMPLETED, {"submission_id": "s1"})
    [got] = await env.receiver.wait_for(1)
    assert got.path == "/hooks/edi?x=1"
    body = json.loads(got.body)
    assert (body["type"], body["data"]) == ("submission.completed", {"submission_id": "s1"})
    assert got.headers["Edi-Gateway-Event-Id"] == body["id"]
    assert got.headers["Edi-Gateway-Event"] == "submission.completed"
    assert got.headers["Edi-Gateway-Delivery-Attempt"] == "1"
    assert got.headers["Content-Type"] == "application/json"
    signature = got.headers["Edi-Gateway-Signature"]
    assert verify(hook["secret"], signature, got.body)
    assert not verify(hook["secret"], signature, got.body + b" ")
    assert not verify("whsec_other", signature, got.body)
    # the receiver's check the README shows
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("Verifying a delivery")[1].split("```python")[1].split("```")[0]
    scope: dict[str, Any] = {}
    exec(snippet, scope)
    assert scope["verify"](hook["secret"], signature, got.body)
    assert not scope["verify"](hook["secret"], signature, got.body.replace(b"s1", b"s2"))
    await env.app.state.webhooks.drain()
    r = await env.api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=env.api.auth("clinic-a")
    )
    [d] = r.json()["items"]
    assert (d["status"], d["attempts"], d["last_status_code"], d["event_id"]) == (
        "delivered",
        1,
        200,
        body["id"],
    )
    assert d["payload"] == body and d["finished_at"] is not None
    [a] = d["attempt_log"]
    assert (a["number"], a["status_code"], a["error"]) == (1, 200, None)
    assert a["duration_ms"] is not None and a["duration_ms"] >= 0


async def test_a_failing_receiver_gets_retries_then_the_delivery_fails(env: Env) -> None:
    env.receiver.statuses = [500, 503, 502]
    hook = await env.register("clinic-a", ["claim.rejected"])
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C1"})
    got = await env.receiver.wait_for(3)
    await env.app.state.webhooks.drain()
    # one event id on every attempt; the attempt number counts up; waits grow (0.3 s, 0.6 s)
    assert len({g.headers["Edi-Gateway-Event-Id"] for g in got}) == 1
    assert [g.headers["Edi-Gateway-Delivery-Attempt"] for g in got] == ["1", "2", "3"]
    assert got[1].at - got[0].at >= 0.3 and got[2].at - got[1].at >= 0.6
    r = await env.api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries?status=failed", headers=env.api.auth("clinic-a")
    )
    [d] = r.json()["items"]
    assert (d["status"], d["attempts"], d["next_attempt_at"]) == ("failed", 3, None)
    assert (d["last_status_code"], d["last_error"]) == (502, "HTTP 502")
    assert [(a["number"], a["status_code"], a["error"]) for a in d["attempt_log"]] == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
        (3, 502, "HTTP 502"),
    ]
    assert len(env.receiver.received) == 3  # no fourth attempt
    exposed = (await env.api.client.get("/metrics")).text
    assert 'edi_webhook_attempts_total{event="claim.rejected",status="pending"}' in exposed
    assert 'edi_webhook_attempts_total{event="claim.rejected",status="failed"}' in exposed


async def test_an_unreachable_receiver_is_logged_by_error(env: Env) -> None:
    port = env.receiver.url.split(":")[2].split("/")[0]
    env.receiver.stop()
    hook = await env.register("clinic-a", ["claim.rejected"], f"http://127.0.0.1:{port}/gone")
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C1"})
    await env.app.state.webhooks.drain()
    r = await env.api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=env.api.auth("clinic-a")
    )
    [d] = r.json()["items"]
    assert d["status"] == "failed" and d["last_status_code"] is None
    assert [a["error"] for a in d["attempt_log"]] == ["ConnectError"] * 3


async def test_rotating_the_secret_changes_the_signature(env: Env) -> None:
    hook = await env.register("clinic-a", ["rejection.closed"])
    url = f"/v1/webhooks/{hook['id']}/rotate-secret"
    rotated = await env.api.client.post(url, headers=env.api.auth("clinic-a"))
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["secret"] != hook["secret"] and new["secret_rotated_at"] is not None
    assert new["secret_prefix"] == new["secret"][:12]
    await env.publish("clinic-a", EventType.REJECTION_CLOSED, {"item_id": 1})
    [got] = await env.receiver.wait_for(1)
    signature = got.headers["Edi-Gateway-Signature"]
    assert verify(new["secret"], signature, got.body)
    # the previous secret still signs for the grace period (24 h by default)
    assert verify(hook["secret"], signature, got.body)
    assert new["previous_secret_until"] is not None


async def test_a_name_resolving_to_the_service_s_own_network_is_not_sent_to(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL passes registration (a name), but resolves to a private address when sent:
    every attempt is refused without a request."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]
        return await real(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", resolve)
    hook = await env.register("clinic-a", ["claim.rejected"], "https://intranet.example/hook")
    await env.publish("clinic-a", EventType.CLAIM_REJECTED, {"claim_id": "C1"})
    await env.app.state.webhooks.drain()
    r = await env.api.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=env.api.auth("clinic-a")
    )
    [d] = r.json()["items"]
    assert d["status"] == "failed"
    assert [a["error"] for a in d["attempt_log"]] == ["AddressNotAllowed"] * 3
    # loopback itself only when the setting allows it (here, for the test receiver)
    strict = env.api.db.settings.model_copy(update={"webhook_allow_http_loopback": False})
    assert await refused_address("https://localhost:8443/x", strict) == "AddressNotAllowed"
    assert await refused_address("https://localhost:8443/x", env.api.db.settings) is None
