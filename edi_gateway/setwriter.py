"""How a transaction set is stored: the base every domain writer (encounters, eligibility,
remittances) extends, and the finding rows they all write.

The check stream (``mappings.check``) decides; a writer stores what it decided, one
transaction set per database transaction, so a set is all there or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.check import CheckedSet, CheckedUnit, Guides, UnitRecord
from parsers import Finding, Level, SetEvent, Severity, TransactionHeader, Unit

from .config import Settings
from .models import Submission
from .partners.tenancy import Tenant
from .statuses import SetStatus
from .submissions.repository import SubmissionRunRepository, TransactionSetRepository
from .submissions.results_repository import FindingRepository

#: the record type a writer stores
R = TypeVar("R", bound=UnitRecord)

__all__ = [
    "IngestContext",
    "SetStorer",
    "SetWriter",
]


@dataclass
class IngestContext:
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    submission: Submission
    partner_id: int | None
    #: whose stored records this file's claims, members and payments may link to or judge
    tenant: Tenant
    #: set when a file-level rule (or the acceptance threshold) rejects the whole file
    file_rejected: bool = False
    #: the companion guides checking the file (a plan's settings, such as ``implied_end``)
    guides: Guides | None = None


class SetStorer(Protocol):
    """What the pipeline asks of a writer: begin a set, add its checked units, finish it as
    the check stream decided (or abort it). Every ``SetWriter`` is one."""

    ordinal: int

    async def begin(self, line: int) -> None: ...

    async def add(self, checked: CheckedUnit) -> None: ...

    async def finish(self, checked: CheckedSet) -> SetStatus: ...

    async def abort(self) -> None: ...


class SetWriter(Generic[R]):
    """Stores one transaction set's units inside one database transaction."""

    kind = "base"

    def __init__(self, ctx: IngestContext, event_header: TransactionHeader, ordinal: int) -> None:
        self.ctx = ctx
        self.header = event_header
        self.ordinal = ordinal
        self.session: AsyncSession | None = None
        self.set_id = 0
        self.units = 0
        self.stored = 0
        self.rejected = 0
        self.findings: list[Finding] = []
        self.buffer: list[tuple[R, int]] = []
        self.dialect = ""  # the database's, known once the set's transaction has begun
        #: the previous batch's rows being written (``write_behind``)
        self.writing: asyncio.Task[None] | None = None

    async def begin(self, line: int) -> None:
        self.session = self.ctx.sessionmaker()
        await self.session.begin()
        self.set_id = await self._insert_set(SetStatus.STORING, line)
        self.dialect = (await self.session.connection()).dialect.name

    async def join(self, set_id: int) -> None:
        """Store one claim range of a set whose row exists (a work unit), in a transaction
        of its own."""
        self.session = self.ctx.sessionmaker()
        await self.session.begin()
        self.set_id = set_id
        self.dialect = (await self.session.connection()).dialect.name

    async def store_range(self) -> AsyncSession:
        """Write what is left of the range, its findings and last rows; the transaction is
        the caller's to finish (it marks the unit done in it)."""
        assert self.session is not None
        await self.flush()
        await self.settle()
        await self._write_findings(self.session)
        await self.before_commit(self.session)
        return self.session

    async def _insert_set(self, status: str, line: int, session: AsyncSession | None = None) -> int:
        db = session or self.session
        assert db is not None
        return await TransactionSetRepository(db).insert(
            self.ctx.submission.id, self.ordinal, self.header, status, line
        )

    flush_every = 1000
    #: what the units of this writer's transaction type map to
    record_type: type[R]

    async def add(self, checked: CheckedUnit) -> None:
        """Buffer one unit for storing, unless the check stream rejected it."""
        self.units += 1
        await self.prepare(checked.unit)
        self.findings.extend(checked.findings)
        if not checked.accepted:
            self.rejected += 1
            self.on_rejected(checked)
            return
        record = checked.record
        if record is None:
            return  # a unit of a transaction type nothing is stored for
        assert isinstance(record, self.record_type)
        self.buffer.append((record, checked.line))
        if len(self.buffer) >= self.flush_every:
            await self.flush()

    def on_rejected(self, checked: CheckedUnit) -> None:
        """Remember a rejected unit (subclasses: the 837 claim outcomes)."""

    async def prepare(self, unit: Unit) -> None:
        """Set-level details taken from the first unit (subclasses)."""

    async def flush(self) -> None:
        """Write buffered records (subclasses)."""

    @property
    def writes_behind(self) -> bool:
        """Whether a batch's rows are written while the next batch is read and judged: on
        PostgreSQL, where the writer reads history on another connection (SQLite has one
        connection that writes, and it reads in it)."""
        return self.dialect == "postgresql"

    async def write_behind(self, write: Coroutine[Any, Any, None]) -> None:
        """Run ``write`` (one batch's rows, in the set's transaction) after the previous
        one: in the background where ``writes_behind`` (the server inserting one batch
        while this process reads the next), else now. Nothing else uses the set's session
        until ``settle``."""
        await self.settle()
        if self.writes_behind:
            self.writing = asyncio.create_task(write)
        else:
            await write

    async def settle(self) -> None:
        """Wait for the batch being written; its error, if any, is raised here. Cancelled
        while waiting, the write is left to end (``abort`` waits for it, then rolls back)."""
        writing = self.writing
        if writing is not None:
            await asyncio.wait([writing])
            self.writing = None
            writing.result()

    async def complete(self, event: SetEvent) -> SetStatus:
        """Set-level work before commit: the set's status, stored or held."""
        return SetStatus.STORED

    def finding(
        self,
        unit_line: int,
        message: str,
        *,
        claim_id: str | None = None,
        member_id: str | None = None,
        code: str = "DUP",
        segment_id: str = "CLM",
        severity: Severity = Severity.REJECT_CLAIM,
        element: str | None = None,
        value: str | None = None,
        loop: str | None = None,
    ) -> None:
        h = self.header
        self.findings.append(
            Finding(
                snip_level=7,
                severity=severity,
                level=Level.CLAIM,
                code=code,
                message=message,
                segment_id=segment_id,
                line=unit_line,
                loop=loop,
                element=element,
                value=value,
                claim_id=claim_id,
                member_id=member_id,
                interchange_control_number=h.isa_control_number,
                group_control_number=h.gs_control_number,
                transaction_control_number=h.st_control_number,
            )
        )

    async def finish(self, checked: CheckedSet) -> SetStatus:
        """Store or reject the set as the check stream decided; returns its status."""
        assert self.session is not None
        event = checked.event
        session = self.session
        try:
            self.findings.extend(checked.findings)
            if not checked.accepted:
                await self._drop_write()
                await session.rollback()
                status = SetStatus.REJECTED
                async with self.ctx.sessionmaker() as s2, s2.begin():
                    set_id = await self._insert_set(status, event.result.line, s2)
                    await TransactionSetRepository(s2).finish(
                        set_id,
                        status,
                        units=event.result.units,
                        units_stored=0,
                        units_rejected=event.result.units,
                        segments=event.result.segment_count,
                    )
                    await self._write_findings(s2)
                    await self._count_done(s2, event)
                self.stored = 0
                self.rejected = event.result.units
                return status
            await self.flush()
            await self.settle()
            status = await self.complete(event)
            if status is SetStatus.HELD:
                await session.rollback()
                async with self.ctx.sessionmaker() as s2, s2.begin():
                    await self._insert_set(status, event.result.line, s2)
                    await self._write_findings(s2)
                    await self.on_held(s2)
                    await self._count_done(s2, event)
                return status
            await TransactionSetRepository(session).finish(
                self.set_id,
                status,
                units=event.result.units,
                units_stored=self.stored,
                units_rejected=self.rejected,
                segments=event.result.segment_count,
            )
            await self._write_findings(session)
            await self.before_commit(session)
            await self._count_done(session, event)
            await session.commit()
            return status
        finally:
            await self._drop_write()
            await session.close()

    async def _count_done(self, session: AsyncSession, event: SetEvent) -> None:
        """One more set of the submission done (for its status's progress), in the set's
        own transaction: no transaction of its own per set."""
        await SubmissionRunRepository(session).count_set_done(
            self.ctx.submission.id, event.result.line + event.result.segment_count
        )

    async def on_held(self, session: AsyncSession) -> None:
        """Record why a set was held (834 full files)."""

    async def before_commit(self, session: AsyncSession) -> None:
        """Last rows of a stored set, in its transaction (subclasses)."""

    async def _write_findings(self, session: AsyncSession) -> None:
        await FindingRepository(session).add_all(
            self.ctx.submission.id, self.findings, self.ordinal
        )

    async def _drop_write(self) -> None:
        """Let the batch being written end (its rows are rolled back with the set; an
        error it met is moot), so that the session is free to roll back."""
        writing, self.writing = self.writing, None
        if writing is not None:
            await asyncio.wait([writing])
            if not writing.cancelled():
                writing.exception()  # retrieved: the set is given up

    async def abort(self) -> None:
        await self._drop_write()
        if self.session is not None:
            await self.session.rollback()
            await self.session.close()
