"""the search index: a document per record, and the engine's own full-text table (FTS5 or a GIN'd tsvector)

Revision ID: 0006
Revises: 0005 (accounts)
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_documents',
        sa.Column('doc', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('record_id', sa.String(length=128), sa.ForeignKey('records.id'), nullable=False),
        sa.Column('title_key', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('doc'),
        sa.UniqueConstraint('record_id', name='uq_search_documents_record'),
    )
    from metadata.record.mentions import mentions
    from metadata.storage.search import create_engine_index, write_search

    conn = op.get_bind()
    create_engine_index(conn)
    # Index the records already stored (and give them the new "type" mentions), from each current revision.
    rows = conn.execute(sa.text(
        "SELECT r.id, v.data FROM records r JOIN revisions v ON v.record_id = r.id AND v.number = r.revision "
        "WHERE NOT r.deleted")).all()
    # (0004 run by today's code already wrote them: start from none so each is written once)
    conn.execute(sa.text("DELETE FROM mentions WHERE kind = 'type'"))
    table = sa.table('mentions', sa.column('record_id'), sa.column('kind'), sa.column('key'), sa.column('role'),
                     sa.column('label'))
    for record_id, data in rows:
        record = json.loads(data)
        write_search(conn, record_id, record, replace=False)
        found = [{"record_id": record_id, "kind": m.kind, "key": m.key, "role": m.role, "label": m.label}
                 for m in mentions(record) if m.kind == "type"]
        if found:
            conn.execute(table.insert(), found)


def downgrade() -> None:
    from metadata.storage.search import drop_engine_index

    drop_engine_index(op.get_bind())
    op.execute("DELETE FROM mentions WHERE kind = 'type'")
    op.drop_table('search_documents')
