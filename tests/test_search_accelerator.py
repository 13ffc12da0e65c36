"""The search accelerator (each process's in-memory facets and orders) agrees with counts made directly in the
database after every kind of write, in the process that wrote and in a second Store on the same database (the
case of several app servers), and catches up by generation."""
from __future__ import annotations

import copy
from pathlib import Path
from collections import Counter

import pytest
from sqlalchemy import text

from metadata.storage import Store, make_engine
from metadata.storage.search import FACET_KINDS
from metadata.storage.search_generation import current
from tests.test_search import SEED, _draft, load


def _in_database(store, found: set[str] | None) -> tuple[dict, Counter, int]:
    """Facet counts ((parameter, key) -> count), decade counts and undated count of the public records (of
    ``found`` when given), made with SQL from mentions and records alone."""
    public = "r.published AND NOT r.deleted"
    with store.engine.connect() as conn:
        mentions = conn.execute(text(f"SELECT m.record_id, m.kind, m.role, m.key FROM mentions m "
                                     f"JOIN records r ON r.id = m.record_id WHERE {public}")).all()
        dates = conn.execute(text(f"SELECT r.id, r.date_lower, r.date_upper FROM records r WHERE {public}")).all()
    by_kind = {value: name for name, value in FACET_KINDS.items()}
    facets: Counter = Counter()
    for record_id, kind, role, key in mentions:
        if (kind, role) in by_kind and (found is None or record_id in found):
            facets[(by_kind[(kind, role)], key)] += 1
    decades: Counter = Counter()
    undated = 0
    for record_id, lower, upper in dates:
        if found is not None and record_id not in found:
            continue
        if lower is None or upper is None:
            undated += 1
            continue
        low, high = int(lower[:-6]), int(upper[:-6])
        for decade in range(low - low % 10, high + 1, 10):
            decades[decade] += 1
    return dict(facets), decades, undated


def _agrees(store, query: str = "") -> None:
    results = store.search.search(query, per_page=1000, facet_limit=10_000)
    found = {h.id for h in results.hits} if query else None
    facets, decades, undated = _in_database(store, found)
    assert {(name, key): count for name, values in results.facets.items() for key, _, count in values} == facets
    assert dict(results.dates["decades"]) == dict(decades)
    assert results.dates["undated"] == undated
    if not query:
        with store.engine.connect() as conn:
            public = set(conn.execute(text("SELECT id FROM records WHERE published AND NOT deleted")).scalars())
        assert {h.id for h in results.hits} == public and results.total == len(public)


@pytest.fixture
def second(database_url):
    """A second Store on the same database, as a second app server would hold."""
    other = Store(make_engine(database_url))
    yield other
    other.engine.dispose()


def test_counts_equal_the_database_after_every_kind_of_write_in_both_servers(app, store, second):
    load(store, drafts=[_draft()])
    servers = (store, second)
    for server in servers:  # both build their state now; every later write must reach both
        _agrees(server)
        _agrees(server, "library")

    def check():
        for server in servers:
            _agrees(server)
            _agrees(server, "library")

    current_state = store.records.get(SEED)  # an update that changes a facet value and the date
    changed = copy.deepcopy(current_state.data)
    changed["created"] = "1850"
    changed["subject"] = [{"id": "https://muniment.test/subjects/Quokkas", "type": "Concept",
                           "prefLabel": {"en": "Quokkas"}}]
    store.records.update(SEED, changed, current_state.revision, "test")
    check()
    assert "Quokkas" in {label for _, label, _ in second.search.search("").facets["subject"]}
    state = store.records.get(SEED)
    store.records.set_published(SEED, False, state.revision, "test")  # a draft again: gone from both servers' facets
    check()
    assert SEED not in {h.id for h in second.search.search("", per_page=1000).hits}
    draft = store.records.get("draft1")
    store.records.set_published("draft1", True, draft.revision, "test")
    check()
    assert "draft1" in {h.id for h in second.search.search("quokkaword").hits}
    state = store.records.get("draft1")
    store.records.delete("draft1", state.revision, "test")
    check()
    assert second.search.search("quokkaword").total == 0
    state = store.records.get("draft1")
    store.records.restore("draft1", state.revision, "test")
    check()


def test_a_server_far_behind_or_after_a_rebuild_catches_up(app, store, second, monkeypatch):
    from metadata.storage import search_accelerator

    load(store)
    _agrees(second)
    with store.engine.connect() as conn:
        before = current(conn)
    monkeypatch.setattr(search_accelerator, "REFRESH_LIMIT", 1)  # more than one change: rebuild from scratch
    state = store.records.get(SEED)
    store.records.set_published(SEED, False, state.revision, "test")
    store.records.rebuild()
    with store.engine.connect() as conn:
        assert current(conn) > before
    _agrees(second)
    assert SEED not in {h.id for h in second.search.search("", per_page=1000).hits}


def test_a_write_moves_the_generation_once_when_it_commits(app, store):
    with store.engine.connect() as conn:
        before = current(conn)
    load(store)
    with store.engine.connect() as conn:
        after = current(conn)
        rows = conn.execute(text("SELECT COUNT(DISTINCT record_id) FROM search_changes WHERE generation > :g"), {"g": before}
                            ).scalar_one()
        records = conn.execute(text("SELECT COUNT(*) FROM records")).scalar_one()
    assert after > before and rows == records



@pytest.mark.parametrize("sort", ["relevance", "date", "-date", "title"])
def test_pages_of_one_follow_the_order_of_one_long_page(app, store, sort):
    """Small pages walk the kept orders and find a field's first hits in batches (PostgreSQL): page by page
    they must give the order of one long page, for every sort."""
    load(store)
    for query in ("library", "the", "reading library", "-library"):
        whole = [(h.id, h.tier) for h in store.search.search(query, sort=sort, per_page=1000).hits]
        paged = [(h.id, h.tier) for page in range(1, len(whole) + 2)
                 for h in store.search.search(query, sort=sort, page=page, per_page=1).hits]
        assert paged == whole and whole, (query, sort)


def test_a_server_that_saw_later_generations_rebuilds_after_a_restore(database_url, tmp_path):
    # A backup holds the search generation too: restored, the number goes back, and a server that counted past
    # it could meet it again after one more write and believe itself current. The restore moves the number far
    # forward (every record counted as changed), and a generation that went back makes a server rebuild.
    from sqlalchemy import text as sql

    from metadata.storage import backup, migrate
    from tests.test_search import SEED, load

    writer = Store(make_engine(database_url))
    migrate.upgrade(writer.engine)
    load(writer)
    server = Store(make_engine(database_url))
    before = server.search.search("", per_page=1000).total
    path = tmp_path / "archive.backup"
    backup.write_backup(writer.engine, path)
    state = writer.records.get(SEED)
    writer.records.delete(SEED, state.revision, "test")
    assert server.search.search("", per_page=1000).total == before - 1
    for store in (writer, server):
        store.engine.dispose()
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).unlink()
    else:
        with writer.engine.begin() as conn:
            conn.execute(sql("DROP SCHEMA public CASCADE"))
            conn.execute(sql("CREATE SCHEMA public"))
    backup.restore_backup(writer.engine, path)
    edited = writer.records.get("990002")
    writer.records.update("990002", {**edited.data, "title": {"en": "Edited after the restore"}}, edited.revision,
                          "test")
    fresh = Store(make_engine(database_url))
    try:
        expected = fresh.search.search("", per_page=1000)
        found = server.search.search("", per_page=1000)
        assert found.total == expected.total == before
        assert [h.id for h in found.hits] == [h.id for h in expected.hits] and SEED in {h.id for h in found.hits}
    finally:
        for store in (writer, server, fresh):
            store.engine.dispose()


def test_raw_reads_give_their_connections_back(store):
    # The manifest's and the harvest's raw reads take a pooled connection per read: kept per thread, the 64
    # threads of a server worker exhausted the pool (15) and every other read then waited 30 s and failed.
    import threading

    from tests.test_search import load

    load(store)
    threads = [threading.Thread(target=store.serving.state, args=(SEED,)) for _ in range(20)]
    threads += [threading.Thread(target=store.harvest.count) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.engine.pool.checkedout() == 0
    assert store.serving.state(SEED).id == SEED and not store.serving.state(SEED).deleted


def test_a_rebuilt_state_is_frozen_out_of_the_cyclic_collector(app, store):
    # A full collection walks every tracked object: with the state of 100,000 records that was a 120 ms pause in
    # whichever search met it. After a rebuild the state's objects are frozen (gc.freeze), so they are not walked.
    import gc

    load(store)
    gc.unfreeze()
    store.search.search("library")
    state = store.search.accelerator._state
    frozen = gc.get_freeze_count()
    assert frozen > len(state.rows) > 0
    tracked = {id(o) for o in gc.get_objects()}
    assert id(state.values) not in tracked and id(state.by_date) not in tracked


def test_both_ways_of_counting_facets_give_the_same_top_values():
    # Few results count their records' own mentions; more gather their entries (_Entries), or the entries of the
    # records they lack when they hold most (300 of 300), ranking only values that can reach the top. All must
    # give the same values, counts, smallest labels and order, also for a value given several labels and for
    # ties cut by the limit.
    import random

    from pyroaring import BitMap

    from metadata.storage.search_accelerator import _Row, _State

    rng = random.Random(5)
    state = _State()
    people = [f"p{n:02d}" for n in range(40)]
    for doc in range(1, 301):
        chosen = rng.sample(people, 3)
        facets = tuple(((("agent", "creator", key), rng.choice([key.upper(), "Z " + key, "a " + key]))
                        for key in chosen)) + ((("place", "", "x"), rng.choice(["Leeds", "leeds", "LEEDS"])),)
        state.add(doc, _Row(f"r{doc}", True, None, None, "t", facets))
    for size in (1, 5, 20, 100, 300):
        result = BitMap(rng.sample(range(1, 301), size))
        for limit in (1, 3, 30):
            by_values = state.facets(result, limit)  # 41 values, 300 docs: 1 result by docs, more gathered
            by_docs: dict = {}
            for doc in result:
                for (kind, role, key), label in state.rows[doc].facets:
                    held = by_docs.setdefault((kind, role, key), [0, label])
                    held[0] += 1
                    held[1] = min(held[1], label)
            for name, kind in (("creator", ("agent", "creator")), ("place", ("place", ""))):
                expected = sorted(((key, label, count) for (k, r, key), (count, label) in by_docs.items()
                                   if (k, r) == kind), key=lambda v: (-v[2], v[1].casefold(), v[0]))[:limit]
                assert by_values[name] == expected, (size, limit, name)


def test_a_rebuild_freezes_no_garbage_cycle(app, store):
    # What is frozen is never collected: garbage cycles alive at the rebuild would leak for good.
    import gc
    import weakref

    class Node:
        pass

    load(store)
    gc.unfreeze()
    cycle = Node()
    cycle.self = cycle
    watch = weakref.ref(cycle)
    gc.collect()  # the cycle, still referenced, is now in the oldest generation: only a full collection frees it
    del cycle
    store.search.search("library")  # a first search rebuilds and freezes
    assert watch() is None


def test_an_archive_without_records_has_empty_facets():
    """No record, so no facet value: every facet is empty, for no results and for a result of unknown docs."""
    from pyroaring import BitMap

    from metadata.storage.search_accelerator import _State, facet_kinds

    for result in (BitMap(), BitMap([1, 2])):
        assert _State().facets(result, 30) == {name: [] for name in facet_kinds().values()}
