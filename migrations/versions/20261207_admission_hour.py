"""an 837I admission sent with its hour (DTP*435 DT) keeps the hour, so a forwarded
inpatient encounter carries it (it was written as a date alone)

Revision ID: 0011j
Revises: 0011i
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011j"
down_revision: str | None = "0011i"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("admission_hour", sa.String(4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("admission_hour")
