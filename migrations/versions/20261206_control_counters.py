"""control_counters: the counter the acknowledgments' control numbers (ISA13, GS06) are
drawn from, so no two acknowledgments share one

Revision ID: 0008b
Revises: 0009c
Create Date: 2026-12-06 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008b"
down_revision: str | None = "0009c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "control_counters",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("value", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_control_counters")),
    )


def downgrade() -> None:
    op.drop_table("control_counters")
