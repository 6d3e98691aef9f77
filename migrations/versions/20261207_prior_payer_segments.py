"""a claim's other payers (2320 with its 2330A-G loops) are kept as sent, so a forwarded
encounter reports the other coverage (relationship, group, claim filing indicator, the
other subscriber, the other payer's provider ids) as the provider sent it

Revision ID: 0011m
Revises: 0011l
Create Date: 2026-12-07 02:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011m"
down_revision: str | None = "0011l"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_prior_payers") as batch:
        batch.add_column(sa.Column("segments", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_prior_payers") as batch:
        batch.drop_column("segments")
