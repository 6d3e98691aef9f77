"""Submission use cases: receive a file (keep its bytes, create or find its submission),
read a submission, its acknowledgments and its original file, list submissions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..audit import audit
from ..config import Settings
from ..errors import Conflict, Forbidden, NotFound
from ..models import Acknowledgment, Partner, Submission
from ..partners.service import Principal, partner_by_name
from ..repository import Page
from ..statuses import PROCESSED, SubmissionStatus
from .filestore import FileStore, StoredBytes
from .repository import AcknowledgmentRepository, SubmissionRepository

#: Submissions that are finished; anything else can be resumed.
FINISHED = PROCESSED
ACK_KINDS = ("ta1", "999", "277ca")


@dataclass(frozen=True, slots=True)
class Received:
    submission: Submission
    #: False when these exact bytes had already been received (same SHA-256 and partner):
    #: nothing new is stored, and an unfinished earlier run can be resumed.
    new: bool
    #: its job was queued in the transaction that committed it (nothing left to enqueue)
    queued: bool = False

    @property
    def to_process(self) -> bool:
        """New, or an earlier run that neither finished nor failed (resumed)."""
        return self.new or self.submission.status not in (*FINISHED, "failed")


class TransactionalQueue(Protocol):
    """Where submissions wait to be processed: ``enqueue_with`` queues one in the
    session's transaction (False: this queue cannot, enqueue it once committed)."""

    async def enqueue_with(self, session: AsyncSession, submission_id: str) -> bool: ...


async def find_partner(session: AsyncSession, name: str) -> Partner | None:
    return await partner_by_name(session, name)


async def receive_in(
    session: AsyncSession,
    stored: StoredBytes,
    *,
    filename: str | None,
    partner_id: int | None,
    source: str,
    sent_by: int | None = None,
) -> Received:
    """Record the stored bytes and create their submission, or find the earlier
    submission of the same bytes by the same partner, in the session's transaction (the
    caller commits)."""
    submissions = SubmissionRepository(session)
    if not await submissions.keep_file(stored.sha256, stored.size, stored.relative_path):
        # bytes seen before (no submission can have bytes recorded only now)
        previous = await submissions.get_first_of_bytes(stored.sha256, partner_id)
        if previous is not None:
            return Received(previous, new=False)
    submission = submissions.add(
        Submission(
            id=uuid.uuid4().hex,
            sha256=stored.sha256,
            filename=(filename or "")[:255] or None,
            partner_id=partner_id,
            sent_by_partner_id=sent_by,
            source=source,
            status="received",
            size=stored.size,
        )
    )
    return Received(submission, new=True)


async def receive(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    stored: StoredBytes,
    *,
    filename: str | None,
    partner_id: int | None,
    source: str,
    sent_by: int | None = None,
) -> Received:
    """``receive_in`` in a transaction of its own, committed."""
    async with sessionmaker() as session, session.begin():
        return await receive_in(
            session,
            stored,
            filename=filename,
            partner_id=partner_id,
            source=source,
            sent_by=sent_by,
        )


def store_bytes(settings: Settings, stream: BinaryIO, max_bytes: int | None = None) -> StoredBytes:
    return FileStore(settings.data_dir).put_stream(stream, max_bytes)


def store_path(settings: Settings, path: Path) -> StoredBytes:
    return FileStore(settings.data_dir).put_path(path)


async def owner_of_upload(
    session: AsyncSession, caller: Principal, on_behalf_of: str | None
) -> tuple[int, int | None]:
    """Whose file an upload is, and the ops partner that sent it for them (None: the
    caller's own file). Only ops may send on behalf of another partner."""
    if on_behalf_of is None:
        return caller.partner_id, None
    if not caller.is_ops:
        raise Forbidden("Only an ops key may send a file on behalf of another partner")
    partner = await find_partner(session, on_behalf_of)
    if partner is None:
        raise NotFound(f"No partner named {on_behalf_of!r}")
    return partner.id, caller.partner_id


async def submit(
    session: AsyncSession,
    caller: Principal,
    stored: StoredBytes,
    *,
    filename: str,
    owner: int,
    sent_by: int | None,
    queue: TransactionalQueue,
) -> Received:
    """Receive an uploaded file, audit the upload and, when it is new and the ``queue``
    can, queue its job: one transaction of the caller's session, which the caller
    commits; then it enqueues the submission when ``to_process and not queued``.

    One session, so a request never holds one connection while waiting for another
    (under load, every connection of the pool would be held by requests waiting); what
    the session did before (the key's look-up) may be committed or not."""
    received = await receive_in(
        session, stored, filename=filename, partner_id=owner, source="api", sent_by=sent_by
    )
    await audit(
        session,
        caller,
        "submit",
        "submission",
        received.submission.id,
        f"{stored.size} bytes sha256={stored.sha256}"
        + (f" on behalf of partner {owner}" if sent_by is not None else ""),
    )
    if received.new:
        await session.flush()
        if await queue.enqueue_with(session, received.submission.id):
            received = replace(received, queued=True)
    return received


async def get_submission(
    session: AsyncSession, caller: Principal, submission_id: str
) -> Submission:
    sub = await SubmissionRepository(session).get_readable_by_id(caller, submission_id)
    if sub is None:
        raise NotFound(f"No submission {submission_id} that this key can see")
    return sub


async def get_acknowledgment(
    session: AsyncSession, caller: Principal, submission_id: str, kind: str
) -> tuple[Submission, Acknowledgment]:
    """An acknowledgment (``kind``: ta1, 999 or 277ca, any case) of a submission the caller
    may see, audited; its X12 is read with ``acknowledgment_parts``."""
    if kind.lower() not in ACK_KINDS:
        raise NotFound(f"Unknown acknowledgment {kind!r}; use one of {', '.join(ACK_KINDS)}")
    kind = kind.lower()
    sub = await get_submission(session, caller, submission_id)
    ack = await AcknowledgmentRepository(session).find(sub.id, kind)
    if ack is None:
        why = (
            "processing has not finished"
            if sub.status not in (*FINISHED, "failed")
            else "none was produced for this file"
            + (
                " (a TA1 is sent only for interchange errors or when ISA14=1)"
                if kind == "ta1"
                else ""
            )
        )
        raise NotFound(f"No {kind.upper()} for submission {sub.id}: {why}")
    await audit(session, caller, "download", f"ack:{kind}", sub.id)
    return sub, ack


async def acknowledgment_parts(
    sessionmaker: async_sessionmaker[AsyncSession], ack_id: int
) -> AsyncIterator[bytes]:
    """The X12 of an acknowledgment found by ``get_acknowledgment``, a stored part at a
    time, in order, read in a session of its own (the response streams after the request's
    session has ended)."""
    async with sessionmaker() as session:
        async for part in AcknowledgmentRepository(session).parts_of(ack_id):
            yield part


async def get_file(
    session: AsyncSession, settings: Settings, caller: Principal, submission_id: str
) -> tuple[Submission, Path]:
    """The original file of a submission, where the file store keeps it; audited."""
    sub = await get_submission(session, caller, submission_id)
    store = FileStore(settings.data_dir)
    await audit(session, caller, "download", "file", sub.id)
    return sub, store.path(store.relative_for(sub.sha256))


async def search_submissions(
    session: AsyncSession,
    caller: Principal,
    *,
    partner: str | None = None,
    transaction_type: str | None = None,
    status: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    limit: int,
    after: tuple[datetime, str] | None,
) -> Page[Submission]:
    submissions = SubmissionRepository(session)
    stmt = submissions.search(
        submissions.get_readable_statement(caller),
        partner=partner,
        transaction_type=transaction_type,
        status=status,
        received_from=received_from,
        received_to=received_to,
    )
    return await submissions.get_page_by_received(stmt, limit, after)


#: what ``retry`` takes: a submission whose last run failed for good, or one never started
RETRYABLE = (SubmissionStatus.FAILED, SubmissionStatus.RECEIVED)


async def mark_for_retry(
    session: AsyncSession, caller: Principal | None, submission: Submission
) -> Submission:
    """Put a failed submission back to ``received`` so it is run again (audited; the
    caller commits, then queues it). Sets already stored are kept and skipped by the run,
    so retrying never stores anything twice."""
    if submission.status not in RETRYABLE:
        raise Conflict(
            f"Submission {submission.id} is {submission.status}: only a failed submission "
            "(or one received and never started) can be retried",
            status_now=submission.status,
        )
    was = submission.status
    submission.status = SubmissionStatus.RECEIVED
    submission.error = None
    await audit(session, caller, "retry", "submission", submission.id, f"was {was}")
    return submission


async def retry_submission(
    session: AsyncSession, caller: Principal, submission_id: str
) -> Submission:
    if not caller.is_ops:
        raise Forbidden("Only an ops key may retry a submission")
    return await mark_for_retry(
        session, caller, await get_submission(session, caller, submission_id)
    )


async def resolve_held_submission(
    session: AsyncSession, caller: Principal, submission_id: str, how: str
) -> Submission:
    """Release or discard a held 834 (ops; see :mod:`.holds`)."""
    from .holds import resolve_hold

    if not caller.is_ops:
        raise Forbidden("Only an ops key may release or discard a held file")
    return await resolve_hold(
        session, caller, await get_submission(session, caller, submission_id), how
    )
