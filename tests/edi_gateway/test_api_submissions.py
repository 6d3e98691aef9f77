"""Submitting files over HTTP: upload, asynchronous processing, acks, tenancy, limits."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from api_support import Api
from conftest import SAMPLES

P837 = SAMPLES / "837p" / "837p_valid_basic.x12"  # ISA06 SUBMITTER9856 -> GPHP1EDI


async def _done(api: Api, sub_id: str, who: str) -> dict:
    await api.client._transport.app.state.worker.drain()  # type: ignore[attr-defined]
    response = await api.client.get(f"/v1/submissions/{sub_id}", headers=api.auth(who))
    assert response.status_code == 200
    return response.json()


async def test_submit_raw_file_and_fetch_results(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    body = P837.read_bytes()
    response = await api.client.post(
        "/v1/submissions",
        content=body,
        headers={
            **api.auth("clinic"),
            "content-type": "application/edi-x12",
            "x-filename": "claims.x12",
        },
    )
    assert response.status_code == 202
    accepted = response.json()
    assert len(accepted["sha256"]) == 64 and accepted["size"] == len(body)
    assert accepted["status_url"].endswith(f"/v1/submissions/{accepted['id']}")
    status = await _done(api, accepted["id"], "clinic")
    assert status["status"] == "completed"
    assert status["counts"]["claims_accepted"] == 5 and status["counts"]["claims_rejected"] == 0
    assert (
        status["progress"]["transaction_sets_done"]
        == status["progress"]["transaction_sets_total"]
        == 1
    )
    assert status["filename"] == "claims.x12" and status["transaction_type"] == "837P"
    ack = await api.client.get(
        f"/v1/submissions/{accepted['id']}/acks/999", headers=api.auth("clinic")
    )
    assert ack.status_code == 200 and ack.headers["content-type"] == "application/edi-x12"
    assert b"AK9*A*1*1*1~" in ack.content
    ta1 = await api.client.get(
        f"/v1/submissions/{accepted['id']}/acks/ta1", headers=api.auth("clinic")
    )
    assert ta1.status_code == 404
    assert ta1.headers["content-type"] == "application/problem+json"
    assert "ISA14" in ta1.json()["detail"]
    original = await api.client.get(
        f"/v1/submissions/{accepted['id']}/file", headers=api.auth("clinic")
    )
    assert original.content == body


async def test_multipart_upload_and_repeat(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    files = {"file": ("claims.x12", P837.read_bytes(), "application/edi-x12")}
    first = await api.client.post("/v1/submissions", files=files, headers=api.auth("clinic"))
    assert first.status_code == 202
    await _done(api, first.json()["id"], "clinic")
    again = await api.client.post("/v1/submissions", files=files, headers=api.auth("clinic"))
    assert again.status_code == 200
    assert again.json()["repeated"] is True and again.json()["id"] == first.json()["id"]


async def test_sender_id_must_belong_to_the_partner(api: Api) -> None:
    await api.partner("other", "provider", "SOMEONEELSE")
    response = await api.client.post(
        "/v1/submissions",
        content=P837.read_bytes(),
        headers={**api.auth("other"), "content-type": "text/plain"},
    )
    status = await _done(api, response.json()["id"], "other")
    assert status["status"] == "rejected" and status["counts"]["claims_accepted"] == 0
    ta1 = await api.client.get(
        f"/v1/submissions/{response.json()['id']}/acks/ta1", headers=api.auth("other")
    )
    assert b"*R*006~" in ta1.content


@pytest.mark.parametrize("body", [b"", bytes(range(256)) * 40], ids=["empty", "binary"])
async def test_empty_or_binary_upload_is_rejected_with_a_ta1_not_a_500(
    api: Api, body: bytes
) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    response = await api.client.post(
        "/v1/submissions",
        content=body,
        headers={**api.auth("clinic"), "content-type": "application/octet-stream"},
    )
    assert response.status_code == 202
    status = await _done(api, response.json()["id"], "clinic")
    assert status["status"] == "rejected"
    ta1 = await api.client.get(
        f"/v1/submissions/{response.json()['id']}/acks/ta1", headers=api.auth("clinic")
    )
    assert ta1.status_code == 200 and b"TA1*" in ta1.content and b"*R*024~" in ta1.content


async def test_over_limit_upload_is_413_problem(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    api.client._transport.app.state.settings.max_upload_bytes = 1000  # type: ignore[attr-defined]
    response = await api.client.post(
        "/v1/submissions",
        content=P837.read_bytes(),
        headers={**api.auth("clinic"), "content-type": "text/plain"},
    )
    assert response.status_code == 413
    problem = response.json()
    assert problem["status"] == 413 and problem["limit"] == 1000
    assert response.headers["content-type"] == "application/problem+json"


async def test_unsupported_content_type_is_415(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    response = await api.client.post(
        "/v1/submissions",
        content=b"{}",
        headers={**api.auth("clinic"), "content-type": "application/json"},
    )
    assert response.status_code == 415


async def test_keys_bad_and_missing(api: Api) -> None:
    """(A revoked key: test_upload_path.py, with the key cache's clock.)"""
    await api.partner("clinic", "provider", "SUBMITTER9856")
    assert (await api.client.get("/v1/submissions")).status_code == 401
    bad = await api.client.get("/v1/submissions", headers={"Authorization": "Bearer edi_nope"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert (await api.client.get("/v1/submissions", headers=api.auth("clinic"))).status_code == 200


async def test_tenancy_of_submissions(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.partner("rival", "provider", "RIVAL")
    await api.partner("ops", "ops")
    sub = await api.client.post(
        "/v1/submissions",
        content=P837.read_bytes(),
        headers={**api.auth("clinic"), "content-type": "text/plain"},
    )
    sub_id = sub.json()["id"]
    await _done(api, sub_id, "clinic")
    for path in ("", "/acks/999", "/file"):
        assert (
            await api.client.get(f"/v1/submissions/{sub_id}{path}", headers=api.auth("rival"))
        ).status_code == 404
        assert (
            await api.client.get(f"/v1/submissions/{sub_id}{path}", headers=api.auth("ops"))
        ).status_code == 200
    rival_list = await api.client.get("/v1/submissions", headers=api.auth("rival"))
    assert rival_list.json()["items"] == []
    ops_list = await api.client.get("/v1/submissions", headers=api.auth("ops"))
    assert [s["id"] for s in ops_list.json()["items"]] == [sub_id]


async def test_list_filters_and_cursor_pagination(api: Api, tmp_path) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    ids = []
    for n in range(5):
        body = P837.read_bytes().replace(b"514296314", f"51429631{n}".encode()[:9].rjust(9, b"0"))
        response = await api.client.post(
            "/v1/submissions",
            content=body,
            headers={**api.auth("clinic"), "content-type": "text/plain"},
        )
        ids.append(response.json()["id"])
    await api.client._transport.app.state.worker.drain()  # type: ignore[attr-defined]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await api.client.get("/v1/submissions", params=params, headers=api.auth("clinic"))
        ).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    typed = (
        await api.client.get("/v1/submissions", params={"type": "834"}, headers=api.auth("clinic"))
    ).json()
    assert typed["items"] == []


async def test_large_upload_keeps_the_api_responsive(api: Api) -> None:
    """A 100 MB upload streams to disk while other requests are answered within a second."""
    await api.partner("clinic", "provider", "SUBMITTER9856")
    chunk = b"\x00junk" * 20_000  # 100 KB

    async def body():
        for _ in range(1000):  # 100 MB
            yield chunk
            await asyncio.sleep(0)

    upload = asyncio.create_task(
        api.client.post(
            "/v1/submissions",
            content=body(),
            headers={**api.auth("clinic"), "content-type": "application/octet-stream"},
            timeout=httpx.Timeout(300),
        )
    )
    slowest = 0.0
    while not upload.done():
        start = time.perf_counter()
        response = await api.client.get("/healthz")
        slowest = max(slowest, time.perf_counter() - start)
        assert response.status_code == 200
        await asyncio.sleep(0.05)
    response = upload.result()
    assert response.status_code == 202 and response.json()["size"] == 100_000_000
    assert slowest < 1.0


@pytest.mark.parametrize(
    ("root_path", "host", "scheme"),
    [("", "testserver", "http"), ("/edi", "gateway.example:8443", "https")],
)
def test_status_url_is_the_url_the_status_route_answers_on(
    root_path: str, host: str, scheme: str
) -> None:
    from starlette.requests import Request

    from edi_gateway.app import create_app
    from edi_gateway.submissions.endpoints import status_url

    app = create_app()
    scope = {
        "type": "http",
        "app": app,
        "router": app.router,
        "scheme": scheme,
        "server": (host.split(":")[0], 443),
        "root_path": root_path,
        "path": f"{root_path}/v1/submissions",
        "method": "POST",
        "headers": [(b"host", host.encode())],
        "query_string": b"",
    }
    request = Request(scope)
    sid = "0123456789abcdef0123456789abcdef"
    expected = str(request.url_for("get_submission", submission_id=sid))
    assert status_url(request, sid) == expected
    assert expected == f"{scheme}://{host}{root_path}/v1/submissions/{sid}"
