"""SQL of the counters our control numbers are drawn from."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..models import ControlCounter
from ..repository import Repository

__all__ = ["ControlCounterRepository"]


class ControlCounterRepository(Repository[ControlCounter]):
    model = ControlCounter

    async def advance(self, name: str, count: int) -> int:
        """Add ``count`` to counter ``name`` (created at 0 when missing) and return its new
        value: one ``UPDATE ... RETURNING``, which a concurrent transaction waits for."""
        stmt = (
            update(ControlCounter)
            .where(ControlCounter.name == name)
            .values(value=ControlCounter.value + count)
            .returning(ControlCounter.value)
        )
        value = (await self.session.execute(stmt)).scalar_one_or_none()
        if value is None:
            bind = self.session.get_bind()
            make = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
            await self.session.execute(
                make(ControlCounter).values(name=name, value=0).on_conflict_do_nothing()
            )
            value = (await self.session.execute(stmt)).scalar_one()
        return int(value)
