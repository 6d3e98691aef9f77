"""The upload path under load (issue 19): a key seen recently is answered without the
database, yet a revoked key is refused within the cache's seconds; an upload is one
transaction that, on the PostgreSQL job queue, also queues its job, so a submission never
exists without its job, and the same bytes posted many times at once still make one
submission and one job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from api_support import Api
from conftest import Db

from edi_gateway.app import create_app
from edi_gateway.partners.service import KeyCache, Principal, partner_by_name, revoke_keys
from parsers.generate import generate_bytes

UPLOAD = {"Content-Type": "application/edi-x12"}


async def _app(db: Db, **settings: Any) -> AsyncIterator[tuple[Api, Any]]:
    app = create_app(db.settings.model_copy(update={"run_workers": False, **settings}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(db, client), app


@pytest.fixture
async def cached(db: Db) -> AsyncIterator[tuple[Api, Any]]:
    async for value in _app(db, auth_cache_seconds=5.0):
        yield value


@pytest.fixture
async def uncached(db: Db) -> AsyncIterator[tuple[Api, Any]]:
    async for value in _app(db, auth_cache_seconds=0.0):
        yield value


async def _sql(url: str, query: str) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def _revoke(api: Api, name: str) -> None:
    async with api.db.sessionmaker() as s, s.begin():
        partner = await partner_by_name(s, name)
        assert partner is not None
        assert await revoke_keys(s, partner.id) == 1


async def test_a_revoked_key_is_refused_once_the_cache_s_seconds_have_passed(
    cached: tuple[Api, Any],
) -> None:
    api, app = cached
    now = [1000.0]
    cache: KeyCache = app.state.key_cache
    cache.clock = lambda: now[0]
    await api.partner("clinic", "provider", "SUBMITTER9856")
    listing = "/v1/submissions"
    assert (await api.client.get(listing, headers=api.auth("clinic"))).status_code == 200
    await _revoke(api, "clinic")
    # within the cache's seconds the running service still knows the key as it was ...
    now[0] += 4.9
    assert (await api.client.get(listing, headers=api.auth("clinic"))).status_code == 200
    # ... and not one moment longer, however often it is used meanwhile
    now[0] += 0.1
    assert (await api.client.get(listing, headers=api.auth("clinic"))).status_code == 401
    now[0] += 60
    assert (await api.client.get(listing, headers=api.auth("clinic"))).status_code == 401


async def test_without_the_cache_a_revocation_takes_effect_at_once(
    uncached: tuple[Api, Any],
) -> None:
    api, _ = uncached
    await api.partner("clinic", "provider", "SUBMITTER9856")
    assert (await api.client.get("/v1/submissions", headers=api.auth("clinic"))).status_code == 200
    await _revoke(api, "clinic")
    assert (await api.client.get("/v1/submissions", headers=api.auth("clinic"))).status_code == 401


async def test_a_key_issued_after_a_refusal_works_at_once(cached: tuple[Api, Any]) -> None:
    """Unknown keys are never kept: a refused key is looked up again next time."""
    api, app = cached
    await api.partner("clinic", "provider", "SUBMITTER9856")
    key = api.keys["clinic"]
    assert app.state.key_cache.get("x") is None
    wrong = {"Authorization": f"Bearer {key}x"}
    assert (await api.client.get("/v1/submissions", headers=wrong)).status_code == 401
    assert len(app.state.key_cache._entries) == 0
    assert (await api.client.get("/v1/submissions", headers=api.auth("clinic"))).status_code == 200
    assert len(app.state.key_cache._entries) == 1
    # kept by the key's hash, never the key
    assert key not in repr(app.state.key_cache._entries)


def test_the_key_cache_expires_and_is_bounded() -> None:
    now = [0.0]
    cache = KeyCache(2.0, size=3, clock=lambda: now[0])
    who = Principal(1, "clinic", "provider", "edi_abc")
    cache.put("a", who)
    assert cache.get("a") is who
    now[0] = 1.99
    assert cache.get("a") is who
    now[0] = 2.0
    assert cache.get("a") is None
    for name in "bcd":
        cache.put(name, who)
    cache.put("e", who)  # full: everything is asked again rather than kept longer
    assert [cache.get(n) for n in "bcde"] == [None, None, None, who]
    off = KeyCache(0.0)
    off.put("a", who)
    assert off.get("a") is None


@pytest.fixture
async def queued_app(postgres_url: str, tmp_path: Any) -> AsyncIterator[tuple[Api, Any]]:
    """The app on PostgreSQL with the job queue (no worker runs: the jobs stay)."""
    from conftest import _truncate_all

    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker
    from edi_gateway.jobs import apply_schema

    await _truncate_all(postgres_url)
    await apply_schema(postgres_url)
    await _sql(postgres_url, "DELETE FROM procrastinate_jobs")
    settings = Settings(
        data_dir=tmp_path / "data", database_url=postgres_url, queue="procrastinate"
    )
    engine = make_engine(postgres_url)
    db = Db(postgres_url, settings, engine, make_sessionmaker(engine), "postgresql")
    try:
        async for value in _app(db):
            yield value
    finally:
        await engine.dispose()


async def test_same_bytes_at_once_make_one_submission_and_one_job(
    queued_app: tuple[Api, Any],
) -> None:
    api, _ = queued_app
    await api.partner("clinic", "provider", "SUBMITTER9856")
    same = generate_bytes("837p", 5, seed=41)
    others = [generate_bytes("837p", 5, seed=100 + n) for n in range(12)]

    async def post(body: bytes) -> httpx.Response:
        return await api.client.post(
            "/v1/submissions", content=body, headers={**api.auth("clinic"), **UPLOAD}
        )

    answers = await asyncio.gather(*(post(b) for b in [same] * 8 + others))
    same_answers, other_answers = answers[:8], answers[8:]
    assert sorted(r.status_code for r in same_answers) == [200] * 7 + [202]
    assert len({r.json()["id"] for r in same_answers}) == 1
    assert [r.status_code for r in other_answers] == [202] * 12
    ids = {r.json()["id"] for r in answers}
    assert len(ids) == 13
    rows = await _sql(api.db.url, "SELECT id, status FROM submissions")
    assert {r["id"] for r in rows} == ids and {r["status"] for r in rows} == {"received"}
    jobs = await _sql(
        api.db.url,
        "SELECT lock, queueing_lock, task_name, queue_name, args, status FROM procrastinate_jobs",
    )
    # one job per submission, as `enqueue` makes it: the worker's task, its locks
    assert sorted(j["lock"] for j in jobs) == sorted(ids)
    for job in jobs:
        assert job["queueing_lock"] == job["lock"]
        assert (job["task_name"], job["queue_name"], job["status"]) == (
            "edi:process_submission",
            "submissions",
            "todo",
        )
        assert job["args"] == f'{{"submission_id": "{job["lock"]}"}}'
    audits = await _sql(api.db.url, "SELECT resource_id FROM audit_events WHERE action = 'submit'")
    assert sorted(a["resource_id"] for a in audits) == sorted(r.json()["id"] for r in answers)


async def test_a_repeat_of_an_unfinished_submission_does_not_queue_a_second_job(
    queued_app: tuple[Api, Any],
) -> None:
    api, _ = queued_app
    await api.partner("clinic", "provider", "SUBMITTER9856")
    body = generate_bytes("837p", 3, seed=7)
    headers = {**api.auth("clinic"), **UPLOAD}
    first = await api.client.post("/v1/submissions", content=body, headers=headers)
    again = await api.client.post("/v1/submissions", content=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["repeated"]
    jobs = await _sql(api.db.url, "SELECT lock FROM procrastinate_jobs")
    assert [j["lock"] for j in jobs] == [first.json()["id"]]
