"""a service line's 2430 loops (what other payers paid on it: SVD with the procedure paid
under and the units paid, CAS, DTP*573, AMT*EAF) are kept as sent, so a forwarded
encounter reports them as the provider sent them

Revision ID: 0011o
Revises: 0011n
Create Date: 2026-12-07 02:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011o"
down_revision: str | None = "0011n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.add_column(sa.Column("adjudications", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.drop_column("adjudications")
