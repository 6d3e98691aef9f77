"""SQL for submissions, the files they keep and their acknowledgments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select

from ..models import Acknowledgment, Partner, StoredFile, Submission
from ..repository import Page, ReadScope, Repository, ScopedRepository


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

    async def keep_file(self, sha256: str, size: int, path: str) -> None:
        """Record a file in the store, once per SHA-256."""
        if await self.session.get(StoredFile, sha256) is None:
            self.session.add(StoredFile(sha256=sha256, size=size, path=path))


class AcknowledgmentRepository(Repository[Acknowledgment]):
    model = Acknowledgment

    async def get_content(self, submission_id: str, kind: str) -> bytes | None:
        """The X12 of one acknowledgment (ta1, 999 or 277ca) of a submission."""
        content = (
            await self.session.execute(
                select(Acknowledgment.content).where(
                    Acknowledgment.submission_id == submission_id, Acknowledgment.kind == kind
                )
            )
        ).scalar_one_or_none()
        return None if content is None else bytes(content)
