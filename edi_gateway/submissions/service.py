"""Receive a file: keep its bytes, create (or find) its submission."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Settings
from ..models import Partner, StoredFile, Submission
from ..statuses import PROCESSED
from .filestore import FileStore, StoredBytes

#: Submissions that are finished; anything else can be resumed.
FINISHED = PROCESSED


@dataclass(frozen=True, slots=True)
class Received:
    submission: Submission
    #: False when these exact bytes had already been received (same SHA-256 and partner):
    #: nothing new is stored, and an unfinished earlier run can be resumed.
    new: bool


async def find_partner(session: AsyncSession, name: str) -> Partner | None:
    return (await session.execute(select(Partner).where(Partner.name == name))).scalar_one_or_none()


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
    async with sessionmaker() as session, session.begin():
        if await session.get(StoredFile, stored.sha256) is None:
            session.add(
                StoredFile(sha256=stored.sha256, size=stored.size, path=stored.relative_path)
            )
        previous = (
            await session.execute(
                select(Submission)
                .where(
                    Submission.sha256 == stored.sha256,
                    Submission.partner_id == partner_id
                    if partner_id is not None
                    else Submission.partner_id.is_(None),
                )
                .order_by(Submission.received_at)
                .limit(1)
            )
        ).scalar_one_or_none()
        if previous is not None:
            return Received(previous, new=False)
        submission = Submission(
            id=uuid.uuid4().hex,
            sha256=stored.sha256,
            filename=(filename or "")[:255] or None,
            partner_id=partner_id,
            sent_by_partner_id=sent_by,
            source=source,
            status="received",
            size=stored.size,
        )
        session.add(submission)
    return Received(submission, new=True)


def store_bytes(settings: Settings, stream: BinaryIO, max_bytes: int | None = None) -> StoredBytes:
    return FileStore(settings.data_dir).put_stream(stream, max_bytes)


def store_path(settings: Settings, path: Path) -> StoredBytes:
    return FileStore(settings.data_dir).put_path(path)
