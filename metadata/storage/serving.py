"""The serving read path: a record's header fields, alone or with one stored output, in one cheap statement.

This is the read behind every manifest and record-format request, so it goes straight to the DBAPI (one
statement on a per-thread autocommit connection, no transaction; ~10x cheaper than a Core select) instead of
through SQLAlchemy. Everything that needs a record's data or history reads through ``Records`` instead.
"""
from __future__ import annotations

from datetime import datetime

from metadata.storage.database import Database, stored_datetime
from metadata.storage.states import RecordState

_STATE_COLUMNS = "r.id, r.revision, r.datestamp, r.deleted, r.published, r.content_hash, r.harvestable"
_STATE_SQL = f"SELECT {_STATE_COLUMNS} FROM records r WHERE r.id = ?"
_DERIVED_SQL = (f"SELECT {_STATE_COLUMNS}, d.content FROM records r "
                "JOIN derived d ON d.record_id = r.id AND d.format = ? WHERE r.id = ?")
_LATEST_SQL = "SELECT MAX(datestamp) FROM records"  # the end of ix_records_datestamp_id: one index probe


class Serving:
    """Header-only and stored-output reads for the public interfaces."""

    def __init__(self, db: Database):
        self.db = db

    def state(self, identifier: str) -> RecordState | None:
        """A record's header fields without its data (one cheap autocommit read); None if unknown."""
        row = self.db.first_raw(_STATE_SQL, (identifier,))
        return None if row is None else _raw_state(row)

    def get_derived(self, identifier: str, fmt: str) -> tuple[RecordState, str] | None:
        """The record's header fields and one stored output, in one round trip; None if absent."""
        row = self.db.first_raw(_DERIVED_SQL, (fmt, identifier))
        return None if row is None else (_raw_state(row[:-1]), row[-1])

    def latest_change(self) -> datetime | None:
        """When any record last changed (every write, publication, withdrawal and deletion stamps its row):
        the Last-Modified of a page computed from the records alone, such as a listing. None when empty."""
        row = self.db.first_raw(_LATEST_SQL, ())
        return _latest(row[0] if row else None)


def latest_change_in(conn) -> datetime | None:
    """``Serving.latest_change`` read in the caller's transaction (a search's: on PostgreSQL a connection of its
    own cost four round trips more)."""
    return _latest(conn.exec_driver_sql(_LATEST_SQL).scalar())


def _latest(stamp) -> datetime | None:
    return None if stamp is None else stored_datetime(stamp)


def _raw_state(row) -> RecordState:
    """A RecordState (without data) from a DBAPI row of ``_STATE_COLUMNS`` (SQLite gives text dates, 0/1)."""
    ident, revision, stamp, deleted, published, digest, ever = row
    return RecordState(ident, revision, stored_datetime(stamp), bool(deleted), bool(published), digest, {}, bool(ever))
