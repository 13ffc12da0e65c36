"""The editor's spreadsheet pages over real HTTP on SQLite and PostgreSQL: download with filters and columns,
upload to a preview that writes nothing, apply, conflicts, and a file that is not UTF-8."""
from __future__ import annotations

import csv
import io

import pytest
from lxml import html


from tests.support.forms import form_fields
from tests.support.paths import REPO
from metadata.importers import files as importer
from metadata.record import describe
from tests.conftest import password_hash

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(app, store):
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    for path in importer.expand_paths([REPO / "samples"]):
        list(store.records.save_many(importer.read_file(path, "auto"), "import"))
    client = app.test_client()
    assert client.post("/login", data={"name": "ann", "password": PASSWORD}).status_code == 302
    return client


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _upload(client, rows, name="edited.csv"):
    page = client.get("/edit/spreadsheet").get_data(as_text=True)
    action, fields = form_fields(page, action="preview")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    fields["file"] = (io.BytesIO(("\ufeff" + out.getvalue()).encode("utf-8")), name)
    return client.post(action, data=fields, content_type="multipart/form-data")


def test_download_link_filters_and_columns(editor, store):
    listing = editor.get("/edit?q=letter").get_data(as_text=True)
    link = html.fromstring(listing).xpath("//a[contains(., 'Download these records')]/@href")[0]
    assert "q=letter" in link
    response = editor.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:3] == ["identifier", "revision", "title"]
    assert rows[1:] and all("letter" in (r[0] + r[2]).lower() for r in rows[1:])
    chosen = _rows(editor.get("/edit/spreadsheet/download?field=extent&field=note&from=1950&to=1959"))
    assert chosen[0] == ["identifier", "revision", "extent", "note"]
    assert len(chosen) - 1 == sum(1 for s in store.records.iter_records() if s.data["created"][:3] == "195")
    bad = editor.get("/edit/spreadsheet/download?from=soon")
    assert bad.status_code == 422 and "From year: write a year such as 1949" in bad.get_data(as_text=True)


def test_upload_previews_then_applies_and_reports_conflicts(editor, store):
    rows = _rows(editor.get("/edit/spreadsheet/download?field=title&field=extent"))
    header, body = rows[0], rows[1:]
    for row in body[:3]:
        row[3] = "2 leaves"
    body[3][2] = ""  # a blank title: invalid, stores nothing
    preview = _upload(editor, [header] + body)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nothing has been saved yet" in page
    assert page.count("now “2 leaves”") == 3
    assert "Column title: a record needs a title" in page
    assert all(store.records.get(r[0]).revision == int(r[1]) for r in body)  # the preview wrote nothing

    action, fields = form_fields(page, action="apply")
    applied = editor.post(action, data=fields).get_data(as_text=True)
    assert "3 updated" in applied and "1 invalid" in applied
    for row in body[:3]:
        state = store.records.get(row[0])
        assert state.revision == int(row[1]) + 1 and describe.extent(state.data) == "2 leaves"
        assert store.records.revision(row[0], state.revision).author == "ann"
    assert store.records.get(body[3][0]).revision == int(body[3][1])

    stale = _upload(editor, [header] + body[:3]).get_data(as_text=True)
    assert stale.count("changed since the export") == 3 and "3 conflict" in stale


def test_apply_without_csrf_token_is_refused(editor, store):
    rows = _rows(editor.get("/edit/spreadsheet/download?field=extent"))
    rows[1][2] = "9 leaves"
    page = _upload(editor, rows).get_data(as_text=True)
    action, fields = form_fields(page, action="apply")
    fields.pop("csrf_token")
    assert editor.post(action, data=fields).status_code in (400, 403)
    assert describe.extent(store.records.get(rows[1][0]).data) != "9 leaves"


def test_file_that_is_not_utf8_is_refused_with_how_to_save(editor):
    page = editor.get("/edit/spreadsheet").get_data(as_text=True)
    action, fields = form_fields(page, action="preview")
    fields["file"] = (io.BytesIO("identifier;revision;title\r\nx;1;Café@fr\r\n".encode("cp1252")), "old.csv")
    response = editor.post(action, data=fields, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "old.csv, line 2: the file is not UTF-8 text" in text and "CSV UTF-8" in text
