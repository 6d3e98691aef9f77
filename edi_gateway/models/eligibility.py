"""Members and their coverage from 834 rosters. Coverage history is never overwritten:
a change closes the old version (``superseded_at``) and adds a new one, so the coverage
in force on any date can be read back as it was known at any time."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, UTCDateTime, utcnow


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("plan_sender_id", "member_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    plan_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    plan_sender_id: Mapped[str] = mapped_column(String(15))  # ISA06 of the roster
    receiver_id: Mapped[str | None] = mapped_column(String(15), index=True)  # ISA08
    subscriber_id: Mapped[str] = mapped_column(String(80), index=True)  # REF*0F (CIN)
    #: Who this person is within the plan's roster: the subscriber id for subscribers;
    #: for dependents, the subscriber id plus their own id (REF*23/17) or name and birth date.
    member_key: Mapped[str] = mapped_column(String(200))
    is_subscriber: Mapped[bool] = mapped_column(default=True)
    relationship_code: Mapped[str | None] = mapped_column(String(2))
    last_name: Mapped[str | None] = mapped_column(String(80), index=True)
    first_name: Mapped[str | None] = mapped_column(String(80))
    middle_name: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(1))
    address1: Mapped[str | None] = mapped_column(String(80))
    address2: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(15))
    phone: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, terminated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_submission_id: Mapped[str | None] = mapped_column(String(32))


class MemberIdentifier(Base):
    __tablename__ = "member_identifiers"
    __table_args__ = (UniqueConstraint("member_id", "qualifier"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # looked up through the composite index it leads (no index of its own)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    qualifier: Mapped[str] = mapped_column(String(3))  # 0F, 1L, 23, 17, 3H, ZZ...
    value: Mapped[str] = mapped_column(String(80), index=True)


class CoverageSpan(Base):
    __tablename__ = "coverage_spans"
    __table_args__ = (Index("ix_coverage_spans_current", "member_id", "superseded_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # looked up through the composite index it leads (no index of its own)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    submission_id: Mapped[str] = mapped_column(String(32), index=True)
    insurance_line: Mapped[str | None] = mapped_column(String(3))  # HD03: HLT, DEN...
    plan_code: Mapped[str | None] = mapped_column(String(50), index=True)  # HD04
    coverage_level: Mapped[str | None] = mapped_column(String(3))
    aid_code: Mapped[str | None] = mapped_column(String(30))
    policy_number: Mapped[str | None] = mapped_column(String(50))
    begin_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # None: open-ended
    maintenance_type: Mapped[str | None] = mapped_column(String(3))
    pcp_npi: Mapped[str | None] = mapped_column(String(10))
    pcp_name: Mapped[str | None] = mapped_column(String(120))
    pcp_begin: Mapped[date | None] = mapped_column(Date)
    pcp_end: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(40))  # why this version: add, change...
    line: Mapped[int] = mapped_column(Integer, default=0)
    #: the roster this coverage came from within the plan: sponsor (1000A N1*P5 N104),
    #: master policy (header REF*38) and payer (1000B N1*IN N104); a full file reconciles
    #: only its own roster. None: stored before the scope was recorded (any roster's)
    roster_scope: Mapped[str | None] = mapped_column(String(200))


class MemberTermination(Base):
    """A member an 834 ended (or, held, would end): explicitly (INS03 024) or implied by
    absence from a full file. The report of the file lists them."""

    __tablename__ = "member_terminations"
    __table_args__ = (Index("ix_member_terminations_submission", "submission_id", "set_ordinal"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    set_ordinal: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    subscriber_id: Mapped[str | None] = mapped_column(String(80))
    member_key: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(80))
    first_name: Mapped[str | None] = mapped_column(String(80))
    end_date: Mapped[date | None] = mapped_column(Date)
    #: explicit (INS03 024) or implied (absent from a full file)
    how: Mapped[str] = mapped_column(String(10))
    #: False while the file is held (or after it was discarded): not applied
    applied: Mapped[bool] = mapped_column(Boolean, default=True)
    line: Mapped[int] = mapped_column(Integer, default=0)
