"""Importing files into an archive that archivists are working in: stable identity, and their edits kept.

A record made by an import remembers its import key (metadata/importers/keys.py) and what its last import
wrote (the revision and its content hash), in ``record_imports``. Importing a file again then means:

- the record is found by its key (else by its identifier, unless that identifier belongs to a record another
  file made: then this file is another document and gets the next free identifier, ``...-2``);
- a file that says what the record says now is **unchanged**: nothing is written;
- a changed file makes a new revision ("Re-imported from FILE");
- a record that has been **edited** since its last import (its content is no longer what the import wrote, or no
  import ever wrote it) or **deleted** is **skipped**, with the reason, unless the import is forced; forced, the
  file becomes a new revision (restoring a deleted record), so no history is lost either way.

Publication state is the archivists' too: an import publishes only records it creates (as told), never changes
an existing record's state.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from sqlalchemy import exists, select

from metadata.record import identifiers
from metadata.record.record_format import upgrade
from metadata.record.text import content_hash
from metadata.record.validation import check
from metadata.storage.database import Database
from metadata.storage.preparation import Prepared
from metadata.storage.records import Records
from metadata.storage.tables import record_imports, records, revisions


@dataclass(frozen=True)
class ImportItem:
    """One record read from a file: the record, its import key (None: found by its identifier alone) and
    whether to publish it if the import creates it."""
    record: dict
    key: str | None
    published: bool = True
    prepared: Prepared | None = None  # validated, and its datestamp-free outputs made, ahead of the write


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one record did: 'created', 'updated', 'unchanged' or 'skipped' (with the reason)."""
    status: str
    record_id: str
    revision: int
    reason: str = ""


class Imports:
    """Record imports with stable identity; writes go through ``Records`` so every rule of a write holds."""

    def __init__(self, db: Database, records_part: Records):
        self.db = db
        self.records = records_part

    def apply(self, items: Iterable[ImportItem], author: str, file_name: str, *, force: bool = False,
              batch_size: int = 500) -> Iterator[ImportOutcome]:
        """Import ``items`` read from ``file_name``, committing once per batch (outcomes in order)."""
        batch: list[ImportItem] = []
        for item in items:
            # compared and stored in the current record format, whatever format the file was written in
            record = item.prepared.record if item.prepared is not None else check(upgrade(item.record))
            batch.append(replace(item, record=record))
            if len(batch) >= batch_size:
                yield from self._apply_batch(batch, author, file_name, force)
                batch = []
        if batch:
            yield from self._apply_batch(batch, author, file_name, force)

    def _apply_batch(self, batch, author, file_name, force) -> list[ImportOutcome]:
        with self.db.writing() as conn:
            return [self._apply_one(conn, item, author, file_name, force) for item in batch]

    def _apply_one(self, conn, item: ImportItem, author: str, file_name: str, force: bool) -> ImportOutcome:
        record = item.record
        target, imported = self._target(conn, item)
        record = identifiers.renamed(record, target)
        row = conn.execute(select(records).where(records.c.id == target)).first()
        if row is None:
            state = self.records.write_in(conn, None, record, author, f"Imported from {file_name}",
                                          published=item.published, prepared=item.prepared)
            self._remember(conn, None, target, item.key, state.revision, state.content_hash, file_name)
            return ImportOutcome("created", target, state.revision)
        digest = item.prepared.digest_of(record) if item.prepared is not None else content_hash(record)
        message = f"Re-imported from {file_name}"
        if row.deleted:
            if not force:
                return ImportOutcome("skipped", target, row.revision, self._deleted_reason(conn, row))
            message += ", restoring the deleted record"
        elif digest == row.content_hash:
            return ImportOutcome("unchanged", target, row.revision)
        elif imported is None or imported.content_hash != row.content_hash:
            if not force:
                return ImportOutcome("skipped", target, row.revision, self._edited_reason(conn, row, imported))
            message += ", replacing later edits"
        state = self.records.write_in(conn, row, record, author, message, published=row.published, digest=digest,
                                      prepared=item.prepared)
        self._remember(conn, imported, target, item.key, state.revision, digest, file_name)
        return ImportOutcome("updated", target, state.revision)

    def _target(self, conn, item: ImportItem):
        """The identifier the item's record is stored under, and that record's import row (if any)."""
        if item.key is not None:
            found = conn.execute(select(record_imports).where(record_imports.c.key == item.key)).first()
            if found is not None:
                return found.record_id, found
        target = item.record["identifier"]
        imported = self._import_row(conn, target)
        if item.key is None or imported is None or imported.key in (None, item.key):
            return target, imported
        # Another file's document holds this identifier (same date and title, say): this one is another record.
        n = 2
        while conn.execute(select(exists().where(records.c.id == identifiers.numbered(target, n)))).scalar():
            n += 1
        return identifiers.numbered(target, n), None

    @staticmethod
    def _import_row(conn, record_id: str):
        return conn.execute(select(record_imports).where(record_imports.c.record_id == record_id)).first()

    def _remember(self, conn, imported, record_id, key, revision, digest, file_name) -> None:
        values = dict(key=key if key is not None else (imported.key if imported is not None else None),
                      revision=revision, content_hash=digest, file=file_name, imported_at=self.db.clock())
        if imported is None:
            conn.execute(record_imports.insert().values(record_id=record_id, **values))
        else:
            conn.execute(record_imports.update().where(record_imports.c.record_id == record_id).values(**values))

    @staticmethod
    def _author(conn, row) -> str:
        return conn.execute(select(revisions.c.author).where(
            revisions.c.record_id == row.id, revisions.c.number == row.revision)).scalar_one()

    def _deleted_reason(self, conn, row) -> str:
        return (f"record {row.id} was deleted by {self._author(conn, row)} (revision {row.revision}); "
                "import with --force to restore it from the file as a new revision")

    def _edited_reason(self, conn, row, imported) -> str:
        if imported is None:
            return (f"record {row.id} was not made by an import (revision {row.revision} by "
                    f"{self._author(conn, row)}); import with --force to replace it with the file as a new revision")
        return (f"record {row.id} was edited by {self._author(conn, row)} since it was last imported (revision "
                f"{imported.revision}, now {row.revision}); import with --force to replace the edits with the file "
                "as a new revision")

    def last_import(self, record_id: str) -> dict | None:
        """What the record's last import wrote: key, revision, content hash, file and time (None: never)."""
        with self.db.reading() as conn:
            row = self._import_row(conn, record_id)
        return None if row is None else dict(row._mapping)

    def archive_is_empty(self) -> bool:
        """True when the database holds no record at all, not even a deleted one (``import --if-empty``)."""
        with self.db.reading() as conn:
            return conn.execute(select(records.c.id).limit(1)).first() is None
