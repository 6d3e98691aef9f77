"""the CLM and SV1/SV2/SV3 elements that have no column of their own (CLM10-12 and CLM20
delay reason, SV109 emergency, SV111 EPSDT, SV112 family planning, SV207 non-covered
charges, SV305 prosthesis...) are kept as sent, so a forwarded encounter carries them

Revision ID: 0011k
Revises: 0011j
Create Date: 2026-12-07 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011k"
down_revision: str | None = "0011j"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        batch.add_column(sa.Column("claim_elements", sa.Text(), nullable=True))
    with op.batch_alter_table("encounter_lines") as batch:
        batch.add_column(sa.Column("service_elements", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounter_lines") as batch:
        batch.drop_column("service_elements")
    with op.batch_alter_table("encounters") as batch:
        batch.drop_column("claim_elements")
