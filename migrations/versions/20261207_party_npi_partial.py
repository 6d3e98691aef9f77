"""the claim parties' NPI index holds only the rows that have an NPI (providers): the
subscriber, patient and payer rows, most of the table, have none and no query looks
them up by it; and the patient's row, when the patient is the subscriber (the same in
every field but the role), is no longer stored: the subscriber's row stands for both, and
the copies stored before are removed (a downgrade puts them back)

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

#: a claim party's fields, as stored at this revision (all but the encounter, role, line)
_FIELDS = (
    "entity_type",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "id_qualifier",
    "identifier",
    "npi",
    "tax_id",
    "taxonomy",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "secondary_ids",
    "contacts",
    "country",
    "country_subdivision",
)


def _same(a: str, b: str) -> str:
    """Each field of ``a`` equal to ``b``'s, two nulls equal."""
    same = "IS" if op.get_bind().dialect.name == "sqlite" else "IS NOT DISTINCT FROM"
    return " AND ".join(f"{a}.{f} {same} {b}.{f}" for f in _FIELDS)


def upgrade() -> None:
    op.execute(
        "DELETE FROM encounter_parties WHERE role = 'patient' AND service_line IS NULL "
        "AND EXISTS (SELECT 1 FROM encounter_parties s WHERE s.encounter_id = "
        "encounter_parties.encounter_id AND s.role = 'subscriber' AND s.service_line IS NULL "
        f"AND {_same('s', 'encounter_parties')})"
    )
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
    # every claim had a patient row before: the subscriber's, copied, where none is stored
    fields = ", ".join(_FIELDS)
    op.execute(
        f"INSERT INTO encounter_parties (encounter_id, role, {fields}, service_line) "
        f"SELECT s.encounter_id, 'patient', {', '.join('s.' + f for f in _FIELDS)}, NULL "
        "FROM encounter_parties s WHERE s.role = 'subscriber' AND s.service_line IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM encounter_parties p WHERE p.encounter_id = "
        "s.encounter_id AND p.role = 'patient' AND p.service_line IS NULL)"
    )
