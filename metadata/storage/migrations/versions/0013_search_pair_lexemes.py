"""PostgreSQL: every record's tsvector written again, now with a lexeme for each pair of neighbouring tokens

Revision ID: 0013
Revises: 0012 (the fields' own vectors)

A phrase was ``a <-> b``: the GIN index knows which records hold both words but not where, so PostgreSQL read
the whole vector of each of them again (out of TOAST) to check positions, hundreds of milliseconds for a
phrase of common words. The vectors now also hold "a b" for each pair of neighbouring words in a field, and a phrase
is looked up as its pairs (metadata/storage/search.py). The tokens are made from each record's current
revision, as ``muniment rebuild`` does; the fields' vectors follow (generated columns). The rows are written
narrow (every vector but the smallest in TOAST), so that the index's hits are read from a small table. This
writes every record's vector again, then builds the GIN indexes anew (four minutes at 100,000 records; inserting
into the indexes as it went took more than ten). SQLite is unchanged: FTS5 keeps
positions in its own index. The table is held for the whole transaction: stop every app server first.
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from metadata.storage.search import (NARROW_ROW, create_vector_indexes, drop_vector_indexes,
                                         refill_engine_index)

    drop_vector_indexes(conn)
    conn.exec_driver_sql(f"ALTER TABLE search_vectors SET (toast_tuple_target = {NARROW_ROW})")
    conn.exec_driver_sql("TRUNCATE search_vectors")
    refill_engine_index(conn)
    create_vector_indexes(conn)


def downgrade() -> None:
    """Nothing to undo: the older queries find the same records in vectors that also hold pairs, and the rows'
    width is only where PostgreSQL keeps them."""
