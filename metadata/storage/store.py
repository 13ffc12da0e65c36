"""The one storage door: every read and write of records, revisions, derived outputs and change events.

A write is one transaction across all tables: the record row, an immutable revision, the derived outputs
(oai_dc, MARCXML, the IIIF manifest, ... produced by the ``derivers`` handed in, so a read is a lookup),
the record's set memberships and a change event. On SQLite the transaction takes the write lock at its start
(``BEGIN IMMEDIATE``) and on PostgreSQL the update is conditional on the revision the writer read, so two
writers of one record never both win: the loser gets ``Conflict``, never a lock error.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, create_engine, event, func, or_, select, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from metadata.record import dates
from metadata.record.text import content_hash, first_text
from metadata.storage.tables import changes, derived, login_failures, record_sets, records, revisions, sets, tokens, users
from metadata.record.urls import STORED
from metadata.record.validation import check

Deriver = Callable[[dict], "str | dict[str, str]"]


class StorageError(Exception):
    pass


class NotFound(StorageError):
    pass


class Gone(StorageError):
    """The record existed and was deleted (a tombstone is kept)."""


class Conflict(StorageError):
    """Someone else changed the record first; ``current`` is the revision now stored (if any)."""

    def __init__(self, message: str, current: int | None = None):
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class RecordState:
    id: str
    revision: int
    datestamp: datetime
    deleted: bool
    published: bool
    content_hash: str
    data: dict
    ever_published: bool = True  # a never-published draft that is deleted leaves no public tombstone

    @property
    def public(self) -> str | None:
        """'live' or 'gone' for the public interfaces; None where the public may not know it exists."""
        if self.deleted:
            return "gone" if self.ever_published else None
        return "live" if self.published else None

    @property
    def etag(self) -> str:
        return f'"{self.revision}-{self.content_hash[:16]}"'

    @property
    def title(self) -> str:
        return first_text(self.data.get("title"))


@dataclass(frozen=True)
class Revision:
    record_id: str
    number: int
    data: dict
    deleted: bool
    published: bool
    author: str
    created_at: datetime
    message: str
    content_hash: str


@dataclass(frozen=True)
class HarvestItem:
    """One record as OAI-PMH sees it: header fields and the stored output of one format."""
    id: str
    datestamp: datetime
    deleted: bool  # deleted, or withdrawn from publication after having been published
    content: str | None
    specs: tuple[str, ...] = ()


def utc_now() -> datetime:
    """Now in UTC, to the second (OAI-PMH granularity); stored naive."""
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)


def engine_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = engine_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event (below) issue BEGIN itself, so writes can use BEGIN IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            immediate = connection.get_execution_options().get("muniment_write")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """Records, their revisions and derived outputs in one SQL database."""

    def __init__(self, engine: Engine, derivers: Mapping[str, Deriver] | None = None):
        self.engine = engine
        self.derivers = dict(derivers or {})
        self._local = threading.local()

    # ---------------------------------------------------------------- transactions
    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it holds the write lock from its first statement."""
        with self.engine.connect() as conn:
            conn.execution_options(muniment_write=True)
            try:
                with conn.begin():
                    yield conn
            except IntegrityError as exc:
                raise Conflict(f"a concurrent write won: {exc.orig}") from exc
            except OperationalError as exc:
                if "locked" in str(exc.orig).lower() or "could not serialize" in str(exc.orig).lower():
                    raise Conflict("the database was busy with another write; try again") from exc
                raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    # ---------------------------------------------------------------- writes
    def create(self, record: dict, author: str, message: str = "", published: bool = True) -> RecordState:
        check(record)
        with self.writing() as conn:
            if self._row(conn, record["identifier"]) is not None:
                raise Conflict(f"record {record['identifier']} already exists")
            return self._write(conn, None, record, author, message, "create", deleted=False, published=published)

    def update(self, identifier: str, record: dict, expected_revision: int, author: str,
               message: str = "") -> RecordState:
        check(record)
        if record["identifier"] != identifier:
            raise StorageError(f"the record's identifier {record['identifier']!r} is not {identifier!r}")
        with self.writing() as conn:
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
        check(record)
        with self.writing() as conn:
            return self._save(conn, record, author, message, published)

    def save_many(self, records: Iterable[dict], author: str, message: str = "", published: bool = True,
                  batch_size: int = 500) -> Iterator[tuple[str, RecordState]]:
        """Like ``save`` for many records, committing once per batch (bulk imports, benchmarks)."""
        batch: list[dict] = []
        for record in records:
            check(record)
            batch.append(record)
            if len(batch) >= batch_size:
                yield from self._save_batch(batch, author, message, published)
                batch = []
        if batch:
            yield from self._save_batch(batch, author, message, published)

    def _save_batch(self, batch, author, message, published):
        with self.writing() as conn:
            results = [self._save(conn, record, author, message, published) for record in batch]
        return results

    def _save(self, conn, record, author, message, published):
        row = self._row(conn, record["identifier"])
        if row is None:
            return "created", self._write(conn, None, record, author, message, "create", deleted=False,
                                          published=published)
        digest = content_hash(record)
        if not row.deleted and row.content_hash == digest:
            return "unchanged", self._state(conn, row)
        kind = "restore" if row.deleted else "update"
        return "updated", self._write(conn, row, record, author, message, kind, deleted=False,
                                      published=row.published, digest=digest)

    def _transition(self, identifier, expected_revision, author, message, kind, deleted=None, published=None):
        with self.writing() as conn:
            row = self._existing(conn, identifier)
            self._expect(row, expected_revision)
            deleted = row.deleted if deleted is None else deleted
            published = row.published if published is None else published
            if kind in ("publish", "unpublish") and row.deleted:
                raise Gone(f"record {identifier} is deleted")
            if deleted == row.deleted and published == row.published:
                return self._state(conn, row)
            data = json.loads(conn.execute(select(revisions.c.data).where(
                revisions.c.record_id == identifier, revisions.c.number == row.revision)).scalar_one())
            return self._write(conn, row, data, author, message, kind, deleted=deleted, published=published)

    @staticmethod
    def _expect(row, expected_revision: int) -> None:
        if expected_revision != row.revision:
            raise Conflict(f"record {row.id} is at revision {row.revision}, not {expected_revision}", row.revision)

    def _write(self, conn: Connection, row, data: dict, author: str, message: str, kind: str, *,
               deleted: bool, published: bool, digest: str | None = None) -> RecordState:
        identifier = data["identifier"]
        now = utc_now()
        digest = digest or content_hash(data)
        lower, upper = dates.bounds(data["created"])
        values = dict(datestamp=now, deleted=deleted, published=published, title=first_text(data["title"]),
                      created=data["created"], date_lower=lower, date_upper=upper, content_hash=digest,
                      harvestable=bool(published or (row is not None and row.harvestable)))
        if row is None:
            number = 1
            conn.execute(records.insert().values(id=identifier, revision=number, **values))
        else:
            number = row.revision + 1
            result = conn.execute(records.update().where(
                records.c.id == identifier, records.c.revision == row.revision).values(revision=number, **values))
            if result.rowcount != 1:
                raise Conflict(f"record {identifier} was changed by someone else", None)
        conn.execute(revisions.insert().values(
            record_id=identifier, number=number, data=json.dumps(data, ensure_ascii=False), deleted=deleted,
            published=published, author=author, created_at=now, message=message or kind, content_hash=digest))
        conn.execute(changes.insert().values(record_id=identifier, kind=kind, revision=number, at=now, author=author))
        if not deleted:
            self._write_derived(conn, identifier, number, data, replace=row is not None)
            self._write_sets(conn, identifier, data, replace=row is not None)
        return RecordState(identifier, number, now, deleted, published, digest, data, values["harvestable"])

    def _write_derived(self, conn, identifier, number, data, replace: bool) -> None:
        if replace:
            conn.execute(derived.delete().where(derived.c.record_id == identifier))
        rows = []
        for name, build in self.derivers.items():
            output = build(data)  # a text, or several named texts (a manifest and its page layout)
            for fmt, content in (output.items() if isinstance(output, dict) else [(name, output)]):
                rows.append({"record_id": identifier, "format": fmt, "revision": number, "content": content})
        if rows:
            conn.execute(derived.insert(), rows)

    def _write_sets(self, conn, identifier, data, replace: bool) -> None:
        if replace:
            conn.execute(record_sets.delete().where(record_sets.c.record_id == identifier))
        specs = {STORED.set_spec(iri) for iri in data.get("isPartOf") or []} - {None}
        if specs:
            self._ensure_sets(conn, specs)
            conn.execute(record_sets.insert(), [{"record_id": identifier, "spec": s} for s in sorted(specs)])

    @staticmethod
    def _ensure_sets(conn, specs: set[str]) -> None:
        """Sets a record names but nobody has described yet get a row (named by their last segment)."""
        wanted: set[str] = set()
        for spec in specs:
            parts = spec.split(":")
            wanted.update(":".join(parts[:i]) for i in range(1, len(parts) + 1))
        known = set(conn.execute(select(sets.c.spec).where(sets.c.spec.in_(wanted))).scalars())
        for spec in sorted(wanted - known):  # parents sort before their children
            parent = spec.rsplit(":", 1)[0] if ":" in spec else None
            conn.execute(sets.insert().values(spec=spec, name=spec.rsplit(":", 1)[-1], description="",
                                              parent=parent))

    # ---------------------------------------------------------------- reads
    @staticmethod
    def _row(conn, identifier: str):
        return conn.execute(select(records).where(records.c.id == identifier)).first()

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
        with self.reading() as conn:
            row = self._row(conn, identifier)
            return None if row is None else self._state(conn, row)

    _STATE_COLUMNS = "r.id, r.revision, r.datestamp, r.deleted, r.published, r.content_hash, r.harvestable"
    _STATE_SQL = f"SELECT {_STATE_COLUMNS} FROM records r WHERE r.id = ?"
    _DERIVED_SQL = (f"SELECT {_STATE_COLUMNS}, d.content FROM records r "
                    "JOIN derived d ON d.record_id = r.id AND d.format = ? WHERE r.id = ?")

    def state(self, identifier: str) -> RecordState | None:
        """A record's header fields without its data (one cheap autocommit read); None if unknown."""
        row = self._raw_first(self._STATE_SQL, (identifier,))
        return None if row is None else _raw_state(row)

    def get_derived(self, identifier: str, fmt: str) -> tuple[RecordState, str] | None:
        """The record's header fields and one stored output, in one round trip; None if absent.

        This is the read behind every manifest and record format request, so it goes straight to the DBAPI
        (one statement, no transaction; ~10x cheaper than a Core select) instead of through SQLAlchemy.
        """
        row = self._raw_first(self._DERIVED_SQL, (fmt, identifier))
        return None if row is None else (_raw_state(row[:-1]), row[-1])

    def _raw_first(self, sql: str, params: tuple):
        """First row of a single autocommit statement on this thread's own read connection."""
        if self.engine.dialect.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        try:
            cursor = self._read_connection().cursor()
            cursor.execute(sql, params)
            row = cursor.fetchone()
            cursor.close()
            return row
        except Exception:
            self._local.__dict__.pop("connection", None)  # a broken connection is replaced on the next read
            raise

    def _read_connection(self):
        """A DBAPI connection kept per thread and process (never shared across a fork), in autocommit mode
        so it never holds a transaction open between reads."""
        held = getattr(self._local, "connection", None)
        if held is None or held[0] != os.getpid():
            connection = self.engine.raw_connection()
            driver = connection.driver_connection
            if hasattr(driver, "autocommit") and not isinstance(driver, sqlite3.Connection):
                driver.autocommit = True
            held = self._local.connection = (os.getpid(), connection)
        return held[1]

    def revisions(self, identifier: str) -> list[Revision]:
        with self.reading() as conn:
            rows = conn.execute(select(revisions).where(revisions.c.record_id == identifier)
                                .order_by(revisions.c.number)).all()
        return [_revision(r) for r in rows]

    def revision(self, identifier: str, number: int) -> Revision | None:
        with self.reading() as conn:
            row = conn.execute(select(revisions).where(
                revisions.c.record_id == identifier, revisions.c.number == number)).first()
        return None if row is None else _revision(row)

    def changes(self, identifier: str) -> list[dict]:
        with self.reading() as conn:
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
        with self.reading() as conn:
            total = conn.execute(select(func.count()).select_from(records).where(where)).scalar_one()
            rows = conn.execute(select(records.c.id, records.c.title, records.c.created, records.c.date_lower,
                                       records.c.date_upper, records.c.datestamp, records.c.published,
                                       records.c.deleted, records.c.revision).where(where)
                                .order_by(records.c.date_lower, records.c.id)
                                .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
        return total, rows

    def iter_records(self, include_drafts: bool = True, batch: int = 500) -> Iterator[RecordState]:
        """Every live record, in id order, read in batches (export, rebuild)."""
        after = ""
        while True:
            with self.reading() as conn:
                conditions = [records.c.id > after, records.c.deleted.is_(False)]
                if not include_drafts:
                    conditions.append(records.c.published.is_(True))
                rows = conn.execute(select(records).where(*conditions).order_by(records.c.id).limit(batch)).all()
                states = [self._state(conn, row) for row in rows]
            if not states:
                return
            yield from states
            after = states[-1].id

    def rebuild(self, batch: int = 200) -> int:
        """Re-derive every stored output from the current revisions (after a mapping or base URL change)."""
        count = 0
        after = ""
        while True:
            with self.writing() as conn:
                rows = conn.execute(select(records).where(records.c.id > after, records.c.deleted.is_(False))
                                    .order_by(records.c.id).limit(batch)).all()
                for row in rows:
                    state = self._state(conn, row)
                    self._write_derived(conn, row.id, row.revision, state.data, replace=True)
                    self._write_sets(conn, row.id, state.data, replace=True)
            if not rows:
                return count
            count += len(rows)
            after = rows[-1].id

    # ---------------------------------------------------------------- harvesting (OAI-PMH)
    @staticmethod
    def _harvest_conditions(spec, since, until) -> list:
        conditions = [records.c.harvestable.is_(True)]
        if since is not None:
            conditions.append(records.c.datestamp >= since)
        if until is not None:
            conditions.append(records.c.datestamp <= until)
        if spec:
            members = select(record_sets.c.record_id).where(or_(
                record_sets.c.spec == spec, record_sets.c.spec.startswith(spec + ":", autoescape=True)))
            conditions.append(records.c.id.in_(members))
        return conditions

    def harvest(self, fmt: str, *, spec: str | None = None, since: datetime | None = None,
                until: datetime | None = None, after: tuple[datetime, str] | None = None, limit: int = 100,
                with_content: bool = True) -> list[HarvestItem]:
        """Up to ``limit`` harvestable records in (datestamp, id) order after ``after``: a keyset page."""
        conditions = self._harvest_conditions(spec, since, until)
        if after is not None:
            conditions.append(tuple_(records.c.datestamp, records.c.id) > tuple_(*after))
        query = self._harvest_select(fmt, with_content).where(*conditions)
        with self.reading() as conn:
            rows = conn.execute(query.order_by(records.c.datestamp, records.c.id).limit(limit)).all()
            return self._harvest_items(conn, rows, with_content)

    @staticmethod
    def _harvest_select(fmt: str, with_content: bool):
        columns = [records.c.id, records.c.datestamp, records.c.deleted, records.c.published]
        if not with_content:
            return select(*columns)
        return select(*columns, derived.c.content).outerjoin(
            derived, and_(derived.c.record_id == records.c.id, derived.c.format == fmt))

    def _harvest_items(self, conn, rows, with_content: bool) -> list[HarvestItem]:
        """Rows as OAI-PMH items: a deleted or withdrawn record is a header only, with its sets."""
        specs = self._specs(conn, [r.id for r in rows])
        items = []
        for row in rows:
            gone = bool(row.deleted or not row.published)
            content = row.content if with_content and not gone else None
            items.append(HarvestItem(row.id, row.datestamp, gone, content, specs.get(row.id, ())))
        return items

    def harvest_count(self, *, spec: str | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> int:
        with self.reading() as conn:
            return conn.execute(select(func.count()).select_from(records).where(
                *self._harvest_conditions(spec, since, until))).scalar_one()

    def harvest_item(self, identifier: str, fmt: str) -> HarvestItem | None:
        """A single harvestable record (GetRecord); None for unknown or never-published records."""
        query = self._harvest_select(fmt, True).where(records.c.id == identifier, records.c.harvestable.is_(True))
        with self.reading() as conn:
            items = self._harvest_items(conn, conn.execute(query).all(), True)
        return items[0] if items else None

    def earliest_datestamp(self) -> datetime | None:
        with self.reading() as conn:
            return conn.execute(select(func.min(records.c.datestamp)).where(
                records.c.harvestable.is_(True))).scalar_one()

    @staticmethod
    def _specs(conn, identifiers: list[str]) -> dict[str, tuple[str, ...]]:
        """Each record's sets with their ancestors (a record in a:b is also in a), in a stable order."""
        if not identifiers:
            return {}
        found: dict[str, set[str]] = {}
        for row in conn.execute(select(record_sets.c.record_id, record_sets.c.spec).where(
                record_sets.c.record_id.in_(identifiers))):
            parts = row.spec.split(":")
            found.setdefault(row.record_id, set()).update(":".join(parts[:i]) for i in range(1, len(parts) + 1))
        return {key: tuple(sorted(value)) for key, value in found.items()}

    # ---------------------------------------------------------------- IIIF collections
    @staticmethod
    def _published_conditions(spec: str | None, lower: str | None, upper: str | None) -> list:
        conditions = [records.c.deleted.is_(False), records.c.published.is_(True)]
        if spec is not None:
            conditions.append(records.c.id.in_(select(record_sets.c.record_id).where(record_sets.c.spec == spec)))
        if lower is not None:
            conditions.append(records.c.date_lower >= lower)
        if upper is not None:
            conditions.append(records.c.date_lower <= upper)
        return conditions

    def published(self, *, spec: str | None = None, lower: str | None = None, upper: str | None = None,
                  offset: int = 0, limit: int = 1000) -> tuple[int, list]:
        """Published records (id, title, date_lower, datestamp) by date, for IIIF collections; and the total."""
        conditions = self._published_conditions(spec, lower, upper)
        with self.reading() as conn:
            total = conn.execute(select(func.count()).select_from(records).where(*conditions)).scalar_one()
            rows = conn.execute(select(records.c.id, records.c.title, records.c.date_lower, records.c.datestamp)
                                .where(*conditions).order_by(records.c.date_lower, records.c.id)
                                .offset(offset).limit(limit)).all()
        return total, rows

    def published_decades(self) -> list[tuple[str, int]]:
        """(decade start year, record count) of published records, oldest first."""
        decade = func.substr(records.c.date_lower, 1, 3)
        with self.reading() as conn:
            rows = conn.execute(select(decade, func.count()).where(*self._published_conditions(None, None, None))
                                .group_by(decade).order_by(decade)).all()
        return [(f"{row[0]}0", row[1]) for row in rows]

    # ---------------------------------------------------------------- sets
    def put_set(self, spec: str, name: str, description: str = "", parent: str | None = None) -> None:
        with self.writing() as conn:
            exists = conn.execute(select(sets.c.spec).where(sets.c.spec == spec)).first()
            values = dict(name=name, description=description, parent=parent)
            if exists:
                conn.execute(sets.update().where(sets.c.spec == spec).values(**values))
            else:
                conn.execute(sets.insert().values(spec=spec, **values))

    def delete_set(self, spec: str) -> bool:
        """Remove a set nobody belongs to (records keep their memberships otherwise); True if removed."""
        with self.writing() as conn:
            used = conn.execute(select(func.count()).select_from(record_sets).where(
                or_(record_sets.c.spec == spec, record_sets.c.spec.startswith(spec + ":", autoescape=True)))).scalar_one()
            children = conn.execute(select(func.count()).select_from(sets).where(sets.c.parent == spec)).scalar_one()
            if used or children:
                raise Conflict(f"set {spec} still has records or subsets")
            return conn.execute(sets.delete().where(sets.c.spec == spec)).rowcount == 1

    # ---------------------------------------------------------------- users and API tokens
    def put_user(self, name: str, password_hash: str, role: str) -> None:
        with self.writing() as conn:
            exists = conn.execute(select(users.c.name).where(users.c.name == name)).first()
            if exists:
                conn.execute(users.update().where(users.c.name == name).values(password_hash=password_hash, role=role))
            else:
                conn.execute(users.insert().values(name=name, password_hash=password_hash, role=role,
                                                   created_at=utc_now()))

    def set_password(self, name: str, password_hash: str) -> None:
        with self.writing() as conn:
            if conn.execute(users.update().where(users.c.name == name).values(
                    password_hash=password_hash)).rowcount != 1:
                raise NotFound(f"no user {name}")

    def user(self, name: str) -> dict | None:
        with self.reading() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return dict(row._mapping) if row else None

    def list_users(self) -> list[dict]:
        with self.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(select(users.c.name, users.c.role, users.c.created_at)
                                                           .order_by(users.c.name))]

    def add_token(self, user_name: str, token_hash: str, label: str = "") -> int:
        with self.writing() as conn:
            if conn.execute(select(users.c.name).where(users.c.name == user_name)).first() is None:
                raise NotFound(f"no user {user_name}")
            return conn.execute(tokens.insert().values(user_name=user_name, token_hash=token_hash, label=label,
                                                       created_at=utc_now())).inserted_primary_key[0]

    def token_user(self, token_hash: str) -> dict | None:
        """The user an unrevoked API token belongs to."""
        with self.reading() as conn:
            row = conn.execute(select(users.c.name, users.c.role).join(tokens, tokens.c.user_name == users.c.name)
                               .where(tokens.c.token_hash == token_hash, tokens.c.revoked.is_(False))).first()
        return dict(row._mapping) if row else None

    def list_tokens(self, user_name: str) -> list[dict]:
        with self.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(tokens.c.id, tokens.c.label, tokens.c.created_at, tokens.c.revoked)
                .where(tokens.c.user_name == user_name).order_by(tokens.c.id))]

    def revoke_token(self, user_name: str, token_id: int) -> bool:
        with self.writing() as conn:
            return conn.execute(tokens.update().where(tokens.c.id == token_id, tokens.c.user_name == user_name)
                                .values(revoked=True)).rowcount == 1

    def count_login_failures(self, key: str, since: datetime) -> int:
        """Failed logins for ``key`` since ``since``, shared by every app server using this database."""
        with self.reading() as conn:
            return conn.execute(select(func.count()).select_from(login_failures).where(
                login_failures.c.key == key, login_failures.c.at >= since)).scalar_one()

    def add_login_failure(self, key: str) -> None:
        with self.writing() as conn:
            conn.execute(login_failures.insert().values(key=key, at=utc_now()))

    def clear_login_failures(self, key: str, before: datetime | None = None) -> None:
        """Forget ``key``'s failures (after a successful login), and everyone's older than ``before``."""
        with self.writing() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.key == key))
            if before is not None:
                conn.execute(login_failures.delete().where(login_failures.c.at < before))

    def list_sets(self) -> list[dict]:
        with self.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(select(sets).order_by(sets.c.spec)).all()]


def _raw_state(row) -> RecordState:
    """A RecordState (without data) from a DBAPI row of ``_STATE_COLUMNS`` (SQLite gives text dates, 0/1)."""
    ident, revision, stamp, deleted, published, digest, ever = row
    stamp = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp)
    return RecordState(ident, revision, stamp, bool(deleted), bool(published), digest, {}, bool(ever))


def _revision(row) -> Revision:
    return Revision(row.record_id, row.number, json.loads(row.data), row.deleted, row.published, row.author,
                    row.created_at, row.message, row.content_hash)
