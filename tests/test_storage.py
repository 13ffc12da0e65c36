"""Storage on SQLite and PostgreSQL: revisions, tombstones, idempotent saves, and concurrent writers."""
from __future__ import annotations

import copy
import json
import threading

import pytest
from sqlalchemy import inspect, select

from metadata.importers import archive_file
from metadata.storage import Conflict, Gone, NotFound
from metadata.storage.tables import changes, derived, record_sets, revisions
from metadata.record.validation import RecordInvalid

from tests.support.paths import seed_file


@pytest.fixture
def cable() -> dict:
    return archive_file.parse_file(seed_file())


def test_create_writes_record_revision_outputs_and_change(store, cable):
    state = store.records.create(cable, "alice", "first import")
    assert state.revision == 1 and not state.deleted and state.published
    assert state.datestamp.microsecond == 0
    with store.db.reading() as conn:
        assert conn.execute(select(revisions.c.author, revisions.c.message)).all() == [("alice", "first import")]
        assert {r.format for r in conn.execute(select(derived.c.format))} == {
            "oai_dc", "marc21", "mods", "qdc", "manifest", "pages"}
        assert [r.kind for r in conn.execute(select(changes.c.kind))] == ["create"]
    assert store.records.get("113439").data == cable


def test_update_delete_restore_keep_every_revision(store, cable):
    store.records.create(cable, "alice")
    edited = copy.deepcopy(cable)
    edited["title"] = {"en": "Cable from Liu Shaoqi"}
    second = store.records.update("113439", edited, 1, "bob", "shorter title")
    assert second.revision == 2
    gone = store.records.delete("113439", 2, "carol", "duplicate")
    assert gone.deleted and gone.revision == 3
    assert store.records.get("113439").deleted
    with pytest.raises(Gone):
        store.records.update("113439", edited, 3, "bob")
    back = store.records.restore("113439", 3, "dave")
    assert not back.deleted and back.revision == 4 and back.data == edited
    history = store.records.revisions("113439")
    assert [(r.number, r.author, r.deleted) for r in history] == [
        (1, "alice", False), (2, "bob", False), (3, "carol", True), (4, "dave", False)]
    assert history[0].data == cable and history[2].data == edited  # the tombstone keeps the last data
    assert [c["kind"] for c in store.records.changes("113439")] == ["create", "update", "delete", "restore"]


def test_stale_revision_is_a_conflict_and_changes_nothing(store, cable):
    store.records.create(cable, "alice")
    edited = copy.deepcopy(cable)
    edited["title"] = {"en": "Changed"}
    store.records.update("113439", edited, 1, "bob")
    with pytest.raises(Conflict) as caught:
        store.records.update("113439", cable, 1, "carol")
    assert caught.value.current == 2
    assert store.records.get("113439").data == edited and len(store.records.revisions("113439")) == 2


def test_invalid_records_are_never_stored(store, cable):
    bad = copy.deepcopy(cable)
    bad["created"] = "someday"
    with pytest.raises(RecordInvalid):
        store.records.create(bad, "alice")
    assert store.records.get("113439") is None
    store.records.create(cable, "alice")
    with pytest.raises(RecordInvalid):
        store.records.update("113439", bad, 1, "alice")
    assert store.records.get("113439").revision == 1


def test_missing_record(store, cable):
    with pytest.raises(NotFound):
        store.records.update("113439", cable, 1, "alice")
    with pytest.raises(NotFound):
        store.records.delete("nope", 1, "alice")


def test_save_is_idempotent_and_versions_changes(store, cable):
    assert store.records.save(cable, "import")[0] == "created"
    first = store.records.get("113439")
    assert store.records.save(copy.deepcopy(cable), "import")[0] == "unchanged"
    assert store.records.get("113439").revision == 1 and store.records.get("113439").datestamp == first.datestamp
    edited = copy.deepcopy(cable)
    edited["abstract"] = {"en": "Another summary."}
    outcome, state = store.records.save(edited, "import")
    assert outcome == "updated" and state.revision == 2


def test_save_many_batches_and_unpublish_keeps_revision(store, cable):
    records = []
    for n in range(7):
        record = copy.deepcopy(cable)
        record["identifier"] = f"doc-{n}"
        record["id"] = record["id"].replace("113439", f"doc-{n}")
        for version in record["hasVersion"]:
            version["id"] = version["id"].replace("113439", f"doc-{n}")
            version["isVersionOf"] = version["translationOfWork"] = record["id"]
        records.append(record)
    outcomes = [o for o, _ in store.records.save_many(records, "bulk", batch_size=3)]
    assert outcomes == ["created"] * 7
    total, rows = store.records.list_records(per_page=5)
    assert total == 7 and len(rows) == 5
    hidden = store.records.set_published("doc-0", False, 1, "alice")
    assert not hidden.published and hidden.revision == 2
    assert store.records.list_records()[0] == 6
    assert store.records.list_records(include_drafts=True)[0] == 7


def test_sets_are_recorded_with_their_parents(store, cable):
    record = copy.deepcopy(cable)
    record["isPartOf"] = ["https://muniment.invalid/sets/cold-war:sino-soviet"]
    store.records.create(record, "alice")
    with store.db.reading() as conn:
        assert conn.execute(select(record_sets.c.spec)).scalars().all() == ["cold-war:sino-soviet"]
    assert [(s["spec"], s["parent"]) for s in store.sets.all()] == [
        ("cold-war", None), ("cold-war:sino-soviet", "cold-war")]


def test_datestamp_index_for_keyset_paging(store):
    indexes = {i["name"]: i["column_names"] for i in inspect(store.engine).get_indexes("records")}
    assert indexes["ix_records_datestamp_id"] == ["datestamp", "id"]


@pytest.mark.parametrize("writers", [2, 8])
def test_concurrent_writers_one_wins_others_conflict(store, cable, writers):
    store.records.create(cable, "alice")
    barrier = threading.Barrier(writers)
    outcomes: list = [None] * writers

    def write(n: int) -> None:
        record = copy.deepcopy(cable)
        record["title"] = {"en": f"Edit by writer {n}"}
        barrier.wait()
        try:
            outcomes[n] = store.records.update("113439", record, 1, f"writer-{n}")
        except Conflict as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if o not in winners)
    current = store.records.get("113439")
    assert current.revision == 2 and current.data == winners[0].data
    assert [r.number for r in store.records.revisions("113439")] == [1, 2]


def test_concurrent_creates_of_one_identifier(store, cable):
    barrier = threading.Barrier(4)
    outcomes: list = [None] * 4

    def create(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = store.records.create(copy.deepcopy(cable), f"writer-{n}")
        except Conflict as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert len(store.records.revisions("113439")) == 1


def test_migration_0002_backfills_the_written_date(database_url, cable):
    """A database at revision 0001 with a record upgrades to head with the record's EDTF date filled in."""
    from sqlalchemy import text

    from metadata.storage import Store, make_engine, migrate

    engine = make_engine(database_url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO records (id, revision, datestamp, deleted, published, harvestable, title, "
                          "date_lower, date_upper, content_hash) VALUES ('113439', 1, '2026-01-01 00:00:00', "
                          "false, true, true, 'Cable', '1949-07-18', '1949-07-18', 'x')"))
        conn.execute(text("INSERT INTO revisions (record_id, number, data, deleted, published, author, created_at, "
                          "message, content_hash) VALUES ('113439', 1, :data, false, true, 'import', "
                          "'2026-01-01 00:00:00', 'import', 'x')"), {"data": json.dumps(dict(cable, created="194X"))})
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    total, rows = Store(engine).records.list_records()
    assert total == 1 and rows[0].created == "194X"
    engine.dispose()


def test_migrations_create_exactly_the_tables_the_code_uses(store):
    """Alembic's comparison of the migrated database with metadata/tables.py finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from metadata.storage.tables import metadata

    def ours(name, kind, _parent):
        # The full-text tables are each engine's own (SQLite's FTS5 table and its shadow tables, PostgreSQL's
        # tsvector table), made by the search migration from metadata/storage/search.py, not from tables.py.
        return not (kind == "table" and name.startswith(("search_fts", "search_vectors")))

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": ours})
        assert compare_metadata(context, metadata) == []


def test_migration_0011_moves_sqlite_tokens_into_a_table_per_field_and_back(tmp_path, cable):
    """A SQLite database indexed before 0011 (one FTS5 table, a column per field) keeps every token, field by
    field, and its searches; downgrading gives the one table back."""
    from sqlalchemy import text

    from metadata.storage import Store, make_engine, migrate
    from metadata.storage.search import FTS_TABLES

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(engine, "0010")
    store = Store(engine)
    store.records.save(cable, "import")
    with engine.begin() as conn:  # as a database indexed before 0011 holds it
        fields = [conn.execute(text(f"SELECT tokens FROM {t} WHERE rowid = 1")).scalar() or "" for t in FTS_TABLES]
        for table in FTS_TABLES:
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, text, other, "
                          "tokenize = 'unicode61 remove_diacritics 0')"))
        conn.execute(text("INSERT INTO search_fts (rowid, title, summary, text, other) VALUES (1, :a, :b, :c, :d)"),
                     dict(zip("abcd", fields)))
    assert all(fields[:3]) and len(" ".join(fields).split()) > 100

    migrate.upgrade(engine)
    with engine.connect() as conn:
        moved = [conn.execute(text(f"SELECT tokens FROM {t} WHERE rowid = 1")).scalar() or "" for t in FTS_TABLES]
        assert moved == fields
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'")).scalar() == 0
    assert [h.id for h in Store(engine).search.search("Wolff").hits] == [cable["identifier"]]

    migrate.downgrade(engine, "0010")
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT title, summary, text, other FROM search_fts WHERE rowid = 1")).one()) \
            == fields
        assert not any(conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": t}).first()
                       for t in FTS_TABLES)
    engine.dispose()


def test_migration_0012_gives_postgresql_a_vector_per_field(database_url, cable):
    """PostgreSQL indexed before 0012 gets the title's, summary's and text's own vectors, generated from the
    record's by weight and indexed, and finds by them; downgrading drops them. SQLite's tables are untouched."""
    from sqlalchemy import text

    from metadata.storage import Store, make_engine, migrate
    from metadata.storage.search import FTS_TABLES

    engine = make_engine(database_url)
    migrate.upgrade(engine, "0011")
    Store(engine).records.save(cable, "import")
    postgres = engine.dialect.name == "postgresql"
    fields = ("title", "summary", "text")
    with engine.begin() as conn:
        if postgres:  # as a database indexed before 0012 holds it
            for field in fields:
                conn.execute(text(f"ALTER TABLE search_vectors DROP COLUMN {field}_vector"))
            before = None
        else:
            before = [conn.execute(text(f"SELECT tokens FROM {t}")).scalars().all() for t in FTS_TABLES]

    migrate.upgrade(engine)
    with engine.connect() as conn:
        if postgres:
            for field, weight in zip(fields, "abc"):
                got, want = conn.execute(text(f"SELECT {field}_vector::text, ts_filter(vector, '{{{weight}}}')::text "
                                              "FROM search_vectors")).one()
                assert got == want and got
            indexes = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'search_vectors'"))
                          .scalars())
            assert {f"ix_search_vectors_{field}" for field in fields} <= indexes
        else:
            assert [conn.execute(text(f"SELECT tokens FROM {t}")).scalars().all() for t in FTS_TABLES] == before
    found = Store(engine).search.search("Wolff")
    assert [h.id for h in found.hits] == [cable["identifier"]]

    migrate.downgrade(engine, "0011")
    with engine.connect() as conn:
        if postgres:
            assert not conn.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = "
                                         "'search_vectors' AND column_name LIKE '%\\_vector'")).all()
    engine.dispose()
