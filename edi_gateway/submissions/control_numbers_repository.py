"""SQL of the counters our control numbers are drawn from."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.sql.dml import ReturningUpdate

from ..db import conflict_insert
from ..models import ControlCounter
from ..repository import ROWS_ONLY, Repository, once

__all__ = ["ControlCounterRepository"]


class ControlCounterRepository(Repository[ControlCounter]):
    model = ControlCounter

    async def advance(self, name: str, count: int) -> int:
        """Add ``count`` to counter ``name`` (created at 0 when missing) and return its new
        value: one ``UPDATE ... RETURNING``, which a concurrent transaction waits for."""
        params = {"counter": name, "count": count}
        stmt = _advance()
        value = (
            await self.session.execute(stmt, params, execution_options=ROWS_ONLY)
        ).scalar_one_or_none()
        if value is None:
            make = conflict_insert(self.session.get_bind().dialect.name)
            await self.session.execute(
                make(ControlCounter).values(name=name, value=0).on_conflict_do_nothing()
            )
            value = (
                await self.session.execute(stmt, params, execution_options=ROWS_ONLY)
            ).scalar_one()
        return int(value)

    async def get_value(self, name: str) -> int:
        """Counter ``name``'s value (0 when it was never drawn from)."""
        found = await self.session.execute(
            select(ControlCounter.value).where(ControlCounter.name == name)
        )
        return int(found.scalar_one_or_none() or 0)

    async def set_value(self, name: str, value: int) -> None:
        """Set counter ``name`` (created when missing), its row locked until the commit."""
        await self.advance(name, 0)  # creates it, and locks it against concurrent draws
        await self.session.execute(
            update(ControlCounter).where(ControlCounter.name == name).values(value=value)
        )


@once
def _advance() -> ReturningUpdate[int]:
    """Counter ``counter`` moved on by ``count``, its new value returned (bind names
    that are not column names: an UPDATE keeps those for its SET clause)."""
    return (
        update(ControlCounter)
        .where(ControlCounter.name == bindparam("counter"))
        .values(value=ControlCounter.value + bindparam("count"))
        .returning(ControlCounter.value)
    )
