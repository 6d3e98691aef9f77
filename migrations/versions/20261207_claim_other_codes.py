"""claims keep the HI codes that are not diagnoses (837I procedures, occurrence, value and
condition codes, DRG; 837P anesthesia), so a forwarded institutional encounter carries them

Revision ID: 0011e
Revises: 0011d
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011e"
down_revision: str | None = "0011d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("other_codes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("other_codes")
