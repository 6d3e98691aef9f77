from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tomllib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SAMPLES = ROOT / "sample_edi"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def compiled_modules() -> list[str]:
    """The modules built with mypyc: ``[tool.edi_gateway] compiled`` in pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as pyproject:
        return list(tomllib.load(pyproject)["tool"]["edi_gateway"]["compiled"])


#: The instant the tests run at, whatever the calendar says: the sample files' service
#: dates (2026-04 to 2026-11) are judged as received on this day, so the plan rules that
#: count days from receipt (R25: a delay reason after 365 days; R22: the 90-day lag) give
#: the same answers next year as today. The clock ticks from there.
PINNED_CLOCK = "2026-12-05T12:00:00+00:00"
#: on the PYTHONPATH of the processes the tests start, to pin their clock too
CLOCK_SITE = Path(__file__).resolve().parent / "clock"


def _pin_the_clock(config: pytest.Config) -> None:
    import datetime as dt
    import time

    import time_machine

    pinned = dt.datetime.fromisoformat(PINNED_CLOCK)
    os.environ["EDI_TEST_CLOCK_OFFSET"] = str(pinned.timestamp() - time.time())
    paths = [str(CLOCK_SITE), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    traveller = time_machine.travel(pinned, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_configure(config: pytest.Config) -> None:
    """Pin the clock (``PINNED_CLOCK``); refuse to test a stale mypyc build: an extension
    module shadows its .py source."""
    _pin_the_clock(config)
    compiled = {ROOT / name for name in compiled_modules()}
    stale = []
    for folder in sorted({path.parent for path in compiled}):
        for so in folder.glob("*.so"):
            source = so.with_name(so.name.split(".")[0] + ".py")
            if source not in compiled or (
                source.exists() and source.stat().st_mtime > so.stat().st_mtime
            ):
                stale.append(str(source.relative_to(ROOT)))
    if stale:
        raise pytest.UsageError(
            f"stale compiled build of {', '.join(stale)} (the source changed after it, or it "
            "is no longer listed in pyproject.toml [tool.edi_gateway] compiled); "
            "run `make install`"
        )


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


# --- databases: built by the migrations, on SQLite and on PostgreSQL -------------------------


PG_URL = os.environ.get(
    "EDI_GATEWAY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _run_sync(coro_fn: Any) -> Any:
    """asyncio.run in its own thread: session fixtures may be set up inside a test's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


def _pg_reachable() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""), timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return bool(_run_sync(probe))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from edi_gateway.db import upgrade

    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own, created next to `test` (so that concurrent
    runs on one server do not wipe each other) and dropped at the end."""
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} (required in CI)")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} and CI is unset")
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"edi_test_{os.getpid()}"
    admin = PG_URL.replace("+asyncpg", "")

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    _run_sync(create)
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    from edi_gateway.db import upgrade

    upgrade(url)
    try:
        yield url
    finally:
        _run_sync(drop)


@dataclass
class Db:
    url: str
    settings: Any
    engine: Any
    sessionmaker: Any
    kind: str


async def migrate(db: Db, action: str, revision: str) -> None:
    """``alembic upgrade|downgrade revision`` on the test's database (its connections
    closed first; alembic runs its own event loop, so in a thread)."""
    from concurrent.futures import ThreadPoolExecutor

    from alembic import command

    from edi_gateway.db import alembic_config

    def run() -> None:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(getattr(command, action), alembic_config(db.url), revision).result()

    await db.engine.dispose()
    await asyncio.to_thread(run)


async def _truncate_all(url: str) -> None:
    import asyncpg

    from edi_gateway.models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    # and the job queue: jobs an earlier test left (test_queue_backlog queues thousands)
    # would be taken before this test's own by the workers it starts
    if await conn.fetchval("SELECT to_regclass('procrastinate_jobs') IS NOT NULL"):
        await conn.execute("TRUNCATE procrastinate_jobs CASCADE")
    await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Db]:
    from edi_gateway.config import Settings
    from edi_gateway.db import make_engine, make_sessionmaker

    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "edi.sqlite"
        shutil.copy(template, path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        await _truncate_all(url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, queue="inprocess")
    engine = make_engine(url)
    try:
        yield Db(url, settings, engine, make_sessionmaker(engine), request.param)
    finally:
        await engine.dispose()


@pytest.fixture
async def api(db: Db) -> AsyncIterator[Any]:
    """The app on the test database with an HTTP client (see api_support.Api)."""
    from api_support import open_api

    async for value in open_api(db):
        yield value
