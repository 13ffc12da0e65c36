"""A record and its history: every write (create, update, delete, restore, publish, bulk save, rebuild) and
the full reads editors and exports need.

A write is one transaction across all tables: the record row, an immutable revision, the derived outputs
(oai_dc, MARCXML, the IIIF manifest, ... produced by the ``derivers`` handed in, so a read is a lookup),
the record's set memberships and a change event. On SQLite the transaction takes the write lock at its start
(``BEGIN IMMEDIATE``) and on PostgreSQL the update is conditional on the revision the writer read, so two
writers of one record never both win: the loser gets ``Conflict``, never a lock error.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection

from metadata.record.record_format import upgrade
from metadata.record.stamps import Stamps
from metadata.record.text import content_hash
from metadata.record.validation import check
from metadata.storage.database import Database
from metadata.storage.derivation import Deriver, derived_outputs, entered, listing_values, set_specs, stamps
from metadata.storage.entities import KnownEntities, add_authority_links, ensure_entities, redirect_merged, \
    resolve_known_names
from metadata.storage.mentions import write_mentions
from metadata.storage.preparation import Prepared, can_fork, prepared_records
from metadata.storage.search import write_search
from metadata.storage.search_generation import note_change
from metadata.storage.sets import Sets
from metadata.storage.states import Conflict, Gone, NotFound, RecordState, Revision, StorageError
from metadata.storage.tables import changes, derived, record_sets, records, revisions



class Records:
    """Records, their revisions and derived outputs."""

    def __init__(self, db: Database, derivers: Mapping[str, Deriver] | None = None, stamp_free: Iterable[str] = ()):
        self.db = db
        self.derivers = dict(derivers or {})
        # The derivers whose output does not depend on when the record was stored (bulk saves compute them
        # before the transaction, in worker processes).
        self.stamp_free = {name: self.derivers[name] for name in stamp_free if name in self.derivers}

    def create(self, record: dict, author: str, message: str = "", published: bool = True) -> RecordState:
        record = check(upgrade(record))
        with self.db.writing() as conn:
            if self._row(conn, record["identifier"]) is not None:
                raise Conflict(f"record {record['identifier']} already exists")
            return self._write(conn, None, record, author, message, "create", deleted=False, published=published)

    def update(self, identifier: str, record: dict, expected_revision: int, author: str,
               message: str = "") -> RecordState:
        record = check(upgrade(record))
        if record["identifier"] != identifier:
            raise StorageError(f"the record's identifier {record['identifier']!r} is not {identifier!r}")
        with self.db.writing() as conn:
            row = self._existing(conn, identifier)
            if row.deleted:
                raise Gone(f"record {identifier} is deleted")
            self._expect(row, expected_revision)
            digest = content_hash(record)
            if row.content_hash == digest:
                return self._state(conn, row)
            return self._write(conn, row, record, author, message, "update", deleted=False, published=row.published,
                               digest=digest)

    def delete(self, identifier: str, expected_revision: int, author: str, message: str = "") -> RecordState:
        return self._transition(identifier, expected_revision, author, message, "delete", deleted=True)

    def restore(self, identifier: str, expected_revision: int, author: str, message: str = "") -> RecordState:
        return self._transition(identifier, expected_revision, author, message, "restore", deleted=False)

    def set_published(self, identifier: str, published: bool, expected_revision: int, author: str,
                      message: str = "") -> RecordState:
        kind = "publish" if published else "unpublish"
        return self._transition(identifier, expected_revision, author, message, kind, published=published)

    def save(self, record: dict, author: str, message: str = "", published: bool = True) -> tuple[str, RecordState]:
        """Create or update to exactly ``record`` (imports): ('created' | 'updated' | 'unchanged', state)."""
        record = check(upgrade(record))
        with self.db.writing() as conn:
            return self._save(conn, record, author, message, published)

    def save_many(self, records: Iterable[dict], author: str, message: str = "", published: bool = True,
                  batch_size: int = 500, workers: int = 1) -> Iterator[tuple[str, RecordState]]:
        """Like ``save`` for many records, committing once per batch (bulk imports, benchmarks).

        With ``workers`` > 1, that many forked processes validate the records and compute their datestamp-free
        outputs and search tokens (``preparation``) while this process writes the batch before: the
        transactions, their order and what they store are exactly those of ``workers=1``."""
        if workers > 1 and can_fork():
            stream = prepared_records(records, self.stamp_free, workers, ahead=2 * batch_size)
        else:
            stream = (Prepared.unprepared(check(upgrade(record))) for record in records)
        batch: list[Prepared] = []
        for prepared in stream:
            batch.append(prepared)
            if len(batch) >= batch_size:
                yield from self._save_batch(batch, author, message, published)
                batch = []
        if batch:
            yield from self._save_batch(batch, author, message, published)

    def _save_batch(self, batch: list[Prepared], author, message, published):
        with self.db.writing() as conn:
            results = [self._save(conn, prepared.record, author, message, published, prepared) for prepared in batch]
        return results

    def _save(self, conn, record, author, message, published, prepared: Prepared | None = None):
        row = self._row(conn, record["identifier"])
        if row is None:
            return "created", self.write_in(conn, None, record, author, message, published=published,
                                            prepared=prepared)
        digest = prepared.digest_of(record) if prepared is not None else content_hash(record)
        if not row.deleted and row.content_hash == digest:
            return "unchanged", self._state(conn, row)
        return "updated", self.write_in(conn, row, record, author, message, published=row.published, digest=digest,
                                        prepared=prepared)

    def write_in(self, conn: Connection, row, record: dict, author: str, message: str, *, published: bool,
                 digest: str | None = None, prepared: Prepared | None = None) -> RecordState:
        """``record`` as the next revision of ``row`` (None: a new record) inside the caller's write transaction:
        a create, an update, or a restore of a deleted record. For writers that decide first, in the same
        transaction, whether to write at all (imports)."""
        kind = "create" if row is None else ("restore" if row.deleted else "update")
        return self._write(conn, row, record, author, message, kind, deleted=False, published=published,
                           digest=digest, prepared=prepared)

    def _transition(self, identifier, expected_revision, author, message, kind, deleted=None, published=None):
        with self.db.writing() as conn:
            row = self._existing(conn, identifier)
            self._expect(row, expected_revision)
            deleted = row.deleted if deleted is None else deleted
            published = row.published if published is None else published
            if kind in ("publish", "unpublish") and row.deleted:
                raise Gone(f"record {identifier} is deleted")
            if deleted == row.deleted and published == row.published:
                return self._state(conn, row)
            data = upgrade(json.loads(conn.execute(select(revisions.c.data).where(
                revisions.c.record_id == identifier, revisions.c.number == row.revision)).scalar_one()))
            return self._write(conn, row, data, author, message, kind, deleted=deleted, published=published)

    @staticmethod
    def _expect(row, expected_revision: int) -> None:
        if expected_revision != row.revision:
            raise Conflict(f"record {row.id} is at revision {row.revision}, not {expected_revision}", row.revision)

    def _write(self, conn: Connection, row, data: dict, author: str, message: str, kind: str, *,
               deleted: bool, published: bool, digest: str | None = None,
               prepared: Prepared | None = None) -> RecordState:
        identifier = data["identifier"]
        now = self.db.clock()
        note_change(conn, identifier)  # the public search's accelerators catch up (search_generation.py)
        if not deleted:
            known = KnownEntities(conn)
            redirected = add_authority_links(conn, redirect_merged(conn, resolve_known_names(conn, data, known),
                                                                   known), known)
            if redirected is not data:  # it named a merged entity (the record names its successor instead), or
                data, digest = redirected, content_hash(redirected)  # an entity by name only: its links join
        digest = digest or (prepared.digest_of(data) if prepared is not None else content_hash(data))
        values = dict(datestamp=now, deleted=deleted, published=published, **listing_values(data),
                      content_hash=digest, harvestable=bool(published or (row is not None and row.harvestable)))
        # Statements built once with bound parameters (below the class): SQLAlchemy then reuses their compiled
        # form without building and hashing a new expression per record, a third of a bulk save's SQL time.
        if row is None:
            number = 1
            conn.execute(records.insert(), dict(id=identifier, revision=number, **values))
        else:
            number = row.revision + 1
            result = conn.execute(_UPDATE_RECORD, dict(revision=number, **values, b_id=identifier,
                                                       b_revision=row.revision))
            if result.rowcount != 1:
                raise Conflict(f"record {identifier} was changed by someone else", None)
        conn.execute(revisions.insert(), dict(
            record_id=identifier, number=number, data=json.dumps(data, ensure_ascii=False), deleted=deleted,
            published=published, author=author, created_at=now, message=message or kind, content_hash=digest))
        conn.execute(changes.insert(), dict(record_id=identifier, kind=kind, revision=number, at=now, author=author))
        if not deleted:
            # A new record entered the catalogue now; an older one when its first revision was written.
            when = Stamps(now, now) if row is None else Stamps(entered(conn, identifier), now)
            ready = prepared if prepared is not None and prepared.fits(digest) else Prepared.unprepared(data)
            self._write_derived(conn, identifier, number, data, when, replace=row is not None, ready=ready.outputs)
            self._write_sets(conn, identifier, data, replace=row is not None)
            write_mentions(conn, identifier, data, replace=row is not None)
            write_search(conn, identifier, data, replace=row is not None, tiers=ready.tiers)
            ensure_entities(conn, data, author, now, known)
        return RecordState(identifier, number, now, deleted, published, digest, data, values["harvestable"])

    def current_data(self, conn: Connection, identifier: str) -> dict | None:
        """The current content of a live record inside the caller's transaction; None if deleted or unknown."""
        row = self._row(conn, identifier)
        return None if row is None or row.deleted else self._state(conn, row).data

    def rewrite(self, conn: Connection, identifier: str, data: dict, author: str, message: str) -> bool:
        """A new revision of a live record inside the caller's transaction (an authority change carried into
        the records using the entity): validated, derived, datestamped like any update. False when the content
        is unchanged (no revision is made)."""
        check(data)
        row = self._existing(conn, identifier)
        digest = content_hash(data)
        if row.deleted or row.content_hash == digest:
            return False
        self._write(conn, row, data, author, message, "update", deleted=False, published=row.published, digest=digest)
        return True

    def _write_derived(self, conn, identifier, number, data, when: Stamps, replace: bool, ready=None) -> None:
        if replace:
            conn.execute(_DELETE_DERIVED, {"b_id": identifier})
        rows = [{"record_id": identifier, "format": fmt, "revision": number, "content": content}
                for fmt, content in derived_outputs(self.derivers, data, when, ready).items()]
        if rows:
            conn.execute(derived.insert(), rows)

    def _write_sets(self, conn, identifier, data, replace: bool) -> None:
        if replace:
            conn.execute(record_sets.delete().where(record_sets.c.record_id == identifier))
        specs = set_specs(data)
        if specs:
            Sets.ensure(conn, specs)
            conn.execute(record_sets.insert(), [{"record_id": identifier, "spec": s} for s in sorted(specs)])

    @staticmethod
    def _row(conn, identifier: str):
        return conn.execute(_RECORD_ROW, {"b_id": identifier}).first()

    def _existing(self, conn, identifier: str):
        row = self._row(conn, identifier)
        if row is None:
            raise NotFound(f"no record {identifier}")
        return row

    @staticmethod
    def _state(conn, row) -> RecordState:
        data = conn.execute(select(revisions.c.data).where(
            revisions.c.record_id == row.id, revisions.c.number == row.revision)).scalar_one()
        return RecordState(row.id, row.revision, row.datestamp, row.deleted, row.published, row.content_hash,
                           json.loads(data), row.harvestable)

    def get(self, identifier: str) -> RecordState | None:
        with self.db.reading() as conn:
            row = self._row(conn, identifier)
            return None if row is None else self._state(conn, row)

    def revisions(self, identifier: str) -> list[Revision]:
        with self.db.reading() as conn:
            rows = conn.execute(select(revisions).where(revisions.c.record_id == identifier)
                                .order_by(revisions.c.number)).all()
        return [_revision(r) for r in rows]

    def revision(self, identifier: str, number: int) -> Revision | None:
        with self.db.reading() as conn:
            row = conn.execute(select(revisions).where(
                revisions.c.record_id == identifier, revisions.c.number == number)).first()
        return None if row is None else _revision(row)

    def changes(self, identifier: str) -> list[dict]:
        with self.db.reading() as conn:
            rows = conn.execute(select(changes).where(changes.c.record_id == identifier)
                                .order_by(changes.c.seq)).all()
        return [dict(r._mapping) for r in rows]

    def list_records(self, *, page: int = 1, per_page: int = 50, query: str = "",
                     include_drafts: bool = False, include_deleted: bool = False) -> tuple[int, list]:
        """One page of records for listings (title, dates, state), ordered by date then id, and the total."""
        conditions = []
        if not include_deleted:
            conditions.append(records.c.deleted.is_(False))
        if not include_drafts:
            conditions.append(records.c.published.is_(True))
        if query:
            pattern = f"%{query.lower()}%"
            conditions.append(or_(func.lower(records.c.title).like(pattern), func.lower(records.c.id).like(pattern)))
        where = and_(True, *conditions)
        with self.db.reading() as conn:
            total = conn.execute(select(func.count()).select_from(records).where(where)).scalar_one()
            rows = conn.execute(select(records.c.id, records.c.title, records.c.created, records.c.date_lower,
                                       records.c.date_upper, records.c.datestamp, records.c.published,
                                       records.c.deleted, records.c.revision).where(where)
                                .order_by(records.c.date_lower.asc().nulls_last(), records.c.id)
                                .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
        return total, rows

    def iter_records(self, include_drafts: bool = True, batch: int = 500) -> Iterator[RecordState]:
        """Every live record, in id order, read in batches (export, rebuild)."""
        after = ""
        while True:
            with self.db.reading() as conn:
                conditions = [records.c.id > after, records.c.deleted.is_(False)]
                if not include_drafts:
                    conditions.append(records.c.published.is_(True))
                rows = conn.execute(select(records).where(*conditions).order_by(records.c.id).limit(batch)).all()
                states = [self._state(conn, row) for row in rows]
            if not states:
                return
            yield from states
            after = states[-1].id

    def rebuild(self, batch: int = 200, stale_only: bool = False) -> int:
        """Re-derive every stored output from the current revisions (after a mapping or base URL change); with
        ``stale_only``, only of records with no outputs of their current revision (after a data migration wrote
        new revisions, which a migration cannot derive outputs for)."""
        count = 0
        after = ""
        chosen = records.c.deleted.is_(False)
        if stale_only:
            chosen = and_(chosen, ~select(derived.c.record_id).where(
                derived.c.record_id == records.c.id, derived.c.revision == records.c.revision).exists())
        while True:
            with self.db.writing() as conn:
                rows = conn.execute(select(records).where(records.c.id > after, chosen)
                                    .order_by(records.c.id).limit(batch)).all()
                for row in rows:
                    state = self._state(conn, row)
                    self._write_derived(conn, row.id, row.revision, state.data, stamps(conn, row.id), replace=True)
                    self._write_sets(conn, row.id, state.data, replace=True)
                    write_mentions(conn, row.id, state.data, replace=True)
                    write_search(conn, row.id, state.data, replace=True)
                    ensure_entities(conn, state.data, "rebuild", self.db.clock())
            if not rows:
                return count
            count += len(rows)
            after = rows[-1].id


_RECORD_ROW = select(records).where(records.c.id == bindparam("b_id"))
_UPDATE_RECORD = records.update().where(records.c.id == bindparam("b_id"), records.c.revision == bindparam("b_revision"))
_DELETE_DERIVED = derived.delete().where(derived.c.record_id == bindparam("b_id"))


def _revision(row) -> Revision:
    return Revision(row.record_id, row.number, json.loads(row.data), row.deleted, row.published, row.author,
                    row.created_at, row.message, row.content_hash)
