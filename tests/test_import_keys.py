"""Stable identity for imported archive files (issue 11, item 6): a corrected file imported again updates its
record; an unchanged one writes nothing; archivists' edits and deletions are skipped unless forced; the import
key is the document number, else the archival reference, else the file name, never the title; the migration
keys records imported before it; `make run` loads the samples only into an empty database.

Every import runs the `muniment` command through Flask's CLI runner on a fresh app over the test database (as
tests/test_cli.py does); archivists edit through the HTTP API; on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import re
import shlex
from contextlib import contextmanager

from click.testing import Result
from sqlalchemy import text

from metadata.importers import archive_file
from metadata.record import describe
from metadata.storage import Store, make_engine, migrate
from server import auth, create_app
from server.cli import cli

from tests.conftest import make_app, password_hash
from tests.support.paths import REPO

SAMPLES = REPO / "samples"
LETTER = SAMPLES / "1951-letter-ru.txt"  # an archival reference, no document URL
NOTICE = SAMPLES / "1956-notice-zh.txt"  # a document URL ending in its number, 990002
ALBUM = SAMPLES / "194x-album.jsonld"  # Muniment's JSON-LD: keyed by its identifier
LETTER_ID = archive_file.parse_file(LETTER)["identifier"]
LETTER_TITLE = "Letter, Anna Sokolova to the Irkutsk Regional Library"
LETTER_SUMMARY = "A teacher from a village school asks the regional library for a travelling box of books"
REFERENCE = "Muniment sample collection, fond 12, opis 3, delo 45, listy 7-8"


def run(args, database: str) -> Result:
    app = create_app({"DATABASE_URL": database, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "keys-test"})
    try:
        return app.test_cli_runner().invoke(cli, [str(a) for a in args])
    finally:
        app.extensions["muniment"]["store"].engine.dispose()


def imported(args, database: str) -> Result:
    result = run(["import", *args], database)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


@contextmanager
def archive(database: str, tmp_path):
    """The app over the test database, with an editor's API token (the archivist at work)."""
    app = make_app(database, tmp_path)
    store = app.extensions["muniment"]["store"]
    store.accounts.put_user("ann", password_hash("ann's long password"), "editor")
    secret = auth.new_token()
    store.accounts.add_token("ann", auth.token_digest(secret), "cataloguing")
    app.ann = {"Authorization": f"Bearer {secret}"}
    try:
        yield app
    finally:
        store.engine.dispose()


def edit(app, identifier: str, change: dict) -> None:
    """Ann changes a record through the API (a JSON merge patch at the current ETag)."""
    client = app.test_client()
    etag = client.get(f"/api/records/{identifier}", headers=app.ann).headers["ETag"]
    response = client.patch(f"/api/records/{identifier}", data=json.dumps(change),
                            content_type="application/merge-patch+json",
                            headers={**app.ann, "If-Match": etag, "Muniment-Message": "corrected by hand"})
    assert response.status_code == 200, response.get_data(as_text=True)


def delete(app, identifier: str) -> None:
    client = app.test_client()
    etag = client.get(f"/api/records/{identifier}", headers=app.ann).headers["ETag"]
    assert client.delete(f"/api/records/{identifier}", headers={**app.ann, "If-Match": etag}).status_code == 200


def corrected(tmp_path, source=LETTER, name=None, **replacements) -> str:
    """A corrected copy of an archive file in tmp_path (each keyword: old text=new text)."""
    text = source.read_text("utf-8")
    for old, new in replacements.values():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / (name or source.name)
    path.write_text(text, "utf-8")
    return str(path)


def store_of(app) -> Store:
    return app.extensions["muniment"]["store"]


def summary(result: Result) -> str:
    return next(line for line in result.stdout.splitlines() if line.endswith(" s") and " created, " in line)


# ------------------------------------------------------------------------------------------- re-importing
def test_a_corrected_file_updates_its_record_and_an_unchanged_one_writes_nothing(migrated_url, tmp_path):
    first = imported([LETTER], migrated_url)
    assert f"created {LETTER_ID} (revision 1)" in first.stdout
    # The archivist's correction: a better title (so the identifier the file would mint changes) and summary.
    fixed = corrected(tmp_path, title=(LETTER_TITLE, "Letter, Anna Sokolova to the Irkutsk Regional Public Library"),
                      summary=(LETTER_SUMMARY, "A schoolteacher asks the regional library for a second box of books"))
    assert archive_file.parse_file(fixed)["identifier"] != LETTER_ID
    again = imported([fixed], migrated_url)
    assert f"updated {LETTER_ID} (revision 2)" in again.stdout
    assert summary(again).startswith("0 created, 1 updated, 0 unchanged, 0 skipped, 0 failed in ")
    with archive(migrated_url, tmp_path) as app:
        store = store_of(app)
        assert [r.id for r in store.records.iter_records()] == [LETTER_ID]  # no second record
        history = store.records.revisions(LETTER_ID)
        assert [r.number for r in history] == [1, 2]
        assert history[0].message == f"Imported from {LETTER.name}"
        assert history[1].message == f"Re-imported from {LETTER.name}"
        record = store.records.get(LETTER_ID)
        assert record.data["title"] == {"en": "Letter, Anna Sokolova to the Irkutsk Regional Public Library"}
        assert record.data["id"].endswith(f"/records/{LETTER_ID}")
        assert all(v["id"].startswith(record.data["id"] + "/") for v in record.data["hasVersion"])
        # Every derived output follows: the oai_dc record, the IIIF manifest and the search.
        client = app.test_client()
        dublin_core = client.get(f"/records/{LETTER_ID}.xml").get_data(as_text=True)
        assert "second box of books" in dublin_core and LETTER_SUMMARY not in dublin_core
        manifest = client.get(f"/iiif/{LETTER_ID}/manifest").get_json()
        assert "Public Library" in json.dumps(manifest["label"])
        found = client.get("/records", query_string={"q": "second box"}, headers={"Accept": "application/json"})
        assert [item["identifier"] for item in found.get_json()["items"]] == [LETTER_ID]
        stamp = record.datestamp

    unchanged = imported([fixed], migrated_url)
    assert f"unchanged {LETTER_ID} (revision 2)" in unchanged.stdout
    assert summary(unchanged).startswith("0 created, 0 updated, 1 unchanged, 0 skipped, 0 failed in ")
    with archive(migrated_url, tmp_path) as app:
        assert len(store_of(app).records.revisions(LETTER_ID)) == 2
        assert store_of(app).records.get(LETTER_ID).datestamp == stamp


def test_an_archivists_edit_is_skipped_with_the_reason_until_forced(migrated_url, tmp_path):
    imported([LETTER], migrated_url)
    with archive(migrated_url, tmp_path) as app:
        edit(app, LETTER_ID, {"extent": "2 leaves"})
        before = store_of(app).records.get(LETTER_ID)
    assert before.revision == 2
    fixed = corrected(tmp_path, summary=(LETTER_SUMMARY, "A schoolteacher asks for a second box of books"))
    for path in (fixed, LETTER):  # a corrected file, and the very file imported before: the edit stays
        result = imported([path], migrated_url)
        assert summary(result).startswith("0 created, 0 updated, 0 unchanged, 1 skipped, 0 failed in ")
        assert (f"  {path}: record {LETTER_ID} was edited by ann since it was last imported (revision 1, now 2); "
                "import with --force to replace the edits with the file as a new revision") in result.stdout
    with archive(migrated_url, tmp_path) as app:
        after = store_of(app).records.get(LETTER_ID)
        assert (after.revision, after.data, after.datestamp) == (before.revision, before.data, before.datestamp)

    assert run(["check"], migrated_url).stdout.strip() == "no problems found"

    forced = imported(["--force", fixed], migrated_url)
    assert f"updated {LETTER_ID} (revision 3)" in forced.stdout
    with archive(migrated_url, tmp_path) as app:
        store = store_of(app)
        history = store.records.revisions(LETTER_ID)
        assert [(r.number, r.author) for r in history] == [(1, "import"), (2, "ann"), (3, "import")]
        assert describe.extent(history[1].data) == "2 leaves"  # the edit is still in the history
        assert history[2].message == f"Re-imported from {LETTER.name}, replacing later edits"
        assert "second box" in store.records.get(LETTER_ID).data["abstract"]["en"]
        assert store.imports.last_import(LETTER_ID)["revision"] == 3
        edit(app, LETTER_ID, {"extent": "2 leaves"})
    # Edited once more: the next ordinary import skips it again.
    assert "1 skipped" in summary(imported([LETTER], migrated_url))


def test_a_deleted_record_is_skipped_and_force_restores_it_as_a_new_revision(migrated_url, tmp_path):
    imported([NOTICE], migrated_url)
    with archive(migrated_url, tmp_path) as app:
        delete(app, "990002")
    skipped = imported([NOTICE], migrated_url)
    assert "1 skipped" in summary(skipped)
    assert (f"  {NOTICE}: record 990002 was deleted by ann (revision 2); import with --force to restore it from the "
            "file as a new revision") in skipped.stdout
    with archive(migrated_url, tmp_path) as app:
        assert app.test_client().get("/records/990002").status_code == 410
    restored = imported(["--force", NOTICE], migrated_url)
    assert "updated 990002 (revision 3)" in restored.stdout
    with archive(migrated_url, tmp_path) as app:
        history = store_of(app).records.revisions("990002")
        assert [(r.number, r.deleted) for r in history] == [(1, False), (2, True), (3, False)]
        assert history[2].message == f"Re-imported from {NOTICE.name}, restoring the deleted record"
        assert app.test_client().get("/records/990002").status_code == 200


# ------------------------------------------------------------------------------------------- what keys a record
def test_the_key_is_the_document_number_else_the_reference_else_the_file_name(migrated_url, tmp_path):
    no_citation = tmp_path / "letter-without-citation.txt"
    text = LETTER.read_text("utf-8")
    no_citation.write_text(re.sub(r"#### \*\*Citation:\*\*\n\n.*?\n\n", "", text, flags=re.S), "utf-8")
    imported([NOTICE, LETTER, no_citation], migrated_url)
    without = archive_file.parse_file(no_citation)["identifier"]
    assert without == LETTER_ID  # the same date and title mint the same identifier: the file is another document
    with archive(migrated_url, tmp_path) as app:
        keys = store_of(app).imports
        assert keys.last_import("990002")["key"] == "document:990002"
        assert keys.last_import(LETTER_ID)["key"] == f"reference:{REFERENCE}"
        assert keys.last_import(f"{LETTER_ID}-2")["key"] == "file:letter-without-citation.txt"
    # Correcting the title of the file keyed by its name keeps its record.
    renamed = no_citation.read_text("utf-8").replace(LETTER_TITLE, "Letter, Anna Sokolova to the Library")
    no_citation.write_text(renamed, "utf-8")
    again = imported([no_citation], migrated_url)
    assert f"updated {LETTER_ID}-2 (revision 2)" in again.stdout
    # A corrected document URL on another host keeps the number, so the record.
    moved = corrected(tmp_path, NOTICE, url=("https://archive.example.org/", "https://digital.example.net/"))
    assert "updated 990002 (revision 2)" in imported([moved], migrated_url).stdout
    with archive(migrated_url, tmp_path) as app:
        assert len(list(store_of(app).records.iter_records())) == 3


def test_the_title_never_keys(migrated_url, tmp_path):
    """Two files with the same title and date are two documents: by their numbers, or by their references."""
    twin = corrected(tmp_path, NOTICE, name="notice-twin.txt", url=("document/990002", "document/990017"))
    result = imported([NOTICE, twin], migrated_url)
    assert "created 990002 (revision 1)" in result.stdout and "created 990017 (revision 1)" in result.stdout
    other = corrected(tmp_path, LETTER, name="letter-other-box.txt", reference=("delo 45", "delo 46"))
    result = imported([LETTER, other], migrated_url)
    assert f"created {LETTER_ID} (revision 1)" in result.stdout
    assert f"created {LETTER_ID}-2 (revision 1)" in result.stdout
    with archive(migrated_url, tmp_path) as app:
        store = store_of(app)
        assert store.imports.last_import(f"{LETTER_ID}-2")["key"] == f"reference:{REFERENCE.replace('45', '46')}"
        assert store.records.get(f"{LETTER_ID}-2").data["id"].endswith(f"/records/{LETTER_ID}-2")
        assert len(list(store.records.iter_records())) == 4
    # Each file, imported again, finds its own record.
    assert summary(imported([LETTER, other, NOTICE, twin], migrated_url)).startswith(
        "0 created, 0 updated, 4 unchanged, 0 skipped")


def test_a_very_long_reference_is_still_one_key(migrated_url, tmp_path):
    """A key longer than the column (here 1,500 CJK characters, 4,500 bytes) keeps its start and a digest."""
    long = corrected(tmp_path, name="long.txt", reference=("fond 12, opis 3, delo 45", "档案" * 750))
    assert "created" in imported([long], migrated_url).stdout
    assert "unchanged" in imported([long], migrated_url).stdout
    with archive(migrated_url, tmp_path) as app:
        key = store_of(app).imports.last_import(LETTER_ID)["key"]
    assert key.startswith("reference:Muniment sample collection, 档案") and len(key.encode("utf-8")) <= 1000


def test_json_ld_is_keyed_by_its_identifier_under_the_same_rules(migrated_url, tmp_path):
    imported([ALBUM], migrated_url)
    assert "unchanged album-194x" in imported([ALBUM], migrated_url).stdout
    changed = tmp_path / "album.jsonl"
    album = json.loads(ALBUM.read_text("utf-8"))
    changed.write_text(json.dumps({**album, "extent": "1 album, 24 leaves"}) + "\n", "utf-8")
    assert "updated album-194x (revision 2)" in imported([changed], migrated_url).stdout
    with archive(migrated_url, tmp_path) as app:
        assert store_of(app).records.revisions("album-194x")[1].message == "Re-imported from album.jsonl"
        assert store_of(app).imports.last_import("album-194x")["key"] is None  # found by its identifier
        edit(app, "album-194x", {"extent": "1 album"})
    result = imported([ALBUM], migrated_url)
    assert "album-194x was edited by ann since it was last imported (revision 2, now 3)" in result.stdout
    assert "updated album-194x (revision 4)" in imported(["--force", ALBUM], migrated_url).stdout


def test_a_record_no_import_made_is_skipped_unless_forced(migrated_url, tmp_path):
    record = archive_file.parse_file(NOTICE)
    with archive(migrated_url, tmp_path) as app:
        store_of(app).records.create(dict(record, extent="1 leaf"), "ann", "catalogued by hand")
    result = imported([NOTICE], migrated_url)
    assert ("record 990002 was not made by an import (revision 1 by ann); import with --force to replace it "
            "with the file as a new revision") in result.stdout
    assert "updated 990002 (revision 2)" in imported(["--force", NOTICE], migrated_url).stdout
    assert "unchanged 990002 (revision 2)" in imported([NOTICE], migrated_url).stdout


# ------------------------------------------------------------------------------------------- the migration
def test_the_migration_keys_records_imported_before_it(database_url, tmp_path):
    """A database at the previous head, written as the import command wrote before import keys ("import FILE"
    messages), upgraded: each imported record gets its key and last import; re-importing then keeps edits."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # today's Store writes tables newer than 0006 (entities): write, then go back to 0006
    old = Store(engine)
    old.records.save(archive_file.parse_file(NOTICE), "import", f"import {NOTICE.name}")
    old.records.save(archive_file.parse_file(LETTER), "import", f"import {LETTER.name}")
    # The bug this fixes: a corrected letter imported before made a second record.
    retitled = archive_file.parse(LETTER.read_text("utf-8").replace(LETTER_TITLE, "Letter to the Irkutsk Library"),
                                  LETTER.name)
    old.records.save(retitled, "import", f"import {LETTER.name}")
    album = json.loads(ALBUM.read_text("utf-8"))
    from metadata.importers.files import internalize

    old.records.save(internalize(album), "import", f"import {ALBUM.name}")
    state = old.records.get("album-194x")
    old.records.update("album-194x", dict(state.data, extent="1 album"), state.revision, "ann", "by hand")
    hand = archive_file.parse_file(NOTICE)
    hand = json.loads(json.dumps(hand).replace("990002", "hand-1"))
    old.records.create(hand, "ann", "catalogued by hand")
    migrate.downgrade(engine, "0006")  # as the import command left it before import keys
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    new = Store(engine)
    notice = new.imports.last_import("990002")
    assert (notice["key"], notice["revision"], notice["file"]) == ("document:990002", 1, NOTICE.name)
    assert notice["content_hash"] == new.records.get("990002").content_hash
    assert new.imports.last_import(retitled["identifier"])["key"] == f"reference:{REFERENCE}"  # the newer holds it
    assert new.imports.last_import(LETTER_ID)["key"] is None  # the older is found by its identifier alone
    assert new.imports.last_import("album-194x")["revision"] == 1
    assert new.imports.last_import("hand-1") is None
    engine.dispose()

    result = imported([NOTICE, LETTER, ALBUM], database_url)
    assert "unchanged 990002 (revision 1)" in result.stdout
    assert f"updated {retitled['identifier']} (revision 2)" in result.stdout  # the letter's file finds its key
    assert "album-194x was edited by ann since it was last imported (revision 1, now 2)" in result.stdout


# ------------------------------------------------------------------------------------------- make run
def _make_run_import() -> list[str]:
    """The `muniment import ...` line of the Makefile's `run` recipe, as its arguments."""
    recipe = re.search(r"^run: setup\n((?:\t.*\n)+)", (REPO / "Makefile").read_text("utf-8"), re.M).group(1)
    line = next(line for line in recipe.splitlines() if "muniment import" in line)
    return [str(REPO / a) if a.startswith("samples") else a for a in shlex.split(line.split("muniment", 1)[1])]


def test_make_run_loads_the_samples_only_into_an_empty_database(migrated_url, tmp_path):
    args = _make_run_import()
    assert args[0] == "import"
    first = run(args, migrated_url)
    assert first.exit_code == 0 and summary(first).startswith("5 created, 0 updated")
    with archive(migrated_url, tmp_path) as app:
        edit(app, LETTER_ID, {"title": {"en": "Letter from Anna Sokolova"}})
        before = [(s.id, s.revision, s.data) for s in store_of(app).records.iter_records()]
    again = run(args, migrated_url)  # `make run` once more
    assert again.exit_code == 0 and "nothing imported" in again.stdout
    with archive(migrated_url, tmp_path) as app:
        assert [(s.id, s.revision, s.data) for s in store_of(app).records.iter_records()] == before
        assert store_of(app).records.get(LETTER_ID).data["title"] == {"en": "Letter from Anna Sokolova"}


def test_check_names_a_last_import_that_is_none_of_the_records_revisions(migrated_url, tmp_path):
    imported([NOTICE], migrated_url)
    assert run(["check"], migrated_url).stdout.strip() == "no problems found"
    with archive(migrated_url, tmp_path) as app:
        with store_of(app).engine.begin() as conn:
            conn.execute(text("UPDATE record_imports SET content_hash = 'damaged', revision = 2"))
    result = run(["check"], migrated_url)
    assert result.exit_code == 1
    assert "record 990002: last import (revision 2) content hash: expected no such revision, found damaged" \
        in result.stdout
