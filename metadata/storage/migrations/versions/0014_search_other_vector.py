"""PostgreSQL: the other fields' own tsvector (people, places, subjects, identifiers, dates, citation), GIN-indexed

Revision ID: 0014
Revises: 0013 (pairs of neighbouring words, narrow rows)

The text tier of a common word was a second read of every text holding it, after the read of every record
holding it (a Russian word in 27,000 texts: two reads of 8-11 ms). Since a match with no term in its title or
summary has each term in its text or in its other fields, the text tier is the matches less those whose other
fields hold every term, and a word in no name needs only a look at the other fields' small index
(metadata/storage/search.py, ``_Matcher._text_by_elimination``). Like 0012's, the column is generated from the
record's vector, ``ts_filter`` by its weight (D), so no write changes. Adding a stored generated column writes the
table again, then the index is built: about two minutes at 100,000 records, holding the table; stop every app
server first. A database whose 0006 ran with this code has the column already. SQLite is unchanged: it has a
full-text table per field, the other fields' among them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from metadata.storage.search import add_field_vector, create_vector_indexes, vector_columns

    if "other_vector" not in vector_columns(conn):
        add_field_vector(conn, "other")
    create_vector_indexes(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.execute(sa.text("ALTER TABLE search_vectors DROP COLUMN IF EXISTS other_vector"))
