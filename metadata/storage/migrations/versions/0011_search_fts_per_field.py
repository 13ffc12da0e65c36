"""SQLite's full-text index as one FTS5 table per field instead of one table with a column per field

Revision ID: 0011
Revises: 0010 (search_generation)

A relevance tier (title, then summary, then text hits) was a column filter on the one table, which reads the
postings of every record holding the word in any field, once per field: for a word in 60,000 of 100,000
records that was four reads of everything. With a table per field each field's hits are a read of that
field's postings alone, and a record's match is the union of its fields. The tokens move as they are (no
record is read again); PostgreSQL's tsvectors are unchanged. A database whose 0006 already ran with this
code has the four tables and nothing to move.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_FIELDS = ("title", "summary", "text", "other")
_DEFINITION = "fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')"


def _exists(conn, name: str) -> bool:
    return conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": name}).first() is not None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite" or not _exists(conn, "search_fts"):
        return
    for field in _FIELDS:
        if not _exists(conn, f"search_fts_{field}"):
            conn.execute(sa.text(f"CREATE VIRTUAL TABLE search_fts_{field} USING {_DEFINITION}"))
        conn.execute(sa.text(f"INSERT INTO search_fts_{field} (rowid, tokens) "
                             f"SELECT rowid, {field} FROM search_fts WHERE {field} != ''"))
    conn.execute(sa.text("DROP TABLE search_fts"))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite" or _exists(conn, "search_fts"):
        return
    conn.execute(sa.text("CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, text, other, "
                         "tokenize = 'unicode61 remove_diacritics 0')"))
    joined = " ".join(f"LEFT JOIN search_fts_{f} AS {f} ON {f}.rowid = d.doc" for f in _FIELDS)
    columns = ", ".join(f"coalesce({f}.tokens, '')" for f in _FIELDS)
    conn.execute(sa.text(f"INSERT INTO search_fts (rowid, title, summary, text, other) "
                         f"SELECT d.doc, {columns} FROM search_documents AS d {joined}"))
    for field in _FIELDS:
        conn.execute(sa.text(f"DROP TABLE search_fts_{field}"))
