"""Control numbers of the acknowledgments we send: the ISA13 of every TA1, 999 and 277CA
interchange and the GS06 of every 999 and 277CA functional group.

All come from one counter in the database (``control_counters``, name ``ack``), drawn in
blocks, so no two acknowledgments share a number: not a submission's TA1, 999 and 277CA,
not the acknowledgments of two submissions, however many workers draw at once. A 999
takes one number per functional group it acknowledges (its interchange's ISA13 is its
first group's), a TA1 one per interchange, a 277CA one (its ISA13 and GS06). Numbers run
1..999,999,999 and then start again at 1; a block never straddles the end. A run that
fails after drawing leaves a gap, never a repeat.

On PostgreSQL the block is drawn in a transaction of its own (committed at once), so the
counter's row is not held while the rest of the run's transaction goes on; SQLite has one
writer, so the run's own transaction draws it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from parsers import FileResult
from parsers.acks import numbers_999

from .control_numbers_repository import ControlCounterRepository

__all__ = ["MAX_CONTROL", "draw", "numbers_for_file"]

MAX_CONTROL = 999_999_999
_COUNTER = "ack"


def numbers_for_file(result: FileResult) -> tuple[int, int]:
    """How many numbers the TA1s and the 999 of ``result`` take (at least one each)."""
    return max(1, len(result.interchanges)), max(1, numbers_999(result))


async def _draw_in(session: AsyncSession, count: int) -> int:
    repo = ControlCounterRepository(session)
    while True:
        last = await repo.advance(_COUNTER, count)
        first = (last - count) % MAX_CONTROL + 1
        if first + count - 1 <= MAX_CONTROL:
            return first


async def draw(session: AsyncSession, count: int) -> int:
    """The first of ``count`` consecutive control numbers that no other acknowledgment
    gets."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "postgresql":
        return await _draw_in(session, count)
    async with AsyncSession(engine) as own, own.begin():
        return await _draw_in(own, count)
