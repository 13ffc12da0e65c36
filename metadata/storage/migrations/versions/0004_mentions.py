"""who and what each record mentions, for entity pages and facets

Revision ID: 0004
Revises: 0003
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mentions',
        sa.Column('record_id', sa.String(length=128), sa.ForeignKey('records.id'), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('key', sa.String(length=2048), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('record_id', 'kind', 'key', 'role'),
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index('ix_mentions_kind_key', ['kind', 'key', 'record_id'], unique=False)
    # Fill it for the records already stored, from each record's current revision.
    from metadata.record.mentions import mentions

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.id, v.data FROM records r JOIN revisions v ON v.record_id = r.id AND v.number = r.revision "
        "WHERE NOT r.deleted")).all()
    table = sa.table('mentions', sa.column('record_id'), sa.column('kind'), sa.column('key'), sa.column('role'),
                     sa.column('label'))
    for record_id, data in rows:
        found = [{"record_id": record_id, "kind": m.kind, "key": m.key, "role": m.role, "label": m.label}
                 for m in mentions(json.loads(data))]
        if found:
            conn.execute(table.insert(), found)


def downgrade() -> None:
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentions_kind_key')
    op.drop_table('mentions')
