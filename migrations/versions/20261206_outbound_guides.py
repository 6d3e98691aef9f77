"""outbound guides: a plan's 837 guide lives in partner_guides, not outbound_settings

Revision ID: 0007f
Revises: 0006g
Create Date: 2026-12-06 03:12:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007f"
down_revision: str | None = "0006g"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plan's outbound guide becomes its guide for every claim type ("837") unless it
    # already holds one
    op.execute(
        """
        INSERT INTO partner_guides (partner_id, transaction_type, guide)
        SELECT o.partner_id, '837', o.guide FROM outbound_settings o
        WHERE o.guide IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM partner_guides g
            WHERE g.partner_id = o.partner_id AND g.transaction_type = '837'
        )
        """
    )
    with op.batch_alter_table("outbound_settings", schema=None) as batch_op:
        batch_op.drop_column("guide")


def downgrade() -> None:
    with op.batch_alter_table("outbound_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guide", sa.String(length=100), nullable=True))
