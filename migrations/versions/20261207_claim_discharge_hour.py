"""837I claims keep their discharge hour (DTP*096), so a forwarded inpatient encounter
carries it

Revision ID: 0011g
Revises: 0011f
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011g"
down_revision: str | None = "0011f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("discharge_hour", sa.String(4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("discharge_hour")
