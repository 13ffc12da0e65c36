"""What the public and browsers get (issue 9, items 10-12): a Content-Security-Policy, nosniff and framing
rules on every HTML page with no inline script or style left; no remote images from Markdown; manifest text
that starts with "<" stays text; sets only drafts belong to stay private; small input rules (passwords of
spaces, If-Match: *, non-ASCII digits in OAI dates, HEAD /edit); the data directory."""
from __future__ import annotations

import html as html_module
import json

import jsonschema
import pytest
from lxml import html

from metadata.importers import archive_file
from server import auth, create_app

from tests.conftest import BASE_URL, password_hash
from tests.support import reference
from tests.support.paths import seed_file

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin(app, store):
    """A logged-in admin browser, with the seed record published and one draft in a set of its own."""
    store.accounts.put_user("ada", password_hash(PASSWORD), "admin")
    seed = archive_file.parse_file(seed_file())
    store.records.save(seed, "import")
    draft = json.loads(json.dumps(seed))
    draft["identifier"] = "secret-draft"
    draft["id"] = draft["id"].replace("113439", "secret-draft")
    draft["isPartOf"] = [draft["id"].rsplit("/records/", 1)[0] + "/sets/embargoed-acquisition"]
    for version in draft.get("hasVersion") or []:
        for key in ("id", "isVersionOf", "translationOfWork"):
            if key in version:
                version[key] = version[key].replace("113439", "secret-draft")
    store.records.create(draft, "import", "draft", published=False)
    client = app.test_client()
    assert client.post("/login", data={"name": "ada", "password": PASSWORD}).status_code == 302
    return client


HTML_PAGES = ["/records", "/records/113439", "/login", "/edit", "/edit/records/113439", "/edit/new",
              "/edit/records/113439/history", "/edit/records/113439/delete", "/edit/tokens", "/edit/users",
              "/edit/sets"]


def test_every_html_page_has_a_content_security_policy_and_no_inline_code(admin):
    for url in HTML_PAGES:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/html", url
        policy = response.headers["Content-Security-Policy"]
        for directive in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'self'"):
            assert directive in policy, (url, directive)
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        document = html.fromstring(response.get_data(as_text=True))
        assert document.xpath("//*[@style]") == [], url
        assert document.xpath("//style") == [], url
        inline = [s for s in document.xpath("//script") if not s.get("src") and s.get("type") != "application/ld+json"]
        assert inline == [], url
        assert not [a for element in document.iter() if isinstance(element.tag, str)
                    for a in element.attrib if a.lower().startswith("on")], url


def test_other_responses_say_nosniff(admin):
    for url in ("/records/113439.jsonld", "/iiif/113439/manifest", "/oai?verb=Identify", "/api/records",
                "/no-such-page"):
        assert admin.get(url).headers["X-Content-Type-Options"] == "nosniff", url


def _save_seed_variant(store, **changes):
    record = archive_file.parse_file(seed_file())
    record.update(changes)
    store.records.save(record, "import")


def test_markdown_images_never_load_from_elsewhere(client, store):
    record = archive_file.parse_file(seed_file())
    record["hasVersion"][0]["text"] = "A text ![pixel](https://tracker.example/p.png) with a picture."
    store.records.save(record, "import")
    page = html.fromstring(client.get("/records/113439").get_data(as_text=True))
    assert [i.get("src") for i in page.xpath("//img") if "tracker.example" in (i.get("src") or "")] == []
    assert page.xpath("//a[@href='https://tracker.example/p.png']")  # it stays a visible link


def test_manifest_text_that_starts_with_a_bracket_stays_text(client, store):
    title = "<b>Draft</b> of a cable & a note"
    _save_seed_variant(store, title={"en": title}, abstract={"en": "<script>alert(1)</script> summary"})
    manifest = client.get("/iiif/113439/manifest").get_json(force=True)
    jsonschema.Draft7Validator(reference.iiif_schema()).validate(manifest)
    label = manifest["label"]["en"][0]
    assert label.startswith("<span>") and label.endswith("</span>")
    assert html_module.unescape(label.removeprefix("<span>").removesuffix("</span>")) == title
    assert "<b>" not in label and "<script>" not in manifest["summary"]["en"][0]


def test_a_set_only_drafts_belong_to_stays_private(admin, client):
    sets = client.get("/oai?verb=ListSets").get_data(as_text=True)
    assert "embargoed-acquisition" not in sets
    top = client.get("/iiif/collection/top").get_data(as_text=True)
    assert "embargoed-acquisition" not in top
    assert client.get("/iiif/collection/embargoed-acquisition").status_code == 404
    for url in ("/records", "/records/113439"):
        assert "embargoed-acquisition" not in client.get(url).get_data(as_text=True)
    assert "embargoed-acquisition" in admin.get("/edit/sets").get_data(as_text=True)  # editors still see it
    revision = admin.get("/api/records/secret-draft").headers  # session-authenticated read
    page = admin.get("/edit/records/secret-draft").get_data(as_text=True)
    csrf = html.fromstring(page).xpath("//input[@name='csrf_token']/@value")[0]
    published = admin.post("/edit/records/secret-draft/publish",
                           data={"csrf_token": csrf, "revision": revision["Muniment-Revision"], "published": "yes"})
    assert published.status_code == 303
    assert "embargoed-acquisition" in client.get("/oai?verb=ListSets").get_data(as_text=True)
    assert client.get("/iiif/collection/embargoed-acquisition").status_code == 200


def test_passwords_of_spaces_are_refused_and_never_stripped(app, client, store):
    store.accounts.put_user("ada", password_hash(PASSWORD), "admin")
    secret = auth.new_token()
    store.accounts.add_token("ada", auth.token_digest(secret))
    admin = {"Authorization": f"Bearer {secret}"}
    refused = client.put("/api/users/zoe", json={"role": "editor", "password": " " * 12}, headers=admin)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "/password"
    padded = "  padded password  "
    assert client.put("/api/users/zoe", json={"role": "editor", "password": padded}, headers=admin).status_code == 200
    assert app.test_client().post("/login", data={"name": "zoe", "password": padded.strip()}).status_code == 401
    assert app.test_client().post("/login", data={"name": "zoe", "password": padded}).status_code == 302
    browser = app.test_client()
    browser.post("/login", data={"name": "ada", "password": PASSWORD})
    from tests.support.forms import form_fields
    _, fields = form_fields(browser.get("/edit/users").get_data(as_text=True), index=-1)
    fields.update({"name": "yan", "role": "editor", "password": " " * 10})
    assert browser.post("/edit/users", data=fields).status_code == 422
    fields["password"] = " spaced out "
    assert browser.post("/edit/users", data=fields).status_code == 200
    assert app.test_client().post("/login", data={"name": "yan", "password": " spaced out "}).status_code == 302


def test_if_match_star_cannot_overwrite_blindly(client, store):
    store.accounts.put_user("eve", password_hash(PASSWORD), "editor")
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    headers = {"Authorization": f"Bearer {secret}"}
    store.records.save(archive_file.parse_file(seed_file()), "import")
    body = client.get("/api/records/113439", headers=headers).get_json()
    body["title"] = {"en": "Blind overwrite"}
    response = client.put("/api/records/113439", json=body, headers={**headers, "If-Match": "*"})
    assert response.status_code == 428
    assert client.delete("/api/records/113439", headers={**headers, "If-Match": "*"}).status_code == 428
    assert store.records.get("113439").revision == 1


@pytest.mark.parametrize("date", ["２０２０-01-01", "٢٠٢٠-٠١-٠١", "2020-01-01\n", "2020-01-01T00:00:00Z\n"])
def test_oai_dates_with_other_digits_are_bad_arguments(client, date):
    response = client.get("/oai", query_string={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                                                "from": date})
    assert response.status_code == 200 and b'code="badArgument"' in response.data


def test_head_edit_answers_like_get(app, store):
    anonymous = app.test_client()
    get, head = anonymous.get("/edit"), anonymous.head("/edit")
    assert head.status_code == get.status_code == 302 and head.headers["Location"] == get.headers["Location"]
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    anonymous.post("/login", data={"name": "ann", "password": PASSWORD})
    assert anonymous.head("/edit").status_code == anonymous.get("/edit").status_code == 200


def test_the_data_directory_holds_database_secret_key_and_caches(tmp_path, monkeypatch):
    from metadata.storage import migrate

    data = tmp_path / "data"
    monkeypatch.delenv("MUNIMENT_DATABASE_URL", raising=False)
    monkeypatch.delenv("MUNIMENT_SECRET_KEY", raising=False)
    monkeypatch.setenv("MUNIMENT_DATA_DIR", str(data))
    app = create_app({"BASE_URL": BASE_URL})
    store = app.extensions["muniment"]["store"]
    migrate.upgrade(store.engine)
    store.records.save(archive_file.parse_file(seed_file()), "import")
    assert app.test_client().get("/iiif/image/113439/1/full/max/0/default.jpg").status_code == 200
    assert (data / "muniment.db").is_file() and (data / "secret_key").is_file()
    assert (data / "cache").is_dir()
    assert app.config["SECRET_KEY"] == (data / "secret_key").read_text().strip()
    store.engine.dispose()


def test_tests_never_write_into_the_checkout():
    from tests.support.paths import REPO
    import os

    assert not os.environ["MUNIMENT_DATA_DIR"].startswith(str(REPO) + os.sep)
