"""records.created: the EDTF date as written, so listings show "194X" rather than its bounds

Revision ID: 0002
Revises: 0001
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("created", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT r.id, v.data FROM records r JOIN revisions v ON v.record_id = r.id AND v.number = r.revision"))
    for identifier, data in rows.fetchall():
        connection.execute(sa.text("UPDATE records SET created = :created WHERE id = :id"),
                           {"created": json.loads(data).get("created"), "id": identifier})


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("created")
