"""a claim party's address outside the United States keeps its country (N404) and
country subdivision (N407), so a forwarded encounter carries them

Revision ID: 0011u
Revises: 0011t
Create Date: 2026-12-07 16:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011u"
down_revision: str | None = "0011t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.add_column(sa.Column("country", sa.String(3), nullable=True))
        batch.add_column(sa.Column("country_subdivision", sa.String(3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.drop_column("country_subdivision")
        batch.drop_column("country")
