"""Published records for IIIF collections: pages by date within a set or a decade, and decade counts."""
from __future__ import annotations

from sqlalchemy import func, select

from metadata.storage.database import Database
from metadata.storage.tables import record_sets, records


class Collections:
    """Listings of what the public may see, ordered by date then id."""

    def __init__(self, db: Database):
        self.db = db

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
        """Published records (id, title, date_lower, created, datestamp) by date (undated last), for IIIF
        collections; and the total."""
        conditions = self._published_conditions(spec, lower, upper)
        with self.db.reading() as conn:
            total = conn.execute(select(func.count()).select_from(records).where(*conditions)).scalar_one()
            rows = conn.execute(select(records.c.id, records.c.title, records.c.date_lower, records.c.created,
                                       records.c.datestamp).where(*conditions)
                                .order_by(records.c.date_lower.asc().nulls_last(), records.c.id)
                                .offset(offset).limit(limit)).all()
        return total, rows

    def decades(self) -> list[tuple[str, int]]:
        """(decade start year, record count) of published records, oldest first."""
        decade = func.substr(records.c.date_lower, 1, 3)
        with self.db.reading() as conn:
            rows = conn.execute(select(decade, func.count()).where(*self._published_conditions(None, None, None),
                                                                   records.c.date_lower.is_not(None))
                                .group_by(decade).order_by(decade)).all()
        return [(f"{row[0]}0", row[1]) for row in rows]

    def years(self) -> list[tuple[int, int]]:
        """(year, count) of published records by the first year their date allows, oldest first (undated
        records are not counted)."""
        year = func.substr(records.c.date_lower, 1, 4)
        with self.db.reading() as conn:
            rows = conn.execute(select(year, func.count())
                                .where(*self._published_conditions(None, None, None), records.c.date_lower.isnot(None))
                                .group_by(year).order_by(year)).all()
        return [(int(row[0]), row[1]) for row in rows if row[0] and row[0].isdigit()]
