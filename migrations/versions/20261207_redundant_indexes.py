"""drop three indexes no query needs, each paid for by every row stored: the member id of
member identifiers and of coverage spans (each leads a composite index already:
uq_member_identifiers_member_id_qualifier, ix_coverage_spans_current) and the service
lines' (procedure, date) index (the duplicate look-up goes by member, then by encounter)

Revision ID: 0011s
Revises: 0011r
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011s"
down_revision: str | None = "0011r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_member_identifiers_member_id", table_name="member_identifiers")
    op.drop_index("ix_coverage_spans_member_id", table_name="coverage_spans")
    op.drop_index("ix_encounter_lines_dup", table_name="encounter_lines")


def downgrade() -> None:
    op.create_index(
        "ix_encounter_lines_dup", "encounter_lines", ["procedure_code", "service_date_from"]
    )
    op.create_index("ix_coverage_spans_member_id", "coverage_spans", ["member_id"])
    op.create_index("ix_member_identifiers_member_id", "member_identifiers", ["member_id"])
