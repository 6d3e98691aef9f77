"""A command-line command's work done in one database transaction: the schema upgraded
first when the settings say so, the engine disposed after, and a refusal (a ``Problem``:
no such partner, a value out of range) printed as one line with exit status 2."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from .errors import Problem

if TYPE_CHECKING:  # the command line imports no database library until a command runs
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["SessionJob", "in_session", "run_in_session"]

T = TypeVar("T")

#: a command's work, done in one database transaction; returns the exit status
SessionJob = Callable[["AsyncSession"], Awaitable[int]]


async def in_session(fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``fn(session)`` in one transaction on the configured database."""
    from .config import get_settings
    from .db import make_engine, make_sessionmaker, upgrade

    settings = get_settings()
    if settings.should_migrate:
        await asyncio.to_thread(upgrade, settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await fn(session)
    finally:
        await engine.dispose()


def run_in_session(fn: SessionJob) -> int:
    try:
        return int(asyncio.run(in_session(fn)))
    except Problem as exc:
        print(str(exc), file=sys.stderr)
        return 2
