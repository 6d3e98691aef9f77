"""834 terminations: held files resolved by ops, terminations listed, rosters scoped

Revision ID: 0006t
Revises: 0007k
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from edi_gateway.models.base import UTCDateTime

revision: str = "0006t"
down_revision: str | None = "0007k"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("coverage_spans") as batch:
        batch.add_column(sa.Column("roster_scope", sa.String(length=200), nullable=True))
    op.create_table(
        "member_terminations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("set_ordinal", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("subscriber_id", sa.String(length=80), nullable=True),
        sa.Column("member_key", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=True),
        sa.Column("first_name", sa.String(length=80), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("how", sa.String(length=10), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_terminations_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_member_terminations_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_terminations")),
    )
    op.create_index(
        "ix_member_terminations_submission",
        "member_terminations",
        ["submission_id", "set_ordinal"],
    )


def downgrade() -> None:
    op.drop_index("ix_member_terminations_submission", table_name="member_terminations")
    op.drop_table("member_terminations")
    with op.batch_alter_table("coverage_spans") as batch:
        batch.drop_column("roster_scope")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("resolved_at")
        batch.drop_column("resolved_by")
        batch.drop_column("resolution")
