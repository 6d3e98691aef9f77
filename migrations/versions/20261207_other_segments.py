"""a claim's and a service line's segments that have no column of their own (CN1, REF*EA
and the other references, DTP*304/441/452 and the other dates, CR1-CR3/CRC, HCP, the
2440 LQ/FRM forms...) are kept as sent, so a forwarded encounter carries them

Revision ID: 0011i
Revises: 0011h
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011i"
down_revision: str | None = "0011h"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("other_segments", sa.Text(), nullable=True))
    with op.batch_alter_table("encounter_lines") as batch:
        batch.add_column(sa.Column("other_segments", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.drop_column("other_segments")
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("other_segments")
