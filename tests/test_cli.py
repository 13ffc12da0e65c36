"""The `muniment` command: import, validate, export round trip, rebuild, and clear errors for bad files."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from metadata.record.urls import STORED
from metadata.storage import migrate

from tests.support.paths import REPO, sample_file, seed_file

SAMPLE_LINE = (REPO / "samples" / "194x-album.jsonld").read_text("utf-8").replace("\n", "")
MUNIMENT = [sys.executable, "-c", "from server.cli import main; main()"]


def run(args, database: str, cwd: Path, input_text: str | None = None, base="http://muniment.test/"):
    env = {**os.environ, "MUNIMENT_DATABASE_URL": database, "MUNIMENT_BASE_URL": base,
           "MUNIMENT_SECRET_KEY": "cli-test", "PYTHONPATH": str(REPO)}
    return subprocess.run(MUNIMENT + list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          input=input_text, timeout=120)


@pytest.fixture
def db(database_url):
    return database_url


def test_import_seed_then_every_fact_is_served(db, tmp_path):
    result = run(["import", str(seed_file())], db, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "created 113439 (revision 1)" in result.stdout
    again = run(["import", str(seed_file())], db, tmp_path)
    assert "unchanged 113439 (revision 1)" in again.stdout

    from server import create_app

    app = create_app({"DATABASE_URL": db, "BASE_URL": "http://muniment.test/", "SECRET_KEY": "x"})
    record = app.test_client().get("/records/113439.jsonld").get_json(force=True)
    app.extensions["muniment"]["store"].engine.dispose()
    assert record["created"] == "1949-07-18"
    assert record["source"]["volume"] == "1" and record["source"]["issued"] == "2005"
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
    result = run(["import", str(bad), str(sample_file()), str(broken_json), str(invalid)], db, tmp_path)
    assert result.returncode == 1
    assert f"{bad}:7: unknown language 'Klingonese'" in result.stderr
    assert f"{broken_json}:2: invalid JSON" in result.stderr
    assert f"{invalid}:2: invalid record: " in result.stderr and "'title' is a required property" in result.stderr
    assert "created 300451" in result.stdout  # the good file in between still imports
    assert "3 file(s) failed" in result.stderr  # and the valid first line of invalid.jsonl was not stored
    listing = run(["export"], db, tmp_path)
    assert [json.loads(line)["identifier"] for line in listing.stdout.splitlines()] == ["300451"]


def test_validate_stores_nothing(db, tmp_path):
    result = run(["validate", str(seed_file()), str(REPO / "samples")], db, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok (113439)" in result.stdout
    assert run(["export"], db, tmp_path).stdout == ""
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps({"identifier": "x"}))
    failed = run(["validate", str(bad)], db, tmp_path)
    assert failed.returncode == 1 and "'title' is a required property" in failed.stderr


def test_export_to_an_empty_database_reproduces_every_record(database_url, tmp_path):
    first, second = database_url, f"sqlite:///{tmp_path / 'second.db'}"
    assert run(["import", str(seed_file()), str(sample_file()), str(REPO / "samples")], first, tmp_path).returncode == 0
    exported = run(["export", "-o", str(tmp_path / "all.jsonl")], first, tmp_path)
    assert "exported 6 record(s)" in exported.stderr, exported.stderr
    # Another server, another base URL: the records still come back identical.
    imported = run(["import", str(tmp_path / "all.jsonl")], second, tmp_path, base="https://second.example.net/")
    assert imported.returncode == 0, imported.stderr
    again = run(["export", "--dir", str(tmp_path / "out")], second, tmp_path)
    assert again.returncode == 0
    original = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    copies = {p.stem: json.loads(p.read_text().replace("https://second.example.net/", "http://muniment.test/"))
              for p in (tmp_path / "out").iterdir()}
    assert {r["identifier"]: r for r in original} == copies


def test_rebuild_and_db_upgrade(db, tmp_path):
    assert run(["import", str(seed_file())], db, tmp_path).returncode == 0
    assert f"database at revision {migrate.head()}" in run(["db", "upgrade"], db, tmp_path).stdout
    assert "rebuilt 1 record(s)" in run(["rebuild"], db, tmp_path).stdout


def test_stored_form_never_leaks_the_placeholder(db, tmp_path):
    run(["import", str(seed_file())], db, tmp_path)
    assert STORED.base not in run(["export"], db, tmp_path).stdout
