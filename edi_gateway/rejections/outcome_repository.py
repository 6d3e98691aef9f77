"""The SQL behind opening and closing work items when a submission finishes
(``rejections.service.record_outcome``): what the submission rejected, accepted and paid,
and the open items of the same owner that it may close.

Every look-up of items to close is scoped to their owner: the submitter's own items
(``WorkItem.partner_id``) for rejections, the same plan's (``WorkItem.plan_partner_id``)
for denials, so that one partner's file never closes another's items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import rows_for_values
from ..models import (
    ClaimOutcome,
    ClaimPaymentRow,
    Encounter,
    FindingRow,
    Member,
    Partner,
    PartnerIdentifier,
    Payment,
    PaymentAdjustment,
    ServicePaymentRow,
    Submission,
    WorkItem,
)
from ..remittances.denials import denied_clause
from ..repository import SUBMISSION_ID, once
from ..statuses import OPEN_STATES, WorkItemKind

__all__ = ["OutcomeRepository"]

#: ids bound per query
CHUNK = 1000
_ERRORS = ("reject_claim", "reject_transaction", "reject_file")


def _same(column: Any, partner_id: int | None) -> ColumnElement[bool]:
    result: ColumnElement[bool] = (
        column == partner_id if partner_id is not None else column.is_(None)
    )
    return result


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class OutcomeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- what the submission did ------------------------------------------------------

    async def has_items(self, submission_id: str) -> bool:
        found = await self.session.execute(_has_items(), {"submission_id": submission_id})
        return found.first() is not None

    async def error_findings(self, submission_id: str) -> Sequence[FindingRow]:
        rows = await self.session.execute(_error_findings(), {"submission_id": submission_id})
        return rows.scalars().all()

    async def rejected_claims(self, submission_id: str) -> Sequence[ClaimOutcome]:
        rows = await self.session.execute(_rejected_claims(), {"submission_id": submission_id})
        return rows.scalars().all()

    async def accepted_sets(self, submission_id: str) -> list[int]:
        """The transaction sets (ordinals) in which the submission stored claims, in order."""
        stmt = (
            select(ClaimOutcome.set_ordinal)
            .where(ClaimOutcome.submission_id == submission_id, ClaimOutcome.accepted.is_(True))
            .distinct()
            .order_by(ClaimOutcome.set_ordinal)
        )
        return [int(o) for o in (await self.session.execute(stmt)).scalars()]

    async def accepted_claims(
        self, submission_id: str, set_ordinal: int, *, replacing: bool = False
    ) -> Sequence[Row[str, str | None, int, str | None]]:
        """(CLM01, billing NPI, encounter id, original claim reference) of each claim the
        submission stored in one transaction set (``replacing``: only those that name an
        original claim)."""
        stmt = (
            select(
                ClaimOutcome.claim_id,
                Encounter.billing_npi,
                Encounter.id,
                Encounter.original_claim_ref,
            )
            .join(Encounter, Encounter.id == ClaimOutcome.encounter_id)
            .where(
                ClaimOutcome.submission_id == submission_id,
                ClaimOutcome.set_ordinal == set_ordinal,
                ClaimOutcome.accepted.is_(True),
            )
        )
        if replacing:
            stmt = stmt.where(Encounter.original_claim_ref.is_not(None))
        return (await self.session.execute(stmt)).all()

    async def members_changed(self, submission_id: str) -> list[str]:
        """The subscriber ids (REF*0F) whose change the submission stored."""
        stmt = select(Member.subscriber_id).where(Member.last_submission_id == submission_id)
        return sorted(set((await self.session.execute(stmt)).scalars()))

    async def paid_claims(self, submission_id: str) -> Sequence[Row[str, int | None]]:
        """(CLP01, matched encounter id) of each claim the submission's 835 pays."""
        stmt = (
            select(ClaimPaymentRow.claim_id, ClaimPaymentRow.encounter_id)
            .join(Payment, Payment.id == ClaimPaymentRow.payment_id)
            .where(Payment.submission_id == submission_id, ClaimPaymentRow.paid > 0)
        )
        return (await self.session.execute(stmt)).all()

    async def denied_claims(
        self, submission_id: str
    ) -> Sequence[Row[ClaimPaymentRow, int | None, str | None]]:
        """(claim payment, owner partner id, billing NPI) of each claim the 835 denies."""
        stmt = (
            select(ClaimPaymentRow, Encounter.partner_id, Encounter.billing_npi)
            .join(Payment, Payment.id == ClaimPaymentRow.payment_id)
            .outerjoin(Encounter, Encounter.id == ClaimPaymentRow.encounter_id)
            .where(Payment.submission_id == submission_id, denied_clause())
        )
        return (await self.session.execute(stmt)).all()

    async def adjustments(self, payment_ids: Sequence[int]) -> Sequence[Row[int, str, str]]:
        """(claim payment id, CAS group, CARC) of the claim payments, in order."""
        stmt = (
            select(
                PaymentAdjustment.claim_payment_id,
                PaymentAdjustment.group_code,
                PaymentAdjustment.reason_code,
            )
            .where(PaymentAdjustment.claim_payment_id.in_(payment_ids))
            .order_by(PaymentAdjustment.id)
        )
        return (await self.session.execute(stmt)).all()

    async def line_remarks(self, payment_ids: Sequence[int]) -> Sequence[Row[int, str]]:
        """(claim payment id, comma-separated RARCs) of the claim payments' service lines."""
        stmt = (
            select(ServicePaymentRow.claim_payment_id, ServicePaymentRow.remark_codes)
            .where(ServicePaymentRow.claim_payment_id.in_(payment_ids))
            .order_by(ServicePaymentRow.id)
        )
        return (await self.session.execute(stmt)).all()

    async def plans_by_receiver(self, receivers: Iterable[str]) -> dict[str, int]:
        """Plan partners by the interchange receiver ids they answer to."""
        wanted = sorted(set(receivers))
        if not wanted:
            return {}
        rows = await self.session.execute(_plans_by_receiver(), {"values": wanted})
        return {value: int(pid) for value, pid in rows.all()}

    # --- open items the submission may close, the owner's only ----------------------------

    async def any_open(self, submission: Submission, subject: str) -> bool:
        """Whether the submitter has any open item about a ``subject`` ("claim",
        "member") from another submission: when it has none (the usual case), nothing is
        read of what this submission accepted (10,000 claims: about 20 µs a claim)."""
        # the submitter's own items only (none of another partner's)
        found = await self.session.execute(
            _any_open(submission.partner_id is not None),
            {
                "partner_id": submission.partner_id,
                "subject": subject,
                "submission_id": submission.id,
            },
        )
        return found.first() is not None

    async def any_open_denial(self, submission: Submission) -> bool:
        """Whether the plan has any open denial item from another submission."""
        stmt = (
            select(WorkItem.id)
            .where(
                _same(WorkItem.plan_partner_id, submission.partner_id),
                WorkItem.kind == WorkItemKind.DENIED,
                WorkItem.state.in_(OPEN_STATES),
                WorkItem.submission_id != submission.id,
            )
            .limit(1)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def open_claim_items(
        self, submission: Submission, keys: set[tuple[str, str | None]]
    ) -> list[WorkItem]:
        """The submitter's open claim items with one of these (CLM01, billing NPI) keys:
        found by CLM01 through the (partner, claim id) index, one bound array per chunk,
        then matched on the NPI here."""
        dialect = self.session.get_bind().dialect.name
        wanted: list[int] = []
        for chunk in _chunks(sorted({claim_id for claim_id, _ in keys})):
            rows = await self.session.execute(
                rows_for_values(
                    [WorkItem.id, WorkItem.claim_id, WorkItem.billing_npi],
                    WorkItem.claim_id,
                    list(chunk),
                    dialect,
                    WorkItem.subject == "claim",
                    WorkItem.state.in_(OPEN_STATES),
                    WorkItem.submission_id != submission.id,
                    within=[_same(WorkItem.partner_id, submission.partner_id)],
                )
            )
            wanted += [int(i) for i, claim_id, npi in rows.all() if (claim_id, npi) in keys]
        items: list[WorkItem] = []
        for chunk in _chunks(wanted):
            stmt = select(WorkItem).where(WorkItem.id.in_(chunk)).order_by(WorkItem.id)
            items += (await self.session.execute(stmt)).scalars().all()
        return items

    async def open_member_items(
        self, submission: Submission, subscriber_ids: Sequence[str]
    ) -> list[WorkItem]:
        """The submitter's open 834 member items of these subscriber ids."""
        items: list[WorkItem] = []
        for chunk in _chunks(subscriber_ids):
            stmt = select(WorkItem).where(
                _same(WorkItem.partner_id, submission.partner_id),
                WorkItem.subject == "member",
                WorkItem.state.in_(OPEN_STATES),
                WorkItem.submission_id != submission.id,
                WorkItem.member_id.in_(chunk),
            )
            items += (await self.session.execute(stmt.order_by(WorkItem.id))).scalars().all()
        return items

    async def open_denials(
        self, submission: Submission, claim_ids: Sequence[str]
    ) -> list[WorkItem]:
        """The open denial items of these claims (CLP01) from the same plan."""
        items: list[WorkItem] = []
        for chunk in _chunks(claim_ids):
            stmt = select(WorkItem).where(
                _same(WorkItem.plan_partner_id, submission.partner_id),
                WorkItem.kind == WorkItemKind.DENIED,
                WorkItem.state.in_(OPEN_STATES),
                WorkItem.submission_id != submission.id,
                WorkItem.claim_id.in_(chunk),
            )
            items += (await self.session.execute(stmt.order_by(WorkItem.id))).scalars().all()
        return items


# --- statements every finished 837 runs, built once (``once``) -------------------------------


@once
def _has_items() -> Select[int]:
    return select(WorkItem.id).where(WorkItem.submission_id == SUBMISSION_ID).limit(1)


@once
def _error_findings() -> Select[FindingRow]:
    return (
        select(FindingRow)
        .where(FindingRow.submission_id == SUBMISSION_ID, FindingRow.severity.in_(_ERRORS))
        .order_by(FindingRow.id)
    )


@once
def _rejected_claims() -> Select[ClaimOutcome]:
    return select(ClaimOutcome).where(
        ClaimOutcome.submission_id == SUBMISSION_ID, ClaimOutcome.accepted.is_(False)
    )


@once
def _plans_by_receiver() -> Select[str, int]:
    return (
        select(PartnerIdentifier.value, Partner.id)
        .join(Partner, Partner.id == PartnerIdentifier.partner_id)
        .where(
            Partner.role == "plan",
            PartnerIdentifier.value.in_(bindparam("values", expanding=True)),
        )
    )


@cache
def _any_open(of_partner: bool) -> Select[int]:
    """An open item of the owner (``partner_id``; a local file's owner is no partner)
    about ``subject``, from another submission."""
    owner = WorkItem.partner_id
    return (
        select(WorkItem.id)
        .where(
            owner == bindparam("partner_id") if of_partner else owner.is_(None),
            WorkItem.subject == bindparam("subject"),
            WorkItem.state.in_(OPEN_STATES),
            WorkItem.submission_id != SUBMISSION_ID,
        )
        .limit(1)
    )
