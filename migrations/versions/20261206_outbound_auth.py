"""outbound settings: HTTPS delivery authentication (bearer or basic by environment
variable) and mutual TLS (client certificate, key, CA bundle)

Revision ID: 0008o
Revises: 0008b
Create Date: 2026-12-06 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008o"
down_revision: str | None = "0008b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_settings") as batch:
        batch.add_column(
            sa.Column("auth", sa.String(length=10), server_default="none", nullable=False)
        )
        batch.add_column(sa.Column("auth_env", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("client_cert", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("client_key", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("ca_file", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_settings") as batch:
        for column in ("ca_file", "client_key", "client_cert", "auth_env", "auth"):
            batch.drop_column(column)
