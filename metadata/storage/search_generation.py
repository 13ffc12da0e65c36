"""The search generation: a counter that moves, in the same transaction, with every write the public search can see.

Each app server keeps the search's facets and orders in memory (``search_accelerator``); several servers share
one database, so before each search a server reads this counter and catches up when it moved. The counter is
one row updated in the writing transaction, not a sequence: a sequence value is visible before its transaction
commits, and a PostgreSQL transaction that took number 10 can commit after the one that took 11, so a reader
could skip a change for good. The row's lock orders writers, and it is taken just before the commit (the
``before_commit`` hooks of ``Database.writing``), so writers wait on each other only for that instant.

``search_changes`` names the records each generation changed, so a server refreshes only those; it keeps the
last ``KEEP`` generations (a server further behind rebuilds everything), and ``""`` means "every record".
"""
from __future__ import annotations

import secrets

from sqlalchemy import delete, func, insert, inspect, select, update
from sqlalchemy.engine import Connection

from metadata.storage.tables import search_changes, search_generation

KEEP = 10_000  # generations of search_changes kept; a server further behind rebuilds
EVERYTHING = ""  # search_changes.record_id meaning "every record may have changed"


class _Pending:
    """The records one write transaction changed, counted once when it commits."""

    def __init__(self):
        self.ids: set[str] = set()

    def __call__(self, conn: Connection) -> None:
        bump(conn, self.ids)


def note_change(conn: Connection, record_id: str) -> None:
    """Record that this transaction changed what the public search shows of ``record_id``.

    Inside ``Database.writing`` the generation moves once, just before the commit; in any other transaction (a
    migration, a script) it moves now."""
    hooks = conn.info.get("before_commit")
    if hooks is None:
        # Migrations older than 0010 write the index before this table exists; 0010 then marks every record.
        if inspect(conn).has_table(search_generation.name):
            bump(conn, {record_id})
        return
    hooks.setdefault("search_generation", _Pending()).ids.add(record_id)


def bump(conn: Connection, record_ids: set[str]) -> int:
    """Move the generation by one for ``record_ids`` (``{EVERYTHING}`` for all records); the new generation."""
    if not record_ids:
        return current(conn)
    moved = conn.execute(update(search_generation).where(search_generation.c.id == 1)
                         .values(value=search_generation.c.value + 1).returning(search_generation.c.value)
                         ).scalar_one_or_none()
    if moved is None:  # the first write ever (of two at once, one fails on the key: a Conflict)
        moved = 1
        conn.execute(insert(search_generation).values(id=1, value=moved))
    conn.execute(insert(search_changes), [{"generation": moved, "record_id": r} for r in sorted(record_ids)])
    if moved % 1000 == 0:
        conn.execute(delete(search_changes).where(search_changes.c.generation <= moved - KEEP))
    return moved


def restart(conn: Connection) -> int:
    """After a restore: move the generation forward by a random jump of a billion or more, every record
    counted as changed. The restored number is one the servers may have seen already (they may have counted
    past the backup's), and a server that meets a number it knows believes it is current; after the jump no
    server's number can be met again, and each rebuilds."""
    moved = current(conn) + secrets.randbelow(2**30) + 2**30
    if conn.execute(update(search_generation).where(search_generation.c.id == 1).values(value=moved)).rowcount == 0:
        conn.execute(insert(search_generation).values(id=1, value=moved))
    conn.execute(insert(search_changes), [{"generation": moved, "record_id": EVERYTHING}])
    return moved


def current(conn: Connection) -> int:
    return conn.execute(select(search_generation.c.value).where(search_generation.c.id == 1)).scalar_one_or_none() or 0


def changed_since(conn: Connection, generation: int, newest: int) -> set[str] | None:
    """The records changed after ``generation`` up to ``newest``; None when the log no longer reaches back that far
    or a change touched every record (the caller rebuilds)."""
    oldest = conn.execute(select(func.min(search_changes.c.generation))
                          .where(search_changes.c.generation > generation)).scalar_one_or_none()
    if oldest != generation + 1:
        return None
    ids = set(conn.execute(select(search_changes.c.record_id).where(
        search_changes.c.generation > generation, search_changes.c.generation <= newest)).scalars())
    return None if EVERYTHING in ids else ids
