"""a claim's 2420 line providers (ordering, purchased service, supervising, service
facility, referring, ambulance; 837I operating; 837D assistant surgeon) are kept as
parties of their service line, so a forwarded encounter carries them

Revision ID: 0011h
Revises: 0011g
Create Date: 2026-12-07 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011h"
down_revision: str | None = "0011g"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.add_column(sa.Column("service_line", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.drop_column("service_line")
