"""Bulk saves with worker processes store exactly what serial saves store, on SQLite and PostgreSQL.

``save_many(workers=N)`` validates records and computes their datestamp-free outputs and search tokens in forked
processes (``metadata/storage/preparation.py``). These tests hold it to the serial write: ``muniment check``
finds every stored output equal to a fresh derivation, the search index holds each record's tokens, an invalid
record stops the save where a serial save stops, and a record whose names resolve to an existing entity is
derived again in its transaction.
"""
from __future__ import annotations

import copy
import os
import json

import pytest
from sqlalchemy import select, text

from metadata.record.validation import RecordInvalid
from metadata.storage import check
from metadata.storage.preparation import can_fork
from metadata.storage.search import FTS_TABLES, index_tiers, pair_lexemes
from metadata.storage.tables import derived, entities, revisions, search_documents

from tests.bench.generate import records, varied

pytestmark = pytest.mark.skipif(not can_fork(), reason="worker processes are forked (Linux)")


def _index(store, identifier: str) -> list[str]:
    """The tokens stored in the engine's index for a record, by tier (SQLite's FTS5 columns; PostgreSQL's
    tsvector lexemes, with the pairs of neighbouring words, compared as sets)."""
    with store.db.reading() as conn:
        doc = conn.execute(select(search_documents.c.doc).where(search_documents.c.record_id == identifier)
                           ).scalar_one()
        if conn.dialect.name == "sqlite":  # a field's table has no row when the field has no tokens
            return [conn.execute(text(f"SELECT tokens FROM {table} WHERE rowid = :d"), {"d": doc}).scalar() or ""
                    for table in FTS_TABLES]
        return sorted(conn.execute(text("SELECT unnest(tsvector_to_array(vector)) FROM search_vectors "
                                        "WHERE doc = :d"), {"d": doc}).scalars())


def _expected_index(store, data: dict):
    tiers = index_tiers(data)
    with store.db.reading() as conn:
        if conn.dialect.name == "sqlite":
            return [" ".join(tokens) for tokens in tiers]
    return sorted({lexeme for tokens in tiers for lexeme in [*tokens, *filter(None, pair_lexemes(tokens))]})


def test_workers_store_what_a_serial_save_stores(store):
    mixed = list(varied(30)) + list(records(10))
    results = list(store.records.save_many(mixed, "bulk", batch_size=7, workers=2))
    assert [status for status, _ in results] == ["created"] * 40
    assert [state.id for _, state in results] == [r["identifier"] for r in mixed]
    derivers = store.records.derivers
    assert list(check.check_records(store.engine, derivers)) == []  # every output equals a fresh derivation
    for record in mixed[::7]:
        stored = store.records.get(record["identifier"]).data
        assert _index(store, record["identifier"]) == _expected_index(store, stored)
    # The same records saved again are unchanged, and an edited one is updated, as in a serial save.
    edited = copy.deepcopy(mixed[3])
    edited["title"] = {"en": "Edited in bulk"}
    again = list(store.records.save_many([*mixed[:3], edited], "bulk", batch_size=2, workers=2))
    assert [status for status, _ in again] == ["unchanged"] * 3 + ["updated"]
    assert again[-1][1].revision == 2
    assert list(check.check_records(store.engine, derivers)) == []


def test_an_invalid_record_stops_the_save_where_a_serial_save_stops(store):
    batch = list(varied(9))
    broken = copy.deepcopy(batch[6])
    broken["created"] = "the eighteenth of July"
    batch[6] = broken
    saved = []
    with pytest.raises(RecordInvalid) as caught:
        for status, state in store.records.save_many(batch, "bulk", batch_size=3, workers=2):
            saved.append(state.id)
    assert [e["pointer"] for e in caught.value.errors] == ["/created"]  # its errors crossed from the worker
    assert saved == [r["identifier"] for r in batch[:6]]  # the two batches before it, and nothing after
    with store.db.reading() as conn:
        assert conn.execute(select(revisions.c.record_id).where(
            revisions.c.record_id.in_([r["identifier"] for r in batch[6:]]))).all() == []


def test_a_record_resolved_to_a_known_entity_is_derived_in_its_transaction(store):
    first = next(varied(1))
    list(store.records.save_many([first], "bulk"))
    person = first["creator"][0]["name"]["en"]
    second = copy.deepcopy(next(varied(1, start=1)))
    # The same person under a key of another spelling: the write points the node at the existing entity,
    # so what the worker derived from the record as given no longer fits and is made again.
    second["creator"][0]["id"] = second["creator"][0]["id"].rsplit("/", 1)[0] + "/someone-else"
    second["creator"][0]["name"] = {"en": person.upper()}
    second["qualifiedAttribution"][0]["agent"] = second["creator"][0]["id"]
    [(status, state)] = list(store.records.save_many([second], "bulk", workers=2))
    assert status == "created"
    assert state.data["creator"][0]["id"] == first["creator"][0]["id"]
    with store.db.reading() as conn:
        manifest = conn.execute(select(derived.c.content).where(
            derived.c.record_id == second["identifier"], derived.c.format == "manifest")).scalar_one()
        keys = {k for (k,) in conn.execute(select(entities.c.key))}
    assert "someone-else" not in keys
    assert person in json.dumps(json.loads(manifest), ensure_ascii=False)
    assert list(check.check_records(store.engine, store.records.derivers)) == []


def test_import_command_with_workers_imports_what_it_imports_without(tmp_path):
    """`muniment import` of a folder with MUNIMENT_IMPORT_WORKERS=2 (forked readers) and with 1 gives the same
    outcomes, revisions and stored outputs; a broken file fails alone, named, with the rest imported."""
    from metadata.importers.files import export_line
    from metadata.record.urls import UrlBuilder
    from server import create_app
    from server.cli import cli

    folder = tmp_path / "files"
    folder.mkdir()
    urls = UrlBuilder("http://muniment.test/")
    batch = list(varied(24))
    for n in range(0, 24, 3):  # eight files of three records (JSON Lines, as `muniment export` writes)
        (folder / f"part-{n:02d}.jsonl").write_text(
            "".join(export_line(record, urls) + "\n" for record in batch[n:n + 3]), "utf-8")
    (folder / "part-99.jsonl").write_text('{"identifier": "broken"\n', "utf-8")

    def imported(workers: int):
        database = f"sqlite:///{tmp_path / f'workers-{workers}.db'}"
        app = create_app({"DATABASE_URL": database, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "k",
                          "IMPORT_WORKERS": workers})
        try:
            result = app.test_cli_runner().invoke(cli, ["import", str(folder)])
            store = app.extensions["muniment"]["store"]
            assert list(check.check_records(store.engine, store.records.derivers)) == []
            with store.db.reading() as conn:
                outputs = sorted((r.record_id, r.format, r.content) for r in conn.execute(
                    select(derived.c.record_id, derived.c.format, derived.c.content))
                    if r.format not in ("marc21", "mods"))  # these carry the import's own datestamps
            return result, outputs
        finally:
            app.extensions["muniment"]["store"].engine.dispose()

    serial, serial_outputs = imported(1)
    parallel, parallel_outputs = imported(2)
    assert parallel.exit_code == serial.exit_code == 1  # the broken file failed
    assert "part-99.jsonl" in parallel.stderr
    lines = lambda result: sorted(line for line in result.stdout.splitlines() if ": created " in line)  # noqa: E731
    assert len(lines(parallel)) == 24 and lines(parallel) == lines(serial)
    assert parallel_outputs == serial_outputs


def test_an_output_that_fails_in_a_worker_fails_its_file_and_the_import_goes_on(tmp_path):
    # A builder error in a worker (here: the reading pages' font cannot be opened) is the file's problem, as
    # without workers: each file is named with the reason, and the command reports the rest and exits 1.
    from metadata.importers.files import export_line
    from metadata.record.urls import UrlBuilder
    from server import create_app
    from server.cli import cli

    folder = tmp_path / "files"
    folder.mkdir()
    for n, record in enumerate(varied(4)):
        (folder / f"r{n}.jsonl").write_text(export_line(record, UrlBuilder("http://muniment.test/")) + "\n", "utf-8")
    errors = {}
    for workers in (1, 2):
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / f'w{workers}.db'}", "SECRET_KEY": "k",
                          "BASE_URL": "http://muniment.test/", "IMPORT_WORKERS": workers,
                          "FONT_LATIN": str(tmp_path / "no-such-font.ttf")})
        result = app.test_cli_runner().invoke(cli, ["import", str(folder)])
        app.extensions["muniment"]["store"].engine.dispose()
        assert result.exit_code == 1
        errors[workers] = (sorted(line for line in result.stderr.splitlines() if line.startswith("error: ")),
                           sorted(line for line in result.stdout.splitlines() if ": created " in line),
                           result.stdout.splitlines()[-1].split(" in ")[0])
    failed, created, summary = errors[2]
    assert failed and all("no-such-font" in line or "cannot open" in line for line in failed)
    assert summary.endswith(f"{len(failed)} failed") and len(failed) + len(created) == 4
    assert errors[2] == errors[1]


_PARENT = os.getpid()


def _square_or_die(n: int) -> int:
    if n == 11 and os.getpid() != _PARENT:
        os._exit(1)  # the worker is killed (as the kernel's out-of-memory killer would)
    return n * n


def test_a_worker_that_dies_leaves_the_rest_to_the_writer():
    from metadata.storage.preparation import in_workers

    assert list(in_workers(_square_or_die, range(40), {}, 2, ahead=16)) == [n * n for n in range(40)]


def test_a_pool_broken_before_a_chunk_is_handed_over_gives_no_future():
    """The race the test above meets now and then: a worker dies after the last result came back, so handing
    over the next chunk finds the pool broken; ``_submit`` then answers None and ``in_workers`` computes it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from metadata.storage.preparation import _submit

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        with pytest.raises(BrokenProcessPool):
            pool.submit(_square_or_die, 11).result()
        assert _submit(pool, _square_or_die, [1, 2]) is None
