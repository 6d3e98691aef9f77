"""SQL for imported code lists (``code_list_versions``). The lists are reference data
shared by every partner, like the shipped ones: no tenant scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Row

from ..models import CodeListVersion
from ..repository import Repository

__all__ = ["CodeListRepository"]

#: a version's description, without its codes
Header = Row[int, str, str, str, date, date | None, int]


class CodeListRepository(Repository[CodeListVersion]):
    model = CodeListVersion

    async def headers(self) -> Sequence[Header]:
        """Every imported version (id, name, version, source, dates, entries), by name and
        effective date."""
        stmt = select(
            CodeListVersion.id,
            CodeListVersion.name,
            CodeListVersion.version,
            CodeListVersion.source,
            CodeListVersion.effective_from,
            CodeListVersion.effective_to,
            CodeListVersion.entries,
        ).order_by(CodeListVersion.name, CodeListVersion.effective_from, CodeListVersion.id)
        return (await self.session.execute(stmt)).all()

    async def content_of(self, ids: Sequence[int]) -> dict[int, bytes]:
        if not ids:
            return {}
        stmt = select(CodeListVersion.id, CodeListVersion.content).where(
            CodeListVersion.id.in_(ids)
        )
        rows = (await self.session.execute(stmt)).all()
        return {row[0]: row[1] for row in rows}

    async def get_version(self, name: str, version: str) -> CodeListVersion | None:
        return await self.get_one_or_none(
            select(CodeListVersion).where(
                CodeListVersion.name == name, CodeListVersion.version == version
            )
        )
