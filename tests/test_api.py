"""The editing API: roles, validation, optimistic concurrency (428/412), merge patch, history, sets, tokens."""
from __future__ import annotations

import json
import re
import threading

import pytest
import requests


from metadata.importers import archive_file
from server import auth, create_app

from tests.conftest import BASE_URL, password_hash, upgrade
from tests.support.live import muniment_server
from tests.support.paths import sample_file, seed_file


@pytest.fixture
def tokens(store) -> dict:
    """An admin's and an editor's API tokens."""
    found = {}
    for name, role in (("ada", "admin"), ("eve", "editor")):
        store.accounts.put_user(name, password_hash(f"{name}-password-long"), role)
        secret = auth.new_token()
        store.accounts.add_token(name, auth.token_digest(secret))
        found[role] = {"Authorization": f"Bearer {secret}"}
    return found


@pytest.fixture
def editor(tokens):
    return tokens["editor"]


@pytest.fixture
def seed_json(app) -> dict:
    record = archive_file.parse_file(seed_file())
    with app.test_request_context():
        from server.documents import public_record
        return public_record(record)


@pytest.fixture
def created(client, editor, seed_json):
    response = client.post("/api/records?publish=true", json=seed_json, headers=editor)
    assert response.status_code == 201, response.get_json()
    return response


def test_create_returns_the_record_with_its_etag(client, created, seed_json):
    assert created.headers["Location"] == f"{BASE_URL}api/records/113439"
    assert created.headers["ETag"].startswith('"1-')
    assert created.get_json() == seed_json  # the API returns exactly what it accepts
    assert created.headers["Muniment-Published"] == "true"
    assert client.get("/records/113439.jsonld").status_code == 200


def test_duplicate_and_invalid_creates(client, editor, created, seed_json, store):
    assert client.post("/api/records", json=seed_json, headers=editor).status_code == 409
    bad = dict(seed_json, identifier="other", id=f"{BASE_URL}records/other", created="someday",
               rights="https://rightsstatements.org/vocab/InC/1.0/")
    response = client.post("/api/records", json=bad, headers=editor)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["pointer"] for e in response.get_json()["errors"]} >= {"/created", "/rights"}
    assert store.records.get("other") is None
    assert client.post("/api/records", data="not json", headers=editor).status_code == 415


def test_put_needs_if_match_and_rejects_stale_etags(client, editor, created):
    record = created.get_json()
    record["title"] = {"en": "Cable from Liu Shaoqi"}
    assert client.put("/api/records/113439", json=record, headers=editor).status_code == 428
    first = client.put("/api/records/113439", json=record, headers={**editor, "If-Match": created.headers["ETag"]})
    assert first.status_code == 200 and first.headers["ETag"].startswith('"2-')
    record["title"] = {"en": "Someone else's title"}
    stale = client.put("/api/records/113439", json=record, headers={**editor, "If-Match": created.headers["ETag"]})
    assert stale.status_code == 412 and stale.headers["ETag"] == first.headers["ETag"]
    assert client.get("/api/records/113439", headers=editor).get_json()["title"] == {"en": "Cable from Liu Shaoqi"}
    other = dict(record, identifier="x")
    mismatch = client.put("/api/records/113439", json=other, headers={**editor, "If-Match": first.headers["ETag"]})
    assert mismatch.status_code == 422


def test_merge_patch_and_visibility_everywhere_at_once(client, editor, created):
    patch = {"title": {"en": "Corrected title"},
             "subject": [{"id": f"{BASE_URL}subjects/loans", "type": "Concept", "prefLabel": {"en": "Loans"}}],
             "page": None}
    wrong_type = client.patch("/api/records/113439", json=patch, headers={**editor, "If-Match": created.headers["ETag"]})
    assert wrong_type.status_code == 415
    response = client.patch("/api/records/113439", data=json.dumps(patch), content_type="application/merge-patch+json",
                            headers={**editor, "If-Match": created.headers["ETag"]})
    assert response.status_code == 200, response.get_json()
    record = response.get_json()
    assert record["title"] == {"en": "Corrected title"} and "page" not in record
    assert record["creator"] == created.get_json()["creator"]  # untouched fields stay
    manifest = client.get("/iiif/113439/manifest").get_json(force=True)
    assert manifest["label"] == {"en": ["Corrected title"]}
    assert {"label": {"en": ["Subjects"]}, "value": {"none": ["Loans"]}} in manifest["metadata"]
    oai = client.get("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:muniment.example.org:113439")
    assert b"Corrected title" in oai.data and b'<dc:subject xml:lang="en">Loans</dc:subject>' in oai.data


def test_delete_restore_publish_and_history(client, editor, created):
    etag = created.headers["ETag"]
    assert client.delete("/api/records/113439", headers=editor).status_code == 428
    deleted = client.delete("/api/records/113439", headers={**editor, "If-Match": etag})
    assert deleted.status_code == 200 and deleted.headers["Muniment-Deleted"] == "true"
    assert client.get("/records/113439.jsonld").status_code == 410
    restored = client.post("/api/records/113439/restore", headers={**editor, "If-Match": deleted.headers["ETag"]})
    assert restored.headers["Muniment-Deleted"] == "false"
    hidden = client.post("/api/records/113439/unpublish", headers={**editor, "If-Match": restored.headers["ETag"]})
    assert hidden.headers["Muniment-Published"] == "false"
    assert client.get("/records/113439.jsonld").status_code == 404
    assert client.get("/api/records/113439", headers=editor).status_code == 200  # editors still see drafts
    shown = client.post("/api/records/113439/publish", headers={**editor, "If-Match": hidden.headers["ETag"]})
    assert shown.headers["Muniment-Published"] == "true"
    history = client.get("/api/records/113439/revisions", headers=editor).get_json()
    assert [(r["number"], r["deleted"], r["published"]) for r in history] == [
        (1, False, True), (2, True, True), (3, False, True), (4, False, False), (5, False, True)]
    assert {r["author"] for r in history} == {"eve"}


def test_revisions_diff_and_revert(client, editor, created):
    record = created.get_json()
    record["title"] = {"en": "Wrong title"}
    record["language"] = ["lang:ru"]
    second = client.put("/api/records/113439", json=record, headers={**editor, "If-Match": created.headers["ETag"]})
    assert client.get("/api/records/113439/revisions/1", headers=editor).get_json() == created.get_json()
    diff = client.get("/api/records/113439/diff?from=1&to=2", headers=editor).get_json()["changes"]
    assert {"op": "replace", "path": "/title/en", "value": "Wrong title",
            "old": "Cable, Liu Shaoqi to Mao Zedong"} in diff
    assert {"op": "replace", "path": "/language/0", "value": "lang:ru", "old": "lang:zh"} in diff
    reverted = client.post("/api/records/113439/revisions/1/revert", headers={**editor, "If-Match": second.headers["ETag"]})
    assert reverted.status_code == 200 and reverted.headers["Muniment-Revision"] == "3"
    assert reverted.get_json() == created.get_json()
    assert client.get("/api/records/113439/revisions/9", headers=editor).status_code == 404
    assert client.get("/api/records/113439/diff?from=1", headers=editor).status_code == 400


def test_history_is_published_as_prov(client, editor, created, store):
    from pyld import jsonld

    record = client.get("/records/113439.jsonld").get_json(force=True)
    history = client.get(record["history"].replace(BASE_URL, "/")).get_json(force=True)
    quads = jsonld.to_rdf(history, {"format": "application/n-quads"})
    entity = f"<{BASE_URL}records/113439/revisions/1>"
    assert f"{entity} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Entity>" in quads
    assert f"{entity} <http://www.w3.org/ns/prov#specializationOf> <{BASE_URL}records/113439>" in quads

    public_id = store.accounts.user("eve")["public_id"]
    assert f"<http://www.w3.org/ns/prov#wasAssociatedWith> <{BASE_URL}users/{public_id}>" in quads
    assert "eve" not in json.dumps(history)  # login names are half a credential: never published


def test_roles_and_tokens(client, tokens, created, store):
    assert client.get("/api/records").status_code == 401
    assert client.get("/api/users", headers=tokens["editor"]).status_code == 403
    assert client.get("/api/users", headers=tokens["admin"]).status_code == 200
    assert client.put("/api/sets/cold-war", json={"name": "Cold War"}, headers=tokens["editor"]).status_code == 403
    made = client.put("/api/sets/cold-war", json={"name": "Cold War", "description": "Cables"}, headers=tokens["admin"])
    assert made.status_code == 200
    orphan = client.put("/api/sets/a:b", json={"name": "B"}, headers=tokens["admin"])
    assert orphan.status_code == 422
    assert client.delete("/api/sets/cold-war", headers=tokens["admin"]).status_code == 204
    fresh = client.post("/api/tokens", json={"label": "script"}, headers=tokens["editor"]).get_json()
    mine = {"Authorization": f"Bearer {fresh['token']}"}
    assert client.get("/api/records", headers=mine).status_code == 200
    assert client.delete(f"/api/tokens/{fresh['id']}", headers=mine).status_code == 204
    assert client.get("/api/records", headers=mine).status_code == 401
    assert client.get("/api/records", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_request_size_limit(tmp_path, sqlite_url):
    app = create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": "x", "MAX_REQUEST_BYTES": 1000})
    store = app.extensions["muniment"]["store"]
    upgrade(store.engine)
    store.accounts.put_user("eve", password_hash("eve-password-long"), "editor")
    store.accounts.add_token("eve", auth.token_digest("secret-token"))
    response = app.test_client().post("/api/records", data="x" * 5000, content_type="application/json",
                                      headers={"Authorization": "Bearer secret-token"})
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_every_data_changing_route_refuses_anonymous_requests(app):
    """Walk the URL map: only login and OAI-PMH's POST are open by design."""
    client = app.test_client()
    open_by_design = {"/login", "/oai"}
    checked = 0
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.rule in open_by_design:
            continue
        url = re.sub(r"<int[^>]*>", "1", rule.rule)
        url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)
        url = re.sub(r"<[^>]+>", "x", url)
        for method in methods:
            status = client.open(url, method=method, json={}).status_code
            assert status in (401, 403), (method, rule.rule, status)
            checked += 1
    assert checked >= 13


def test_twenty_concurrent_read_modify_write_clients(tmp_path):
    """A real server: every client adds its own subject with GET + PUT If-Match, retrying after a 412;
    every success is kept, every loser got a 412, nothing is lost."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    store = app.extensions["muniment"]["store"]
    upgrade(store.engine)
    store.accounts.put_user("eve", password_hash("eve-password-long"), "editor")
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    store.records.save(archive_file.parse_file(sample_file()), "import")
    store.engine.dispose()
    headers = {"Authorization": f"Bearer {secret}"}
    outcomes: dict[int, list[int]] = {n: [] for n in range(20)}
    with muniment_server(url, tmp_path) as base:
        barrier = threading.Barrier(20)

        def client(n: int) -> None:
            session = requests.Session()
            barrier.wait()
            for _ in range(200):
                got = session.get(f"{base}api/records/300451", headers=headers, timeout=30)
                record = got.json()
                record.setdefault("subject", []).append(
                    {"id": f"{base}subjects/s{n}", "type": "Concept", "prefLabel": {"en": f"Subject {n}"}})
                put = session.put(f"{base}api/records/300451", json=record,
                                  headers={**headers, "If-Match": got.headers["ETag"]}, timeout=30)
                outcomes[n].append(put.status_code)
                if put.status_code == 200:
                    return

        threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        final = requests.get(f"{base}api/records/300451", headers=headers).json()
        revisions = requests.get(f"{base}api/records/300451/revisions", headers=headers).json()
    assert all(codes and codes[-1] == 200 for codes in outcomes.values()), outcomes
    assert all(code in (200, 412) for codes in outcomes.values() for code in codes), outcomes
    assert sorted(s["prefLabel"]["en"] for s in final["subject"]) == sorted(f"Subject {n}" for n in range(20))
    assert len(revisions) == 21
