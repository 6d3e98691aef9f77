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

from ..errors import InvalidRequest
from .control_numbers_repository import ControlCounterRepository

__all__ = [
    "MAX_CONTROL",
    "ControlNumberError",
    "draw",
    "next_control_number",
    "numbers_for_file",
    "start_control_numbers_at",
]

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


class ControlNumberError(InvalidRequest):
    """A starting control number that is out of range or would repeat sent numbers."""


async def next_control_number(session: AsyncSession) -> int:
    """The ISA13 the next acknowledgment gets."""
    return await ControlCounterRepository(session).get_value(_COUNTER) % MAX_CONTROL + 1


async def start_control_numbers_at(session: AsyncSession, first: int, lower: bool = False) -> int:
    """Make ``first`` the next acknowledgment's ISA13: above the last number another system
    sent our partners, so none of them sees a number twice. Going below the next number
    would send numbers again, and is refused unless ``lower``. Returns the number before."""
    if not 1 <= first <= MAX_CONTROL:
        raise ControlNumberError(f"a control number runs from 1 to {MAX_CONTROL:,}, not {first:,}")
    before = await next_control_number(session)
    if first < before and not lower:
        raise ControlNumberError(
            f"the next acknowledgment already gets {before:09d}: starting at {first:09d} "
            "would send numbers partners have seen again (allow it with --lower)"
        )
    await ControlCounterRepository(session).set_value(_COUNTER, first - 1)
    return before
