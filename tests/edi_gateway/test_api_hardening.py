"""Security hardening of the HTTP service, through the API on SQLite and PostgreSQL: no 500
for odd input, every error declared, no caching of member data, no framing, self-hosted
docs, failed keys rate-limited, key use recorded, metrics behind a key, reads audited."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from api_support import Api
from conftest import SAMPLES, Db
from sqlalchemy import select, update

from edi_gateway.app import create_app
from edi_gateway.models import ApiKey, AuditEvent

PROBLEM = "application/problem+json"
P837 = SAMPLES / "837p" / "837p_valid_basic.x12"  # ISA06 SUBMITTER9856
P835 = SAMPLES / "835" / "835_valid_basic.x12"  # ISA06 GPHP1EDI -> SUBMITTER5862


async def _ops(api: Api) -> dict[str, str]:
    await api.partner("ops", "ops")
    return api.auth("ops")


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize("route", ["/v1/encounters", "/v1/remittances"])
@pytest.mark.parametrize("value", [str(2**63), str(10**30), "9223372036854775807", "0", "-1"])
async def test_ids_out_of_range_are_404(api: Api, route: str, value: str) -> None:
    auth = await _ops(api)
    _problem(await api.client.get(f"{route}/{value}", headers=auth), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/members?last_name=a%00b",
        "/v1/members/97445419Q%00/eligibility",
        "/v1/encounters?claim_id=%00",
        "/v1/remittances?trace_number=x%00",
        "/v1/submissions/%00abc",
        "/v1/submissions/x/report?format=%00",
        "/v1/submissions?partner=%00",
    ],
)
async def test_nul_characters_in_path_or_query_are_400(api: Api, url: str) -> None:
    auth = await _ops(api)
    response = await api.client.get(url, headers=auth)
    _problem(response, 400)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "url",
    [
        "/v1/members?birth_date=0",
        "/v1/members?active_on=2026-03-01T00:00:00",
        "/v1/members/97445419Q/eligibility?date=1700000000",
        "/v1/encounters?service_date_from=2026-02-30",
        "/v1/remittances?payment_date_to=20260101",
        "/v1/submissions?received_from=0",
    ],
)
async def test_dates_must_be_written_yyyy_mm_dd(api: Api, url: str) -> None:
    auth = await _ops(api)
    body = _problem(await api.client.get(url, headers=auth), 422)
    assert body["errors"]


async def test_control_characters_in_an_uploaded_file_name_are_dropped(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="cla\x00im\x01s.x12"'
        b"\r\n\r\n" + P837.read_bytes() + b"\r\n--b0undary--\r\n"
    )
    response = await api.client.post(
        "/v1/submissions",
        content=body,
        headers={**api.auth("clinic"), "content-type": "multipart/form-data; boundary=b0undary"},
    )
    assert response.status_code == 202
    status = await api.client.get(response.json()["status_url"], headers=api.auth("clinic"))
    assert status.json()["filename"] == "claims.x12"


async def test_wrong_method_is_405_with_allow(api: Api) -> None:
    auth = await _ops(api)
    response = await api.client.delete("/v1/members", headers=auth)
    _problem(response, 405)
    assert response.headers["allow"] == "GET"
    response = await api.client.put("/v1/validate", headers=auth)
    assert response.status_code == 405 and response.headers["allow"] == "POST"


async def test_openapi_declares_bearer_and_every_error_as_a_problem(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key: `Authorization: Bearer <key>`",
    }
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    operations = [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
    ]
    for path, method, op in operations:
        codes = set(op["responses"])
        assert "400" in codes, f"{method} {path}"
        if path.startswith("/v1"):
            assert op["security"] == [{"HTTPBearer": []}], f"{method} {path}"
            assert {"401", "422", "429"} <= codes, f"{method} {path}"
            assert op["responses"]["429"]["headers"]["Retry-After"]
        if "{" in path:
            assert "404" in codes, f"{method} {path}"
        for code, response in op["responses"].items():
            if code[0] in "45":
                assert list(response["content"]) == [PROBLEM], f"{method} {path} {code}"
    assert {"413", "415"} <= set(spec["paths"]["/v1/validate"]["post"]["responses"])
    assert "security" not in spec["paths"]["/metrics"]["get"]


async def test_v1_responses_are_never_cached(api: Api) -> None:
    auth = await _ops(api)
    for url, headers, status in [
        ("/v1/members", auth, 200),
        ("/v1/encounters", auth, 200),
        ("/v1/members/NOBODY/eligibility", auth, 404),
        ("/v1/members", {}, 401),
        ("/v1/members?limit=0", auth, 422),
    ]:
        response = await api.client.get(url, headers=headers)
        assert response.status_code == status
        assert response.headers["cache-control"] == "no-store", url
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_report_html_may_not_be_framed(api: Api) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    sub = await api.ingest(P837, "clinic")
    response = await api.client.get(
        f"/v1/submissions/{sub}/report?format=html", headers=api.auth("clinic")
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


async def test_swagger_ui_is_served_by_the_app_alone(api: Api) -> None:
    page = await api.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src"):
        assert csp[directive] == "'self'", directive
    html = page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "loads something from elsewhere"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "has an inline script"
    assert not re.search(r"\bstyle=", html)
    for asset in re.findall(r"(?:src|href)=\"([^\"]+)\"", html):
        response = await api.client.get(f"/{asset}")
        assert response.status_code == 200, asset
        assert b"//cdn" not in response.content[:10_000]
    start = await api.client.get("/docs/start.js")
    assert "SwaggerUIBundle" in start.text and "openapi.json" in start.text
    assert (await api.client.get("/redoc")).status_code == 404


@pytest.fixture
async def tight(db: Db) -> AsyncIterator[Api]:
    """The app with 3 failed keys allowed a minute, metrics behind an ops key."""
    settings = db.settings.model_copy(
        update={
            "auth_failure_limit": 3,
            "auth_failure_window_seconds": 60.0,
            "metrics_require_key": True,
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(db, client)


async def test_failed_keys_are_rate_limited_per_address(tight: Api, db: Db) -> None:
    good = await tight.partner("ops", "ops")
    for _ in range(3):
        _problem(
            await tight.client.get("/v1/members", headers={"Authorization": "Bearer nope"}), 401
        )
    blocked = await tight.client.get("/v1/members", headers={"Authorization": f"Bearer {good}"})
    _problem(blocked, 429)
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    app = tight.client._transport.app  # type: ignore[attr-defined]
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("198.51.100.1", 4000)),
        base_url="http://test",
    )
    async with other:
        response = await other.get("/v1/members", headers={"Authorization": f"Bearer {good}"})
        assert response.status_code == 200
    limiter = app.state.auth_failures
    limiter.clock = lambda: 1e12  # a long time later
    response = await tight.client.get("/v1/members", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 200


async def test_missing_keys_are_not_counted_as_failures(tight: Api) -> None:
    good = await tight.partner("ops", "ops")
    for _ in range(5):
        _problem(await tight.client.get("/v1/members"), 401)
    response = await tight.client.get("/v1/members", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 200


async def test_metrics_can_require_an_ops_key(tight: Api, api: Api) -> None:
    assert (await api.client.get("/metrics")).status_code == 200  # the default: open
    ops = await tight.partner("ops", "ops")
    clinic = await tight.partner("clinic", "provider", "SUBMITTER9856")
    _problem(await tight.client.get("/metrics"), 401)
    _problem(await tight.client.get("/metrics", headers={"Authorization": f"Bearer {clinic}"}), 403)
    response = await tight.client.get("/metrics", headers={"Authorization": f"Bearer {ops}"})
    assert response.status_code == 200 and b"# TYPE" in response.content
    spec = (await tight.client.get("/openapi.json")).json()
    assert spec["paths"]["/metrics"]["get"]["security"] == [{"HTTPBearer": []}]
    assert {"401", "403"} <= set(spec["paths"]["/metrics"]["get"]["responses"])


async def _last_used(api: Api) -> datetime | None:
    async with api.db.sessionmaker() as s:
        return (await s.execute(select(ApiKey.last_used_at))).scalar_one()


async def test_request_latency_is_counted_by_route_template_never_the_path(api: Api) -> None:
    ops = await api.partner("ops", "ops")
    headers = {"Authorization": f"Bearer {ops}"}
    route = 'route="/v1/members/{member_id}/eligibility"'

    def count(text: str) -> float:
        for line in text.splitlines():
            if line.startswith("edi_http_request_seconds_count") and route in line:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = count((await api.client.get("/metrics")).text)
    for member in ("MEMBERX1", "MEMBERX2"):
        await api.client.get(f"/v1/members/{member}/eligibility", headers=headers)
    text = (await api.client.get("/metrics")).text
    assert count(text) == before + 2
    assert "MEMBERX1" not in text and "MEMBERX2" not in text


async def test_keys_record_when_they_were_last_used_once_a_minute(api: Api) -> None:
    now = [0.0]
    api.app.state.key_cache.clock = lambda: now[0]
    auth = await _ops(api)
    assert await _last_used(api) is None
    before = datetime.now(UTC)
    assert (await api.client.get("/v1/members", headers=auth)).status_code == 200
    first = await _last_used(api)
    assert first is not None and before - timedelta(seconds=1) <= first <= datetime.now(UTC)
    assert (await api.client.get("/v1/encounters/12345", headers=auth)).status_code == 404
    assert await _last_used(api) == first  # within the minute: no write
    async with api.db.sessionmaker() as s, s.begin():
        await s.execute(update(ApiKey).values(last_used_at=first - timedelta(minutes=2)))
    # a key known to the service's key cache is not looked up (nor written) ...
    assert (await api.client.get("/v1/members", headers=auth)).status_code == 200
    assert await _last_used(api) == first - timedelta(minutes=2)
    # ... until the cache asks again, its seconds later
    now[0] += api.db.settings.auth_cache_seconds
    assert (await api.client.get("/v1/members", headers=auth)).status_code == 200
    later = await _last_used(api)
    assert later is not None and later >= first


async def _audited(api: Api, resource_type: str) -> list[AuditEvent]:
    async with api.db.sessionmaker() as s:
        rows = await s.execute(select(AuditEvent).where(AuditEvent.resource_type == resource_type))
        return list(rows.scalars())


async def test_every_read_of_member_claim_or_payment_data_is_audited(api: Api) -> None:
    auth = await _ops(api)
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.ingest(P837, "clinic")
    await api.ingest(P835)
    for url in ("/v1/encounters", "/v1/remittances", "/v1/members"):
        assert (await api.client.get(url, headers=auth)).status_code == 200
    for kind in ("encounter", "remittance", "member"):
        [event] = await _audited(api, kind)
        assert event.action == "search" and event.key_prefix == api.keys["ops"][:12]
        assert event.detail and event.detail.endswith("results")


async def test_an_unexpected_error_is_a_500_problem_logged_once_without_phi(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from edi_gateway.eligibility.repository import MemberRepository

    async def broken(self: Any, stmt: Any) -> Any:
        raise ValueError("member 97445419Q GARCIA born 1985-04-12")

    monkeypatch.setattr(MemberRepository, "get_one_or_none", broken)
    auth = await _ops(api)
    caplog.set_level(logging.DEBUG)
    # the transport raises what the app lets escape: nothing must
    response = await api.client.get(
        "/v1/members/97445419Q/eligibility?date=2026-03-01", headers=auth
    )
    body = _problem(response, 500)
    assert "97445419Q" not in body["detail"]
    assert response.headers["cache-control"] == "no-store"
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    assert message.startswith(
        "unhandled error on GET /v1/members/{member_id}/eligibility: ValueError at "
    )
    assert record.exc_info is None
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("edi_gateway")]
    assert ours  # the access log too
    for phi in ("97445419Q", "GARCIA", "1985"):
        assert all(phi not in m for m in ours), phi
