"""Harvest queries for OAI-PMH: keyset pages in (datestamp, id) order, counts, single items, and each
record's sets with their ancestors."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, tuple_

from metadata.record import sets as set_rules
from metadata.storage.database import Database
from metadata.storage.states import HarvestItem
from metadata.storage.tables import derived, record_sets, records


class Harvest:
    """What OAI-PMH may see: records that have ever been published, deleted or withdrawn ones as headers."""

    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _conditions(spec, since, until) -> list:
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

    def page(self, fmt: str, *, spec: str | None = None, since: datetime | None = None,
                until: datetime | None = None, after: tuple[datetime, str] | None = None, limit: int = 100,
                with_content: bool = True) -> list[HarvestItem]:
        """Up to ``limit`` harvestable records in (datestamp, id) order after ``after``: a keyset page."""
        conditions = self._conditions(spec, since, until)
        if after is not None:
            conditions.append(tuple_(records.c.datestamp, records.c.id) > tuple_(*after))
        query = self._select(fmt, with_content).where(*conditions)
        with self.db.reading() as conn:
            rows = conn.execute(query.order_by(records.c.datestamp, records.c.id).limit(limit)).all()
            return self._items(conn, rows, with_content)

    @staticmethod
    def _select(fmt: str, with_content: bool):
        columns = [records.c.id, records.c.datestamp, records.c.deleted, records.c.published]
        if not with_content:
            return select(*columns)
        return select(*columns, derived.c.content).outerjoin(
            derived, and_(derived.c.record_id == records.c.id, derived.c.format == fmt))

    def _items(self, conn, rows, with_content: bool) -> list[HarvestItem]:
        """Rows as OAI-PMH items: a deleted or withdrawn record is a header only, with its sets."""
        specs = self._specs(conn, [r.id for r in rows])
        items = []
        for row in rows:
            gone = bool(row.deleted or not row.published)
            content = row.content if with_content and not gone else None
            items.append(HarvestItem(row.id, row.datestamp, gone, content, specs.get(row.id, ())))
        return items

    def count(self, *, spec: str | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> int:
        with self.db.reading() as conn:
            return conn.execute(select(func.count()).select_from(records).where(
                *self._conditions(spec, since, until))).scalar_one()

    def item(self, identifier: str, fmt: str) -> HarvestItem | None:
        """A single harvestable record (GetRecord); None for unknown or never-published records."""
        query = self._select(fmt, True).where(records.c.id == identifier, records.c.harvestable.is_(True))
        with self.db.reading() as conn:
            items = self._items(conn, conn.execute(query).all(), True)
        return items[0] if items else None

    def earliest_datestamp(self) -> datetime | None:
        with self.db.reading() as conn:
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
            found.setdefault(row.record_id, set()).update(set_rules.lineage(row.spec))
        return {key: tuple(sorted(value)) for key, value in found.items()}
