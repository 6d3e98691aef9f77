"""a plan's outbound files can start their interchange control numbers (ISA13) above the
last one the MSO's previous system sent that plan

Revision ID: 0011c
Revises: 0011b
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011c"
down_revision: str | None = "0011b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_settings") as batch:
        batch.add_column(sa.Column("first_interchange_control", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_settings") as batch:
        batch.drop_column("first_interchange_control")
