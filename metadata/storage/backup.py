"""Whole-database backups: one consistent snapshot of every table, restorable into SQLite or PostgreSQL.

``muniment export`` is the portable format for records; a backup is the archive's whole state (every revision
with its author, time and message, drafts, tombstones, change events, sets, users, tokens, derived outputs),
so that a restore is indistinguishable from the original, OAI-PMH datestamps and harvest order included.

The file is gzip'd JSON Lines, written and read one row at a time so memory stays flat however big the
database is:

* line 1, the header: ``{"format": "muniment-backup", "version": 1, "schema": "0003", "tables": [...]}`` naming
  the Alembic revision the rows fit and each table's columns with their kind (text, integer, boolean, datetime);
* per table, in dependency order: ``{"table": NAME}``, then one JSON array per row (values in the header's column
  order, datetimes as ISO 8601 text), then ``{"end": NAME, "rows": N}``;
* last, ``{"complete": true, "rows": TOTAL}``, so a truncated file is refused instead of half restored.

The tables come from ``tables.metadata``, so a table added there is backed up without anyone remembering to.
Derived outputs are copied as stored (not re-derived): the restored server answers byte for byte as the old one
did; if it runs with another provider, mapping or fonts, ``muniment rebuild`` re-derives them as after any such
change.
"""
from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import (Boolean, Date, DateTime, Float, Integer, MetaData, String, Table, func, inspect, select,
                        text)
from sqlalchemy.engine import Connection, Engine

from metadata.storage import migrate, search, search_generation
from metadata.storage.tables import metadata

FORMAT = "muniment-backup"
VERSION = 1
BATCH = 500


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says why in plain words (and where in the file)."""


# ------------------------------------------------------------------------------------------- values
def column_kind(column) -> str:
    """How a column's values are written to JSON; a type without a faithful JSON form is refused loudly."""
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, Float):
        return "float"
    if isinstance(kind, String):
        return "text"
    raise BackupError(f"column {column.table.name}.{column.name} has type {kind!r}, which backups cannot carry "
                      "yet (add it to metadata/storage/backup.py)")


def _encode(kind: str, value):
    if value is None or kind in ("text", "integer", "float"):
        return value
    if kind == "boolean":
        return bool(value)
    return value.isoformat()  # datetime, date: ISO 8601 keeps microseconds and any offset


def _decode(kind: str, value, where: str):
    if value is None:
        return None
    try:
        if kind == "datetime":
            return datetime.fromisoformat(value)
        if kind == "date":
            return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BackupError(f"{where}: {value!r} is not an ISO 8601 {kind}") from None
    expected = {"boolean": bool, "integer": int, "float": (int, float), "text": str}[kind]
    if not isinstance(value, expected) or (kind == "integer" and isinstance(value, bool)):
        raise BackupError(f"{where}: {value!r} is not a {kind}")
    return value


# ------------------------------------------------------------------------------------------- backup
def _snapshot(conn: Connection) -> Connection:
    """Make ``conn``'s next transaction one unchanging view of the database while writers carry on."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    if conn.dialect.name == "sqlite":
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        conn.rollback()  # end the pragma's implicit transaction; the snapshot is the next one
        if str(mode).lower() != "wal":  # without WAL a long read would block every writer instead
            raise BackupError(f"the SQLite database is in {mode} journal mode, not WAL; open it with muniment first")
    return conn


def _schema_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _table_header(table: Table) -> dict:
    return {"name": table.name, "columns": [[c.name, column_kind(c)] for c in table.columns]}


def _lines(conn: Connection) -> Iterator[str]:
    """The backup's lines, read inside the caller's snapshot transaction."""
    schema = _schema_revision(conn)
    if schema != migrate.head():
        raise BackupError(f"the database schema is at revision {schema}, not {migrate.head()}; run "
                          "`muniment db upgrade` (or back up with the Muniment version that made it)")
    header = {"format": FORMAT, "version": VERSION, "schema": schema, "dialect": conn.dialect.name,
              "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "tables": [_table_header(t) for t in metadata.sorted_tables]}
    yield _json(header)
    total = 0
    for table in metadata.sorted_tables:
        kinds = [column_kind(c) for c in table.columns]
        yield _json({"table": table.name})
        rows = 0
        query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
        for row in conn.execute(query):
            yield _json([_encode(kind, value) for kind, value in zip(kinds, row)])
            rows += 1
        yield _json({"end": table.name, "rows": rows})
        total += rows
    yield _json({"complete": True, "rows": total})


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_backup(engine: Engine, path: str | Path) -> dict[str, int]:
    """Write one consistent snapshot of the database to ``path`` (replaced only once complete); rows per table."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    counts: dict[str, int] = {}
    try:
        with engine.connect() as conn:
            conn = _snapshot(conn)
            with conn.begin(), gzip.open(partial, "wt", encoding="utf-8", compresslevel=6) as out:
                for line in _lines(conn):
                    out.write(line)
                    if line.startswith('{"end"'):
                        end = json.loads(line)
                        counts[end["end"]] = end["rows"]
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


# ------------------------------------------------------------------------------------------- restore
class _Reader:
    """The backup's lines as JSON values, each with the ``FILE:LINE`` its errors name."""

    def __init__(self, path: Path):
        self.path = path
        self.number = 0
        self._file = gzip.open(path, "rt", encoding="utf-8")

    def where(self) -> str:
        return f"{self.path}:{self.number}"

    def __iter__(self):
        return self

    def __next__(self):
        try:
            line = next(self._file)
        except StopIteration:
            raise
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise BackupError(f"{self.path}: not a complete gzip'd backup ({exc})") from None
        self.number += 1
        try:
            return json.loads(line)
        except json.JSONDecodeError as exc:
            raise BackupError(f"{self.where()}: invalid JSON ({exc.msg})") from None

    def close(self):
        self._file.close()


def read_header(reader: _Reader) -> dict:
    try:
        header = next(reader)
    except StopIteration:
        raise BackupError(f"{reader.path}: empty file, not a backup") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{reader.where()}: not a Muniment backup (no {FORMAT!r} header)")
    if header.get("version") != VERSION:
        raise BackupError(f"{reader.where()}: backup format version {header.get('version')!r}; this Muniment "
                          f"reads version {VERSION}")
    schema = header.get("schema")
    if not isinstance(schema, str) or not migrate.known(schema):
        raise BackupError(f"{reader.where()}: the backup's schema revision {schema!r} is unknown to this Muniment "
                          f"(newest known: {migrate.head()}); restore with the version that made it")
    return header


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in each of Muniment's tables that exist in the database (those that do not count as empty)."""
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables if t.name in existing}


def _refuse_unless_empty(engine: Engine) -> None:
    used = {name: count for name, count in row_counts(engine).items() if count}
    if used:
        listed = ", ".join(f"{name}: {count} row(s)" for name, count in used.items())
        raise BackupError(f"the database is not empty ({listed}); restore only into a new, empty database")


def _prepare_schema(engine: Engine, schema: str) -> MetaData:
    """The empty database migrated to the backup's revision, and that revision's tables."""
    current = migrate.current(engine)
    if current is not None and current != schema and migrate.is_ancestor(schema, current):
        migrate.downgrade(engine, schema)  # an empty newer schema: nothing to lose, and the rows fit the old one
    else:
        migrate.upgrade(engine, schema)
    if schema == migrate.head():
        return metadata
    reflected = MetaData()
    reflected.reflect(engine)
    return reflected


def restore_backup(engine: Engine, path: str | Path) -> dict[str, int]:
    """Load a backup into an empty database in one transaction, then migrate it to the newest schema."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    reader = _Reader(path)
    try:
        header = read_header(reader)
        _refuse_unless_empty(engine)
        target = _prepare_schema(engine, header["schema"])
        counts = _load(engine, reader, header, target)
    finally:
        reader.close()
    migrate.upgrade(engine)
    with engine.begin() as conn:
        search.refill_engine_index(conn)  # the engine's own full-text table is not in the backup: made anew
        search_generation.restart(conn)  # every server's search state is older than what was restored
    return counts


def _load(engine: Engine, reader: _Reader, header: dict, target: MetaData) -> dict[str, int]:
    columns = _header_columns(reader, header, target)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        conn.execution_options(muniment_write=True)  # SQLite: take the write lock at BEGIN
        with conn.begin():
            if any(conn.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in target.sorted_tables if t.name in columns):
                raise BackupError("the database stopped being empty while the restore began; nothing was restored")
            table = None
            complete = False
            for item in reader:
                if complete:
                    raise BackupError(f"{reader.where()}: data after the end of the backup")
                if isinstance(item, list):
                    if table is None:
                        raise BackupError(f"{reader.where()}: a row outside any table")
                    table.add(item, reader.where())
                elif isinstance(item, dict) and "table" in item:
                    if table is not None:
                        raise BackupError(f"{reader.where()}: table {item['table']!r} begins before "
                                          f"{table.table.name!r} ends")
                    name = item["table"]
                    if name not in columns or name in counts:
                        raise BackupError(f"{reader.where()}: unexpected table {name!r}")
                    table = _TableLoader(conn, target.tables[name], columns[name])
                elif isinstance(item, dict) and "end" in item:
                    if table is None or item["end"] != table.table.name:
                        raise BackupError(f"{reader.where()}: end of a table that did not begin")
                    counts[table.table.name] = table.finish(item.get("rows"), reader.where())
                    table = None
                elif isinstance(item, dict) and item.get("complete") is True:
                    if table is not None:
                        raise BackupError(f"{reader.where()}: the backup ends inside table {table.table.name!r}")
                    missing = set(columns) - set(counts)
                    if missing:
                        raise BackupError(f"{reader.where()}: tables missing from the backup: "
                                          f"{', '.join(sorted(missing))}")
                    if item.get("rows") != sum(counts.values()):
                        raise BackupError(f"{reader.where()}: the backup says {item.get('rows')} rows, "
                                          f"it holds {sum(counts.values())}")
                    complete = True
                else:
                    raise BackupError(f"{reader.where()}: unexpected line")
            if not complete:
                raise BackupError(f"{reader.path}: the backup is truncated (no end line after line "
                                  f"{reader.number}); nothing was restored")
            _reset_sequences(conn, [target.tables[name] for name in counts])
    return counts


def _header_columns(reader: _Reader, header: dict, target: MetaData) -> dict[str, list[tuple[str, str]]]:
    """The header's tables and columns, which must be exactly the target schema's."""
    where = f"{reader.path}:1"
    try:
        found = {t["name"]: [(c, k) for c, k in t["columns"]] for t in header["tables"]}
    except (KeyError, TypeError, ValueError):
        raise BackupError(f"{where}: malformed table list in the header") from None
    wanted = {t.name for t in target.sorted_tables if t.name != "alembic_version"}
    if set(found) != wanted:
        raise BackupError(f"{where}: the backup's tables ({', '.join(sorted(found))}) are not those of schema "
                          f"{header['schema']} ({', '.join(sorted(wanted))})")
    for name, cols in found.items():
        table = target.tables[name]
        expected = [(c.name, column_kind(c)) for c in table.columns]
        if sorted(cols) != sorted(expected):
            raise BackupError(f"{where}: table {name}'s columns {cols} are not those of schema "
                              f"{header['schema']}: {expected}")
    return found


class _TableLoader:
    """Inserts one table's rows in batches; a column referring to its own table (a set's parent) is filled in
    after all rows are in, so the rows' order does not matter."""

    def __init__(self, conn: Connection, table: Table, columns: list[tuple[str, str]]):
        self.conn, self.table, self.columns = conn, table, columns
        self.self_refs = {fk.parent.name for fk in table.foreign_keys if fk.column.table is table}
        self.keys = [c.name for c in table.primary_key.columns]
        self.batch: list[dict] = []
        self.later: list[tuple[dict, dict]] = []
        self.rows = 0

    def add(self, values: list, where: str) -> None:
        if len(values) != len(self.columns):
            raise BackupError(f"{where}: {len(values)} values for table {self.table.name}'s "
                              f"{len(self.columns)} columns")
        row = {name: _decode(kind, value, f"{where}: {self.table.name}.{name}")
               for (name, kind), value in zip(self.columns, values)}
        deferred = {name: row[name] for name in self.self_refs if row[name] is not None}
        if deferred:
            self.later.append(({k: row[k] for k in self.keys}, deferred))
            row.update({name: None for name in deferred})
        self.batch.append(row)
        self.rows += 1
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            self.conn.execute(self.table.insert(), self.batch)
            self.batch = []

    def finish(self, declared, where: str) -> int:
        if declared != self.rows:
            raise BackupError(f"{where}: table {self.table.name} should have {declared} rows, the backup holds "
                              f"{self.rows}")
        self._flush()
        for key, values in self.later:
            self.conn.execute(self.table.update().where(*(self.table.c[k] == v for k, v in key.items()))
                              .values(**values))
        return self.rows


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """After explicit ids, point PostgreSQL's serial/identity sequences past them (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": column.name}).scalar()
        if sequence:
            top = conn.execute(select(func.max(column))).scalar()
            conn.execute(text("SELECT setval(:s, :v, :called)"),
                         {"s": sequence, "v": top if top is not None else 1, "called": top is not None})
