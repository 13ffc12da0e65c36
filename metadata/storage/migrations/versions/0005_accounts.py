"""accounts that can be cut off: disabled/deleted users, session epochs, token expiry, public ids

Revision ID: 0005
Revises: 0004
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('display_name', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))
    users = sa.table('users', sa.column('name', sa.String), sa.column('public_id', sa.String))
    conn = op.get_bind()
    for (name,) in conn.execute(sa.select(users.c.name)).all():
        conn.execute(users.update().where(users.c.name == name).values(public_id=secrets.token_hex(12)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('display_name', server_default=None)
        batch_op.alter_column('disabled', server_default=None)
        batch_op.alter_column('session_epoch', server_default=None)
        batch_op.create_unique_constraint('uq_users_public_id', ['public_id'])
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_public_id', type_='unique')
        for column in ('session_epoch', 'deleted_at', 'disabled', 'display_name', 'public_id'):
            batch_op.drop_column(column)
