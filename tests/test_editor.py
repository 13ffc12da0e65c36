"""The web editor over real HTTP (Flask test client): logins, every field round-trips, validation beside the
field, conflicts, expired sessions that keep what was typed, delete/restore, history and revert, no XSS."""
from __future__ import annotations

import re

import pytest

from metadata.importers import archive_file
from server import create_app

from tests.support.forms import form_fields
from tests.support.paths import seed_file

from tests.conftest import PASSWORD, password_hash




def _edit_form(client, identifier="113439"):
    page = client.get(f"/edit/records/{identifier}").get_data(as_text=True)
    return page, _record_form(page)


def _record_form(page: str) -> dict:
    _, fields = form_fields(page, index=_record_form_index(page))
    return fields


def _record_form_index(page: str) -> int:
    from lxml import html

    forms = html.fromstring(page).forms
    return next(i for i, f in enumerate(forms) if "revision" in dict(f.form_values()) and "created" in dict(f.form_values()))


def test_login_is_required_and_errors_do_not_tell_names(app, store):
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    client = app.test_client()
    assert client.get("/edit").status_code == 302
    wrong = client.post("/login", data={"name": "ann", "password": "nope"})
    unknown = client.post("/login", data={"name": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    message = "That name and password do not match an account."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    for _ in range(4):
        client.post("/login", data={"name": "ann", "password": "nope"})
    limited = client.post("/login", data={"name": "ann", "password": PASSWORD})
    assert limited.status_code == 429
    other_server = create_app({"DATABASE_URL": app.extensions["muniment"]["settings"].database_url,
                               "SECRET_KEY": "x"}).test_client()  # the count lives in the shared database
    assert other_server.post("/login", data={"name": "ann", "password": PASSWORD}).status_code == 429


def test_session_cookie_flags(app, store):
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    response = app.test_client().post("/login", data={"name": "ann", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unchanged_form_saves_nothing_and_every_field_round_trips(editor_client, store):
    before = store.records.get("113439")
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    fields = _record_form(page)
    fields["action"] = "save"
    response = editor_client.post("/edit/records/113439", data=fields)
    assert response.status_code == 303
    after = store.records.get("113439")
    assert after.revision == before.revision and after.data == before.data


def test_edit_title_and_add_a_subject(editor_client, store, client):
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    fields = _record_form(page)
    fields["action"] = "add:subject"
    page = editor_client.post("/edit/records/113439", data=fields).get_data(as_text=True)
    fields = _record_form(page)
    assert "subject.0.label" in fields
    fields.update({"title.0.text": "Cable from Liu Shaoqi to Mao Zedong", "subject.0.label": "Soviet loans",
                   "message": "clearer title", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    assert response.status_code == 303 and response.headers["Location"].endswith("saved=2")
    record = store.records.get("113439").data
    assert record["title"] == {"en": "Cable from Liu Shaoqi to Mao Zedong"}
    assert record["subject"][0]["prefLabel"] == {"en": "Soviet loans"}
    assert store.records.revisions("113439")[-1].message == "clearer title"
    manifest = editor_client.get("/iiif/113439/manifest").get_json(force=True)
    assert manifest["label"] == {"en": ["Cable from Liu Shaoqi to Mao Zedong"]}


def test_record_type_is_picked_in_the_form_and_reaches_marc_and_mods(editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    assert fields["recordType"] == "Text"
    fields.update({"recordType": "StillImage", "action": "save"})
    assert editor_client.post("/edit/records/113439", data=fields).status_code == 303
    assert store.records.get("113439").data["type"] == ["StillImage", "Record"]
    marc = editor_client.get("/oai?verb=GetRecord&metadataPrefix=marc21&identifier=oai:muniment.example.org:113439")
    assert re.search(r"<marc:leader>\d{5}nkma", marc.get_data(as_text=True))
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"recordType": "Poem", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    assert response.status_code == 422
    assert re.search(r'id="recordType" name="recordType" aria-invalid="true"', response.get_data(as_text=True))
    assert store.records.get("113439").data["type"] == ["StillImage", "Record"]


def test_validation_errors_are_shown_beside_the_field(editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"created": "sometime in the fifties", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="created" name="created" aria-invalid="true" aria-describedby="err-created" autofocus', page)
    assert ('id="err-created">cannot read the date &#39;sometime in the fifties&#39;: write a date such as '
            "18 July 1949, c. 1955 or 1940s<") in page
    assert "is not a" not in page  # the schema's own wording never reaches a person
    assert 'value="sometime in the fifties"' in page  # what was typed stays
    assert store.records.get("113439").revision == 1


@pytest.mark.parametrize("typed, edtf, words", [
    ("c. 1955", "1955~", "circa 1955"), ("18–20 July 1949", "1949-07-18/1949-07-20", "18–20 July 1949"),
    ("before 1950", "../1950", "before 1950"), ("undated", "XXXX", "undated"), ("1940-е", "194X", "1940s"),
])
def test_dates_and_languages_in_archivists_words_are_normalised(editor_client, store, typed, edtf, words):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"created": typed, "language.0.code": "русский", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    saved = store.records.get("113439").data
    assert saved["created"] == edtf and saved["language"] == ["lang:ru"]
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    assert f'id="created" name="created" value="{edtf}"' in page
    assert f'id="created-words" aria-live="polite">Read as: <strong>{words}</strong>' in page


def test_an_unknown_language_gets_a_plain_message_and_keeps_the_form(editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"created": "March 1950", "language.0.code": "Klingonese", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="err-language.0.code">unknown language &#39;Klingonese&#39;: Klingon has no two-letter' in page
    assert "does not match" not in page and "^lang:" not in page
    assert 'value="Klingonese"' in page and 'value="March 1950"' in page
    assert "Read as: <strong>March 1950</strong>" in page
    assert store.records.get("113439").revision == 1


def test_a_conflict_shows_both_versions_and_loses_nothing(editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    current = store.records.get("113439")
    store.records.update("113439", dict(current.data, title={"en": "Their title"}), 1, "bob")
    fields.update({"title.0.text": "My title", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone saved this record first" in page
    assert "Their title" in page and "My title" in page
    assert store.records.get("113439").data["title"] == {"en": "Their title"}
    again = _record_form_from_conflict(page)
    again["action"] = "save"
    assert editor_client.post("/edit/records/113439", data=again).status_code == 303
    assert store.records.get("113439").data["title"] == {"en": "My title"}
    assert [r.author for r in store.records.revisions("113439")] == ["import", "bob", "ann"]


def _record_form_from_conflict(page: str) -> dict:
    _, fields = form_fields(page, action="/edit/records/113439")
    return fields


def test_expired_session_keeps_what_was_typed(app, editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"title.0.text": "Typed before the session ended", "action": "save"})
    fresh = app.test_client()  # no session cookie: as after expiry
    response = fresh.post("/edit/records/113439", data=fields)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "what you typed is kept" in page
    _, login = form_fields(page, action="/login")
    login.update({"name": "ann", "password": PASSWORD})
    back = fresh.post("/login", data=login)
    form_page = back.get_data(as_text=True)
    assert back.status_code == 200 and "Nothing has been saved yet" in form_page
    assert 'value="Typed before the session ended"' in form_page
    assert store.records.get("113439").revision == 1
    again = _record_form(form_page)
    again["action"] = "save"
    assert fresh.post("/edit/records/113439", data=again).status_code == 303
    assert store.records.get("113439").data["title"] == {"en": "Typed before the session ended"}


def test_missing_csrf_token_keeps_the_form(editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields.update({"title.0.text": "No token", "csrf_token": "stale", "action": "save"})
    response = editor_client.post("/edit/records/113439", data=fields)
    assert response.status_code == 403 and 'value="No token"' in response.get_data(as_text=True)
    assert store.records.get("113439").revision == 1


def test_delete_restore_history_and_revert(editor_client, store, client):
    page = editor_client.get("/edit/records/113439/delete").get_data(as_text=True)
    _, fields = form_fields(page, action="/delete")
    fields["message"] = "duplicate"
    assert editor_client.post("/edit/records/113439/delete", data=fields).status_code == 303
    assert client.get("/records/113439").status_code == 410
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    _, fields = form_fields(page, action="/restore")
    assert editor_client.post("/edit/records/113439/restore", data=fields).status_code == 303
    assert client.get("/records/113439").status_code == 200
    form = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    form.update({"title.0.text": "A mistake", "action": "save"})
    editor_client.post("/edit/records/113439", data=form)
    history = editor_client.get("/edit/records/113439/history").get_data(as_text=True)
    assert "duplicate" in history and "<ins>A mistake</ins>" in history
    _, fields = form_fields(history, action="/revisions/1/revert")
    assert editor_client.post("/edit/records/113439/revisions/1/revert", data=fields).status_code == 303
    assert store.records.get("113439").data == archive_file.parse_file(seed_file())


def test_create_a_record_and_titles_are_escaped(editor_client, store, client):
    page = editor_client.get("/edit/new").get_data(as_text=True)
    fields = _record_form(page)
    fields.update({"identifier": "new-doc", "title.0.text": "<script>alert(1)</script>", "created": "1950-03",
                   "publish": "yes", "action": "save"})
    response = editor_client.post("/edit/new", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert store.records.get("new-doc").published
    for url in ("/records/new-doc", "/edit/records/new-doc", "/edit"):
        body = editor_client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_api_tokens_in_the_web_interface(editor_client):
    page = editor_client.get("/edit/tokens").get_data(as_text=True)
    _, fields = form_fields(page, index=-1)
    fields["label"] = "my script"
    created = editor_client.post("/edit/tokens", data=fields).get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', created).group(1)
    assert editor_client.get("/api/records", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_add_a_translation_and_see_it_in_the_manifest(editor_client, store):
    fields = _record_form(editor_client.get("/edit/records/113439").get_data(as_text=True))
    fields["action"] = "add:hasVersion"
    fields = _record_form(editor_client.post("/edit/records/113439", data=fields).get_data(as_text=True))
    fields.update({"hasVersion.1.language": "ru", "hasVersion.1.key": "ru", "hasVersion.1.label": "Translation - Russian",
                   "hasVersion.1.translation": "yes", "hasVersion.1.translators": "Olga Ivanova",
                   "hasVersion.1.text": "Телеграмма.\n\n(с. 2)\n\nВторая страница.", "action": "save"})
    assert editor_client.post("/edit/records/113439", data=fields).status_code == 303
    version = store.records.get("113439").data["hasVersion"][1]
    assert version["translationOfWork"] == version["isVersionOf"]
    assert version["qualifiedAttribution"][0]["hadRole"] == "relators:trl"
    manifest = editor_client.get("/iiif/113439/manifest").get_json(force=True)
    assert [r["label"]["en"][0] for r in manifest["structures"]] == ["English translation", "Russian translation"]
    russian = [c for c in manifest["items"] if c["label"]["en"][0].startswith("Russian")]
    # Text before the first page marker joins the page it starts: one canvas, labelled with the marker's number.
    assert [(c["label"]["en"][0], c["annotations"][0]["items"][0]["body"]["value"]) for c in russian] == [
        ("Russian translation, p. 2", "Телеграмма.\n\nВторая страница.")]
    oai = editor_client.get("/oai?verb=GetRecord&metadataPrefix=marc21&identifier=oai:muniment.example.org:113439")
    assert b'<marc:subfield code="a">rus</marc:subfield>' in oai.data


def test_admins_manage_users_and_sets_editors_may_not(app, store, editor_client):
    assert editor_client.get("/edit/users").status_code == 403
    assert editor_client.get("/edit/sets").status_code == 403
    store.accounts.put_user("ada", password_hash(PASSWORD), "admin")
    admin = app.test_client()
    admin.post("/login", data={"name": "ada", "password": PASSWORD})
    _, fields = form_fields(admin.get("/edit/users").get_data(as_text=True), index=-1)
    fields.update({"name": "zoe", "role": "editor", "password": "short"})
    assert admin.post("/edit/users", data=fields).status_code == 422
    fields["password"] = "a long enough password"
    assert admin.post("/edit/users", data=fields).status_code == 200
    assert store.accounts.user("zoe")["role"] == "editor"
    _, fields = form_fields(admin.get("/edit/sets").get_data(as_text=True), index=-1)
    fields.update({"spec": "cold-war:cables", "name": "Cables"})
    assert admin.post("/edit/sets", data=fields).status_code == 422  # the parent comes first
    fields.update({"spec": "cold-war", "name": "Cold War", "description": "Documents of the Cold War"})
    assert admin.post("/edit/sets", data=fields).status_code == 200
    oai = admin.get("/oai?verb=ListSets").get_data(as_text=True)
    assert "<setName>Cold War</setName>" in oai and "Documents of the Cold War" in oai
