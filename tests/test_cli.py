"""The `muniment` command: import, validate, export round trip, rebuild, accounts, and clear errors for bad
files.

Commands run in-process through Flask's CLI runner (the same Click group `muniment` is), against an app made
for each command as `muniment` would make it from its MUNIMENT_* settings; `muniment serve` and the
console-script entry point run for real in the live-server tests (tests/support/live.py).
"""
from __future__ import annotations

import json
import re

import pytest
from click.testing import Result
from werkzeug.security import check_password_hash

from metadata.record import describe
from metadata.record.urls import STORED
from metadata.storage import migrate
from server import auth, create_app
from server.cli import cli

from tests.support.paths import REPO, sample_file, seed_file

SAMPLE_LINE = (REPO / "samples" / "194x-album.jsonld").read_text("utf-8").replace("\n", "")


def run(args, database: str, input_text: str | None = None, base="http://muniment.test/") -> Result:
    """One `muniment ARGS` on a fresh app over ``database`` (its standard streams captured apart)."""
    app = create_app({"DATABASE_URL": database, "BASE_URL": base, "SECRET_KEY": "cli-test"})
    try:
        return app.test_cli_runner().invoke(cli, [str(a) for a in args], input=input_text)
    finally:
        app.extensions["muniment"]["store"].engine.dispose()


@pytest.fixture
def db(database_url):
    return database_url


def test_import_seed_then_every_fact_is_served(db):
    result = run(["import", str(seed_file())], db)
    assert result.exit_code == 0, result.stderr
    assert "created 113439 (revision 1)" in result.stdout
    again = run(["import", str(seed_file())], db)
    assert "unchanged 113439 (revision 1)" in again.stdout

    from server import create_app

    app = create_app({"DATABASE_URL": db, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "x"})
    record = app.test_client().get("/records/113439.jsonld").get_json(force=True)
    app.extensions["muniment"]["store"].engine.dispose()
    # dates are typed value objects in the linked-data form (dates.datatype)
    assert record["created"] == {"@value": "1949-07-18", "@type": "xsd:date"}
    assert record["source"]["volume"] == "1" and record["source"]["issued"] == {"@value": "2005", "@type": "xsd:gYear"}
    assert record["hasVersion"][0]["contributor"][0]["name"] == {"en": "David Wolff"}
    assert record["provenance"]["label"]["en"].startswith("Printed from an original")
    assert record["page"].endswith("/document/113439")
    assert record["language"] == ["lang:zh"]


def test_bad_files_fail_with_file_and_line_and_store_nothing(db, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("## **July 18, 1949**\n\n### **A title**\n\n#### **Original Language:**\n\nKlingonese\n")
    broken_json = tmp_path / "broken.jsonl"
    broken_json.write_text('{"identifier": "x"}\n{not json\n')
    invalid = tmp_path / "invalid.jsonl"
    invalid.write_text(SAMPLE_LINE + "\n" + '{"identifier": "x"}\n')
    result = run(["import", str(bad), str(sample_file()), str(broken_json), str(invalid)], db)
    assert result.exit_code == 1
    assert f"{bad}:7: unknown language 'Klingonese'" in result.stderr
    assert f"{broken_json}:2: invalid JSON" in result.stderr
    assert f"{invalid}:2: invalid record: " in result.stderr and "'title' is a required property" in result.stderr
    assert "created 300451" in result.stdout  # the good file in between still imports
    assert "1 created, 0 updated, 0 unchanged, 0 skipped, 3 failed in" in result.stdout  # the first line of invalid.jsonl was not stored
    listing = run(["export"], db)
    assert [json.loads(line)["identifier"] for line in listing.stdout.splitlines()] == ["300451"]


def test_validate_stores_nothing(db, tmp_path):
    result = run(["validate", str(seed_file()), str(REPO / "samples")], db)
    assert result.exit_code == 0, result.stderr
    assert "ok (113439)" in result.stdout
    assert run(["export"], db).stdout == ""
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps({"identifier": "x"}))
    failed = run(["validate", str(bad)], db)
    assert failed.exit_code == 1 and "'title' is a required property" in failed.stderr


def test_export_to_an_empty_database_reproduces_every_record(database_url, tmp_path):
    first, second = database_url, f"sqlite:///{tmp_path / 'second.db'}"
    assert run(["import", str(seed_file()), str(sample_file()), str(REPO / "samples")], first).exit_code == 0
    exported = run(["export", "-o", str(tmp_path / "all.jsonl")], first)
    assert "exported 6 record(s)" in exported.stderr, exported.stderr
    # Another server, another base URL: the records still come back identical.
    imported = run(["import", str(tmp_path / "all.jsonl")], second, base="https://second.example.net/")
    assert imported.exit_code == 0, imported.stderr
    again = run(["export", "--dir", str(tmp_path / "out")], second)
    assert again.exit_code == 0
    original = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    copies = {p.stem: json.loads(p.read_text().replace("https://second.example.net/", "http://muniment.test/"))
              for p in (tmp_path / "out").iterdir()}
    assert {r["identifier"]: r for r in original} == copies


def test_rebuild_and_db_upgrade(db):
    assert run(["import", str(seed_file())], db).exit_code == 0
    assert f"database at revision {migrate.head()}" in run(["db", "upgrade"], db).stdout
    assert "rebuilt 1 record(s)" in run(["rebuild"], db).stdout


def test_stored_form_never_leaks_the_placeholder(db):
    run(["import", str(seed_file())], db)
    assert STORED.base not in run(["export"], db).stdout


def test_users_passwords_and_tokens(db):
    command = ["user", "add", "alice", "--role", "admin"]
    short = run(command, db, input_text="short\n")
    assert short.exit_code == 1 and "password: at least 10 characters" in short.stderr
    empty = run(command, db, input_text="")
    assert empty.exit_code == 1 and "no password on standard input" in empty.stderr
    added = run(command, db, input_text="correct horse battery\n")
    assert added.exit_code == 0 and added.stdout == "user alice (admin) saved\n"
    changed = run(["user", "password", "alice"], db, input_text="another long secret\n")
    assert changed.exit_code == 0 and changed.stdout == "password of alice changed\n"
    nobody = run(["user", "password", "bob"], db, input_text="another long secret\n")
    assert nobody.exit_code == 1 and "no user bob" in nobody.stderr
    created = run(["token", "create", "alice", "--label", "nightly export"], db)
    assert created.exit_code == 0
    secret = created.stdout.strip()
    assert run(["token", "create", "bob"], db).exit_code == 1

    app = create_app({"DATABASE_URL": db, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "x"})
    store = app.extensions["muniment"]["store"]
    try:
        user = store.accounts.user("alice")
        assert user["role"] == "admin" and check_password_hash(user["password_hash"], "another long secret")
        assert store.accounts.token_user(auth.token_digest(secret))["name"] == "alice"
        assert [t["label"] for t in store.accounts.list_tokens("alice")] == ["nightly export"]
    finally:
        store.engine.dispose()


def _states(db) -> dict[str, bool]:
    """Each live record's published flag, read from a fresh export's markers."""
    out = run(["export"], db).stdout
    return {r["identifier"]: r["bibo:status"]["id"].endswith("/published") for r in map(json.loads, out.splitlines())}


def test_export_carries_each_state_and_import_never_publishes_a_draft(database_url, tmp_path):
    first, second = database_url, f"sqlite:///{tmp_path / 'second.db'}"
    assert run(["import", str(seed_file())], first).exit_code == 0
    assert run(["import", "--draft", str(REPO / "samples" / "194x-album.jsonld")], first).exit_code == 0
    assert _states(first) == {"113439": True, "album-194x": False}
    assert run(["export", "-o", str(tmp_path / "all.jsonl")], first).exit_code == 0
    imported = run(["import", str(tmp_path / "all.jsonl")], second)  # no --draft: markers decide
    assert imported.exit_code == 0, imported.stderr
    assert _states(second) == {"113439": True, "album-194x": False}
    from server import create_app

    app = create_app({"DATABASE_URL": second, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "x"})
    client = app.test_client()
    assert client.get("/records/album-194x.jsonld").status_code == 404  # the draft is not public
    assert client.get("/records/113439.jsonld").status_code == 200
    app.extensions["muniment"]["store"].engine.dispose()


def test_import_markers_and_the_draft_flag(db, tmp_path):
    marked = tmp_path / "marked.jsonl"
    album = json.loads(SAMPLE_LINE)
    memo = json.loads((REPO / "samples" / "1962-memo-en.jsonld").read_text("utf-8"))
    status = "http://purl.org/ontology/bibo/status/"
    marked.write_text(json.dumps({**album, "bibo:status": {"id": status + "published"}}) + "\n"
                      + json.dumps({**memo, "bibo:status": {"id": status + "draft"}}) + "\n")
    assert run(["import", "--draft", str(marked)], db).exit_code == 0  # --draft wins over published
    unmarked = run(["import", str(REPO / "samples" / "cable-113439.jsonld")], db)
    assert unmarked.exit_code == 0  # files without a marker: published, as before
    assert _states(db) == {"album-194x": False, "memo-1962-reading-room": False, "113439": True}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(album) + "\n" + json.dumps({**memo, "bibo:status": "published"}) + "\n")
    failed = run(["import", str(bad)], db)
    assert failed.exit_code == 1
    assert f"{bad}:2: bibo:status must be " in failed.stderr and 'not "published"' in failed.stderr


def test_backup_and_restore_commands(db, tmp_path):
    assert run(["import", str(seed_file()), str(REPO / "samples")], db).exit_code == 0
    made = run(["backup", str(tmp_path / "whole.backup.gz")], db)
    assert made.exit_code == 0, made.stderr
    assert re.match(r"backed up \d+ row\(s\) \(entities \d+, entity_revisions \d+, login_failures 0, records 5, ",
                    made.stdout)
    refused = run(["restore", str(tmp_path / "whole.backup.gz")], db)
    assert refused.exit_code == 1
    assert "Error: the database is not empty (" in refused.stderr and " records: 5 row(s)," in refused.stderr
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    restored = run(["restore", str(tmp_path / "whole.backup.gz")], fresh)
    assert restored.exit_code == 0, restored.stderr
    assert restored.stdout.replace("restored", "backed up").split(" from ")[0] == made.stdout.split(" to ")[0]
    assert run(["check"], fresh).stdout.strip() == "no problems found"
    assert run(["export"], fresh).stdout == run(["export"], db).stdout
    missing = run(["restore", str(tmp_path / "nothing.gz")], fresh)
    assert missing.exit_code == 1 and f"{tmp_path / 'nothing.gz'}: no such file" in missing.stderr


def _spreadsheet_rows(path) -> list[list[str]]:
    import csv
    return list(csv.reader(path.read_text("utf-8-sig").splitlines()))


def _save_as_spreadsheet(rows, path) -> None:
    """As LibreOffice or Excel in a European locale save a CSV: UTF-8 with a BOM, ';' separators, CRLF."""
    import csv
    import io
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))


def test_csv_round_trip_three_rows_conflict_and_invalid_row(db, tmp_path):
    assert run(["import", REPO / "samples"], db).exit_code == 0
    exported = tmp_path / "records.csv"
    result = run(["export", "--csv", exported, "--fields", "title,created,language,extent"], db)
    assert result.exit_code == 0, result.stderr
    assert exported.read_bytes().startswith(b"\xef\xbb\xbfidentifier,revision,title")
    rows = _spreadsheet_rows(exported)
    header, body = rows[0], rows[1:]
    assert len(body) >= 5
    extent = header.index("extent")
    for row in body[:3]:
        row[extent] = "2 leaves"
    edited = tmp_path / "edited.csv"
    _save_as_spreadsheet([header] + body, edited)

    dry = run(["import", "--csv", edited, "--dry-run"], db)
    assert dry.exit_code == 0, dry.stderr
    assert "dry run, nothing written: 3 changed" in dry.stdout
    assert "    extent: " in dry.stdout and "-> '2 leaves'" in dry.stdout

    applied = run(["import", "--csv", edited], db)
    assert applied.exit_code == 0, applied.stderr
    assert "3 updated" in applied.stdout
    app = create_app({"DATABASE_URL": db, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "x"})
    records = app.extensions["muniment"]["store"].records
    try:
        for row in body[:3]:
            state = records.get(row[0])
            assert state.revision == int(row[1]) + 1 and describe.extent(state.data) == "2 leaves"
            assert records.revision(row[0], state.revision).message == f"spreadsheet edited.csv, row {body.index(row) + 2}"
        untouched = records.get(body[3][0])
        assert untouched.revision == int(body[3][1])
    finally:
        app.extensions["muniment"]["store"].engine.dispose()

    # The same file again: its three rows are now stale (conflicts), and a row with a bad date stores nothing.
    body[3][header.index("created")] = "18/07/1949"
    body[4][extent] = "5 leaves"
    body[4][header.index("language")] = "Qwertyish"
    _save_as_spreadsheet([header] + body, edited)
    again = run(["import", "--csv", edited], db)
    assert again.exit_code == 1
    assert again.stderr.count("conflict: record") == 3
    assert f"row 5 ({body[3][0]}): column created: '18/07/1949' looks like a date a spreadsheet reformatted" \
        in again.stderr
    assert f"row 6 ({body[4][0]}): column language: unknown language 'Qwertyish'" in again.stderr
    app = create_app({"DATABASE_URL": db, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "x"})
    records = app.extensions["muniment"]["store"].records
    try:
        assert records.get(body[4][0]).revision == int(body[4][1])
        assert describe.extent(records.get(body[4][0]).data) != "5 leaves"
    finally:
        app.extensions["muniment"]["store"].engine.dispose()


def test_csv_export_filters_and_bad_files(db, tmp_path):
    assert run(["import", REPO / "samples"], db).exit_code == 0
    out = tmp_path / "out.csv"
    assert run(["export", "--csv", out, "--from", "1950", "--to", "1959"], db).exit_code == 0
    created = [r[3] for r in _spreadsheet_rows(out)[1:]]
    assert created and all(c[:3] == "195" for c in created)
    result = run(["export", "--csv", out, "--from", "nineteen"], db)
    assert result.exit_code == 2 and "write a year such as 1949" in result.stderr
    assert "unknown field(s) colour" in run(["export", "--csv", out, "--fields", "colour"], db).stderr
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("identifier;revision;title\r\nx;1;Café@fr\r\n".encode("cp1252"))
    refused = run(["import", "--csv", latin1], db)
    assert refused.exit_code == 1
    assert "latin1.csv, line 2: the file is not UTF-8 text" in refused.stderr and "CSV UTF-8" in refused.stderr
