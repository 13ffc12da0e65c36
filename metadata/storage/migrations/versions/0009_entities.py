"""authority control: entities (people, places, subjects) with their own revisions, built from the records

Revision ID: 0009
Revises: 0008 (record format 2)
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'entities',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=1024), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=16), nullable=True),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('variants', sa.Text(), nullable=False),
        sa.Column('same_as', sa.Text(), nullable=False),
        sa.Column('sort_name', sa.Text(), nullable=True),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('merged_into', sa.String(length=1024), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key'),
    )
    op.create_table(
        'entity_revisions',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=1024), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('author', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', 'number'),
    )
    # One entity per distinct key the current records name, with the names and links their nodes give it.
    from metadata.storage.database import utc_now
    from metadata.storage.entities import fill_from_records

    fill_from_records(op.get_bind(), "migration", utc_now())


def downgrade() -> None:
    op.drop_table('entity_revisions')
    op.drop_table('entities')
