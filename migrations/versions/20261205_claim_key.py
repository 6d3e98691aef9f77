"""a unique key per active claim, so that no claim is stored twice

Revision ID: 0005s
Revises: 0004
Create Date: 2026-12-05 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005s"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("encounters", sa.Column("claim_key", sa.String(length=80), nullable=True))
    # the key of every active claim (see Tenant.claim_key); where duplicates were stored
    # before (the defect this fixes), the first one keeps the key
    op.execute(
        """
        UPDATE encounters SET claim_key = (
            CASE
                WHEN billing_npi IS NOT NULL AND EXISTS (
                    SELECT 1 FROM partner_providers pp
                    WHERE pp.partner_id = encounters.partner_id
                      AND pp.npi = encounters.billing_npi
                ) THEN 'n'
                WHEN partner_id IS NULL THEN 'local'
                ELSE 'p' || CAST(partner_id AS VARCHAR)
            END
        ) || '|' || COALESCE(billing_npi, '') || '|' || claim_id
        WHERE status = 'active'
        """
    )
    op.execute(
        """
        UPDATE encounters SET claim_key = NULL
        WHERE claim_key IS NOT NULL AND id NOT IN (
            SELECT min(id) FROM encounters WHERE claim_key IS NOT NULL GROUP BY claim_key
        )
        """
    )
    op.create_index(
        "uq_encounters_claim_key",
        "encounters",
        ["claim_key"],
        unique=True,
        sqlite_where=sa.text("claim_key IS NOT NULL"),
        postgresql_where=sa.text("claim_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_encounters_claim_key", table_name="encounters")
    op.drop_column("encounters", "claim_key")
