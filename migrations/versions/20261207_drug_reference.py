"""a service line's drug keeps its prescription or link sequence number (2410 REF*XZ /
REF*VY), so a forwarded encounter carries it

Revision ID: 0011t
Revises: 0011s
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011t"
down_revision: str | None = "0011s"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.add_column(sa.Column("ndc_reference_qualifier", sa.String(3), nullable=True))
        batch.add_column(sa.Column("ndc_reference", sa.String(50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.drop_column("ndc_reference")
        batch.drop_column("ndc_reference_qualifier")
