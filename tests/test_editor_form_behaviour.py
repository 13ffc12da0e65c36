"""The editor form behaves (over real HTTP, both databases): Save is the form's default button so Enter never
presses "Add" or "Remove"; every button's accessible name says what it does; adding a row comes back with focus
in the new row and at its section; a skip link and a section menu; confirmations after publish, unpublish, delete
and restore; errors and the history in plain words (no pointer, regular expression or schema keyword); the
"what changed" note survives a failed save."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from lxml import html

from server import field_words

from tests.support.forms import form_fields



def _record_form(page: str):
    return next(f for f in html.fromstring(page).forms if f.get("id") == "record-form")


def _fields(page: str) -> dict:
    return dict(_record_form(page).form_values())


def _buttons(page: str) -> list:
    return _record_form(page).xpath(".//button[not(@type) or @type='submit']")


def _accessible_name(button) -> str:
    return button.get("aria-label") or button.text_content().strip()


def test_save_is_the_default_button_so_enter_never_adds_or_removes(editor_client):
    buttons = _buttons(editor_client.get("/edit/records/113439").get_data(as_text=True))
    assert buttons[0].get("value") == "save"  # the button a browser presses on Enter (HTML implicit submission)
    assert buttons[0].get("aria-hidden") == "true" and buttons[0].get("tabindex") == "-1"
    assert buttons[-1].get("value") == "save" and buttons[-1].text_content() == "Save"
    assert all(b.get("value", "").startswith(("add:", "remove:")) for b in buttons[1:-1])


def test_every_button_says_what_it_adds_or_removes(editor_client):
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    names = [_accessible_name(b) for b in _buttons(page) if b.get("aria-hidden") != "true"]
    repeated = [name for name, count in Counter(names).items() if count > 1]
    assert repeated == []
    for expected in ("Add a title in another language", "Add an original language", "Add a subject", "Add a place",
                     "Add a note in another language", "Add a creator or signer", "Remove title 1 (en)"):
        assert expected in names
    assert "Add a language" not in names


def test_adding_a_row_focuses_it_and_returns_to_its_section(editor_client):
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    fields = _fields(page)
    fields.update({"action": "add:subject", "message": "adding subjects"})
    added = editor_client.post("/edit/records/113439", data=fields).get_data(as_text=True)
    form = _record_form(added)
    new_row = form.get_element_by_id("subject.0.label")
    assert new_row.get("autofocus") is not None
    assert [e.get("id") for e in form.xpath(".//*[@autofocus]")] == ["subject.0.label"]
    add = form.get_element_by_id("add-subject")
    assert add.get("formaction") == "/edit/records/113439#subject.1.label"  # the next new row, for no-script
    assert form.get_element_by_id("message").get("value") == "adding subjects"
    fields = _fields(added)
    fields["action"] = "remove:subject:0"
    removed = _record_form(editor_client.post("/edit/records/113439", data=fields).get_data(as_text=True))
    assert [e.get("id") for e in removed.xpath(".//*[@autofocus]")] == ["add-subject"]


def test_skip_link_and_section_menu(editor_client):
    document = html.fromstring(editor_client.get("/edit/records/113439").get_data(as_text=True))
    first_link = document.xpath("//body//a")[0]
    assert first_link.get("href") == "#content" and document.get_element_by_id("content").tag == "main"
    menu = document.xpath("//nav[@aria-label='Sections of the form']//a/@href")
    assert len(menu) >= 10
    for target in menu:
        assert document.get_element_by_id(target[1:]) is not None


def _post_button(client, page: str, action: str):
    url, fields = form_fields(page, action=action)
    return client.post(url, data=fields, follow_redirects=True).get_data(as_text=True)


def test_confirmations_after_publish_unpublish_delete_and_restore(editor_client, store):
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    published = store.records.get("113439").published
    page = _post_button(editor_client, page, "/publish")
    first = "Unpublished 113439" if published else "Published 113439"
    assert re.search(rf'role="status">{first}', page)
    page = _post_button(editor_client, page, "/publish")
    second = "Published 113439" if published else "Unpublished 113439"
    assert re.search(rf'role="status">{second}', page) and first + ":" not in page
    page = _post_button(editor_client, editor_client.get("/edit/records/113439/delete").get_data(as_text=True),
                        "/delete")
    assert 'role="status">Deleted 113439' in page
    page = _post_button(editor_client, page, "/restore")
    assert 'role="status">Restored 113439.' in page
    assert "Restored 113439." not in editor_client.get("/edit/records/113439").get_data(as_text=True)


def test_history_names_fields_in_words(editor_client):
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    fields = _fields(page)
    fields.update({"action": "add:subject"})
    fields = _fields(editor_client.post("/edit/records/113439", data=fields).get_data(as_text=True))
    fields.update({"subject.0.label": "Soviet loans", "action": "save", "message": "a subject"})
    assert editor_client.post("/edit/records/113439", data=fields).status_code == 303
    history = editor_client.get("/edit/records/113439/history").get_data(as_text=True)
    assert "<td>Subject 1 (English)</td><td><del></del></td><td><ins>Soviet loans</ins></td>" in history
    assert "<td>/" not in history and "prefLabel" not in history and "{" not in history


def test_errors_are_in_plain_words_and_keep_the_note(editor_client, store):
    page = editor_client.get("/edit/new").get_data(as_text=True)
    fields = _fields(page)
    fields.update({"identifier": "bad id.with dots", "title.0.text": "A letter", "page": "not a web address",
                   "created": "c. 1955", "message": "first draft from the slip", "action": "save"})
    response = editor_client.post("/edit/new", data=fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = html.fromstring(body).xpath("//div[@class='errors-summary']")[0].text_content()
    assert "Identifier: use only letters, digits, - and _" in summary
    assert "Archive page: write a full web address starting with https://" in summary
    for leak in ("does not match", "is not a", "^[", "/identifier", "/page", "lang:", "pattern", "format"):
        assert leak not in summary
    form = _record_form(body)
    assert form.get_element_by_id("message").get("value") == "first draft from the slip"
    assert form.get_element_by_id("page").get("value") == "not a web address"
    assert form.get_element_by_id("err-page").text_content() == "write a full web address starting with https://"
    assert store.records.get("bad id.with dots") is None


@pytest.mark.parametrize("pointer, words", [
    ("/subject/0/prefLabel/en", "Subject 1 (English)"), ("/title/ru", "Title (Russian)"),
    ("/creator/1/name/en", "Creator 2 (English)"), ("/language/0", "Language 1"), ("/created", "Date"),
    ("/scans/0/width", "Scan 1, width"), ("", "The record"),
])
def test_field_labels(pointer, words):
    assert field_words.label(pointer) == words


@pytest.mark.parametrize("pointer, raw, words", [
    ("/identifier", "'a b' does not match '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$'", "use only letters"),
    ("/page", "'x' is not a 'iri'", "write a full web address"),
    ("/created", "'x' is not a 'edtf'", "write a date such as 18 July 1949, c. 1955 or 1940s"),
    ("/language/0", "'lang:xx' does not match '^lang:[a-z]{2}$'", "write a language name such as Russian"),
    ("/subject/1/id", "listed twice", "listed twice: remove one"),
    ("/identifier", "a record with this identifier exists already", "exists already: choose another"),
    ("/rights", "'x' does not match '^http://(rightsstatements'", "choose a rights statement"),
    ("/somethingNew", "{} is not valid under any of the given schemas", "check it"),
])
def test_schema_messages_become_advice(pointer, raw, words):
    said = field_words.message(pointer, raw)
    assert words in said
    assert "^" not in said and "'" not in said and "lang:" not in said


def test_the_conflict_page_names_fields_in_words_and_keeps_the_note(editor_client, store):
    fields = _fields(editor_client.get("/edit/records/113439").get_data(as_text=True))
    current = store.records.get("113439")
    store.records.update("113439", dict(current.data, title={"en": "Their title"}), 1, "bob")
    fields.update({"title.0.text": "My title", "message": "my note", "action": "save"})
    page = editor_client.post("/edit/records/113439", data=fields).get_data(as_text=True)
    assert "<td>Title (English)</td><td><del>Their title</del></td><td><ins>My title</ins></td>" in page
    _, again = form_fields(page, action="/edit/records/113439")
    assert again["message"] == "my note"
