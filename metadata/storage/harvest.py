"""Harvest queries for OAI-PMH: keyset pages in (datestamp, id) order, counts, single items, and each
record's sets with their ancestors.

These are the reads behind every OAI-PMH list page, so, like the serving reads, they go straight to the DBAPI
(``Database.reading_raw``): a page is two cheap indexed statements, and building, caching and processing them
through SQLAlchemy cost several times the queries themselves. The statements are written once here, with
``?`` parameters, for SQLite and PostgreSQL alike.
"""
from __future__ import annotations

from datetime import datetime

from metadata.record import sets as set_rules
from metadata.storage.database import Database, RawReader, stored_datetime
from metadata.storage.states import HarvestItem

_ITEM_COLUMNS = "r.id, r.datestamp, r.deleted, r.published"
_WITH_CONTENT = " LEFT JOIN derived d ON d.record_id = r.id AND d.format = ?"
_IN_SET = "r.id IN (SELECT record_id FROM record_sets WHERE spec = ? OR spec LIKE ? ESCAPE '/')"


class Harvest:
    """What OAI-PMH may see: records that have ever been published, deleted or withdrawn ones as headers."""

    def __init__(self, db: Database):
        self.db = db

    def _conditions(self, spec, since, until) -> tuple[list[str], list]:
        """The WHERE conditions (SQL, parameters) of a list: harvestable records, by datestamp and set."""
        conditions, params = ["r.harvestable = ?"], [True]
        if since is not None:
            conditions.append("r.datestamp >= ?")
            params.append(self.db.raw_datetime(since))
        if until is not None:
            conditions.append("r.datestamp <= ?")
            params.append(self.db.raw_datetime(until))
        if spec:
            conditions.append(_IN_SET)  # the set itself or any set below it (spec:child)
            params += [spec, _like_prefix(spec + ":")]
        return conditions, params

    def page(self, fmt: str, *, spec: str | None = None, since: datetime | None = None,
             until: datetime | None = None, after: tuple[datetime, str] | None = None, limit: int = 100,
             with_content: bool = True) -> list[HarvestItem]:
        """Up to ``limit`` harvestable records in (datestamp, id) order after ``after``: a keyset page."""
        conditions, params = self._conditions(spec, since, until)
        if after is not None:
            conditions.append("(r.datestamp, r.id) > (?, ?)")
            params += [self.db.raw_datetime(after[0]), after[1]]
        select, joined = self._select(fmt, with_content)
        sql = f"{select} WHERE {' AND '.join(conditions)} ORDER BY r.datestamp, r.id LIMIT ?"
        with self.db.reading_raw() as reader:
            return self._items(reader, reader.all(sql, [*joined, *params, limit]), with_content)

    @staticmethod
    def _select(fmt: str, with_content: bool) -> tuple[str, list]:
        if not with_content:
            return f"SELECT {_ITEM_COLUMNS} FROM records r", []
        return f"SELECT {_ITEM_COLUMNS}, d.content FROM records r{_WITH_CONTENT}", [fmt]

    def _items(self, reader: RawReader, rows: list[tuple], with_content: bool) -> list[HarvestItem]:
        """Rows as OAI-PMH items: a deleted or withdrawn record is a header only, with its sets."""
        specs = self._specs(reader, [row[0] for row in rows])
        items = []
        for row in rows:
            identifier, stamp, deleted, published = row[:4]
            gone = bool(deleted or not published)
            content = row[4] if with_content and not gone else None
            items.append(HarvestItem(identifier, stored_datetime(stamp), gone, content, specs.get(identifier, ())))
        return items

    def count(self, *, spec: str | None = None, since: datetime | None = None,
              until: datetime | None = None) -> int:
        conditions, params = self._conditions(spec, since, until)
        with self.db.reading_raw() as reader:
            return reader.all(f"SELECT COUNT(*) FROM records r WHERE {' AND '.join(conditions)}", params)[0][0]

    def item(self, identifier: str, fmt: str) -> HarvestItem | None:
        """A single harvestable record (GetRecord); None for unknown or never-published records."""
        select, joined = self._select(fmt, True)
        with self.db.reading_raw() as reader:
            rows = reader.all(f"{select} WHERE r.id = ? AND r.harvestable = ?", [*joined, identifier, True])
            items = self._items(reader, rows, True)
        return items[0] if items else None

    def earliest_datestamp(self) -> datetime | None:
        with self.db.reading_raw() as reader:
            stamp = reader.all("SELECT MIN(r.datestamp) FROM records r WHERE r.harvestable = ?", [True])[0][0]
        return None if stamp is None else stored_datetime(stamp)

    @staticmethod
    def _specs(reader: RawReader, identifiers: list[str]) -> dict[str, tuple[str, ...]]:
        """Each record's sets with their ancestors (a record in a:b is also in a), in a stable order."""
        if not identifiers:
            return {}
        found: dict[str, set[str]] = {}
        marks = ", ".join("?" * len(identifiers))
        for record_id, spec in reader.all(f"SELECT record_id, spec FROM record_sets WHERE record_id IN ({marks})",
                                          identifiers):
            found.setdefault(record_id, set()).update(set_rules.lineage(spec))
        return {key: tuple(sorted(value)) for key, value in found.items()}


def _like_prefix(text: str) -> str:
    """A LIKE pattern for values starting with ``text``, its wildcards escaped (``ESCAPE '/'``)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
