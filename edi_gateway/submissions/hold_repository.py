"""The SQL of held 834 files: the one statement that resolves a hold, and the held sets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from ..models import FindingRow, HeldFile, Submission, TransactionSet
from ..repository import Repository
from ..statuses import SetStatus, SubmissionStatus

__all__ = ["HoldRepository"]


class HoldRepository(Repository[HeldFile]):
    model = HeldFile

    async def resolve(
        self, submission_id: str, how: str, who: str, when: datetime, status: str
    ) -> bool:
        """Record the resolution if the submission is still held and unresolved; False when
        it is not (so of two resolutions at once exactly one is recorded)."""
        done = await self.session.execute(
            update(Submission)
            .where(
                Submission.id == submission_id,
                Submission.status == SubmissionStatus.HELD,
                Submission.resolution.is_(None),
            )
            .values(status=status, resolution=how, resolved_by=who, resolved_at=when)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await self.session.execute(
            update(HeldFile).where(HeldFile.submission_id == submission_id).values(resolved=True)
        )
        return True

    async def get_held_ordinals(self, submission_id: str) -> list[int]:
        return list(
            (
                await self.session.execute(
                    select(TransactionSet.ordinal).where(
                        TransactionSet.submission_id == submission_id,
                        TransactionSet.status == SetStatus.HELD,
                    )
                )
            ).scalars()
        )

    async def delete_held_sets(self, submission_id: str, ordinals: list[int]) -> None:
        """Forget the held sets and their findings, so that the next run stores them."""
        await self.session.execute(
            delete(FindingRow).where(
                FindingRow.submission_id == submission_id, FindingRow.set_ordinal.in_(ordinals)
            )
        )
        await self.session.execute(
            delete(TransactionSet).where(
                TransactionSet.submission_id == submission_id,
                TransactionSet.status == SetStatus.HELD,
            )
        )
