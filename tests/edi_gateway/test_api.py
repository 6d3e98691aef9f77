"""The HTTP service through httpx, as a client sees it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SAMPLES

from edi_gateway.app import create_app
from edi_gateway.config import Settings


@pytest.fixture
async def client(api: Any) -> httpx.AsyncClient:
    """A client that sends an ops key (validation needs a key, like every /v1 route)."""
    key = await api.partner("ops", "ops")
    api.client.headers["Authorization"] = f"Bearer {key}"
    return api.client  # type: ignore[no-any-return]


async def test_fresh_embedded_database_is_migrated_at_start(tmp_path: Path) -> None:
    """`make run` on a fresh machine: the SQLite database is created by the migrations."""
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            listing = await c.get("/v1/submissions")
    assert listing.status_code == 401  # the route works; it wants a key
    assert (tmp_path / "data" / "edi_gateway.db").exists()


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_validate_needs_a_key(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/validate", content=b"ISA", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_validate_accepts_a_valid_file(client: httpx.AsyncClient) -> None:
    body = (SAMPLES / "834" / "834_valid_basic.x12").read_bytes()
    response = await client.post(
        "/v1/validate", content=body, headers={"content-type": "application/edi-x12"}
    )
    assert response.status_code == 200
    report = response.json()
    assert report["accepted"] is True and report["errors"] == []
    assert [st["type"] for st in report["transaction_sets"]] == ["834"]


async def test_validate_reports_findings_with_locations(client: httpx.AsyncClient) -> None:
    body = (SAMPLES / "837i" / "837i_invalid_missing_element.x12").read_bytes()
    response = await client.post("/v1/validate", content=body)
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["element"] == "SV203" and error["code"] == "1"
    assert error["claim_id"] == "PCN153000889365" and error["loop"] == "2400"


@pytest.mark.parametrize("name", ["empty.x12", "binary.bin", "truncated_in_isa.x12"])
async def test_unusable_uploads_get_findings_not_a_500(
    client: httpx.AsyncClient, name: str
) -> None:
    body = (SAMPLES / "bad" / name).read_bytes()
    response = await client.post("/v1/validate", content=body)
    assert response.status_code == 200
    report = response.json()
    assert report["usable"] is False and report["accepted"] is False
    assert report["errors"][0]["level"] == "interchange"


async def test_openapi_lists_the_routes(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {"/healthz", "/v1/validate"} <= set(spec["paths"])
    assert "application/edi-x12" in spec["paths"]["/v1/validate"]["post"]["requestBody"]["content"]


async def test_every_v1_route_needs_a_key_and_is_documented(api: Any) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/v1")}
    assert len(paths) >= 6
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert {"200", "201", "202", "204"} & set(operation["responses"]), f"{method} {path}"
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            response = await api.client.request(
                method.upper(), concrete, headers={"Authorization": ""}
            )
            assert response.status_code == 401, f"{method} {path} answered without a key"
            assert response.headers["content-type"] == "application/problem+json"
