"""No 500 on any input (issue 9, item 8) and no open redirect (item 7): each probe that answered 500 (or
redirected off-site) answers a clear 4xx, in the API and in the editor, on SQLite and PostgreSQL; the editor
keeps what was typed."""
from __future__ import annotations

import json

import pytest

from metadata.importers import archive_file
from server import auth

from tests.conftest import password_hash
from tests.support.forms import form_fields
from tests.support.paths import seed_file

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(store) -> dict:
    store.accounts.put_user("eve", password_hash(PASSWORD), "admin")
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def seed_json(app) -> dict:
    with app.test_request_context():
        from server.documents import public_record
        return public_record(archive_file.parse_file(seed_file()))


@pytest.fixture
def session(app, store):
    store.records.save(archive_file.parse_file(seed_file()), "import")
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    client = app.test_client()
    assert client.post("/login", data={"name": "ann", "password": PASSWORD}).status_code == 302
    return client


def _record_form(page: str) -> dict:
    from lxml import html

    forms = html.fromstring(page).forms
    return dict(next(f for f in forms if "created" in dict(f.form_values())).form_values())


def _variant(seed_json, **changes):
    record = json.loads(json.dumps(seed_json))
    for key, value in changes.items():
        record[key] = value
    return record


@pytest.mark.parametrize("change, pointer", [
    ({"language": ["lang:zz"]}, "/language/0"),
    ({"language": ["lang:iw"]}, "/language/0"),
    ({"title": {"en_US": "A title"}}, "/title"),
    ({"identifier": "113439\n"}, "/identifier"),
    ({"title": {"en": "NUL \x00 inside"}}, "/title/en"),
    ({"title": {"en": "lone \ud800 surrogate"}}, "/title/en"),
])
def test_invalid_records_are_422_with_the_field(client, editor, seed_json, change, pointer):
    record = _variant(seed_json, **change)
    if "identifier" in change:
        record["id"] = record["id"].replace("113439", change["identifier"])
    body = json.dumps(record, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes
    response = client.post("/api/records", data=body, content_type="application/json", headers=editor)
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert any(e["pointer"].startswith(pointer) for e in problem["errors"]), problem
    assert client.get("/api/records", headers=editor).get_json()["total"] == 0


@pytest.mark.parametrize("body, status", [
    ("[]", 400), ('"s"', 400), ("[" * 5000 + "]" * 5000, 400), ('{"a":' * 5000 + "1" + "}" * 5000, 400),
    (b"\xff\xfe", 400),
])
def test_bodies_that_are_not_objects_are_refused(client, editor, body, status):
    for method, url in (("post", "/api/records"), ("put", "/api/users/zed"), ("put", "/api/sets/s1"),
                        ("post", "/api/tokens")):
        response = getattr(client, method)(url, data=body, content_type="application/json", headers=editor)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "application/problem+json"


def test_text_no_database_takes_is_refused_everywhere(client, editor):
    assert client.put("/api/users/zed", json={"role": "editor", "password": "x" * 10 + "\x00"},
                      headers=editor).status_code == 422
    assert client.put("/api/users/" + "n" * 256, json={"role": "editor", "password": PASSWORD},
                      headers=editor).status_code == 422
    assert client.put("/api/users/a%00b", json={"role": "editor", "password": PASSWORD},
                      headers=editor).status_code == 400
    assert client.put("/api/sets/s1", json={"name": "bad\x00name"}, headers=editor).status_code == 422
    assert client.post("/api/tokens", json={"label": "x\x00"}, headers=editor).status_code == 422
    assert client.get("/api/records?q=a%00b", headers=editor).status_code == 400
    assert client.get("/records?q=a%00b").status_code == 400
    assert client.delete("/api/users/a%00b", headers=editor).status_code == 400
    login = client.post("/login", data={"name": "a\x00b", "password": "whatever"})
    assert login.status_code == 400
    assert client.post("/login", data={"name": "n" * 5000, "password": "whatever"}).status_code == 401
    oai = client.get("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:a%00b")
    assert oai.status_code == 200 and b'code="badArgument"' in oai.data


def test_editor_keeps_the_form_for_values_no_database_takes(session, store):
    fields = _record_form(session.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"title.0.text": "Typed \x00 title", "action": "save"})
    response = session.post("/edit/records/113439", data=fields)
    assert response.status_code == 422
    assert "must not contain NUL" in response.get_data(as_text=True)
    fields.update({"title.0.text": "Kept title", "title.0.lang": "en_US"})
    response = session.post("/edit/records/113439", data=fields)
    assert response.status_code == 422 and 'value="Kept title"' in response.get_data(as_text=True)
    fields.update({"title.0.lang": "en", "revision": "abc"})
    response = session.post("/edit/records/113439", data=fields)
    assert response.status_code == 400 and 'value="Kept title"' in response.get_data(as_text=True)
    assert store.records.get("113439").revision == 1
    fields.update({"revision": "1", "language.0.code": "zz"})
    response = session.post("/edit/records/113439", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "unknown language &#39;zz&#39;" in page and 'value="Kept title"' in page
    # The editor reads archivists' words: the retired code iw is Hebrew, stored as its current code he.
    fields.update({"language.0.code": "iw"})
    assert session.post("/edit/records/113439", data=fields).status_code == 303
    assert store.records.get("113439").data["language"] == ["lang:he"]


def test_editor_forms_refuse_odd_numbers_and_tokens(session, store):
    page = session.get("/edit/tokens").get_data(as_text=True)
    _, fields = form_fields(page, index=-1)
    for revoke in ("99999999999", "abc", "٣"):
        assert session.post("/edit/tokens", data={**fields, "revoke": revoke}).status_code == 404
    for csrf in ("ä-not-ascii", "\u2603"):
        assert session.post("/edit/tokens", data={**fields, "csrf_token": csrf}).status_code == 403
        record = _record_form(session.get("/edit/records/113439").get_data(as_text=True))
        kept = session.post("/edit/records/113439", data={**record, "csrf_token": csrf, "action": "save"})
        assert kept.status_code == 403 and "changes are below" in kept.get_data(as_text=True)
    for revision in ("abc", "99999999999", ""):
        response = session.post("/edit/records/113439/publish",
                                data={"csrf_token": fields["csrf_token"], "revision": revision, "published": "no"})
        assert response.status_code == 400
    deep_stash = "[" * 5000 + "]" * 5000
    app_client = session.application.test_client()
    response = app_client.post("/login", data={"name": "ann", "password": PASSWORD, "stash": deep_stash,
                                               "next": "/edit/records/113439"})
    assert response.status_code == 302


@pytest.mark.parametrize("target", ["/%09/evil.example/x", "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/\t/evil.example", "/\n/evil.example", "/x\r\nSet-Cookie: a=b",
                                    "/%0a/evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(app, store, target):
    from urllib.parse import unquote

    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    client = app.test_client()
    page = client.get("/login", query_string={"next": unquote(target)})
    assert page.status_code == 200
    _, fields = form_fields(page.get_data(as_text=True), action="/login")
    assert fields.get("next", "") == ""
    response = client.post("/login", data={"name": "ann", "password": PASSWORD, "next": unquote(target)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/edit"


def test_login_follows_paths_on_this_site(app, store):
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    response = app.test_client().post("/login", data={"name": "ann", "password": PASSWORD,
                                                      "next": "/edit/records/113439?x=1"})
    assert response.headers["Location"] == "/edit/records/113439?x=1"
