"""The derived outputs indexed by record and revision: the start-up check for stale outputs reads an index

Revision ID: 0016
Revises: 0015 (vectors marked in every field)

Before serving, `muniment serve` and `muniment db upgrade` look for records with no output of their current
revision (a data migration writes revisions it cannot derive outputs for: ``Records.rebuild(stale_only=True)``).
Without this index the answer came from the derived table's own rows, most of the database (gigabytes at
100,000 records): from a cold page cache the check took 17 s on PostgreSQL and 36-71 s on SQLite, holding
SQLite's write lock meanwhile, before a server answered anything. The index holds a few bytes an output.
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_derived_record_revision", "derived", ["record_id", "revision"])


def downgrade() -> None:
    op.drop_index("ix_derived_record_revision", table_name="derived")
