"""Received files, what was in them, what we found and what we answered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, UTCDateTime, utcnow


class StoredFile(Base):
    """Raw bytes kept exactly as received, content-addressed by SHA-256 in the file store."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Id)
    path: Mapped[str] = mapped_column(String(500))  # relative to the data directory
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_partner_received", "partner_id", "received_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    #: an ops partner that sent the file on behalf of ``partner_id``
    sent_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    source: Mapped[str] = mapped_column(String(20))  # cli, api
    status: Mapped[str] = mapped_column(String(20), index=True)
    # received, validating, storing, completed, rejected, failed, duplicate, held
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size: Mapped[int] = mapped_column(Id)
    transaction_type: Mapped[str | None] = mapped_column(String(10))  # 837P, 834, ...
    segments: Mapped[int] = mapped_column(Integer, default=0)
    sets_total: Mapped[int] = mapped_column(Integer, default=0)
    sets_accepted: Mapped[int] = mapped_column(Integer, default=0)
    sets_rejected: Mapped[int] = mapped_column(Integer, default=0)
    units_total: Mapped[int] = mapped_column(Integer, default=0)
    units_stored: Mapped[int] = mapped_column(Integer, default=0)
    units_rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: progress while processing: transaction sets finished and the last segment reached
    sets_done: Mapped[int] = mapped_column(Integer, default=0)
    #: work units (PostgreSQL workers): claim ranges of large sets, checked and stored apart
    work_units_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    work_units_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    segments_done: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duplicate_of: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)  # why it failed (no PHI)
    #: what ops decided about a held 834 (released, discarded), who and when
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Interchange(Base):
    """One ISA..IEA of a submission; (sender, receiver, ISA13) finds duplicates."""

    __tablename__ = "interchanges"
    __table_args__ = (
        Index("ix_interchanges_control", "sender_id", "receiver_id", "control_number"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    sender_qualifier: Mapped[str] = mapped_column(String(2))
    sender_id: Mapped[str] = mapped_column(String(15))
    receiver_qualifier: Mapped[str] = mapped_column(String(2))
    receiver_id: Mapped[str] = mapped_column(String(15))
    control_number: Mapped[str] = mapped_column(String(9))
    interchange_date: Mapped[str] = mapped_column(String(6))
    usage: Mapped[str] = mapped_column(String(1))
    accepted: Mapped[bool] = mapped_column(Boolean)
    note_code: Mapped[str] = mapped_column(String(3))  # TA105
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InterchangeKey(Base):
    """The submission that holds an interchange control number (ISA06, ISA08, ISA13) in a
    tenant's scope: claimed when the ISA is read, kept while the interchange is accepted,
    taken over only after the duplicate window. The primary key makes two files with the
    same ISA13 read at the same time (by two workers) end with one accepted interchange."""

    __tablename__ = "interchange_keys"

    scope: Mapped[str] = mapped_column(String(24), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(15), primary_key=True)
    receiver_id: Mapped[str] = mapped_column(String(15), primary_key=True)
    control_number: Mapped[str] = mapped_column(String(9), primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TransactionSet(Base):
    """One ST..SE: stored whole or not at all (its rows commit with this row)."""

    __tablename__ = "transaction_sets"
    __table_args__ = (UniqueConstraint("submission_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)  # 1-based position in the file
    isa_control_number: Mapped[str] = mapped_column(String(9))
    gs_control_number: Mapped[str] = mapped_column(String(9))
    st_control_number: Mapped[str] = mapped_column(String(9))
    sender_id: Mapped[str] = mapped_column(String(15))
    receiver_id: Mapped[str] = mapped_column(String(15))
    gs_sender_id: Mapped[str] = mapped_column(String(15))
    gs_receiver_id: Mapped[str] = mapped_column(String(15))
    transaction_type: Mapped[str] = mapped_column(String(10))
    version: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))  # stored, rejected, held
    units: Mapped[int] = mapped_column(Integer, default=0)
    units_stored: Mapped[int] = mapped_column(Integer, default=0)
    units_rejected: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(Integer, default=0)
    line: Mapped[int] = mapped_column(Integer)


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    set_ordinal: Mapped[int | None] = mapped_column(Integer)
    snip_level: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    #: the rule id (R22-lag-line) or our own code (DUP, MAP, a 999 code), whole
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    segment_id: Mapped[str | None] = mapped_column(String(10))
    segment_position: Mapped[int | None] = mapped_column(Integer)
    line: Mapped[int | None] = mapped_column(Integer)
    offset: Mapped[int | None] = mapped_column(Id)
    loop: Mapped[str | None] = mapped_column(String(10))
    element: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[str | None] = mapped_column(Text)
    claim_id: Mapped[str | None] = mapped_column(String(80), index=True)
    member_id: Mapped[str | None] = mapped_column(String(80))
    isa_control_number: Mapped[str | None] = mapped_column(String(9))
    gs_control_number: Mapped[str | None] = mapped_column(String(9))
    st_control_number: Mapped[str | None] = mapped_column(String(9))
    rule_id: Mapped[str | None] = mapped_column(String(40))
    guide: Mapped[str | None] = mapped_column(String(100))


class ControlCounter(Base):
    """A counter control numbers are drawn from (``ack``: the ISA13 and GS06 of every
    acknowledgment we send; see ``submissions/control_numbers.py``)."""

    __tablename__ = "control_counters"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(Id, default=0)


class Acknowledgment(Base):
    """One acknowledgment we answered a submission with; its X12 is in
    :class:`AcknowledgmentPart` rows, in ``seq`` order (a large 277CA is stored and read a
    piece at a time, never whole in memory)."""

    __tablename__ = "acknowledgments"
    __table_args__ = (UniqueConstraint("submission_id", "kind"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # ta1, 999, 277ca
    #: bytes in all its parts (the Content-Length it is served with)
    size: Mapped[int] = mapped_column(Id, default=0)
    parts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AcknowledgmentPart(Base):
    """A piece of an acknowledgment's X12: the parts of one, joined in ``seq`` order (from
    0), are its bytes."""

    __tablename__ = "acknowledgment_parts"
    __table_args__ = (UniqueConstraint("acknowledgment_id", "seq"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    acknowledgment_id: Mapped[int] = mapped_column(
        ForeignKey("acknowledgments.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class HeldFile(Base):
    """A full-file 834 that would terminate too many members: held for review."""

    __tablename__ = "held_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    set_ordinal: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    active_members: Mapped[int] = mapped_column(Integer)
    would_terminate: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date | None] = mapped_column(Date)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class ClaimOutcome(Base):
    """What became of each claim of a submission that passed the 999: accepted (stored,
    with its payer claim control number) or rejected by a business edit. The 277CA and the
    correction report are built from these and the findings."""

    __tablename__ = "claim_outcomes"
    __table_args__ = (Index("ix_claim_outcomes_submission_set", "submission_id", "set_ordinal"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    set_ordinal: Mapped[int] = mapped_column(Integer)
    st_control_number: Mapped[str] = mapped_column(String(9))
    claim_id: Mapped[str] = mapped_column(String(40), index=True)  # CLM01
    accepted: Mapped[bool] = mapped_column(Boolean)
    encounter_id: Mapped[int | None] = mapped_column(Integer)
    charge: Mapped[str | None] = mapped_column(String(20))
    service_date_from: Mapped[date | None] = mapped_column(Date)
    service_date_to: Mapped[date | None] = mapped_column(Date)
    patient_last_name: Mapped[str | None] = mapped_column(String(80))
    patient_first_name: Mapped[str | None] = mapped_column(String(80))
    member_id: Mapped[str | None] = mapped_column(String(80))
    billing_npi: Mapped[str | None] = mapped_column(String(10))
    billing_name: Mapped[str | None] = mapped_column(String(80))
    type_of_bill: Mapped[str | None] = mapped_column(String(4))
    line: Mapped[int] = mapped_column(Integer, default=0)
    #: 2010BB NM103, the payer the claim is addressed to (277CA 2100A NM103)
    payer_name: Mapped[str | None] = mapped_column(String(80))
    #: a rejected claim's service lines as JSON, for the 277CA's 2220D loops
    #: (``edi_gateway.encounters.outcome_lines``); None for accepted claims
    service_lines: Mapped[str | None] = mapped_column(Text)


class WorkUnit(Base):
    """A range of one large transaction set's claims, checked and stored by any worker in a
    transaction of its own (see ``submissions/units.py``); ``layout`` says which bytes of
    the file it reads (``parsers.ranges.RangeLayout``)."""

    __tablename__ = "work_units"
    __table_args__ = (UniqueConstraint("submission_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)  # 1-based, in file order
    set_ordinal: Mapped[int] = mapped_column(Integer)
    transaction_set_id: Mapped[int] = mapped_column(
        ForeignKey("transaction_sets.id", ondelete="CASCADE")
    )
    first_line: Mapped[int] = mapped_column(Integer)
    byte_start: Mapped[int] = mapped_column(Id)
    byte_end: Mapped[int] = mapped_column(Id)
    layout: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(10))  # todo, done
    claims: Mapped[int] = mapped_column(Integer)
    units_stored: Mapped[int] = mapped_column(Integer, default=0)
    units_rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: who ran it (host:pid of the worker process) and when it ended
    worker: Mapped[str | None] = mapped_column(String(80))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
