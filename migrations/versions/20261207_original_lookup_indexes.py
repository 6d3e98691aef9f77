"""indexes for finding the original a replacement or void names by the plan's claim
number (835 CLP07, the plan's 277CA REF*1K): each look-up read every stored claim before

Revision ID: 0011r
Revises: 0011q
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011r"
down_revision: str | None = "0011q"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_claim_payments_payer_claim_number", "claim_payments", ["payer_claim_number"]
    )
    op.create_index(
        "ix_forwarded_claims_plan_claim_number", "forwarded_claims", ["plan_claim_number"]
    )


def downgrade() -> None:
    op.drop_index("ix_forwarded_claims_plan_claim_number", table_name="forwarded_claims")
    op.drop_index("ix_claim_payments_payer_claim_number", table_name="claim_payments")
