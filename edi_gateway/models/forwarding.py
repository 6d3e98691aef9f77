"""Forwarding accepted encounters to their plans, and what the plans answer.

A plan partner's :class:`OutboundSettings` say how files are addressed to it and where
they go; :class:`OutboundPayerId` rows route claims to it by their 2010BB payer id. Each
outbound file is a :class:`ForwardingBatch` (kept byte-exact in the file store); each
claim in it a :class:`ForwardedClaim` (provider submission and CLM01 -> batch, ST02 and
position) carrying the encounter's plan state; :class:`PlanStateEvent` rows are its
timeline, and :class:`PlanAnswer` rows the TA1/999/277CA/835 files that moved it (or
that matched nothing and are held for ops).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Amount, Base, Id, UTCDateTime, utcnow


class OutboundSettings(Base):
    __tablename__ = "outbound_settings"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    sender_qualifier: Mapped[str] = mapped_column(String(2), default="ZZ")  # ISA05
    sender_id: Mapped[str] = mapped_column(String(15))  # ISA06 (ours)
    gs_sender_id: Mapped[str] = mapped_column(String(15))  # GS02
    receiver_qualifier: Mapped[str] = mapped_column(String(2), default="ZZ")  # ISA07
    receiver_id: Mapped[str] = mapped_column(String(15))  # ISA08 (the plan's)
    gs_receiver_id: Mapped[str] = mapped_column(String(15))  # GS03
    usage: Mapped[str] = mapped_column(String(1), default="T")  # ISA15
    submitter_name: Mapped[str] = mapped_column(String(60))  # 1000A NM103
    contact_name: Mapped[str] = mapped_column(String(60))  # 1000A PER02
    contact_email: Mapped[str] = mapped_column(String(80))  # 1000A PER04
    claims_per_set: Mapped[int] = mapped_column(Integer, default=5000)
    sets_per_file: Mapped[int] = mapped_column(Integer, default=10)
    bytes_per_file: Mapped[int] = mapped_column(Id, default=50_000_000)
    destination: Mapped[str] = mapped_column(String(10), default="download")  # https, directory
    url: Mapped[str | None] = mapped_column(String(500))
    directory: Mapped[str | None] = mapped_column(String(500))
    #: minutes between scheduled forwarding runs (None: only on demand)
    every_minutes: Mapped[int | None] = mapped_column(Integer)
    #: ISA13 of the files to this plan start here (the last file's + 1 when higher): set it
    #: above the last number the previous system sent, so the plan sees no number twice
    first_interchange_control: Mapped[int | None] = mapped_column(Integer)
    #: HTTPS delivery: none, bearer (Authorization: Bearer <token>) or basic (user:password);
    #: the secret itself is never stored: ``auth_env`` names the environment variable that
    #: holds it on every machine that delivers
    auth: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    auth_env: Mapped[str | None] = mapped_column(String(64))
    #: mutual TLS: our client certificate and key (PEM files on every delivering machine),
    #: and the plan's CA bundle when its server certificate is not publicly trusted
    client_cert: Mapped[str | None] = mapped_column(String(500))
    client_key: Mapped[str | None] = mapped_column(String(500))
    ca_file: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboundPayerId(Base):
    """A 2010BB payer id (NM109) whose claims go to this plan."""

    __tablename__ = "outbound_payer_ids"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    payer_id: Mapped[str] = mapped_column(String(80), unique=True)


class ForwardingBatch(Base):
    """One outbound interchange to a plan."""

    __tablename__ = "forwarding_batches"
    __table_args__ = (UniqueConstraint("plan_partner_id", "interchange_control"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    plan_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    guide: Mapped[str] = mapped_column(String(5))  # 837P, 837I, 837D
    interchange_control: Mapped[int] = mapped_column(Integer)  # ISA13
    group_control: Mapped[int] = mapped_column(Integer)  # GS06
    sender_id: Mapped[str] = mapped_column(String(15))
    receiver_id: Mapped[str] = mapped_column(String(15))
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"))
    size: Mapped[int] = mapped_column(Id)
    sets: Mapped[int] = mapped_column(Integer)
    claims: Mapped[int] = mapped_column(Integer)
    #: written (kept for download), delivered, failed (delivery gave up)
    status: Mapped[str] = mapped_column(String(12), default="written")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: the plan's TA1 / 999 answers to the interchange (None: none yet)
    ta1_status: Mapped[str | None] = mapped_column(String(12))
    ack_status: Mapped[str | None] = mapped_column(String(12))


class ForwardedClaim(Base):
    """An accepted encounter as sent to its plan, and what the plan made of it."""

    __tablename__ = "forwarded_claims"
    __table_args__ = (
        Index("ix_forwarded_claims_plan_claim", "plan_partner_id", "claim_id"),
        Index("ix_forwarded_claims_plan_state", "plan_partner_id", "state", "forwarded_at"),
        # a replacement or void may name the claim by the plan's number (REF*F8)
        Index("ix_forwarded_claims_plan_claim_number", "plan_claim_number"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(
        ForeignKey("encounters.id", ondelete="CASCADE"), unique=True
    )
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("forwarding_batches.id", ondelete="CASCADE"), index=True
    )
    plan_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    #: who sent the claim to us, in which submission
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    submission_id: Mapped[str] = mapped_column(String(32))
    claim_id: Mapped[str] = mapped_column(String(40))  # CLM01, as the provider sent it
    charge: Mapped[Decimal] = mapped_column(Amount)
    st_control: Mapped[str] = mapped_column(String(9))  # ST02 of the outbound set
    position: Mapped[int] = mapped_column(Integer)  # 1 = the set's first claim
    #: forwarded, accepted_by_plan, rejected_by_plan, paid, denied
    state: Mapped[str] = mapped_column(String(20), default="forwarded")
    forwarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the plan's own number for the claim (277CA REF*1K, 835 CLP07)
    plan_claim_number: Mapped[str | None] = mapped_column(String(50))


class PlanStateEvent(Base):
    """One step of a forwarded claim's timeline."""

    __tablename__ = "plan_state_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    forwarded_claim_id: Mapped[int] = mapped_column(
        ForeignKey("forwarded_claims.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(20))
    #: the answer that moved it (None for the forwarding itself)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("plan_answers.id"))
    codes: Mapped[str | None] = mapped_column(String(200))  # STC01 composites, CARCs
    detail: Mapped[str | None] = mapped_column(String(1000))


class PlanAnswer(Base):
    """A TA1, 999, 277CA or 835 a plan sent about what we forwarded to it."""

    __tablename__ = "plan_answers"
    __table_args__ = (UniqueConstraint("submission_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(32))
    plan_partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(6))  # TA1, 999, 277CA, 835
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: matched (every part found what it answers), partly, held (nothing matched)
    status: Mapped[str] = mapped_column(String(10), index=True)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(1000))
