"""the billing provider's, subscriber's and patient's segments no column carries, kept
as sent (2000A CUR, an SBR naming a group or insurance type, 2000B/2000C PAT with a date
of death, weight or pregnancy), so a forwarded encounter still carries them

Revision ID: 0011q
Revises: 0011p
Create Date: 2026-12-07 06:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011q"
down_revision: str | None = "0011p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("hierarchy_segments", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("hierarchy_segments")
