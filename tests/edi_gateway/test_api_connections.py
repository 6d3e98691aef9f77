"""Many uploads at once against few database connections, on SQLite and PostgreSQL: a
request never holds one connection while it waits for another (which, with more requests
than connections, left every connection held by a request waiting: each upload failed
with a 500 after the pool's timeout), and when every connection really is busy, the
client is told to come back (503 with Retry-After), not handed a 500."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from api_support import Api
from conftest import Db

from edi_gateway.app import create_app
from parsers.generate import generate_bytes

UPLOAD = {"Content-Type": "application/edi-x12"}


@pytest.fixture
async def small_pool(db: Db) -> AsyncIterator[Api]:
    """The app with two database connections, no overflow, a 2-second wait for one."""
    settings = db.settings.model_copy(
        update={
            "db_pool_size": 2,
            "db_max_overflow": 0,
            "db_pool_timeout": 2.0,
            "run_workers": False,
        }
    )
    small = dataclasses.replace(db, settings=settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            api = Api(small, client)
            api.app = app
            yield api


async def test_more_uploads_at_once_than_connections(small_pool: Api) -> None:
    api = small_pool
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.partner("ops", "ops")
    bodies = [generate_bytes("837p", 3, seed=500 + n) for n in range(12)]

    async def post(body: bytes) -> int:
        r = await api.client.post(
            "/v1/submissions", content=body, headers={**api.auth("ops"), **UPLOAD}
        )
        return r.status_code

    codes = await asyncio.gather(*(post(b) for b in bodies))
    assert codes == [202] * len(bodies)
    listed = await api.client.get("/v1/submissions", params={"limit": 50}, headers=api.auth("ops"))
    assert len(listed.json()["items"]) == len(bodies)


async def test_a_busy_database_is_a_503_with_retry_after(small_pool: Api) -> None:
    api = small_pool
    await api.partner("ops", "ops")
    engine = api.app.state.engine
    # every connection of the service's pool taken elsewhere
    held = [await engine.connect() for _ in range(2)]
    try:
        r = await api.client.get("/v1/submissions", headers=api.auth("ops"))
    finally:
        for conn in held:
            await conn.close()
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Service busy"
    again = await api.client.get("/v1/submissions", headers=api.auth("ops"))
    assert again.status_code == 200


async def test_a_connection_the_server_closed_is_replaced_before_it_is_used(
    postgres_url: str,
) -> None:
    """PostgreSQL restarted or a backend ended (an idle timeout, an operator's
    pg_terminate_backend): the pooled connection is dead, and the next request's first
    statement must not be the one to find out."""
    import asyncpg
    from sqlalchemy import text

    from edi_gateway.db import make_engine

    engine = make_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True
        finally:
            await admin.close()
        # the pool's only connection is the dead one: it is tried and replaced
        async with engine.connect() as conn:
            again = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert again != pid
    finally:
        await engine.dispose()
