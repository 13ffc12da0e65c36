"""search_generation, search_changes: a counter every write that can change the public search moves

Revision ID: 0010
Revises: 0009 (entities)

Each app server keeps the public search's facets and orders in memory (metadata/storage/search_accelerator.py)
and compares the counter before every search. A database that already holds records starts at generation 1
with an "everything changed" row, so a server that had read this database before its upgrade rebuilds; an
empty database gets no row, so a backup can still be restored into it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'search_changes',
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('generation', 'record_id'),
    )
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM records LIMIT 1")).first() is not None:
        conn.execute(sa.text("INSERT INTO search_generation (id, value) VALUES (1, 1)"))
        conn.execute(sa.text("INSERT INTO search_changes (generation, record_id) VALUES (1, '')"))


def downgrade() -> None:
    op.drop_table('search_changes')
    op.drop_table('search_generation')
