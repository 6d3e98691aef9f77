"""a companion guide per partner and transaction type (partner_guides), replacing the one
partners.guide that applied to every type

Revision ID: 0006g
Revises: 0006c
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006g"
down_revision: str | None = "0006c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the types a guide we cannot read is taken to serve, by the partner's role
_BY_ROLE = {"plan": ("834", "835"), "provider": ("837",), "clearinghouse": ("837",)}


def _types_of(guide: str, role: str) -> tuple[str, ...]:
    """The transaction types the guide lists (its YAML file), else the role's."""
    from mappings.guides import GuideError, load_guide

    try:
        return load_guide(guide).transactions
    except GuideError:
        return _BY_ROLE.get(role, ("837",))


def upgrade() -> None:
    partner_guides = op.create_table(
        "partner_guides",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("transaction_type", sa.String(length=4), nullable=False),
        sa.Column("guide", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_guides_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_guides")),
        sa.UniqueConstraint(
            "partner_id",
            "transaction_type",
            name=op.f("uq_partner_guides_partner_id_transaction_type"),
        ),
    )
    with op.batch_alter_table("partner_guides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_guides_partner_id"), ["partner_id"], unique=False
        )
    rows = op.get_bind().execute(
        sa.text("SELECT id, role, guide FROM partners WHERE guide IS NOT NULL AND guide <> ''")
    )
    moved = [
        {"partner_id": pid, "transaction_type": t, "guide": guide}
        for pid, role, guide in rows.all()
        for t in _types_of(guide, role)
    ]
    # dropped in place (SQLite 3.35+): a batch copy of partners would drop the old table,
    # and with foreign keys on that deletes every row referring to a partner
    op.execute("ALTER TABLE partners DROP COLUMN guide")
    if moved:
        op.bulk_insert(partner_guides, moved)


def downgrade() -> None:
    op.add_column("partners", sa.Column("guide", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE partners SET guide = (SELECT MIN(g.guide) FROM partner_guides g "
        "WHERE g.partner_id = partners.id)"
    )
    with op.batch_alter_table("partner_guides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_guides_partner_id"))
    op.drop_table("partner_guides")
