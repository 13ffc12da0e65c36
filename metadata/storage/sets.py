"""Sets (OAI-PMH sets, IIIF collections): their names and descriptions, kept apart from memberships."""
from __future__ import annotations

from sqlalchemy import Integer, cast, func, or_, select

from metadata.record import sets as set_rules
from metadata.storage.database import Database
from metadata.storage.states import Conflict
from metadata.storage.tables import record_sets, records, sets


class Sets:
    """Described sets; a set a record names before anyone describes it gets a row named by its last segment."""

    def __init__(self, db: Database):
        self.db = db

    def put(self, spec: str, name: str, description: str = "") -> None:
        """Describe a set (its parent follows from the spec)."""
        values = dict(name=name, description=description, parent=set_rules.parent(spec))
        with self.db.writing() as conn:
            if conn.execute(select(sets.c.spec).where(sets.c.spec == spec)).first():
                conn.execute(sets.update().where(sets.c.spec == spec).values(**values))
            else:
                conn.execute(sets.insert().values(spec=spec, **values))

    def delete(self, spec: str) -> bool:
        """Remove a set nobody belongs to (records keep their memberships otherwise); True if removed."""
        with self.db.writing() as conn:
            used = conn.execute(select(func.count()).select_from(record_sets).where(
                or_(record_sets.c.spec == spec, record_sets.c.spec.startswith(spec + ":", autoescape=True)))).scalar_one()
            children = conn.execute(select(func.count()).select_from(sets).where(sets.c.parent == spec)).scalar_one()
            if used or children:
                raise Conflict(f"set {spec} still has records or subsets")
            return conn.execute(sets.delete().where(sets.c.spec == spec)).rowcount == 1

    def all(self) -> list[dict]:
        with self.db.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(select(sets).order_by(sets.c.spec)).all()]

    def public(self) -> list[dict]:
        """``all()`` without the sets only unpublished drafts belong to (their subsets' records included).

        A draft's ``isPartOf`` creates its set on save, named after the spec, so without this rule ListSets,
        the IIIF collections and public pages would announce a set, and its name, before anything in it is
        published. A described set nothing belongs to yet is public: it tells nothing about a draft.
        "Published" is the OAI-PMH sense (harvestable: published at least once), so a set whose records were
        withdrawn keeps appearing with their deletions."""
        with self.db.reading() as conn:
            rows = conn.execute(
                select(record_sets.c.spec, func.max(cast(records.c.harvestable, Integer)))
                .join(records, records.c.id == record_sets.c.record_id).group_by(record_sets.c.spec)).all()
        used = {spec: bool(public) for spec, public in rows}
        visible = []
        for item in self.all():
            spec = item["spec"]
            members = [public for member, public in used.items() if member == spec or member.startswith(spec + ":")]
            if not members or any(members):
                visible.append(item)
        return visible

    @staticmethod
    def ensure(conn, specs: set[str]) -> None:
        """Sets a record names but nobody has described yet get a row (named by their last segment)."""
        wanted = {ancestor for spec in specs for ancestor in set_rules.lineage(spec)}
        known = set(conn.execute(select(sets.c.spec).where(sets.c.spec.in_(wanted))).scalars())
        for spec in sorted(wanted - known):  # parents sort before their children
            conn.execute(sets.insert().values(spec=spec, name=set_rules.leaf_name(spec), description="",
                                              parent=set_rules.parent(spec)))
