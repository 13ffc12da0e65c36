"""Backups: a busy database (drafts, tombstones, withdrawn records, multi-author history, described sets, users,
tokens, login failures, import keys) is backed up, restored into a fresh database of either kind, and every
table, the schema revision and every OAI-PMH answer come back identical; damaged or mismatched backups and
non-empty targets are refused with a message."""
from __future__ import annotations

import gzip
import json
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select, text

from metadata.formats import FORMATS
from metadata.importers import files as importer
from metadata.importers import loading
from metadata.storage import backup, migrate
from metadata.storage.search import FTS_TABLES, PAIR
from metadata.storage.tables import metadata
from server import auth

from tests.conftest import BACKENDS, make_app, password_hash, postgres_database
from tests.support.clock import ManualClock
from tests.support.paths import REPO

OAI = "{http://www.openarchives.org/OAI/2.0/}"


# ------------------------------------------------------------------------------------------- a busy archive
def _records(app) -> list[dict]:
    """The sample records in the API's public form."""
    from server.documents import public_record

    found = []
    for path in importer.expand_paths([REPO / "samples"]):
        for record in importer.read_file(path):
            with app.test_request_context():
                found.append(public_record(record))
    return sorted(found, key=lambda r: r["identifier"])


def build_busy_archive(app) -> None:
    """Every kind of state the archive keeps, made through the API and the account functions the app uses."""
    store = app.extensions["muniment"]["store"]
    client = app.test_client()
    headers = {}
    for name, role in (("ada", "admin"), ("eve", "editor")):
        store.accounts.put_user(name, password_hash(f"{name}-password-long"), role)
        secret = auth.new_token()
        store.accounts.add_token(name, auth.token_digest(secret), f"{name}'s script")
        headers[name] = {"Authorization": f"Bearer {secret}"}
    ada, eve = headers["ada"], headers["eve"]
    spare = client.post("/api/tokens", json={"label": "lost laptop"}, headers=eve).get_json()
    assert client.delete(f"/api/tokens/{spare['id']}", headers=eve).status_code == 204  # a revoked token

    for spec, name, description in (("letters", "Letters", "Correspondence, *all* of it"),
                                    ("letters:cables", "Cables", "Telegrams between leaders"),
                                    ("cold-war", "The Cold War", "1947–1991")):
        assert client.put(f"/api/sets/{spec}", json={"name": name, "description": description},
                          headers=ada).status_code == 200

    records = _records(app)
    assert len(records) >= 5
    history, draft, deleted, withdrawn, deleted_draft = records[:5]

    def call(method, path, who, etag=None, message="", **kwargs):
        extra = {"If-Match": etag} if etag else {}
        if message:
            extra["Muniment-Message"] = message
        response = getattr(client, method)(path, headers={**who, **extra}, **kwargs)
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.headers["ETag"]

    # A record with a long history by two authors: edits, a delete and an undelete.
    ident = history["identifier"]
    etag = call("post", "/api/records?publish=true", eve, json=history, message="first cataloguing")
    history["title"] = {"en": "A better title", "fr": "Un meilleur titre"}
    history["isPartOf"] = [f"{app.extensions['muniment']['urls'].base}sets/letters:cables"]
    etag = call("put", f"/api/records/{ident}", ada, etag, "title in two languages", json=history)
    history["abstract"] = {"en": "Summarised by a second pair of eyes."}
    etag = call("put", f"/api/records/{ident}", eve, etag, "abstract", json=history)
    etag = call("delete", f"/api/records/{ident}", ada, etag, "duplicate?")
    call("post", f"/api/records/{ident}/restore", eve, etag, "not a duplicate after all")

    call("post", "/api/records", eve, json=draft, message="a draft nobody has seen")
    etag = call("post", "/api/records?publish=true", ada, json=deleted)
    call("delete", f"/api/records/{deleted['identifier']}", ada, etag, "withdrawn at the donor's request")
    etag = call("post", "/api/records?publish=true", eve, json=withdrawn)
    call("post", f"/api/records/{withdrawn['identifier']}/unpublish", ada, etag, "rights unclear")
    etag = call("post", "/api/records", eve, json=deleted_draft)
    call("delete", f"/api/records/{deleted_draft['identifier']}", eve, etag)
    for record in records[5:]:
        call("post", "/api/records?publish=true", ada, json=record)

    # A record made by importing an archive file (a draft, so the harvest above stays as it is): its import key.
    with tempfile.TemporaryDirectory() as folder:
        notice = Path(folder) / "notice.txt"
        notice.write_text((REPO / "samples" / "1956-notice-zh.txt").read_text("utf-8").replace("990002", "990003"))
        result = loading.import_file(store, notice, draft=True)
        assert [o.status for o in result.outcomes] == ["created"], result.problem

    assert client.post("/login", data={"name": "eve", "password": "not her password"}).status_code == 401


def table_rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
            select(table).order_by(*table.primary_key.columns))] for table in metadata.sorted_tables}


def _indexed_tokens(engine) -> dict[str, set[str]]:
    """Record id -> the tokens the engine's full-text index holds for it (FTS5 columns or tsvector lexemes, but
    PostgreSQL's pairs of neighbours, which SQLite reads from positions)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            found: dict[str, set[str]] = {}
            for table in FTS_TABLES:
                for record_id, tokens in conn.execute(text(f"SELECT d.record_id, f.tokens FROM {table} f "
                                                           "JOIN search_documents d ON d.doc = f.rowid")):
                    found.setdefault(record_id, set()).update(tokens.split())
            return found
        rows = conn.execute(text("SELECT d.record_id, tsvector_to_array(v.vector) FROM search_vectors v "
                                 "JOIN search_documents d ON d.doc = v.doc"))
        return {record_id: {t for t in tokens if PAIR not in t} for record_id, tokens in rows}


def assert_restored(engine, before: dict[str, list[tuple]]) -> None:
    """Every table is back as it was (``before``: ``table_rows`` of the source), but for the public search's
    generation: a restore moves it far forward with "everything changed", so no app server that counted past the
    backup's number can take its older state for current."""
    after = table_rows(engine)
    (generation,) = after.pop("search_generation")
    (old_generation,) = before["search_generation"]
    assert generation[1] >= old_generation[1] + 2**30
    assert after.pop("search_changes") == before["search_changes"] + [(generation[1], "")]
    for name, rows in after.items():
        assert rows == before[name], f"table {name} differs after restore"


# ------------------------------------------------------------------------------------------- OAI-PMH
def _canonical(body: bytes) -> bytes:
    """An OAI-PMH answer without what legitimately differs between two requests: the response date, and the
    resumption token's bytes and expiry (also where the request is echoed)."""
    root = etree.fromstring(body)
    for element in root.iter(f"{OAI}responseDate"):
        element.text = ""
    for element in root.iter(f"{OAI}resumptionToken"):
        element.text = ""
        element.attrib.pop("expirationDate", None)
    for element in root.iter(f"{OAI}request"):
        if "resumptionToken" in element.attrib:
            element.set("resumptionToken", "")
    return etree.tostring(root, method="c14n")


def harvest_everything(client) -> dict[str, list[bytes]]:
    """Every page of ListSets, and of ListIdentifiers and ListRecords in every format."""
    queries = [("ListSets", {})]
    for prefix in FORMATS:
        queries += [("ListIdentifiers", {"metadataPrefix": prefix}), ("ListRecords", {"metadataPrefix": prefix})]
    answers = {}
    for verb, params in queries:
        pages, query = [], {"verb": verb, **params}
        while True:
            response = client.get("/oai", query_string=query)
            assert response.status_code == 200
            pages.append(_canonical(response.data))
            token = etree.fromstring(response.data).find(f".//{OAI}resumptionToken")
            if token is None or not token.text:
                break
            query = {"verb": verb, "resumptionToken": token.text}
        answers[f"{verb} {params}"] = pages
    return answers


# ------------------------------------------------------------------------------------------- the round trip
@contextmanager
def target_database(kind: str, tmp_path):
    if kind == "postgres":
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def _app(url, tmp_path, clock=None):
    return make_app(url, tmp_path, OAI_PAGE_SIZE=2, CLOCK=clock)


def _backup_tables(path) -> list[tuple[str, int]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [(item["end"], item["rows"]) for item in map(json.loads, lines)
                if isinstance(item, dict) and "end" in item]


@pytest.mark.parametrize("target", BACKENDS)
def test_backup_restores_every_table_and_oai_answers_identically(migrated_url, target, tmp_path):
    clock = ManualClock()  # both archives' "now": the harvests before and after are asked at the same moment
    source = _app(migrated_url, tmp_path, clock)
    build_busy_archive(source)
    source_engine = source.extensions["muniment"]["store"].engine
    before = table_rows(source_engine)
    clock.advance(2)  # OAI-PMH lists stop a second before now: the last writes become harvestable
    oai_before = harvest_everything(source.test_client())
    listed = b"".join(oai_before["ListRecords {'metadataPrefix': 'oai_dc'}"])
    assert listed.count(b"<record>") == 3 and listed.count(b'status="deleted"') == 2  # a live one, 2 tombstones
    path = tmp_path / "archive.backup.gz"
    counts = backup.write_backup(source_engine, path)

    # Every table of the schema is in the backup with all its rows, and the busy archive filled each one (a
    # table added to tables.py later fails here until the backup covers it and this archive puts rows in it).
    assert _backup_tables(path) == [(t.name, len(before[t.name])) for t in metadata.sorted_tables]
    assert counts == {name: len(rows) for name, rows in before.items()}
    empty = [name for name, rows in before.items() if not rows]
    assert not empty, f"build_busy_archive leaves {empty} empty: make it fill every table"

    with target_database(target, tmp_path) as url:
        restored = _app(url, tmp_path, clock)
        engine = restored.extensions["muniment"]["store"].engine
        try:
            assert sum(backup.row_counts(engine).values()) == 0
            assert backup.restore_backup(engine, path) == counts
            assert_restored(engine, before)
            assert migrate.current(engine) == migrate.current(source_engine) == migrate.head()
            assert harvest_everything(restored.test_client()) == oai_before
            # The engine's own full-text table is not in the backup: it is made anew, with the same tokens.
            assert _indexed_tokens(engine) == _indexed_tokens(source_engine) != {}
            live = next(s for s in source.extensions["muniment"]["store"].records.iter_records() if s.published)
            title = live.data["title"][next(iter(live.data["title"]))].split()
            for words in (title[0], f'"{title[0]} {title[1]}"'):  # a word, and a phrase (PostgreSQL: its pair)
                assert live.id in {h.id for h in restored.extensions["muniment"]["store"].search.search(words).hits}

            # The restored archive carries on: new ids follow the restored ones (sequences were moved on).
            store = restored.extensions["muniment"]["store"]
            token_id = store.accounts.add_token("ada", auth.token_digest(auth.new_token()), "after the restore")
            assert token_id == max(row[0] for row in before["tokens"]) + 1
            draft = next(s for s in store.records.iter_records() if not s.published)
            store.records.set_published(draft.id, True, draft.revision, "ada")
            newest = max(c["seq"] for c in store.records.changes(draft.id))
            assert newest == max(row[0] for row in before["changes"]) + 1
        finally:
            engine.dispose()
    source_engine.dispose()


def test_backup_is_one_snapshot_while_writers_carry_on(migrated_url, tmp_path):
    """Rows written after the backup's transaction began are in neither the backup nor half of it."""
    app = _app(migrated_url, tmp_path)
    build_busy_archive(app)
    store = app.extensions["muniment"]["store"]
    before = table_rows(store.engine)
    lines = []
    with store.engine.connect() as conn:
        conn = backup._snapshot(conn)
        with conn.begin():
            produced = backup._lines(conn)
            lines.append(next(produced))
            lines.append(next(produced))  # the snapshot is taken: the first table has been read from
            # Meanwhile, an archivist edits two records and an admin adds a user.
            for current in list(store.records.iter_records())[:2]:
                data = dict(current.data, title={"en": "Changed during the backup"})
                store.records.update(current.id, data, current.revision, "ada", "concurrent edit")
            store.accounts.put_user("late", password_hash("late-password-long"), "editor")
            lines += list(produced)
    path = tmp_path / "snapshot.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(lines)
    assert table_rows(store.engine) != before
    with target_database("sqlite", tmp_path) as url:
        engine = _app(url, tmp_path).extensions["muniment"]["store"].engine
        backup.restore_backup(engine, path)
        assert_restored(engine, before)
        engine.dispose()
    store.engine.dispose()


# ------------------------------------------------------------------------------------------- refusals
def test_restore_refuses_a_database_that_is_not_empty(migrated_url, tmp_path):
    app = _app(migrated_url, tmp_path)
    build_busy_archive(app)
    engine = app.extensions["muniment"]["store"].engine
    path = tmp_path / "b.gz"
    backup.write_backup(engine, path)
    before = table_rows(engine)
    with pytest.raises(backup.BackupError, match=r"the database is not empty \(.*records: \d+ row\(s\).*"
                                                 r"restore only into a new, empty database"):
        backup.restore_backup(engine, path)
    assert table_rows(engine) == before
    engine.dispose()


@pytest.fixture
def good_backup(tmp_path):
    """The lines of a busy archive's backup (from a SQLite file of its own)."""
    app = _app(f"sqlite:///{tmp_path / 'good-source.db'}", tmp_path)
    build_busy_archive(app)
    path = tmp_path / "good.gz"
    backup.write_backup(app.extensions["muniment"]["store"].engine, path)
    app.extensions["muniment"]["store"].engine.dispose()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return list(lines)


def _write(path, lines) -> str:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(lines)
    return str(path)


def _damage_first_row(lines: list[str], table: str, damage) -> list[str]:
    """The backup with ``damage`` done to the first row of ``table`` (the tables come in the schema's order, so
    the first row with a datetime is not always a record's)."""
    out, current, done = [], None, False
    for line in lines:
        if line.startswith('{"table":'):
            current = json.loads(line)["table"]
        elif current == table and not done and line.startswith("["):
            line, done = damage(line), True
        out.append(line)
    return out


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:len(lines) // 2], r"truncated \(no end line after line \d+\); nothing was restored"),
    (lambda lines: [lines[0].replace('"schema":"', '"schema":"9')] + lines[1:],
     r":1: the backup's schema revision '9\d+' is unknown to this Muniment"),
    (lambda lines: ['{"format":"something else"}\n'] + lines[1:], r":1: not a Muniment backup"),
    (lambda lines: [line for line in lines if not line.startswith('{"table":"tokens"')],
     r":\d+: a row outside any table"),
    (lambda lines: _damage_first_row(lines, "records", lambda line: re.sub(
        r'"(\d{4}-\d\d-\d\dT[\d:]+)"', '"yesterday"', line, count=1)),
     r":\d+: records\.datestamp: 'yesterday' is not an ISO 8601 datetime"),
])
def test_a_damaged_backup_is_refused_and_nothing_is_restored(good_backup, damage, message, tmp_path):
    path = _write(tmp_path / "damaged.gz", damage(good_backup))
    with target_database("sqlite", tmp_path) as url:
        engine = _app(url, tmp_path).extensions["muniment"]["store"].engine
        with pytest.raises(backup.BackupError, match=message):
            backup.restore_backup(engine, path)
        assert sum(backup.row_counts(engine).values()) == 0
        engine.dispose()


def test_restore_into_an_empty_newer_schema_and_a_file_that_is_not_gzip(good_backup, tmp_path):
    not_gzip = tmp_path / "plain.jsonl"
    not_gzip.write_text("".join(good_backup))
    with target_database("sqlite", tmp_path) as url:
        engine = _app(url, tmp_path).extensions["muniment"]["store"].engine  # migrated to the newest schema
        with pytest.raises(backup.BackupError, match="not a complete gzip'd backup"):
            backup.restore_backup(engine, not_gzip)
        counts = backup.restore_backup(engine, _write(tmp_path / "again.gz", good_backup))
        assert counts["records"] >= 5
        engine.dispose()


def _as_of(lines: list[str], revision: str, tmp_path) -> list[str]:
    """A backup's lines as the same archive's backup at an older schema revision would be: only the tables and
    columns that existed then (read from a database migrated to that revision)."""
    from sqlalchemy import inspect

    from metadata.storage.database import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / f'schema-{revision}.db'}")
    migrate.upgrade(engine, revision)
    existed = {name: [c["name"] for c in inspect(engine).get_columns(name)]
               for name in inspect(engine).get_table_names() if name != "alembic_version"}
    engine.dispose()
    header = json.loads(lines[0])
    kept = {t["name"]: [i for i, (column, _) in enumerate(t["columns"]) if column in existed.get(t["name"], ())]
            for t in header["tables"] if t["name"] in existed}
    header["schema"] = revision
    header["tables"] = [dict(t, columns=[t["columns"][i] for i in kept[t["name"]]])
                        for t in header["tables"] if t["name"] in kept]
    out, table, total = [json.dumps(header) + "\n"], None, 0
    for line in lines[1:-1]:
        item = json.loads(line)
        if isinstance(item, dict) and "table" in item:
            table = item["table"]
        if table in kept:
            if isinstance(item, list):
                item, total = [item[i] for i in kept[table]], total + 1
            out.append(json.dumps(item) + "\n")
        if isinstance(item, dict) and "end" in item:
            table = None
    return out + [json.dumps({"complete": True, "rows": total}) + "\n"]


@pytest.mark.parametrize("migrated", [False, True], ids=["blank", "newest-schema"])
def test_a_backup_from_an_older_schema_is_restored_and_migrated(good_backup, database_url, migrated, tmp_path):
    """A backup taken at schema 0002 (before login_failures and everything added since) restores into a blank
    database or an empty one already at the newest schema (taken back first), and ends at the newest schema."""
    old = _as_of(good_backup, "0002", tmp_path)
    path = _write(tmp_path / "old.gz", old)
    tables = [t["name"] for t in json.loads(old[0])["tables"]]
    assert "login_failures" not in tables and "records" in tables
    if migrated:
        engine = _app(database_url, tmp_path).extensions["muniment"]["store"].engine
    else:
        from metadata.storage.database import make_engine

        engine = make_engine(database_url)
    counts = backup.restore_backup(engine, path)
    assert list(counts) == tables and sum(counts.values()) == json.loads(old[-1])["rows"]
    assert migrate.current(engine) == migrate.head()
    restored = table_rows(engine)
    assert restored["records"] and restored["login_failures"] == []
    assert {name: len(restored[name]) for name in tables} == counts
    engine.dispose()
