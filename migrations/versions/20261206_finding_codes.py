"""finding and work-item codes kept whole (a rule id such as R22-lag-line was cut to 10
characters)

Revision ID: 0007k
Revises: 0007f
Create Date: 2026-12-06 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007k"
down_revision: str | None = "0007f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TABLES = (("findings", False), ("work_items", True))


def _alter(length_from: int, length_to: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite copies work_items to change a column; dropping the old copy would cascade
        # to the items' history (foreign keys are on), so the history is kept aside
        op.execute("CREATE TEMPORARY TABLE keep_work_item_events AS SELECT * FROM work_item_events")
    for table, nullable in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "code",
                existing_type=sa.String(length=length_from),
                type_=sa.String(length=length_to),
                existing_nullable=nullable,
            )
    if sqlite:
        op.execute("DELETE FROM work_item_events")
        op.execute("INSERT INTO work_item_events SELECT * FROM keep_work_item_events")
        op.execute("DROP TABLE keep_work_item_events")


def upgrade() -> None:
    _alter(10, 40)


def downgrade() -> None:
    for table, _ in _TABLES:
        op.execute(f"UPDATE {table} SET code = SUBSTR(code, 1, 10)")
    _alter(40, 10)
