"""a party's name suffix (NM107: JR, III) and second address line (N302) are kept, so a
forwarded encounter names the member and reaches the address as sent

Revision ID: 0011l
Revises: 0011k
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011l"
down_revision: str | None = "0011k"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.add_column(sa.Column("suffix", sa.String(10), nullable=True))
        batch.add_column(sa.Column("address2", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.drop_column("address2")
        batch.drop_column("suffix")
