"""Trading partners: who sends and receives, under which ids, with which companion guides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Id, UTCDateTime, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # plan, clearinghouse, provider, ops
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    identifiers: Mapped[list[PartnerIdentifier]] = relationship(
        back_populates="partner", lazy="raise", cascade="all, delete-orphan"
    )


class PartnerProvider(Base):
    """A billing provider (2010AA NPI) a provider or clearinghouse partner sends claims
    for. A clearinghouse may send only for the NPIs listed on it; a provider with a list
    only for those. A provider and a clearinghouse that both list an NPI act for the same
    provider: each may replace or void the other's claims for it."""

    __tablename__ = "partner_providers"
    __table_args__ = (UniqueConstraint("partner_id", "npi"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    npi: Mapped[str] = mapped_column(String(10), index=True)


class PartnerGuide(Base):
    """The companion guide a partner's files of one transaction type are checked with:
    ``837P``, ``837I``, ``837D``, ``834``, ``835``, or ``837`` for every claim type
    without a guide of its own. One guide per partner and type."""

    __tablename__ = "partner_guides"
    __table_args__ = (UniqueConstraint("partner_id", "transaction_type"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    transaction_type: Mapped[str] = mapped_column(String(4))
    guide: Mapped[str] = mapped_column(String(100))


class PartnerIdentifier(Base):
    """An id the partner uses in envelopes: ISA06/ISA08 (interchange) or GS02/GS03 (group)."""

    __tablename__ = "partner_identifiers"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # interchange, group
    qualifier: Mapped[str | None] = mapped_column(String(2))  # ISA05/ISA07
    value: Mapped[str] = mapped_column(String(80))

    partner: Mapped[Partner] = relationship(back_populates="identifiers", lazy="raise")


class ApiKey(Base):
    """An API key: only its SHA-256 is kept; ``prefix`` identifies it in lists and logs."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who submitted, downloaded or changed what (ids and control numbers, never PHI)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    key_prefix: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))  # submit, download, read, create, revoke...
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))
