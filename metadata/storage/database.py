"""The one door to the database: engines, write and read transactions, the raw reads of the hot paths
(pooled DBAPI connections) and the clock every datestamp comes from.

Every part of the store (records, harvest, sets, accounts) goes through one ``Database``, so transaction rules
(``BEGIN IMMEDIATE`` on SQLite, a clean ``Conflict`` instead of a lock error) are written once.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from metadata.storage.states import Conflict

Clock = Callable[[], datetime]


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


class Database:
    """An engine with Muniment's transaction rules and the clock its datestamps come from."""

    def __init__(self, engine: Engine, clock: Clock = utc_now):
        self.engine = engine
        self.clock = clock
        self._datetime_param = None

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it holds the write lock from its first statement.

        ``conn.info["before_commit"]`` (name -> callable(conn)) runs last inside the transaction: what must happen
        once per transaction and hold a lock only briefly (the search generation) registers there."""
        with self.engine.connect() as conn:
            conn.execution_options(muniment_write=True)
            hooks = conn.info["before_commit"] = {}
            try:
                with conn.begin():
                    yield conn
                    for hook in hooks.values():
                        hook(conn)
            except IntegrityError as exc:
                raise Conflict(f"a concurrent write won: {exc.orig}") from exc
            except OperationalError as exc:
                if "locked" in str(exc.orig).lower() or "could not serialize" in str(exc.orig).lower():
                    raise Conflict("the database was busy with another write; try again") from exc
                raise
            finally:  # info stays with the pooled connection: no other transaction may register here
                conn.info.pop("before_commit", None)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def first_raw(self, sql: str, params: tuple):
        """First row of a single statement on a pooled DBAPI connection, written with ``?`` parameters (the read
        behind every manifest request, where SQLAlchemy's per-statement work would cost more than the query).

        The connection goes back to the pool at once, as every other read's does: kept per thread, 64 server
        threads each held one and exhausted the pool (15), and every other read then waited and failed."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._native(sql), params)
                return cursor.fetchone()
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool, which ends any transaction the driver began (rollback)

    @contextmanager
    def reading_raw(self) -> Iterator[RawReader]:
        """The statements of one read transaction on a pooled DBAPI connection, written with ``?`` parameters on
        every backend. For the hot read paths whose statements are cheap (a keyset page of the harvest), where
        SQLAlchemy's per-statement work would cost more than the query.

        The connection goes back to the pool afterwards, not kept per thread: a server thread serves any
        request, so per-thread connections grew to one per thread (64 a worker), each with its own page cache,
        and a harvest's memory grew with its page index."""
        connection = self.engine.raw_connection()
        sqlite = isinstance(connection.driver_connection, sqlite3.Connection)
        try:
            cursor = connection.cursor()
            try:
                if sqlite:  # SQLite's driver is in autocommit mode here (make_engine): the snapshot starts now
                    cursor.execute("BEGIN")
                try:
                    yield RawReader(self, cursor)
                finally:
                    if sqlite:
                        cursor.execute("COMMIT")  # a read transaction: ends the snapshot, never writes
                    else:
                        connection.rollback()  # psycopg began one at the first statement; nothing was written
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool

    def raw_datetime(self, value: datetime):
        """A datetime as a raw statement's parameter, in the form SQLAlchemy stores it (SQLite: text whose
        order is the time order, so keyset comparisons match the stored values)."""
        if self._datetime_param is None:
            dialect = self.engine.dialect
            self._datetime_param = DateTime().dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        return self._datetime_param(value)

    def _native(self, sql: str) -> str:
        """``sql`` in the driver's parameter style (psycopg takes ``%s`` where SQLite takes ``?``)."""
        return sql if self.engine.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


class RawReader:
    """Runs statements of one ``Database.reading_raw`` transaction: ``?`` parameters, rows as tuples."""

    def __init__(self, db: Database, cursor):
        self.db = db
        self.cursor = cursor

    def all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        self.cursor.execute(self.db._native(sql), tuple(params))
        return self.cursor.fetchall()


def stored_datetime(value) -> datetime:
    """A datetime column as a raw statement returns it (SQLite: text) as a naive datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
