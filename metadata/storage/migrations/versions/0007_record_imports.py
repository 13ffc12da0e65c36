"""record_imports: each imported record's import key and what its last import wrote

Revision ID: 0007
Revises: 0006 (search)

Records imported before this table existed get their row from their history: ``muniment import`` wrote each
revision it made with the message "import FILE", so the newest such revision is the last import (its number,
content hash, file and time), and the key is derived from that revision's data and file name by the same rule
imports use now (metadata/importers/keys.py). Records no import ever wrote get no row (an import of a file
naming them will be skipped as "not made by an import" unless forced). Where two records derive the same key
(a corrected file imported before this migration made a second record), the key goes to the one imported most
recently and the other keeps a row with no key: it is found by its identifier alone.
"""
import json
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_IMPORT_MESSAGE = re.compile(r"^import (?P<file>.+)$")  # server/cli.py's message before this revision


def upgrade() -> None:
    op.create_table(
        'record_imports',
        sa.Column('record_id', sa.String(length=128), sa.ForeignKey('records.id'), nullable=False),
        sa.Column('key', sa.String(length=1000), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('file', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('record_id'),
        sa.UniqueConstraint('key', name='uq_record_imports_key'),
    )
    from metadata.importers.files import detect_format
    from metadata.importers.keys import key_for

    conn = op.get_bind()
    last: dict[str, dict] = {}
    found = conn.execute(sa.text(  # each import revision, with the sequence number of its change event
        "SELECT r.record_id, r.number, r.content_hash, r.message, r.created_at, c.seq FROM revisions r "
        "JOIN changes c ON c.record_id = r.record_id AND c.revision = r.number "
        "WHERE r.message LIKE 'import %' ORDER BY c.seq").columns(created_at=sa.DateTime()))
    for record_id, number, digest, message, created_at, seq in found:
        match = _IMPORT_MESSAGE.match(message)
        if match:
            last[record_id] = {"record_id": record_id, "revision": number, "content_hash": digest,
                               "file": match.group("file"), "imported_at": created_at, "seq": seq}
    rows = sorted(last.values(), key=lambda r: r.pop("seq"))  # in the order of their last import
    for row in rows:  # one revision's data at a time, so memory stays flat however many records there are
        data = json.loads(conn.execute(sa.text("SELECT data FROM revisions WHERE record_id = :id AND number = :n"),
                                       {"id": row["record_id"], "n": row["revision"]}).scalar_one())
        row["key"] = key_for(data, row["file"], detect_format(Path(row["file"])))
    holders: dict[str, dict] = {}
    for row in rows:
        if row["key"] is not None:
            earlier = holders.get(row["key"])
            if earlier is not None:
                earlier["key"] = None  # the most recent import of the same document keeps the key
            holders[row["key"]] = row
    if rows:
        table = sa.table('record_imports', sa.column('record_id'), sa.column('key'), sa.column('revision'),
                         sa.column('content_hash'), sa.column('file'), sa.column('imported_at', sa.DateTime()))
        conn.execute(table.insert(), rows)


def downgrade() -> None:
    op.drop_table('record_imports')
