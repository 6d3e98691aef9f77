"""SQL for submissions, the files they keep, and what the pipeline stores of each run: the
run's state, its transaction sets, interchanges and acknowledgments (its findings and
claim outcomes: ``results_repository``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache, partial

from sqlalchemy import (
    Delete,
    Insert,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from parsers import InterchangeResult, TransactionHeader

from ..db import conflict_insert, table_of
from ..models import (
    Acknowledgment,
    AcknowledgmentPart,
    Interchange,
    Partner,
    StoredFile,
    Submission,
    TransactionSet,
)
from ..models.base import utcnow
from ..repository import (
    ROWS_ONLY,
    SUBMISSION_ID,
    Page,
    ReadScope,
    Repository,
    ScopedRepository,
    once,
)
from ..statuses import SetStatus, SubmissionStatus

__all__ = [
    "AckWriter",
    "AcknowledgmentRepository",
    "InterchangeRepository",
    "SubmissionRepository",
    "SubmissionRunRepository",
    "TransactionSetRepository",
]


class SubmissionRepository(ScopedRepository[Submission]):
    model = Submission
    #: the submissions of the caller's own files (ops: all)
    scope = ReadScope(Submission.partner_id)

    def search(
        self,
        stmt: Select[Submission],
        *,
        partner: str | None = None,
        transaction_type: str | None = None,
        status: str | None = None,
        received_from: date | None = None,
        received_to: date | None = None,
    ) -> Select[Submission]:
        if partner:
            stmt = stmt.join(Partner, Partner.id == Submission.partner_id).where(
                Partner.name == partner
            )
        if transaction_type:
            stmt = stmt.where(Submission.transaction_type.contains(transaction_type.upper()))
        if status:
            stmt = stmt.where(Submission.status == status)
        if received_from:
            stmt = stmt.where(
                Submission.received_at >= datetime.combine(received_from, datetime.min.time())
            )
        if received_to:
            stmt = stmt.where(
                Submission.received_at < datetime.combine(received_to, datetime.max.time())
            )
        return stmt

    async def get_page_by_received(
        self, stmt: Select[Submission], limit: int, after: tuple[datetime, str] | None
    ) -> Page[Submission]:
        """Newest first by time received (then id): ``limit`` rows after the last row of the
        previous page (its received time and id), and whether more follow."""
        if after is not None:
            when, sid = after
            stmt = stmt.where(
                or_(
                    Submission.received_at < when,
                    and_(Submission.received_at == when, Submission.id < sid),
                )
            )
        rows = await self.get_all(
            stmt.order_by(Submission.received_at.desc(), Submission.id.desc()).limit(limit + 1)
        )
        return Page(rows[:limit], len(rows) > limit)

    async def get_first_of_bytes(self, sha256: str, partner_id: int | None) -> Submission | None:
        """The earliest submission of these exact bytes by this partner (None: a local file
        sent without a partner)."""
        return await self.get_one_or_none(
            select(Submission)
            .where(
                Submission.sha256 == sha256,
                Submission.partner_id == partner_id
                if partner_id is not None
                else Submission.partner_id.is_(None),
            )
            .order_by(Submission.received_at)
            .limit(1)
        )

    async def keep_file(self, sha256: str, size: int, path: str) -> bool:
        """Record a file in the store, once per SHA-256 (one statement); True when these
        bytes were not recorded yet, so that no submission can have them (its row refers
        to this one). Beside a transaction recording the same bytes, it waits for that one
        to end (PostgreSQL), then answers False."""
        added = await self.session.execute(
            _keep_file_statement(self.session.get_bind().dialect.name),
            {"sha256": sha256, "size": size, "path": path, "created_at": utcnow()},
        )
        return added.first() is not None


@cache
def _keep_file_statement(dialect: str) -> Insert:
    """``keep_file``'s statement, built once per dialect: every upload runs it, and building
    it (an ORM insert with its conflict clause) took about a seventh of ``serve``'s CPU for
    an upload."""
    table = table_of(StoredFile)
    return (
        conflict_insert(dialect)(table)
        .values({name: bindparam(name) for name in ("sha256", "size", "path", "created_at")})
        .on_conflict_do_nothing(index_elements=[table.c.sha256])
        .returning(table.c.sha256)
    )


#: the largest part an acknowledgment is stored in (a longer piece is cut)
PART_BYTES = 4 << 20


class AckWriter:
    """One acknowledgment's X12 stored as it is built: each :meth:`write` is one part (cut
    at ``PART_BYTES``), held until the parts held come to ``PART_BYTES``, so no more than
    about that much of it is in memory. One that never does (most) is inserted at
    :meth:`close` with its size, its parts in one statement; a larger one is inserted when
    its first parts are written, its size recorded at :meth:`close`."""

    def __init__(self, session: AsyncSession, new: Callable[[int, int], Awaitable[int]]) -> None:
        self.session = session
        self._new = new
        self.ack_id: int | None = None
        self.size = 0
        self.parts = 0
        self._held: list[bytes] = []
        self._held_bytes = 0

    async def write(self, piece: bytes) -> None:
        for start in range(0, len(piece), PART_BYTES):
            chunk = piece[start : start + PART_BYTES]
            self._held.append(chunk)
            self._held_bytes += len(chunk)
            self.size += len(chunk)
        if self._held_bytes >= PART_BYTES:
            if self.ack_id is None:
                self.ack_id = await self._new(0, 0)
            await self._write_held()

    async def _write_held(self) -> None:
        if not self._held:
            return
        await self.session.execute(
            _insert_part(),
            [
                {"acknowledgment_id": self.ack_id, "seq": self.parts + i, "content": chunk}
                for i, chunk in enumerate(self._held)
            ],
        )
        self.parts += len(self._held)
        self._held, self._held_bytes = [], 0

    async def close(self) -> None:
        whole = self.ack_id is None  # every part still held: inserted with its size
        if whole:
            self.ack_id = await self._new(self.size, len(self._held))
        await self._write_held()
        if not whole:
            await self.session.execute(
                _close_ack(),
                {"ack_id": self.ack_id, "new_size": self.size, "new_parts": self.parts},
                execution_options=ROWS_ONLY,
            )


class AcknowledgmentRepository(Repository[Acknowledgment]):
    """A submission's acknowledgments, each stored in parts (``AcknowledgmentPart``)."""

    model = Acknowledgment

    async def find(self, submission_id: str, kind: str) -> Acknowledgment | None:
        """One acknowledgment (ta1, 999 or 277ca) of a submission, without its X12."""
        return await self.get_one_or_none(
            select(Acknowledgment).where(
                Acknowledgment.submission_id == submission_id, Acknowledgment.kind == kind
            )
        )

    async def kinds_of(self, submission_id: str) -> list[str]:
        """The kinds of the submission's acknowledgments."""
        rows = await self.session.execute(
            select(Acknowledgment.kind).where(Acknowledgment.submission_id == submission_id)
        )
        return sorted(rows.scalars())

    async def parts_of(self, ack_id: int) -> AsyncIterator[bytes]:
        """The acknowledgment's X12, a part at a time, in order. A part that disappears
        while it is read (the run was repeated and replaced the acknowledgment) raises
        ``LookupError`` rather than yield a mix of two runs' bytes."""
        ids = (
            await self.session.execute(
                select(AcknowledgmentPart.id)
                .where(AcknowledgmentPart.acknowledgment_id == ack_id)
                .order_by(AcknowledgmentPart.seq)
            )
        ).scalars()
        for part_id in list(ids):
            content = (
                await self.session.execute(
                    select(AcknowledgmentPart.content).where(AcknowledgmentPart.id == part_id)
                )
            ).scalar_one_or_none()
            if content is None:
                raise LookupError(f"acknowledgment {ack_id} was replaced while it was read")
            yield bytes(content)

    async def get_content(self, submission_id: str, kind: str) -> bytes | None:
        """The X12 of one acknowledgment, whole (for small ones and tests: serve or write a
        large one with ``parts_of``)."""
        ack = await self.find(submission_id, kind)
        if ack is None:
            return None
        return b"".join([part async for part in self.parts_of(ack.id)])

    async def delete_kind(self, submission_id: str, kind: str) -> None:
        """The submission's acknowledgment of this kind deleted, parts and all."""
        await self._delete(submission_id, kind)

    async def _delete(self, submission_id: str, kind: str | None) -> None:
        """Their parts go with them (``ON DELETE CASCADE``; SQLite's foreign keys are on)."""
        await self.session.execute(
            _delete_acks(kind is not None),
            {"submission_id": submission_id, "kind": kind},
            execution_options=ROWS_ONLY,
        )

    async def replace(self, submission_id: str, kind: str, *, earlier: bool = True) -> AckWriter:
        """A new, empty acknowledgment of this kind in place of the submission's old one
        (deleted, parts and all, in the session's transaction; ``earlier`` False: no
        earlier run made one): write it, then close it."""
        if earlier:
            await self._delete(submission_id, kind)
        return AckWriter(self.session, partial(self._new, submission_id, kind))

    async def _new(self, submission_id: str, kind: str, size: int = 0, parts: int = 0) -> int:
        params: dict[str, object] = {
            "submission_id": submission_id,
            "new_kind": kind,
            "new_size": size,
            "new_parts": parts,
        }
        return int((await self.session.execute(_new_ack(), params)).scalar_one())

    async def replace_all_of(
        self, submission_id: str, acks: Mapping[str, bytes], *, earlier: bool = True
    ) -> None:
        """The submission's acknowledgments as this run built them, each in one part (or a
        few), every other kind deleted (empty ones left out; ``earlier`` False: no earlier
        run made any)."""
        if earlier:
            await self._delete(submission_id, None)
        for kind, content in acks.items():
            if content:
                parts = [content[at : at + PART_BYTES] for at in range(0, len(content), PART_BYTES)]
                ack_id = await self._new(submission_id, kind, len(content), len(parts))
                await self.session.execute(
                    _insert_part(),
                    [
                        {"acknowledgment_id": ack_id, "seq": seq, "content": part}
                        for seq, part in enumerate(parts)
                    ],
                )


class SubmissionRunRepository(Repository[Submission]):
    """The state of a submission's run: what the pipeline and the workers record."""

    model = Submission

    async def get_status(self, submission_id: str) -> str | None:
        return await self.get_one_or_none(_status_of(), {"submission_id": submission_id})

    async def set_status(self, submission_id: str, status: str, error: str | None) -> None:
        await self.session.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(status=status, error=error)
        )

    async def record_reading(self, submission_id: str, segments_done: int) -> None:
        """How far into the file processing has come, within a transaction set (for
        GET /v1/submissions/{id} while a large set is stored)."""
        await self.session.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(status=SubmissionStatus.STORING, segments_done=segments_done),
            execution_options=ROWS_ONLY,  # in a session of its own
        )

    async def count_set_done(self, submission_id: str, segments_done: int) -> None:
        """One more transaction set is done (for GET /v1/submissions/{id})."""
        await self.session.execute(
            _count_set_done(),
            {"submission_id": submission_id, "new_segments_done": segments_done},
            execution_options=ROWS_ONLY,  # in the set's session, which holds no submission
        )

    async def get_ids_not_in(self, statuses: Iterable[str]) -> list[str]:
        """Submissions in none of these statuses, oldest first."""
        return list(
            await self.get_all(
                select(Submission.id)
                .where(Submission.status.not_in(tuple(statuses)))
                .order_by(Submission.received_at)
            )
        )

    async def get_ids_received_before(self, when: datetime) -> list[str]:
        """Submissions still ``received`` (never started) since before ``when``."""
        return list(
            await self.get_all(
                select(Submission.id)
                .where(
                    Submission.status == SubmissionStatus.RECEIVED,
                    Submission.received_at < when,
                )
                .order_by(Submission.received_at)
            )
        )


class TransactionSetRepository(Repository[TransactionSet]):
    model = TransactionSet

    async def get_all_of(self, submission_id: str) -> Sequence[TransactionSet]:
        return await self.get_all(_sets_of(), {"submission_id": submission_id})

    async def get_finished_ordinals(self, submission_id: str) -> set[int]:
        """The sets stored, rejected or held by an earlier run (or left to its units)."""
        return set(await self.get_all(_finished_ordinals(), {"submission_id": submission_id}))

    async def delete_storing(self, submission_id: str) -> None:
        """Sets a killed run left ``storing``."""
        await self.session.execute(
            _delete_storing(), {"submission_id": submission_id}, execution_options=ROWS_ONLY
        )

    async def insert(
        self, submission_id: str, ordinal: int, header: TransactionHeader, status: str, line: int
    ) -> int:
        """A set's row from its envelope; returns its id."""
        h = header
        result = await self.session.execute(
            _insert_set(),
            [
                {
                    "submission_id": submission_id,
                    "ordinal": ordinal,
                    "isa_control_number": h.isa_control_number[:9],
                    "gs_control_number": h.gs_control_number[:9],
                    "st_control_number": h.st_control_number[:9],
                    "sender_id": h.sender_id[:15],
                    "receiver_id": h.receiver_id[:15],
                    "gs_sender_id": h.gs_sender_id[:15],
                    "gs_receiver_id": h.gs_receiver_id[:15],
                    "transaction_type": h.guide,
                    "version": h.version[:12],
                    "status": status,
                    "line": line,
                }
            ],
        )
        return int(result.scalar_one())

    async def finish(
        self,
        set_id: int,
        status: str,
        *,
        units: int,
        units_stored: int,
        units_rejected: int,
        segments: int,
    ) -> None:
        """A set's status and counts once it is stored, rejected or held."""
        await self.session.execute(
            _finish_set(),
            {
                "set_id": set_id,
                "new_status": status,
                "new_units": units,
                "new_units_stored": units_stored,
                "new_units_rejected": units_rejected,
                "new_segments": segments,
            },
            execution_options=ROWS_ONLY,  # the set's row is written by INSERT ... RETURNING
        )


class InterchangeRepository(Repository[Interchange]):
    model = Interchange

    async def get_all_of(self, submission_id: str) -> Sequence[Interchange]:
        return await self.get_all(
            select(Interchange)
            .where(Interchange.submission_id == submission_id)
            .order_by(Interchange.id)
        )

    async def get_first_of(self, submission_id: str) -> Interchange | None:
        return await self.get_one_or_none(_first_interchange(), {"submission_id": submission_id})

    async def replace_all_of(
        self,
        submission_id: str,
        interchanges: Sequence[InterchangeResult],
        *,
        earlier: bool = True,
    ) -> None:
        """The submission's interchanges (ISA) as this run read them (``earlier`` False:
        no earlier run recorded any)."""
        if earlier:
            await self.session.execute(
                _delete_interchanges(),
                {"submission_id": submission_id},
                execution_options=ROWS_ONLY,
            )
        if not interchanges:
            return
        await self.session.execute(
            insert(Interchange),
            [
                {
                    "submission_id": submission_id,
                    "sender_qualifier": isa.sender_qualifier[:2],
                    "sender_id": isa.sender_id[:15],
                    "receiver_qualifier": isa.receiver_qualifier[:2],
                    "receiver_id": isa.receiver_id[:15],
                    "control_number": isa.control_number[:9],
                    "interchange_date": isa.date[:6],
                    "usage": isa.usage[:1],
                    "accepted": not isa.rejected,
                    "note_code": isa.note_code,
                }
                for isa in interchanges
            ],
        )


# --- statements every run of a file executes, built once (``once``) ------------------------


@once
def _insert_part() -> Insert:
    return insert(AcknowledgmentPart)


@once
def _close_ack() -> Update:
    return (
        update(Acknowledgment)
        .where(Acknowledgment.id == bindparam("ack_id"))
        .values(size=bindparam("new_size"), parts=bindparam("new_parts"))
    )


@cache
def _delete_acks(of_kind: bool) -> Delete:
    """The acknowledgments of a submission (of one kind)."""
    acks = delete(Acknowledgment).where(Acknowledgment.submission_id == SUBMISSION_ID)
    return acks.where(Acknowledgment.kind == bindparam("kind")) if of_kind else acks


@once
def _new_ack() -> ReturningInsert[int]:
    return (
        insert(Acknowledgment)
        .values(
            submission_id=SUBMISSION_ID,
            kind=bindparam("new_kind"),
            size=bindparam("new_size"),
            parts=bindparam("new_parts"),
        )
        .returning(Acknowledgment.id)
    )


@once
def _status_of() -> Select[str]:
    return select(Submission.status).where(Submission.id == SUBMISSION_ID)


@once
def _count_set_done() -> Update:
    return (
        update(Submission)
        .where(Submission.id == SUBMISSION_ID)
        .values(
            status=SubmissionStatus.STORING,
            sets_done=Submission.sets_done + 1,
            segments_done=bindparam("new_segments_done"),
        )
    )


@once
def _sets_of() -> Select[TransactionSet]:
    return (
        select(TransactionSet)
        .where(TransactionSet.submission_id == SUBMISSION_ID)
        .order_by(TransactionSet.ordinal)
    )


@once
def _finished_ordinals() -> Select[int]:
    return select(TransactionSet.ordinal).where(
        TransactionSet.submission_id == SUBMISSION_ID,
        TransactionSet.status.in_(
            (SetStatus.STORED, SetStatus.REJECTED, SetStatus.HELD, SetStatus.IN_UNITS)
        ),
    )


@once
def _delete_storing() -> Delete:
    return delete(TransactionSet).where(
        TransactionSet.submission_id == SUBMISSION_ID,
        TransactionSet.status == SetStatus.STORING,
    )


@once
def _insert_set() -> ReturningInsert[int]:
    return insert(TransactionSet).returning(TransactionSet.id)


@once
def _finish_set() -> Update:
    return (
        update(TransactionSet)
        .where(TransactionSet.id == bindparam("set_id"))
        .values(
            status=bindparam("new_status"),
            units=bindparam("new_units"),
            units_stored=bindparam("new_units_stored"),
            units_rejected=bindparam("new_units_rejected"),
            segments=bindparam("new_segments"),
        )
    )


@once
def _first_interchange() -> Select[Interchange]:
    return select(Interchange).where(Interchange.submission_id == SUBMISSION_ID).limit(1)


@once
def _delete_interchanges() -> Delete:
    return delete(Interchange).where(Interchange.submission_id == SUBMISSION_ID)
