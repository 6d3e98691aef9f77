"""the claim parties' NPI index holds only the rows that have an NPI (providers): the
subscriber, patient and payer rows, most of the table, have none and no query looks
them up by it; and the patient's row, when the patient is the subscriber, is no longer
stored (the subscriber's row stands for both; rows stored before stay and read the same)

Revision ID: 0011v
Revises: 0011u
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011v"
down_revision: str | None = "0011u"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_NPI = sa.text("npi IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_encounter_parties_npi", table_name="encounter_parties")
    op.create_index(
        "ix_encounter_parties_npi",
        "encounter_parties",
        ["npi"],
        sqlite_where=_HAS_NPI,
        postgresql_where=_HAS_NPI,
    )


def downgrade() -> None:
    op.drop_index("ix_encounter_parties_npi", table_name="encounter_parties")
    op.create_index("ix_encounter_parties_npi", "encounter_parties", ["npi"])
