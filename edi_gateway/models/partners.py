"""Trading partners: who sends and receives, under which ids, with which companion guide."""

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
    guide: Mapped[str | None] = mapped_column(String(100))  # companion guide name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    identifiers: Mapped[list[PartnerIdentifier]] = relationship(
        back_populates="partner", lazy="raise", cascade="all, delete-orphan"
    )


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
