"""The mentions index: which published records mention an agent, place, subject, period, set or language.

Rows are written in the record's own transaction (``write_mentions``), so an entity page is never ahead of or
behind the records it lists. Reads here serve entity pages, the front page's most frequent entities and the
"related documents" of a record page; they only ever see published, live records.
"""
from __future__ import annotations

from sqlalchemy import and_, bindparam, func, select

from metadata.record.mentions import mentions as record_mentions
from metadata.storage.database import Database
from metadata.storage.tables import mentions, records


def write_mentions(conn, identifier: str, data: dict, replace: bool) -> None:
    if replace:
        conn.execute(_DELETE, {"b_id": identifier})
    rows = [{"record_id": identifier, "kind": m.kind, "key": m.key, "role": m.role, "label": m.label}
            for m in record_mentions(data)]
    if rows:
        conn.execute(mentions.insert(), rows)


_DELETE = mentions.delete().where(mentions.c.record_id == bindparam("b_id"))  # built once: see Records._write


def _public():
    return and_(records.c.deleted.is_(False), records.c.published.is_(True))


class Mentions:
    """Read side of the mentions index (public records only)."""

    def __init__(self, db: Database):
        self.db = db

    def label(self, kind: str, key: str) -> str | None:
        """The label most public records give the entity; None when no public record mentions it."""
        query = (select(mentions.c.label, func.count()).join(records, records.c.id == mentions.c.record_id)
                 .where(mentions.c.kind == kind, mentions.c.key == key, _public())
                 .group_by(mentions.c.label).order_by(func.count().desc(), mentions.c.label).limit(1))
        with self.db.reading() as conn:
            row = conn.execute(query).first()
        return row[0] if row else None

    def records(self, kind: str, key: str) -> list:
        """(role, id, title, created, date_lower) of public records mentioning the entity, by role then date."""
        query = (select(mentions.c.role, records.c.id, records.c.title, records.c.created, records.c.date_lower)
                 .join(records, records.c.id == mentions.c.record_id)
                 .where(mentions.c.kind == kind, mentions.c.key == key, _public())
                 .order_by(mentions.c.role, records.c.date_lower, records.c.id))
        with self.db.reading() as conn:
            return conn.execute(query).all()

    def most_frequent(self, kind: str, limit: int = 10) -> list:
        """(key, label, count) of the entities of ``kind`` most public records mention."""
        count = func.count(func.distinct(mentions.c.record_id))
        query = (select(mentions.c.key, func.min(mentions.c.label), count)
                 .join(records, records.c.id == mentions.c.record_id)
                 .where(mentions.c.kind == kind, _public())
                 .group_by(mentions.c.key).order_by(count.desc(), mentions.c.key).limit(limit))
        with self.db.reading() as conn:
            return conn.execute(query).all()

    def related(self, identifier: str, limit: int = 5) -> list:
        """(id, title, created, shared) of public records sharing people, subjects or a set with the record,
        most shared first."""
        mine = select(mentions.c.kind, mentions.c.key).where(
            mentions.c.record_id == identifier, mentions.c.kind.in_(("agent", "subject", "set"))).distinct()
        mine = mine.subquery()
        shared = func.count(func.distinct(mentions.c.kind + ":" + mentions.c.key))
        query = (select(records.c.id, records.c.title, records.c.created, shared)
                 .join(mentions, mentions.c.record_id == records.c.id)
                 .join(mine, and_(mine.c.kind == mentions.c.kind, mine.c.key == mentions.c.key))
                 .where(records.c.id != identifier, _public())
                 .group_by(records.c.id, records.c.title, records.c.created, records.c.date_lower)
                 .order_by(shared.desc(), records.c.date_lower, records.c.id).limit(limit))
        with self.db.reading() as conn:
            return conn.execute(query).all()
