"""The ingest's bulk row writer (driver executemany on SQLite, COPY on PostgreSQL) stores
exactly what SQLAlchemy's own INSERT stores, fills Python-side defaults, and writes inside
the caller's transaction, so a rolled-back set leaves nothing behind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from conftest import Db
from sqlalchemy import func, insert, select

from edi_gateway.db import bulk_insert, table_of
from edi_gateway.models import Member, Payment, Submission, TransactionSet
from edi_gateway.models.submissions import StoredFile

_PAYMENT = (
    "submission_id",
    "transaction_set_id",
    "sender_id",
    "receiver_id",
    "handling_code",
    "total_paid",
    "payment_date",
    "trace_number",
    "payer_name",
)


async def _set(db: Db) -> int:
    async with db.sessionmaker() as s, s.begin():
        s.add(StoredFile(sha256="ab" * 32, size=1, path="x"))
        s.add(Submission(id="s1", sha256="ab" * 32, source="cli", status="storing", size=1))
        await s.flush()
        ts = TransactionSet(
            submission_id="s1",
            ordinal=1,
            isa_control_number="1",
            gs_control_number="1",
            st_control_number="0001",
            sender_id="PLAN",
            receiver_id="MSO",
            gs_sender_id="PLAN",
            gs_receiver_id="MSO",
            transaction_type="835",
            version="005010X221A1",
            status="storing",
            line=1,
        )
        s.add(ts)
        await s.flush()
        return ts.id


def _values(set_id: int) -> list[tuple[Any, ...]]:
    return [
        ("s1", set_id, "PLAN", "MSO", "I", Decimal("1234.5"), date(2026, 2, 28), "EFT1", "ACME"),
        ("s1", set_id, "PLAN", "MSO", "H", Decimal("-0.01"), None, None, None),
        ("s1", set_id, "PLAN", "MSO", "I", Decimal("99999999.9999"), date(1999, 12, 31), "T", "Z"),
        # repeated values (converted once per batch) come back the same
        ("s1", set_id, "PLAN", "MSO", "I", Decimal("1234.50"), date(2026, 2, 28), "EFT2", "ACME"),
    ]


async def _read(db: Db) -> list[tuple[Any, ...]]:
    async with db.sessionmaker() as s:
        rows = (await s.execute(select(Payment).order_by(Payment.id))).scalars().all()
        return [tuple(getattr(p, c) for c in _PAYMENT) for p in rows]


async def test_bulk_rows_read_back_as_sqlalchemy_writes_them(db: Db) -> None:
    set_id = await _set(db)
    values = _values(set_id)
    async with db.sessionmaker() as s, s.begin():
        await s.execute(insert(Payment), [dict(zip(_PAYMENT, v, strict=True)) for v in values])
    through_orm = await _read(db)
    async with db.sessionmaker() as s, s.begin():
        await s.execute(select(1))
        await bulk_insert(await s.connection(), table_of(Payment), _PAYMENT, values)
    both = await _read(db)
    assert both[:4] == through_orm
    assert both[4:] == through_orm  # money, dates and NULLs come back the same
    assert both[4][5] == Decimal("1234.50") and both[5][6] is None
    assert both[7][5:7] == (Decimal("1234.50"), date(2026, 2, 28))
    async with db.sessionmaker() as s:
        stamps = (await s.execute(select(Payment.created_at).order_by(Payment.id))).scalars()
        for stamp in stamps:  # the Python-side default is filled in
            assert stamp is not None and abs(datetime.now(UTC) - stamp).total_seconds() < 300


async def test_bulk_rows_roll_back_with_the_transaction(db: Db) -> None:
    set_id = await _set(db)
    async with db.sessionmaker() as s:
        await s.begin()
        await s.execute(select(1))
        conn = await s.connection()
        await bulk_insert(conn, table_of(Payment), _PAYMENT, _values(set_id))
        assert (await s.execute(select(func.count(Payment.id)))).scalar_one() == 4
        await s.rollback()
    assert await _read(db) == []


async def test_bulk_first_statement_of_a_transaction_still_rolls_back(db: Db) -> None:
    """On PostgreSQL COPY goes straight to the driver: it must not run outside the
    transaction SQLAlchemy opens lazily."""
    set_id = await _set(db)
    async with db.sessionmaker() as s:
        await s.begin()
        await bulk_insert(await s.connection(), table_of(Payment), _PAYMENT, _values(set_id))
        await s.rollback()
    assert await _read(db) == []


async def test_bulk_defaults_for_left_out_columns(db: Db) -> None:
    cols = ("plan_sender_id", "subscriber_id", "member_key", "birth_date")
    async with db.sessionmaker() as s, s.begin():
        await s.execute(select(1))
        await bulk_insert(
            await s.connection(),
            table_of(Member),
            cols,
            [("PLAN", "91234567A", "91234567A", date(2001, 5, 6))],
        )
    async with db.sessionmaker() as s:
        m = (await s.execute(select(Member))).scalar_one()
    assert (m.is_subscriber, m.status, m.birth_date) == (True, "active", date(2001, 5, 6))
    assert m.created_at is not None and m.updated_at is not None


async def test_bulk_nothing_to_write_is_a_no_op(db: Db) -> None:
    async with db.sessionmaker() as s, s.begin():
        await bulk_insert(await s.connection(), table_of(Payment), _PAYMENT, [])
    assert await _read(db) == []
