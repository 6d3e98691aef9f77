"""What every repository shares: a session, the runners of its ``select()`` statements
(one row, all rows, a page by cursor) and the read-side tenancy scope.

The read-side scope says which stored rows a caller may read: ops reads everything; any
other partner the rows it submitted, and those sent under one of its envelope ids or
addressed to one (a provider or plan sees only its own rows). Nothing here knows about
HTTP; the routes hand their caller in as a ``Reader``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, inspect, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import SQLCoreOperations

from .models.base import Base

__all__ = [
    "MAX_ROW_ID",
    "ROWS_ONLY",
    "SUBMISSION_ID",
    "Page",
    "ReadScope",
    "Reader",
    "Repository",
    "ScopedRepository",
    "is_row_id",
    "once",
]

ModelT = TypeVar("ModelT", bound=Base)
T = TypeVar("T")
S = TypeVar("S")

#: the largest primary key a row can have (a signed 64-bit integer on both databases)
MAX_ROW_ID = 2**63 - 1

#: execution options of an UPDATE or DELETE by criteria whose rows no object loaded in
#: the session holds (written by bulk statements, or in a session of its own): the ORM
#: does not look for objects to bring up to date, which costs about three times the
#: statement's own work (0.75 against 0.26 ms of CPU for a one-row UPDATE)
ROWS_ONLY: dict[str, Any] = {"synchronize_session": False}


#: the submission a statement built ``once`` is about, given at execution as
#: ``{"submission_id": ...}``
SUBMISSION_ID: BindParameter[str] = bindparam("submission_id")


def once(build: Callable[[], S]) -> Callable[[], S]:
    """A statement built on first use and kept, its values left to ``bindparam``s given at
    execution. For the statements every run of a file executes: building one (columns
    compared, clauses coerced, subqueries' columns collected) costs more of the CPU than
    executing it from SQLAlchemy's compiled cache; about a quarter of a small file's run
    before."""
    return cache(build)


def is_row_id(value: int) -> bool:
    """Whether ``value`` can be a row's id at all (a larger one names no row)."""
    return 0 < value <= MAX_ROW_ID


class Reader(Protocol):
    """Who reads: a partner, its role and the envelope ids (ISA06/ISA08, GS02/GS03) it
    trades under. ``partners.service.Principal`` is one."""

    @property
    def partner_id(self) -> int: ...

    @property
    def identifiers(self) -> frozenset[str]: ...

    @property
    def is_ops(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ReadScope:
    """The columns that say whose a row is: the partner that submitted it, and the
    envelope ids it was addressed to (ISA08) and sent under (ISA06), where kept."""

    partner: SQLCoreOperations[int | None]
    receiver: SQLCoreOperations[str | None] | None = None
    sender: SQLCoreOperations[str | None] | None = None

    def readable_by(self, reader: Reader) -> ColumnElement[bool]:
        """Ops reads all; others what they sent or what was sent to them."""
        if reader.is_ops:
            return true()
        clauses = [self.partner == reader.partner_id]
        ids = sorted(reader.identifiers)
        if ids and self.receiver is not None:
            clauses.append(self.receiver.in_(ids))
        if ids and self.sender is not None:
            clauses.append(self.sender.in_(ids))
        return or_(*clauses)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows, newest first, and whether more follow."""

    items: Sequence[T]
    more: bool


class Repository(Generic[ModelT]):
    """The SQL of one model: statements built by the subclass, run here."""

    #: the model class (a ``type[ModelT]``; a ClassVar cannot say so)
    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _id(self) -> ColumnElement[int | str]:
        key: ColumnElement[int | str] = inspect(self.model).primary_key[0]
        return key

    async def get_by_id(self, row_id: int | str) -> ModelT | None:
        row: ModelT | None = await self.session.get(self.model, row_id)
        return row

    async def get_one_or_none(
        self, stmt: Select[T], params: dict[str, Any] | None = None
    ) -> T | None:
        """``params``: the values of a prebuilt statement's ``bindparam``s (see ``once``)."""
        return (await self.session.execute(stmt, params)).scalar_one_or_none()

    async def get_all(self, stmt: Select[T], params: dict[str, Any] | None = None) -> Sequence[T]:
        return (await self.session.execute(stmt, params)).scalars().all()

    async def get_page(self, stmt: Select[ModelT], limit: int, after: int | None) -> Page[ModelT]:
        """Newest (highest id) first: ``limit`` rows after the cursor (the id of the last
        row of the previous page), and whether more follow."""
        if after is not None:
            stmt = stmt.where(self._id < after)
        rows = await self.get_all(stmt.order_by(self._id.desc()).limit(limit + 1))
        return Page(rows[:limit], len(rows) > limit)

    def add(self, row: ModelT) -> ModelT:
        self.session.add(row)
        return row

    async def flush(self) -> None:
        await self.session.flush()


class ScopedRepository(Repository[ModelT]):
    """A repository of rows that belong to partners, read through the read-side scope."""

    scope: ClassVar[ReadScope]

    def get_readable_statement(self, reader: Reader) -> Select[ModelT]:
        """The rows ``reader`` may read, to narrow further."""
        return select(self.model).where(self.scope.readable_by(reader))

    async def get_readable_by_id(self, reader: Reader, row_id: int | str) -> ModelT | None:
        if isinstance(row_id, int) and not is_row_id(row_id):
            return None
        stmt = self.get_readable_statement(reader).where(self._id == row_id)
        return await self.get_one_or_none(stmt)
