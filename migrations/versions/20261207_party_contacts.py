"""a party's PER segments as sent (the 837 billing provider's 2010AA contact: the
billing office's name, phone, e-mail), so a forwarded encounter names whom the plan
calls about it

Revision ID: 0011p
Revises: 0011o
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011p"
down_revision: str | None = "0011o"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.add_column(sa.Column("contacts", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.drop_column("contacts")
