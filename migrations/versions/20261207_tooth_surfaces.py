"""837D service lines keep their tooth surfaces (TOO03) and oral cavity areas (SV304), so
a forwarded dental encounter carries them

Revision ID: 0011a
Revises: 0010a
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011a"
down_revision: str | None = "0010a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.add_column(
            sa.Column("tooth_surfaces", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("oral_cavity_areas", sa.String(20), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.drop_column("oral_cavity_areas")
        batch.drop_column("tooth_surfaces")
