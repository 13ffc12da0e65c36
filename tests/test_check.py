"""`muniment check`: a consistent database passes; each kind of damage is named with the record, what is wrong,
and what was expected and found, and the command exits non-zero."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from metadata.importers import archive_file
from metadata.record.text import content_hash
from metadata.importers import files as importer

from tests.conftest import make_app
from tests.support.paths import REPO, sample_file, seed_file
from tests.test_cli import run


@pytest.fixture
def archive(migrated_url, tmp_path):
    """Two records, one with three revisions (the second by another author), a deleted one, set memberships."""
    app = make_app(migrated_url, tmp_path)
    store = app.extensions["muniment"]["store"]
    record = archive_file.parse_file(seed_file())
    state = store.records.create(record, "ann", "created")
    for title, author in (("Second title", "bob"), ("Third title", "ann")):
        record = dict(record, title={"en": title})
        state = store.records.update(record["identifier"], record, state.revision, author, "retitled")
    other = store.records.save(archive_file.parse_file(sample_file()), "ann")[1]
    gone = store.records.save(importer.read_file(REPO / "samples" / "194x-album.jsonld")[0], "ann")[1]
    store.records.delete(gone.id, gone.revision, "ann", "duplicate")
    store.engine.dispose()
    return migrated_url, record["identifier"], other.id, gone.id


def _damage(url, tmp_path, sql: str, **params):
    engine = make_app(url, tmp_path).extensions["muniment"]["store"].engine
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def test_a_consistent_database_passes(archive, tmp_path):
    url, *_ = archive
    result = run(["check"], url)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "no problems found" in result.stdout


def test_each_kind_of_damage_is_named(archive, tmp_path):
    url, ident, other, gone = archive
    _damage(url, tmp_path, "DELETE FROM revisions WHERE record_id = :id AND number = 2", id=ident)
    tampered = {**archive_file.parse_file(seed_file()), "title": {"en": "Edited behind the app's back"}}
    _damage(url, tmp_path, "UPDATE revisions SET data = :data WHERE record_id = :id AND number = 1",
            data=json.dumps(tampered), id=ident)
    _damage(url, tmp_path, "UPDATE records SET title = 'Not the latest title' WHERE id = :id", id=ident)
    _damage(url, tmp_path, "UPDATE derived SET content = 'stale' WHERE record_id = :id AND format = 'oai_dc'",
            id=ident)
    _damage(url, tmp_path, "DELETE FROM derived WHERE record_id = :id AND format = 'marc21'", id=other)
    _damage(url, tmp_path, "INSERT INTO record_sets (record_id, spec) VALUES (:id, 'not-its-set')", id=ident)
    _damage(url, tmp_path, "DELETE FROM entities WHERE kind = 'agent' AND key = 'gao-gang'")
    _damage(url, tmp_path, "UPDATE entities SET merged_into = 'mao-zedong' WHERE kind = 'agent' AND key = 'liu-shaoqi'")
    result = run(["check"], url)
    assert result.exit_code == 1
    problems = result.stdout.splitlines()
    stored_hash = content_hash(archive_file.parse_file(seed_file()))
    expected = [
        f"record {ident}: revision 1 content hash: expected {content_hash(tampered)}, found {stored_hash}",
        f"record {ident}: revision numbers: expected 1..2, found 1, 3",
        f"record {ident}: records.title (latest revision 3): expected Third title, found Not the latest title",
    ]
    for line in expected:
        assert line in problems, result.stdout
    assert any(p.startswith(f"record {ident}: derived oai_dc content (a fresh derivation differs): expected ")
               and "found 5 characters (sha256 " in p for p in problems), result.stdout
    assert any(p.startswith(f"record {other}: derived marc21: expected ") and p.endswith("found no stored output")
               for p in problems), result.stdout
    assert f"record {ident}: set memberships: expected none, found ['not-its-set']" in problems
    assert f"record {ident}: agent gao-gang: expected an entity (muniment rebuild makes it), found none" in problems
    assert f"record {ident}: agent liu-shaoqi: expected a live entity, found merged into mao-zedong" in problems
    assert f"record {gone} " not in result.stdout  # a tombstone's kept outputs are not checked, and it is consistent
    assert f"{len(problems)} problem(s) found" in result.stderr


def test_a_record_row_ahead_of_its_revisions_and_a_wrong_state(archive, tmp_path):
    url, ident, other, gone = archive
    _damage(url, tmp_path, "UPDATE records SET revision = 4 WHERE id = :id", id=ident)
    _damage(url, tmp_path, "UPDATE records SET published = :no WHERE id = :id", id=other, no=False)
    result = run(["check"], url)
    assert result.exit_code == 1
    assert f"record {ident}: records.revision (latest revision 3): expected 3, found 4" in result.stdout
    assert f"record {other}: records.published (latest revision 1): expected True, found False" in result.stdout
