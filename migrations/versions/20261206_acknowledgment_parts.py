"""acknowledgments stored in parts: a large 277CA written and read a piece at a time

Revision ID: 0010a
Revises: 0008e
Create Date: 2026-12-06 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010a"
down_revision: str | None = "0008e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "acknowledgment_parts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("acknowledgment_id", _ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledgment_id"],
            ["acknowledgments.id"],
            name=op.f("fk_acknowledgment_parts_acknowledgment_id_acknowledgments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgment_parts")),
        sa.UniqueConstraint(
            "acknowledgment_id", "seq", name=op.f("uq_acknowledgment_parts_acknowledgment_id_seq")
        ),
    )
    with op.batch_alter_table("acknowledgments") as batch:
        batch.add_column(sa.Column("size", _ID, server_default="0", nullable=False))
        batch.add_column(sa.Column("parts", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "INSERT INTO acknowledgment_parts (acknowledgment_id, seq, content) "
        "SELECT id, 0, content FROM acknowledgments"
    )
    op.execute("UPDATE acknowledgments SET size = length(content), parts = 1")
    with op.batch_alter_table("acknowledgments") as batch:
        batch.drop_column("content")


def downgrade() -> None:
    with op.batch_alter_table("acknowledgments") as batch:
        batch.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    acks = [row[0] for row in bind.execute(sa.text("SELECT id FROM acknowledgments"))]
    for ack_id in acks:
        parts = bind.execute(
            sa.text(
                "SELECT content FROM acknowledgment_parts "
                "WHERE acknowledgment_id = :id ORDER BY seq"
            ),
            {"id": ack_id},
        )
        bind.execute(
            sa.text("UPDATE acknowledgments SET content = :c WHERE id = :id"),
            {"c": b"".join(bytes(p[0]) for p in parts), "id": ack_id},
        )
    with op.batch_alter_table("acknowledgments") as batch:
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("parts")
        batch.drop_column("size")
    op.drop_table("acknowledgment_parts")
