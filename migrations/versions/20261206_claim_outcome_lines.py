"""claim outcomes keep the payer's name (277CA 2100A NM103) and a rejected claim's service
lines (277CA 2220D)

Revision ID: 0008a
Revises: 0008w
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008a"
down_revision: str | None = "0008w"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claim_outcomes") as batch:
        batch.add_column(sa.Column("payer_name", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("service_lines", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claim_outcomes") as batch:
        batch.drop_column("service_lines")
        batch.drop_column("payer_name")
