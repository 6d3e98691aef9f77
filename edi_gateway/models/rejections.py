"""The work queue: one item per claim, member change, transaction set or file the gateway
rejected (and, later, per claim a plan rejects or an 835 denies), with its history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Amount, Base, Id, UTCDateTime, utcnow


class WorkItem(Base):
    __tablename__ = "work_items"
    __table_args__ = (
        # the queue's usual views: a partner's open items by age, and auto-close look-ups
        Index("ix_work_items_partner_state", "partner_id", "state", "created_at"),
        Index("ix_work_items_key", "partner_id", "claim_id", "billing_npi", "state"),
        Index("ix_work_items_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    #: rejected_by_gateway, denied, rejected_by_plan
    kind: Mapped[str] = mapped_column(String(24))
    #: what was rejected: claim, member, transaction_set, file
    subject: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    #: the partner the item belongs to (who sent the file; who must correct it)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    plan_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    transaction_type: Mapped[str | None] = mapped_column(String(10))
    set_ordinal: Mapped[int | None] = mapped_column(Integer)
    st_control_number: Mapped[str | None] = mapped_column(String(9))
    line: Mapped[int | None] = mapped_column(Integer)
    claim_id: Mapped[str | None] = mapped_column(String(80))
    member_id: Mapped[str | None] = mapped_column(String(80))
    billing_npi: Mapped[str | None] = mapped_column(String(10))
    service_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    #: the findings that rejected it: rule id, code, SNIP level, severity, message, fix,
    #: segment, element and line of each (no member data beyond what the item names)
    findings: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    #: the first finding's rule id (or code), for filters and "top rules"
    rule_id: Mapped[str | None] = mapped_column(String(40), index=True)
    code: Mapped[str | None] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the submission and encounter whose acceptance closed it
    closed_by_submission_id: Mapped[str | None] = mapped_column(String(32))
    closed_by_encounter_id: Mapped[int | None] = mapped_column(Integer)


class WorkItemEvent(Base):
    """Every change to an item: created, state, assignee, note, closed by resubmission."""

    __tablename__ = "work_item_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("work_items.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: partner name of the key that made the change, or "gateway"
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(24))  # created, state, assignee, note, closed
    old_value: Mapped[str | None] = mapped_column(String(120))
    new_value: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
