"""`edi-gateway ingest`: the whole path for local files (store, validate, load, acknowledge)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Settings
from ..errors import NotFound
from ..models import Submission
from .pipeline import process_submission
from .repository import AcknowledgmentRepository
from .results_repository import FindingRepository
from .service import FINISHED, find_partner, receive, store_path


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    path: Path
    submission: Submission
    repeated: bool  # these bytes had been received before
    resumed: bool  # an unfinished earlier run was completed
    errors: int


class UnknownPartner(NotFound):
    pass


async def ingest_paths(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    paths: list[Path],
    partner_name: str | None = None,
) -> list[IngestOutcome]:
    partner_id = None
    if partner_name:
        async with sessionmaker() as session:
            partner = await find_partner(session, partner_name)
        if partner is None:
            raise UnknownPartner(
                f"no trading partner named {partner_name!r} "
                "(create it with `edi-gateway partners create`)"
            )
        partner_id = partner.id
    outcomes = []
    for path in paths:
        stored = await anyio.to_thread.run_sync(store_path, settings, path)
        received = await receive(
            sessionmaker, settings, stored, filename=path.name, partner_id=partner_id, source="cli"
        )
        submission = received.submission
        resumed = False
        if received.new or submission.status not in FINISHED:
            resumed = not received.new
            submission = await process_submission(sessionmaker, settings, submission.id)
        async with sessionmaker() as session:
            errors = await FindingRepository(session).count_errors(submission.id)
        outcomes.append(IngestOutcome(path, submission, not received.new, resumed, errors))
    return outcomes


async def write_acknowledgments(
    sessionmaker: async_sessionmaker[AsyncSession], submission_id: str, out: Path, stem: str
) -> list[Path]:
    """Each acknowledgment of the submission written to ``out/stem.kind``, a stored part at
    a time (a large 277CA is never whole in memory); the files written."""
    written = []
    async with sessionmaker() as session:
        acks = AcknowledgmentRepository(session)
        for kind in await acks.kinds_of(submission_id):
            ack = await acks.find(submission_id, kind)
            assert ack is not None
            path = out / f"{stem}.{kind}"
            with path.open("wb") as f:
                async for part in acks.parts_of(ack.id):
                    f.write(part)
            written.append(path)
    return written
