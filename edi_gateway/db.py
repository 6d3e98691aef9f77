"""Database engines, sessions and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BindParameter,
    Connection,
    Dialect,
    Select,
    Table,
    bindparam,
    event,
    func,
    join,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.schema import ColumnDefault
from sqlalchemy.util import await_

from .models.base import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

#: one row for ``bulk_insert``: its values in the order of the columns given
RowValues = tuple[object, ...]


class _CopyingDriver(Protocol):
    """asyncpg's connection, as ``bulk_insert`` uses it on PostgreSQL."""

    def is_in_transaction(self) -> bool: ...

    async def copy_records_to_table(
        self, table_name: str, *, records: Sequence[RowValues], columns: Sequence[str]
    ) -> str: ...


class _BatchingDriver(Protocol):
    """aiosqlite's connection, as ``bulk_insert`` uses it on SQLite."""

    async def executemany(self, sql: str, parameters: Sequence[RowValues]) -> object: ...


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    """An engine whose errors and logs never show statement parameters (member ids, names
    and dates of birth are parameters)."""
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _ping)
    return engine


def _ping(_dbapi: DBAPIConnection, entry: ConnectionPoolEntry, _proxy: object) -> None:
    """Every connection taken from the pool is tried first with one query: one
    that the server has closed (restarted, or the backend ended) is replaced, and the
    caller never sees it. SQLAlchemy's own ``pool_pre_ping`` on asyncpg wraps the query in
    a transaction it rolls back: three round trips, about 0.4 ms of CPU a check-out (eight
    check-outs in a small file's run, one in an upload's)."""
    connection = entry.driver_connection  # asyncpg's, set while the entry is checked out
    try:
        await_(cast(Any, connection).execute("SELECT 1"))
    except Exception as error:  # the pool invalidates it and takes another (3 tries)
        raise DisconnectionError(f"connection lost: {type(error).__name__}") from error


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
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


def current_revision_is_head(sync_connection: Connection) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    context = MigrationContext.configure(sync_connection)
    heads = set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
    return set(context.get_current_heads()) == heads


def batch_values(key: Any, dialect: str) -> BindParameter[Any]:
    """Where a prebuilt batch look-up (``rows_for_values``, ``child_rows_for_values``)
    takes its values at execution: the parameter ``values``, a list."""
    if dialect != "postgresql":
        return bindparam("values", expanding=True)
    return bindparam("values", type_=ARRAY(key.type))


def _given(key: Any, values: list[Any] | BindParameter[Any]) -> Any:
    """The values as the rows of a derived table ``given`` (PostgreSQL)."""
    array = values if isinstance(values, BindParameter) else literal(values, ARRAY(key.type))
    return func.unnest(array).table_valued("value").render_derived(name="given")


def rows_for_values(
    columns: list[Any],
    key: Any,
    values: list[Any] | BindParameter[Any],
    dialect: str,
    *where: Any,
    source: Any = None,
    within: Sequence[Any] = (),
) -> Select[Any]:
    """SELECT ``columns`` WHERE ``key`` IN ``values`` (and ``where``, and ``within``): a
    batch's look-up of hundreds of values (a list, or ``batch_values`` for a statement
    built once and given its values at execution).

    On PostgreSQL each value is looked up on its own through the key's index (a LATERAL
    sub-select per value, kept apart by OFFSET 0), whatever the planner believes about the
    table. A plain IN list is planned from the table's statistics, and while a large set is
    being stored those know nothing of the rows this transaction has just written: the
    planner expected one row per plan where there were thousands and filtered each row
    against every value (87 ms for 400 members of a 3,000-member roster; 0.2 ms probing).
    The ``where`` conditions are worked out beside each probe's rows and tested outside it,
    so no index of theirs is read: believing the tenant's ``partner_id`` rare, the planner
    ANDed its index (every claim of the tenant) into each probe, whose cost then grew with
    the rows stored (0.8 ms per value at 20,000 claims). Conditions on the columns that
    lead the key's index (``plan_sender_id`` before ``member_key``) go in ``within``: they
    stay in the probe, which reads that index.
    """
    rows = select(*columns) if source is None else select(*columns).select_from(source)
    if dialect != "postgresql":
        return rows.where(key.in_(values), *within, *where)
    given = _given(key, values)
    tests = [condition.label(f"where_{n}") for n, condition in enumerate(where)]
    probe = rows.add_columns(*tests).where(key == given.c.value, *within).offset(0).lateral()
    found = list(probe.c)
    return (
        select(*found[: len(columns)])
        .select_from(given)
        .join(probe, true())
        .where(*found[len(columns) :])
    )


def child_rows_for_values(
    columns: list[Any],
    key: Any,
    values: list[Any] | BindParameter[Any],
    dialect: str,
    *where: Any,
    parent_id: Any,
    child_columns: list[Any],
    child_parent_id: Any,
) -> Select[Any]:
    """``columns`` of the parents whose ``key`` is in ``values`` (and ``where``), then
    ``child_columns`` of each of their children (``child_parent_id`` = ``parent_id``): a
    batch's look-up of parent rows joined to their children, one row per child.

    On PostgreSQL the parents are probed as :func:`rows_for_values` does, then each
    parent's children through ``child_parent_id``'s index, each in a sub-select of its own:
    planned as a join, with statistics that have not seen this run's rows, the children
    were read whole for every value (13 ms per value at 20,000 claims).
    """
    if dialect != "postgresql":
        return (
            select(*columns, *child_columns)
            .select_from(join(child_parent_id.table, parent_id.table, child_parent_id == parent_id))
            .where(key.in_(values), *where)
        )
    given = _given(key, values)
    tests = [condition.label(f"where_{n}") for n, condition in enumerate(where)]
    parents = (
        select(*columns, parent_id.label("parent_id"), *tests)
        .where(key == given.c.value)
        .offset(0)
        .lateral("parents")
    )
    found = list(parents.c)
    children = (
        select(*child_columns)
        .where(child_parent_id == parents.c.parent_id)
        .offset(0)
        .lateral("children")
    )
    return (
        select(*found[: len(columns)], *children.c)
        .select_from(given)
        .join(parents, true())
        .join(children, true())
        .where(*found[len(columns) + 1 :])
    )


def conflict_insert(
    dialect: str,
) -> Callable[[Any], postgresql.Insert | sqlite.Insert]:
    """The dialect's INSERT, which takes ``ON CONFLICT`` clauses (PostgreSQL's or
    SQLite's): ``conflict_insert(dialect_name)(table).values(...).on_conflict_do_...``."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def table_of(model: type[Base]) -> Table:
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


_MISSING = object()


class _BulkPlan:
    """How rows for some columns of a table are written by the driver on one dialect: the
    columns (the caller's, then those filled by Python-side defaults), the bind processor
    SQLAlchemy itself would apply to each (money to ten-thousandths, dates to text on
    SQLite), and the INSERT statement."""

    def __init__(self, dialect: Dialect, table: Table, columns: tuple[str, ...]) -> None:
        given = set(columns)
        self.defaults: list[ColumnDefault] = []
        names = list(columns)
        for col in table.columns:
            if col.name in given or col.default is None or col.primary_key:
                continue
            if not (col.default.is_scalar or col.default.is_callable):
                raise TypeError(f"{table.name}.{col.name}: only Python-side defaults are filled")
            names.append(col.name)
            self.defaults.append(cast(ColumnDefault, col.default))
        self.names = tuple(names)
        self.processors: list[tuple[int, Callable[[object], object]]] = []
        for index, name in enumerate(self.names):
            processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors.append((index, processor))
        quote = dialect.identifier_preparer.quote
        self.sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in self.names)}) "
            f"VALUES ({', '.join('?' for _ in self.names)})"
        )

    def values(self, rows: Sequence[RowValues]) -> Sequence[RowValues]:
        if self.defaults:
            extra = tuple(
                d.arg(None) if d.is_callable else d.arg
                for d in self.defaults  # evaluated once per batch, like one statement
            )
            rows = [row + extra for row in rows]
        if not self.processors:
            return rows
        # Dates and amounts repeat a lot within a batch: each distinct value is converted
        # once (the processors are pure functions of the value).
        columns: list[tuple[int, Callable[[object], object], dict[object, object]]] = [
            (index, processor, {}) for index, processor in self.processors
        ]
        out = []
        for row in rows:
            values = list(row)
            for index, processor, done in columns:
                value = values[index]
                if value is not None:
                    converted = done.get(value, _MISSING)
                    if converted is _MISSING:
                        converted = done[value] = processor(value)
                    values[index] = converted
            out.append(tuple(values))
        return out


_PLANS: dict[tuple[str, str, tuple[str, ...]], _BulkPlan] = {}


async def _prepared(
    conn: AsyncConnection, table: Table, columns: tuple[str, ...], rows: Sequence[RowValues]
) -> tuple[_BulkPlan, Sequence[RowValues], object]:
    """The insert plan for these columns (cached), the rows' bound values and the
    driver's own connection (asyncpg's or aiosqlite's)."""
    key = (conn.dialect.name, table.name, columns)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _BulkPlan(conn.dialect, table, columns)
    raw = await conn.get_raw_connection()
    return plan, plan.values(rows), raw.driver_connection


async def bulk_insert(
    conn: AsyncConnection, table: Table, columns: tuple[str, ...], rows: Sequence[RowValues]
) -> None:
    """Insert many rows, given as tuples in ``columns`` order, in the connection's current
    transaction, without SQLAlchemy's per-row parameter handling: the values go through
    the same bind processors SQLAlchemy uses, then to the driver in one call
    (``executemany`` on SQLite, binary ``COPY`` on PostgreSQL). Columns left out get their
    Python-side defaults (a callable default is evaluated once for the batch)."""
    if not rows:
        return
    dialect = conn.dialect
    plan, values, driver = await _prepared(conn, table, columns, rows)
    if dialect.name == "postgresql":
        pg = cast(_CopyingDriver, driver)
        if not pg.is_in_transaction():
            await conn.execute(text("SELECT 1"))  # SQLAlchemy begins its transaction
        await pg.copy_records_to_table(table.name, records=values, columns=plan.names)
    else:
        await cast(_BatchingDriver, driver).executemany(plan.sql, values)


async def insert_new(
    conn: AsyncConnection, table: Table, columns: tuple[str, ...], rows: Sequence[RowValues]
) -> set[int]:
    """``bulk_insert`` that leaves out the rows a unique index already holds (another run,
    perhaps in another worker, stored them first) and returns the ids of the rows it
    inserted; ``columns`` starts with ``id``, drawn by ``allocate_ids``.

    On PostgreSQL the rows are copied into a temporary table and moved with one
    ``INSERT ... ON CONFLICT DO NOTHING``: a concurrent transaction inserting the same key
    is waited for, so of two workers storing the same claim exactly one row is kept. On
    SQLite (one writer at a time) ``ON CONFLICT DO NOTHING`` does the same."""
    if not rows:
        return set()
    assert columns[0] == "id"
    dialect = conn.dialect
    plan, values, driver = await _prepared(conn, table, columns, rows)
    names = ", ".join(f'"{n}"' for n in plan.names)
    if dialect.name == "postgresql":
        from asyncpg.exceptions import UniqueViolationError

        pg = cast(_CopyingDriver, driver)
        # Usually no row is stored yet: COPY straight into the table, in a savepoint (the
        # server's work for an encounter: 29 µs through the temporary table, most of it the
        # INSERT .. SELECT). A unique violation (a key stored by another run meanwhile; a
        # concurrent transaction holding the key is waited for, as ON CONFLICT does) undoes
        # the savepoint and the rows go the conflict-aware way below.
        try:
            async with conn.begin_nested():
                await pg.copy_records_to_table(table.name, records=values, columns=plan.names)
        except UniqueViolationError:
            pass
        else:
            return {cast(int, row[0]) for row in rows}
        stage = f"_stage_{table.name}"
        await conn.execute(
            text(
                f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" '
                f'(LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
            )
        )
        await pg.copy_records_to_table(stage, records=values, columns=plan.names)
        inserted = await conn.execute(
            text(
                f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{stage}" '
                "ON CONFLICT DO NOTHING RETURNING id"
            )
        )
        ids = {int(r[0]) for r in inserted}
        await conn.execute(text(f'TRUNCATE "{stage}"'))
        return ids
    lite = cast(_BatchingDriver, driver)
    await lite.executemany(plan.sql + " ON CONFLICT DO NOTHING", values)
    wanted = [cast(int, row[0]) for row in rows]
    found = await conn.execute(
        select(table.c.id).where(table.c.id.between(min(wanted), max(wanted)))
    )
    return {int(r[0]) for r in found} & set(wanted)


async def insert_with_ids(
    conn: AsyncConnection, table: Table, columns: tuple[str, ...], rows: Sequence[RowValues]
) -> list[int]:
    """``bulk_insert`` of new rows with primary keys drawn first (``allocate_ids``), so that
    their children can be written next; returns the keys in the rows' order."""
    ids = await allocate_ids(conn, table, len(rows))
    await bulk_insert(
        conn, table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)]
    )
    return ids
