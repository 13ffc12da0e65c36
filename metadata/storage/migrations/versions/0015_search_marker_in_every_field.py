"""PostgreSQL: the vectors that could not hold all their pairs written again, marked in every field

Revision ID: 0015
Revises: 0014 (the other fields' own vector)

A record whose vector had no room for every pair of neighbouring words carries a marker, so that a phrase is
also looked for by its words' positions there (metadata/storage/search.py, ``PAIRS_INCOMPLETE``). The marker was
written at position 1 with every weight, and PostgreSQL keeps one weight a position, the title's: the summary's,
text's and other fields' own vectors lacked it, so such a record could rank in the wrong field for a phrase (and
the text tier found by elimination, since 0014, relies on each field's vector). Only the marked vectors (records
of hundreds of thousands of characters) are written again, from their records' current revisions.
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from metadata.storage.search import reindex_incomplete

    reindex_incomplete(conn)


def downgrade() -> None:
    """Nothing to undo: the older code reads a marker at any position."""
