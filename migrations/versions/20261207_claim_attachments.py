"""claims keep their paperwork references (2300 PWK: report type, transmission and
attachment control number), so a forwarded encounter still points at its attachments

Revision ID: 0011b
Revises: 0011a
Create Date: 2026-12-07 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011b"
down_revision: str | None = "0011a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("attachments", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("attachments")
