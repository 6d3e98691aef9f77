"""interchange control numbers held once per tenant (interchange_keys)

Revision ID: 0006i
Revises: 0005s
Create Date: 2026-12-06 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from edi_gateway.models.base import UTCDateTime

revision: str = "0006i"
down_revision: str | None = "0005s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interchange_keys",
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("sender_id", sa.String(length=15), nullable=False),
        sa.Column("receiver_id", sa.String(length=15), nullable=False),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scope", "sender_id", "receiver_id", "control_number"),
    )
    op.create_index(
        op.f("ix_interchange_keys_submission_id"), "interchange_keys", ["submission_id"]
    )
    # every accepted interchange received before holds its number (the latest one, where
    # a number was used again after the duplicate window)
    op.execute(
        """
        INSERT INTO interchange_keys
            (scope, sender_id, receiver_id, control_number, submission_id, claimed_at)
        SELECT CASE WHEN s.partner_id IS NULL THEN 'local'
                    ELSE 'p' || CAST(s.partner_id AS VARCHAR) END,
               i.sender_id, i.receiver_id, i.control_number, i.submission_id, i.received_at
        FROM interchanges i JOIN submissions s ON s.id = i.submission_id
        WHERE i.accepted AND i.id IN (
            SELECT max(j.id) FROM interchanges j JOIN submissions t ON t.id = j.submission_id
            WHERE j.accepted
            GROUP BY t.partner_id, j.sender_id, j.receiver_id, j.control_number
        )
        """
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_interchange_keys_submission_id"), table_name="interchange_keys")
    op.drop_table("interchange_keys")
