"""837D claims keep their DN1 (orthodontic months) and DN2 (tooth status) segments, so a
forwarded dental encounter carries them

Revision ID: 0011f
Revises: 0011e
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011f"
down_revision: str | None = "0011e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("dental_status", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("dental_status")
