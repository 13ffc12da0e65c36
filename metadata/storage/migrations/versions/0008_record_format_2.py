"""record format 2: each live record whose current revision is in format 1 gets a new revision in format 2

Format 2 (metadata/record/record_format.py) makes ``extent`` and each version's ``format`` resources, as
Dublin Core's ranges want. The upgrade is a new revision, by "muniment", so the history says why the record
changed and no stored revision is rewritten; what an import last wrote (``record_imports``) moves to the new
revision, which is that import's content in the new format. Tombstones keep their last data (a restore upgrades it, as every
write does). The stored outputs of the upgraded records are re-derived by ``muniment db upgrade`` (and
``muniment serve``) right after the migration, which cannot derive them itself (the derivers live in the
server); their content does not change, only the dates of the new revision (MARC 005, MODS recordChangeDate).

Revision ID: 0008
Revises: 0007 (record imports)
"""
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

AUTHOR = "muniment"
MESSAGE = "record format 2: extent and text formats as resources (migration 0008)"


def upgrade() -> None:
    from metadata.record import record_format
    from metadata.record.text import content_hash

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.id, r.revision, r.published, v.data FROM records r "
        "JOIN revisions v ON v.record_id = r.id AND v.number = r.revision WHERE NOT r.deleted ORDER BY r.id")).all()
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    for identifier, number, published, data in rows:
        record = json.loads(data)
        if record_format.version(record) == record_format.CURRENT:
            continue
        upgraded = record_format.upgrade(record)
        digest = content_hash(upgraded)
        values = {"id": identifier, "number": number + 1, "data": json.dumps(upgraded, ensure_ascii=False),
                  "published": published, "author": AUTHOR, "at": now, "message": MESSAGE, "hash": digest,
                  "deleted": False}
        conn.execute(sa.text(
            "INSERT INTO revisions (record_id, number, data, deleted, published, author, created_at, message, "
            "content_hash) VALUES (:id, :number, :data, :deleted, :published, :author, :at, :message, :hash)"), values)
        conn.execute(sa.text("INSERT INTO changes (record_id, kind, revision, at, author) "
                             "VALUES (:id, 'update', :number, :at, :author)"), values)
        conn.execute(sa.text("UPDATE records SET revision = :number, datestamp = :at, content_hash = :hash "
                             "WHERE id = :id"), values)
        # An import that wrote the format-1 revision wrote this one too, in the new format: the next import of
        # its file compares with it and finds no archivist's edit in between.
        conn.execute(sa.text("UPDATE record_imports SET revision = :number, content_hash = :hash "
                             "WHERE record_id = :id AND revision = :old"), {**values, "old": number})


def downgrade() -> None:
    # The schema is unchanged and the new revisions are history now: a downgrade keeps them.
    pass
