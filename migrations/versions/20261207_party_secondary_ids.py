"""a party's REFs (the plan-assigned provider id REF*G2, a licence, the payer's other ids,
the member's SY) are kept, so a forwarded encounter carries them

Revision ID: 0011n
Revises: 0011m
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011n"
down_revision: str | None = "0011m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.add_column(sa.Column("secondary_ids", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.drop_column("secondary_ids")
