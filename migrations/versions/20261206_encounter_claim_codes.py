"""encounters: CLM06-09, SBR01, CL101-02 and the 2300 NTE as sent, so forwarded claims
carry the provider's values instead of defaults

Revision ID: 0008e
Revises: 0008o
Create Date: 2026-12-06 05:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008e"
down_revision: str | None = "0008o"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ONE = (
    "signature_indicator",
    "assignment_code",
    "benefits_assignment",
    "release_of_information",
    "payer_responsibility",
    "admission_type",
    "admission_source",
)


def upgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        for name in _ONE:
            batch.add_column(sa.Column(name, sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("note_code", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("note", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("encounters") as batch:
        for name in ("note", "note_code", *reversed(_ONE)):
            batch.drop_column(name)
