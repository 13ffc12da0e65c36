"""``muniment check``: is every record's stored state what its revisions say it should be?

A record is consistent when its revisions are numbered 1..n without gaps, each revision's content hash is the
hash of its data, what its last import wrote (``record_imports``) is one of those revisions, the records row
(revision, state, hash, listing values, datestamp) matches the latest revision, and, unless it is deleted, its
stored outputs and set memberships are exactly what the app's derivers make of that revision now
and every entity it names exists unmerged. Each problem
names the record, what is wrong, what was expected and what was found, so an operator can decide between
``muniment rebuild`` and restoring a backup.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from metadata.record import authority
from metadata.record.text import content_hash
from metadata.storage.derivation import Deriver, derived_outputs, listing_values, set_specs, stamps
from metadata.storage.tables import derived, entities, record_imports, record_sets, records, revisions


@dataclass(frozen=True)
class Problem:
    record_id: str
    what: str
    expected: object
    found: object

    def __str__(self) -> str:
        return f"record {self.record_id}: {self.what}: expected {self.expected}, found {self.found}"


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f", ... ({len(numbers)} in all)" if len(numbers) > 10 else "") if numbers else "none"


def _summary(content: str) -> str:
    """A long output in a few words: its length and the start of its SHA-256."""
    return f"{len(content)} characters (sha256 {hashlib.sha256(content.encode('utf-8')).hexdigest()[:12]})"


def check_records(engine: Engine, derivers: Mapping[str, Deriver], batch: int = 100) -> Iterator[Problem]:
    """Every problem found, record by record in id order (a batch of records per read transaction)."""
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(select(records).where(records.c.id > after).order_by(records.c.id)
                                .limit(batch)).all()
            for row in rows:
                yield from _check_record(conn, row, derivers)
        if not rows:
            return
        after = rows[-1].id


def _check_record(conn, row, derivers) -> Iterator[Problem]:
    ident = row.id
    numbers: list[int] = []
    hashes: dict[int, str] = {}
    latest = None
    ever_published = False
    for revision in conn.execute(select(revisions).where(revisions.c.record_id == ident)
                                 .order_by(revisions.c.number)):
        numbers.append(revision.number)
        hashes[revision.number] = revision.content_hash
        ever_published = ever_published or revision.published
        try:
            data = json.loads(revision.data)
        except json.JSONDecodeError as exc:
            yield Problem(ident, f"revision {revision.number} data", "a JSON record", f"undecodable ({exc.msg})")
            data = None
        else:
            digest = content_hash(data)
            if digest != revision.content_hash:
                yield Problem(ident, f"revision {revision.number} content hash", digest, revision.content_hash)
        latest = (revision, data)
    if numbers != list(range(1, len(numbers) + 1)):
        yield Problem(ident, "revision numbers", f"1..{len(numbers)}", _numbers(numbers))
    yield from _check_import(conn, ident, hashes)
    if latest is None:
        yield Problem(ident, "revisions", "at least one", "none")
        return
    revision, data = latest
    expected = dict(revision=revision.number, deleted=revision.deleted, published=revision.published,
                    content_hash=revision.content_hash, datestamp=revision.created_at, harvestable=ever_published)
    if data is not None:
        expected.update(listing_values(data))
    for column, value in expected.items():
        if getattr(row, column) != value:
            yield Problem(ident, f"records.{column} (latest revision {revision.number})", value, getattr(row, column))
    if data is None or revision.deleted:
        return  # a tombstone keeps whatever outputs it had; they are never served
    yield from _check_outputs(conn, ident, revision.number, data, derivers)
    yield from _check_sets(conn, ident, data)
    yield from _check_entities(conn, ident, data)


def _check_import(conn, ident: str, hashes: dict[int, str]) -> Iterator[Problem]:
    """What the record's last import wrote is one of its revisions (the next import compares against it)."""
    last = conn.execute(select(record_imports).where(record_imports.c.record_id == ident)).first()
    if last is not None and hashes.get(last.revision) != last.content_hash:
        yield Problem(ident, f"last import (revision {last.revision}) content hash",
                      hashes.get(last.revision, "no such revision"), last.content_hash)


def _check_outputs(conn, ident: str, number: int, data: dict, derivers) -> Iterator[Problem]:
    stored = {r.format: r for r in conn.execute(select(derived).where(derived.c.record_id == ident))}
    fresh = derived_outputs(derivers, data, stamps(conn, ident))
    for fmt in sorted(set(fresh) | set(stored)):
        if fmt not in stored:
            yield Problem(ident, f"derived {fmt}", _summary(fresh[fmt]), "no stored output")
        elif fmt not in fresh:
            yield Problem(ident, f"derived {fmt}", "no such output", _summary(stored[fmt].content))
        else:
            if stored[fmt].revision != number:
                yield Problem(ident, f"derived {fmt} revision", number, stored[fmt].revision)
            if stored[fmt].content != fresh[fmt]:
                yield Problem(ident, f"derived {fmt} content (a fresh derivation differs)", _summary(fresh[fmt]),
                              _summary(stored[fmt].content))


def _check_sets(conn, ident: str, data: dict) -> Iterator[Problem]:
    found = set(conn.execute(select(record_sets.c.spec).where(record_sets.c.record_id == ident)).scalars())
    expected = set_specs(data)
    if found != expected:
        yield Problem(ident, "set memberships", sorted(expected) or "none", sorted(found) or "none")


def _check_entities(conn, ident: str, data: dict) -> Iterator[Problem]:
    """Every entity the record names exists and is not a merged one (whose records all moved on)."""
    named = {(kind, key) for kind, key, _ in authority.entity_nodes(data)}
    if not named:
        return
    found = {(r.kind, r.key): r.merged_into for r in conn.execute(
        select(entities.c.kind, entities.c.key, entities.c.merged_into)
        .where(entities.c.key.in_(sorted({key for _, key in named}))))}
    for kind, key in sorted(named):
        if (kind, key) not in found:
            yield Problem(ident, f"{kind} {key}", "an entity (muniment rebuild makes it)", "none")
        elif found[(kind, key)]:
            yield Problem(ident, f"{kind} {key}", "a live entity", f"merged into {found[(kind, key)]}")
