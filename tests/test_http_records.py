"""Public record endpoints: content negotiation, validators and 304s, problems, tombstones, the list."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from metadata.importers import archive_file

from tests.support import xsd
from tests.support.paths import seed_file

BASE = "http://muniment.test/"


@pytest.fixture
def seeded(store):
    return store.records.create(archive_file.parse_file(seed_file()), "import")


@pytest.mark.parametrize("accept, mimetype", [
    ("text/html", "text/html"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-quads", "application/n-quads"),
    ("application/xml", "application/xml"),
    ("text/html;q=0.5, application/ld+json", "application/ld+json"),
    ("*/*", "text/html"),
])
def test_content_negotiation(client, seeded, accept, mimetype):
    response = client.get("/records/113439", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "Accept" in response.headers["Vary"]
    assert response.headers["ETag"] and response.headers["Last-Modified"]


def test_jsonld_uses_the_configured_base(client, seeded):
    response = client.get("/records/113439.jsonld")
    assert response.mimetype == "application/ld+json"
    record = response.get_json(force=True)
    assert record["id"] == f"{BASE}records/113439"
    assert record["@context"] == f"{BASE}ns/context.jsonld"
    assert "muniment.invalid" not in response.get_data(as_text=True)
    assert record["hasVersion"][0]["contributor"][0]["id"] == f"{BASE}agents/david-wolff"


def test_suffixes_serve_nquads_and_oai_dc(client, seeded):
    quads = client.get("/records/113439.nq")
    assert quads.mimetype == "application/n-quads"
    assert f"<{BASE}records/113439> <http://purl.org/dc/terms/provenance>" in quads.get_data(as_text=True)
    xml = client.get("/records/113439.xml")
    assert xml.mimetype == "application/xml"
    document = xsd.assert_valid(xml.data, xsd.OAI_DC)
    assert f"{BASE}records/113439" in [e.text for e in document.iter("{http://purl.org/dc/elements/1.1/}identifier")]


def test_html_page_shows_every_field_and_the_text(client, seeded):
    page = client.get("/records/113439").get_data(as_text=True)
    for fact in ["Cable, Liu Shaoqi to Mao Zedong", "1949-07-18", "Gao Gang", "Mao Zedong", "David Wolff",
                 "Chinese", "Zhongyang wenxian chubanshe", "Printed from an original revised",
                 "Wilson Center Digital Archive", "dvincitest.com/document/113439",
                 "<h4>b. Regarding the matter of people", "lang=\"en\""]:
        assert fact in page, fact
    etree.fromstring(page.encode(), etree.HTMLParser())


def test_conditional_get_and_head(client, seeded):
    first = client.get("/records/113439.jsonld")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/records/113439.jsonld", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/records/113439.jsonld", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/records/113439.jsonld", headers={"If-None-Match": '"other"'}).status_code == 200
    head = client.head("/records/113439.jsonld")
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == etag
    html = client.get("/records/113439", headers={"Accept": "text/html"})
    assert html.headers["ETag"] != etag  # each representation has its own validator


def test_etag_changes_with_an_edit(client, store, seeded):
    before = client.get("/records/113439.jsonld").headers["ETag"]
    record = dict(seeded.data, title={"en": "Edited"})
    store.records.update("113439", record, seeded.revision, "bob")
    response = client.get("/records/113439.jsonld", headers={"If-None-Match": before})
    assert response.status_code == 200 and response.headers["ETag"] != before
    assert response.get_json(force=True)["title"] == {"en": "Edited"}


def test_unknown_record_is_a_problem_document(client):
    response = client.get("/records/nope", headers={"Accept": "application/ld+json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == 404 and problem["title"] == "Not Found" and "nope" in problem["detail"]
    assert client.get("/records/bad.id.x").status_code == 404


def test_deleted_record_is_410_with_a_tombstone(client, store, seeded):
    store.records.delete("113439", seeded.revision, "alice", "withdrawn")
    html = client.get("/records/113439", headers={"Accept": "text/html"})
    assert html.status_code == 410 and "was deleted on" in html.get_data(as_text=True) and "Cable" in html.get_data(as_text=True)
    data = client.get("/records/113439.jsonld")
    assert data.status_code == 410 and data.mimetype == "application/problem+json"


def test_drafts_are_not_public(client, store):
    draft = store.records.create(archive_file.parse_file(seed_file()), "alice", published=False)
    assert client.get("/records/113439.jsonld").status_code == 404
    assert client.get("/records", headers={"Accept": "application/json"}).get_json()["total"] == 0
    store.records.delete("113439", draft.revision, "alice")  # a draft never published leaves no public tombstone
    for url in ("/records/113439", "/records/113439.jsonld", "/iiif/113439/manifest"):
        response = client.get(url)
        assert response.status_code == 404 and b"Cable" not in response.data, url


def test_record_list_json_and_html(client, store, seeded):
    listing = client.get("/records", headers={"Accept": "application/json"})
    body = listing.get_json()
    assert body["total"] == 1 and body["items"][0]["id"] == f"{BASE}records/113439"
    assert body["items"][0]["date"] == "1949-07-18"
    assert client.get("/records?q=liu", headers={"Accept": "application/json"}).get_json()["total"] == 1
    assert client.get("/records?q=absent", headers={"Accept": "application/json"}).get_json()["total"] == 0
    assert client.get("/records?page=x").status_code == 400
    html = client.get("/records").get_data(as_text=True)
    assert "Cable, Liu Shaoqi to Mao Zedong" in html and 'label for="q"' in html
    assert client.get("/?q=cable").headers["Location"] == "/records?q=cable"
    assert "Cable, Liu Shaoqi to Mao Zedong" in client.get("/?q=cable", follow_redirects=True).get_data(as_text=True)


def test_context_and_health(client):
    context = client.get("/ns/context.jsonld")
    assert context.status_code == 200 and context.mimetype == "application/ld+json"
    assert json.loads(context.data)["@context"]["dcterms"] == "http://purl.org/dc/terms/"
    assert context.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_title_markup_is_escaped(client, store):
    record = archive_file.parse_file(seed_file())
    record["title"] = {"en": "<script>alert(1)</script>"}
    store.records.create(record, "alice")
    page = client.get("/records/113439").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
