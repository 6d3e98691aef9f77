"""Database engines, sessions and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Table, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations (blocking). Alembic's env runs its own event loop, so it runs in
    a separate thread: this works whether or not the caller is inside an event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()


def current_revision_is_head(sync_connection: Any) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    context = MigrationContext.configure(sync_connection)
    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    return set(context.get_current_heads()) == heads


def table_of(model: Any) -> Table:
    """The Core table of an ORM model (for plain multi-row INSERTs)."""
    return cast(Table, model.__table__)


async def allocate_ids(conn: AsyncConnection, table: Table, count: int) -> list[int]:
    """Primary keys for ``count`` new rows of ``table``, so that parents and children can be
    written with plain multi-row INSERTs (no RETURNING round trips).

    PostgreSQL draws them from the table's sequence. On SQLite the caller's transaction has
    already written (it holds the database's only write lock), so max(id) cannot move under
    it until commit.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [int(r[0]) for r in rows]
    top = (await conn.execute(select(func.max(table.c.id)))).scalar()
    start = int(top or 0) + 1
    return list(range(start, start + count))
