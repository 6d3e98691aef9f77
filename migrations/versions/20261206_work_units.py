"""work units: claim ranges of large transaction sets, run by any worker

Revision ID: 0008u
Revises: 0006t
Create Date: 2026-12-06 05:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from edi_gateway.models.base import UTCDateTime

revision: str = "0008u"
down_revision: str | None = "0006t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("work_units_total", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("work_units_done", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "work_units",
        sa.Column("id", _ID, nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("set_ordinal", sa.Integer(), nullable=False),
        sa.Column("transaction_set_id", _ID, nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("byte_start", _ID, nullable=False),
        sa.Column("byte_end", _ID, nullable=False),
        sa.Column("layout", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("units_stored", sa.Integer(), nullable=False),
        sa.Column("units_rejected", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_work_units_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_set_id"],
            ["transaction_sets.id"],
            name=op.f("fk_work_units_transaction_set_id_transaction_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_units")),
        sa.UniqueConstraint(
            "submission_id", "ordinal", name=op.f("uq_work_units_submission_id_ordinal")
        ),
    )
    op.create_index(op.f("ix_work_units_submission_id"), "work_units", ["submission_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_work_units_submission_id"), table_name="work_units")
    op.drop_table("work_units")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("work_units_done")
        batch.drop_column("work_units_total")
