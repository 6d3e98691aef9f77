"""Code lists imported without a release (``edi-gateway codesets import``): one row per
version of a list, its codes kept compressed in the row, so the service and every worker
read the same lists from the database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, UTCDateTime, utcnow


class CodeListVersion(Base):
    """One imported version of a code list (icd10cm, hcpcs, claim_adjustment_reason,
    remittance_advice_remark), in effect for services from ``effective_from``."""

    __tablename__ = "code_list_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(500))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    entries: Mapped[int] = mapped_column(Integer)
    #: zlib-compressed UTF-8 lines "code<TAB>first day<TAB>last day<TAB>description"
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), default=utcnow)
