"""Authority control in storage: the ``entities`` table with each entity's history, and the writes that keep
every record using an entity in line with it.

Records stay self-contained: an entity edit, merge or split writes a new revision of each record that uses
the entity (through ``Records.rewrite``, the ordinary write path, so outputs are re-derived and OAI-PMH
datestamps move), all in one transaction with the entity's own new revision, so a reader never sees the
entity changed and its records not. A record write that names an entity nobody knew yet creates it
(``ensure_entities``, in the record's transaction). The rules themselves are in ``metadata/record/authority``.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from metadata.record import authority
from metadata.record.validation import RecordInvalid
from metadata.storage.database import Database
from metadata.storage.states import Conflict, NotFound, StorageError
from metadata.storage.tables import entities, entity_revisions, mentions, records, revisions

EDITABLE = ("name", "variants", "sameAs", "type", "sortName")


class EntityInvalid(StorageError):
    """An entity's fields break a rule; ``errors`` lists each problem with its pointer."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['pointer']}: {e['message']}" for e in errors))


class EntityMerged(StorageError):
    """The entity was merged into another: changes go to that one."""


def _insert_new(conn: Connection, values: dict) -> bool:
    """Insert an entity unless its key exists (a concurrent writer made the same one): whether it was inserted."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(entities).values(**values).on_conflict_do_nothing().returning(entities.c.key)
    return conn.execute(statement).first() is not None


def _columns(entity: dict) -> dict:
    return {"type": entity.get("type"), "name": json.dumps(entity["name"], ensure_ascii=False),
            "variants": json.dumps(entity.get("variants") or {}, ensure_ascii=False),
            "same_as": json.dumps(entity.get("sameAs") or [], ensure_ascii=False),
            "sort_name": entity.get("sortName"), "search_text": authority.search_text(entity),
            "merged_into": entity.get("mergedInto")}


def _entity(row) -> dict:
    found = {"kind": row.kind, "key": row.key, "name": json.loads(row.name), "variants": json.loads(row.variants),
             "sameAs": json.loads(row.same_as), "revision": row.revision, "created": row.created_at,
             "updated": row.updated_at}
    if row.type:
        found["type"] = row.type
    if row.sort_name:
        found["sortName"] = row.sort_name
    if row.merged_into:
        found["mergedInto"] = row.merged_into
    return found


def _data(entity: dict) -> dict:
    """What a revision keeps: the entity's own fields."""
    return {k: entity[k] for k in ("kind", "key", *EDITABLE, "mergedInto") if entity.get(k) not in (None, "")}


def _add_revision(conn, entity: dict, number: int, author: str, message: str, now) -> None:
    conn.execute(entity_revisions.insert().values(
        kind=entity["kind"], key=entity["key"], number=number, data=json.dumps(_data(entity), ensure_ascii=False),
        author=author, created_at=now, message=message))


class KnownEntities:
    """The entity rows (kind, key, merged_into, same_as) a record write asks about, each read once.

    Resolving names, redirecting merged entities, adding links and creating new entities all ask "which of
    these keys exist, and how": one statement for the keys a record names instead of one per step. Keys
    first seen after a step changed the record (a name resolved to an existing entity) are read when asked.
    Made per record write, inside its transaction, so it never outlives what it read."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._rows: dict[tuple[str, str], object] = {}

    def rows(self, pairs) -> dict[tuple[str, str], object]:
        """(kind, key) -> the row, or None for a key no entity has."""
        pairs = set(pairs)
        missing = sorted({key for kind, key in pairs if (kind, key) not in self._rows})
        if missing:
            found = {(r.kind, r.key): r for r in self.conn.execute(
                select(entities.c.kind, entities.c.key, entities.c.merged_into, entities.c.same_as)
                .where(entities.c.key.in_(missing)))}
            for pair in pairs:
                self._rows.setdefault(pair, found.get(pair))
        return {pair: self._rows[pair] for pair in pairs}


def ensure_entities(conn: Connection, data: dict, author: str, now, known: KnownEntities | None = None) -> None:
    """Create (revision 1) every entity the record names that does not exist yet, from the record's nodes."""
    found: dict[tuple[str, str], list[dict]] = {}
    for kind, key, node in authority.entity_nodes(data):
        found.setdefault((kind, key), []).append(node)
    if not found:
        return
    rows = (known or KnownEntities(conn)).rows(found)
    for (kind, key), nodes in found.items():
        if rows[(kind, key)] is not None:
            continue
        entity = authority.from_nodes(kind, key, nodes)
        if _insert_new(conn, dict(kind=kind, key=key, revision=1, created_at=now, updated_at=now, **_columns(entity))):
            _add_revision(conn, entity, 1, author, f"created from record {data.get('identifier')}", now)


def redirect_merged(conn: Connection, data: dict, known: KnownEntities | None = None) -> dict:
    """The record with every node of a merged entity replaced by the entity it was merged into (an old export
    imported again, a restored record): a merged entity is never named anew. ``data`` itself when none is."""
    named = {(kind, key) for kind, key, _ in authority.entity_nodes(data)}
    if not named:
        return data
    merged = [pair for pair, row in (known or KnownEntities(conn)).rows(named).items()
              if row is not None and row.merged_into]
    for kind, key in merged:
        target, seen = None, {key}
        row = conn.execute(select(entities).where(entities.c.kind == kind, entities.c.key == key)).first()
        while row is not None and row.merged_into and row.merged_into not in seen:
            seen.add(row.merged_into)
            row = conn.execute(select(entities).where(entities.c.kind == kind,
                                                      entities.c.key == row.merged_into)).first()
            target = row if row is not None and not row.merged_into else target
        if target is not None:
            data = authority.apply(data, _entity(target), old_iri=authority.iri(kind, key))
    return data


def _names_contain(folded: str):
    """The condition "one of the entity's folded names contains ``folded``" (LIKE, its wildcards escaped)."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return entities.c.search_text.like(f"%{escaped}%", escape="\\")


def resolve_known_names(conn: Connection, data: dict, known: KnownEntities | None = None) -> dict:
    """The record with each node naming an unknown key, whose name is exactly (case and accents aside) a name
    or variant of one existing entity, pointed at that entity instead. Every write path (the form, spreadsheets,
    files, the API) makes keys from the name as typed; without this a variant spelling would make a second
    entity, and the picker would show one person twice. Two entities with that name: left as written."""
    named = list(authority.entity_nodes(data))
    if not named:
        return data
    rows = (known or KnownEntities(conn)).rows((kind, key) for kind, key, _ in named)
    for kind, key, node in named:
        if rows[(kind, key)] is not None:
            continue
        names = {authority.fold(v) for v in (node.get(authority.KINDS[kind][1]) or {}).values()
                 if isinstance(v, str) and v.strip()}
        matches: dict[str, object] = {}
        for name in names:
            for row in conn.execute(select(entities).where(
                    entities.c.kind == kind, entities.c.merged_into.is_(None), _names_contain(name)).limit(50)):
                if name in row.search_text.split("\n"):
                    matches[row.key] = row
        if len(matches) == 1:
            (row,) = matches.values()
            data = authority.apply(data, _entity(row), old_iri=authority.iri(kind, key))
    return data


def add_authority_links(conn: Connection, data: dict, known: KnownEntities | None = None) -> dict:
    """The record with each entity node that carries no ``sameAs`` given its entity's links (a record saved
    from a form or a file that only names the entity): the entity holds the links, every output shows them.
    ``data`` itself when nothing is added."""
    named = list(authority.entity_nodes(data))
    bare = {(kind, key) for kind, key, node in named if not node.get("sameAs")}
    if not bare:
        return data
    links = {pair: json.loads(row.same_as) for pair, row in (known or KnownEntities(conn)).rows(bare).items()
             if row is not None and not row.merged_into}
    if not any(links.get(pair) for pair in bare):
        return data
    data = json.loads(json.dumps(data))  # a copy: the caller's record stays as it was given
    for kind, key, node in authority.entity_nodes(data):
        if not node.get("sameAs") and links.get((kind, key)):
            node["sameAs"] = links[(kind, key)]
    return data


def fill_from_records(conn: Connection, author: str, now) -> int:
    """Build the entities of every live record's current revision at once (the migration that introduced
    them): one entity per distinct key, its names and links from all the nodes records give it."""
    found: dict[tuple[str, str], list[dict]] = {}
    rows = conn.execute(select(records.c.id, revisions.c.data).join(revisions, and_(
        revisions.c.record_id == records.c.id, revisions.c.number == records.c.revision))
        .where(records.c.deleted.is_(False)).order_by(records.c.id))
    for _, data in rows:
        for kind, key, node in authority.entity_nodes(json.loads(data)):
            found.setdefault((kind, key), []).append(node)
    for (kind, key), nodes in sorted(found.items()):
        entity = authority.from_nodes(kind, key, nodes)
        conn.execute(entities.insert().values(kind=kind, key=key, revision=1, created_at=now, updated_at=now,
                                              **_columns(entity)))
        _add_revision(conn, entity, 1, author, "created from the records that name it", now)
    return len(found)


class Entities:
    """Read and change entities; changes are carried into every record that uses the entity."""

    def __init__(self, db: Database, records_part):
        self.db = db
        self.records = records_part

    # ------------------------------------------------------------------------------------------ reads
    def get(self, kind: str, key: str) -> dict | None:
        with self.db.reading() as conn:
            row = conn.execute(select(entities).where(entities.c.kind == kind, entities.c.key == key)).first()
        return None if row is None else _entity(row)

    def final(self, kind: str, key: str) -> dict | None:
        """The entity, or for a merged one the entity it was merged into (following a chain of merges)."""
        seen: set[str] = set()
        found = self.get(kind, key)
        while found and found.get("mergedInto") and found["mergedInto"] not in seen:
            seen.add(found["key"])
            found = self.get(kind, found["mergedInto"]) or found
        return found

    def search(self, kind: str, text: str = "", limit: int = 20, include_merged: bool = False) -> list[dict]:
        """Entities whose preferred or variant names contain ``text`` (case and accents ignored), those with
        a name starting with it first, then by how many records use them; each entity once, with ``records``
        (its count of live records, drafts included)."""
        folded = authority.fold(text)
        condition = [entities.c.kind == kind]
        if not include_merged:
            condition.append(entities.c.merged_into.is_(None))
        if folded:
            condition.append(_names_contain(folded))
        with self.db.reading() as conn:
            rows = conn.execute(select(entities).where(*condition).order_by(entities.c.key).limit(2000)).all()
            found = [_entity(r) for r in rows]
            counts = self._counts(conn, kind, found)
        for entity in found:
            entity["records"] = counts.get(authority.iri(kind, entity["key"]), 0)

        def starts(entity: dict) -> bool:
            return any(name.startswith(folded) or f" {folded}" in name
                       for name in authority.search_text(entity).split("\n"))

        found.sort(key=lambda e: (not starts(e), -e["records"], authority.fold(authority.preferred_name(e))))
        return found[:limit]

    @staticmethod
    def _counts(conn, kind: str, found: list[dict]) -> dict[str, int]:
        iris = [authority.iri(kind, e["key"]) for e in found]
        counts: dict[str, int] = {}
        for start in range(0, len(iris), 500):
            query = (select(mentions.c.key, func.count(func.distinct(mentions.c.record_id)))
                     .join(records, records.c.id == mentions.c.record_id)
                     .where(mentions.c.kind == kind, mentions.c.key.in_(iris[start:start + 500]),
                            records.c.deleted.is_(False)).group_by(mentions.c.key))
            counts.update(dict(conn.execute(query).all()))
        return counts

    def record_ids(self, kind: str, key: str, conn: Connection | None = None) -> list[str]:
        """Live records (drafts included) that use the entity, by id."""
        query = (select(mentions.c.record_id).join(records, records.c.id == mentions.c.record_id)
                 .where(mentions.c.kind == kind, mentions.c.key == authority.iri(kind, key),
                        records.c.deleted.is_(False)).distinct().order_by(mentions.c.record_id))
        if conn is not None:
            return list(conn.execute(query).scalars())
        with self.db.reading() as reader:
            return list(reader.execute(query).scalars())

    def used_by(self, kind: str, key: str) -> list:
        """(id, title, published) of the live records using the entity, for the editor's split form."""
        ids = self.record_ids(kind, key)
        with self.db.reading() as conn:
            return conn.execute(select(records.c.id, records.c.title, records.c.published)
                                .where(records.c.id.in_(ids)).order_by(records.c.id)).all() if ids else []

    def revisions(self, kind: str, key: str) -> list[dict]:
        with self.db.reading() as conn:
            rows = conn.execute(select(entity_revisions).where(
                entity_revisions.c.kind == kind, entity_revisions.c.key == key)
                .order_by(entity_revisions.c.number)).all()
        return [{"number": r.number, "data": json.loads(r.data), "author": r.author, "created": r.created_at,
                 "message": r.message} for r in rows]

    # ------------------------------------------------------------------------------------------ writes
    def update(self, kind: str, key: str, fields: dict, author: str, expected_revision: int | None = None,
               message: str = "") -> tuple[dict, list[str]]:
        """Change the entity's names, variants, links, type or sort name; every record using it gets a new
        revision saying so. Returns the entity and the ids of the records rewritten."""
        with self.db.writing() as conn:
            entity = self._live(conn, kind, key, expected_revision)
            changed = {**entity, **{k: fields[k] for k in EDITABLE if k in fields}}
            changed = {k: v for k, v in changed.items() if v not in (None, "") or k not in ("type", "sortName")}
            if kind != "agent":
                changed.pop("type", None), changed.pop("sortName", None)
            errors = authority.validate(changed)
            if errors:
                raise EntityInvalid(errors)
            if _data(changed) == _data(entity):
                return entity, []
            note = message or self._describe_change(entity, changed)
            saved = self._save(conn, changed, author, note)
            rewritten = self._carry(conn, saved, self.record_ids(kind, key, conn), author, f"Authority: {note}")
            return saved, rewritten

    def merge(self, kind: str, key: str, into: str, author: str, message: str = "") -> tuple[dict, list[str]]:
        """Merge entity ``key`` into ``into``: every record using it uses ``into`` instead, ``into`` keeps its
        names as variants and its links, and ``key`` is left pointing at ``into`` (its IRI redirects)."""
        if key == into:
            raise EntityInvalid([{"pointer": "/into", "message": "choose another entity to merge into"}])
        with self.db.writing() as conn:
            source = self._live(conn, kind, key)
            target = self._live(conn, kind, into, pointer="/into")
            note = message or (f"merged {kind} {authority.preferred_name(source)} ({key}) into "
                               f"{authority.preferred_name(target)} ({into})")
            variants = {lang: list(texts) for lang, texts in (target.get("variants") or {}).items()}
            have = set(authority.all_names(target))
            for lang, text in list(source["name"].items()) + [(lang, t) for lang, texts in
                                                               (source.get("variants") or {}).items() for t in texts]:
                if text not in have:
                    variants.setdefault(lang, []).append(text)
                    have.add(text)
            links = list(dict.fromkeys((target.get("sameAs") or []) + (source.get("sameAs") or [])))
            target = self._save(conn, {**target, "variants": variants, "sameAs": links}, author, note)
            self._save(conn, {**source, "mergedInto": into}, author, note)
            conn.execute(entities.update().where(entities.c.kind == kind, entities.c.merged_into == key)
                         .values(merged_into=into))
            ids = sorted(set(self.record_ids(kind, key, conn)) | set(self.record_ids(kind, into, conn)))
            rewritten = self._carry(conn, target, ids, author, f"Authority: {note}",
                                    old_iri=authority.iri(kind, key))
            return target, rewritten

    def split(self, kind: str, key: str, record_ids: Iterable[str], name: str, author: str,
              message: str = "") -> tuple[dict, list[str]]:
        """Move the chosen records' use of entity ``key`` to a new entity called ``name`` (with a new key,
        ``name-2`` when ``name``'s is taken): how two people who share a name are told apart."""
        chosen = sorted(set(record_ids))
        name = (name or "").strip()
        with self.db.writing() as conn:
            source = self._live(conn, kind, key)
            using = set(self.record_ids(kind, key, conn))
            errors = []
            if not name:
                errors.append({"pointer": "/name", "message": "give the name of the new entity"})
            if not chosen:
                errors.append({"pointer": "/records", "message": "choose the records that are about the other one"})
            errors += [{"pointer": "/records", "message": f"record {r} does not use this entity"}
                       for r in chosen if r not in using]
            if not errors and set(chosen) == using:
                errors.append({"pointer": "/records", "message": "leave at least one record with this entity "
                                                                 "(to rename it, edit it instead)"})
            lang = next(iter(source["name"]))
            new = {"kind": kind, "key": self._free_key(conn, kind, authority.new_key(name)), "name": {lang: name},
                   "variants": {}, "sameAs": []}
            if kind == "agent":
                new["type"] = source.get("type") or "Agent"
            errors += authority.validate(new) if name else []
            if errors:
                raise EntityInvalid(errors)
            now = self.db.clock()
            note = message or (f"split {kind} {authority.preferred_name(source)} ({key}): "
                               f"{len(chosen)} record(s) moved to {name} ({new['key']})")
            conn.execute(entities.insert().values(kind=kind, key=new["key"], revision=1, created_at=now,
                                                  updated_at=now, **_columns(new)))
            _add_revision(conn, new, 1, author, note, now)
            self._save(conn, source, author, note)
            rewritten = self._carry(conn, {**new, "revision": 1}, chosen, author, f"Authority: {note}",
                                    old_iri=authority.iri(kind, key))
            return {**new, "revision": 1}, rewritten

    # ------------------------------------------------------------------------------------------ helpers
    def _live(self, conn, kind: str, key: str, expected_revision: int | None = None, pointer: str = ""):
        row = conn.execute(select(entities).where(entities.c.kind == kind, entities.c.key == key)).first()
        if row is None:
            if pointer:
                raise EntityInvalid([{"pointer": pointer, "message": f"there is no {kind} {key!r}"}])
            raise NotFound(f"no {kind} {key}")
        if row.merged_into:
            message = f"{kind} {key} was merged into {row.merged_into}; change that one"
            if pointer:
                raise EntityInvalid([{"pointer": pointer, "message": message}])
            raise EntityMerged(message)
        if expected_revision is not None and expected_revision != row.revision:
            raise Conflict(f"{kind} {key} is at revision {row.revision}, not {expected_revision}", row.revision)
        return _entity(row)

    @staticmethod
    def _free_key(conn, kind: str, wanted: str) -> str:
        taken = set(conn.execute(select(entities.c.key).where(
            entities.c.kind == kind, entities.c.key.like(wanted.replace("%", "").replace("_", "\\_") + "%",
                                                         escape="\\"))).scalars())
        key, n = wanted, 1
        while key in taken:
            n += 1
            key = f"{wanted}-{n}"
        return key

    def _save(self, conn, entity: dict, author: str, message: str) -> dict:
        now = self.db.clock()
        number = entity["revision"] + 1
        conn.execute(entities.update().where(entities.c.kind == entity["kind"], entities.c.key == entity["key"])
                     .values(revision=number, updated_at=now, **_columns(entity)))
        _add_revision(conn, entity, number, author, message, now)
        return {**entity, "revision": number, "updated": now}

    def _carry(self, conn, entity: dict, ids: list[str], author: str, message: str,
               old_iri: str | None = None) -> list[str]:
        """A new revision of each record in ``ids`` with its nodes for the entity as the entity says."""
        rewritten = []
        for identifier in ids:
            current = self.records.current_data(conn, identifier)
            if current is None:
                continue
            try:
                if self.records.rewrite(conn, identifier, authority.apply(current, entity, old_iri), author, message):
                    rewritten.append(identifier)
            except RecordInvalid as exc:  # (a record stored before a rule it now breaks): nothing is changed
                raise EntityInvalid([{"pointer": "", "message": f"record {identifier} cannot take this change "
                                                                f"until it is corrected: {exc}"}]) from None
        return rewritten

    @staticmethod
    def _describe_change(before: dict, after: dict) -> str:
        name = authority.preferred_name(after)
        if before["name"] != after["name"]:
            return f"renamed {after['kind']} {authority.preferred_name(before)} to {name}"
        changed = [label for field, label in (("variants", "variant names"), ("sameAs", "links"), ("type", "type"),
                                              ("sortName", "sort name")) if before.get(field) != after.get(field)]
        return f"{after['kind']} {name}: changed {' and '.join(changed)}"
