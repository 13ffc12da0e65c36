"""What people and web crawlers get: error pages in the site's layout for browsers (problem details for
everyone else), tombstones with their citation, schema.org and Open Graph in record pages, robots.txt and a
sitemap that lists published records only and splits past the protocol's limit."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest
from lxml import etree

from metadata.importers import archive_file
from server.views import crawlers

from tests.support.paths import seed_file

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _renamed(identifier: str) -> dict:
    """The seed's record under another identifier (every IRI of the record follows)."""
    text = json.dumps(archive_file.parse_file(seed_file()), ensure_ascii=False)
    record = json.loads(text.replace("/records/113439", f"/records/{identifier}"))
    record["identifier"] = identifier
    return record


@pytest.fixture
def cable(store):
    return store.records.create(archive_file.parse_file(seed_file()), "import")


def test_a_browser_gets_a_page_and_a_script_gets_problem_details_for_the_same_404(client):
    page = client.get("/records/nothing-here", headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "No record nothing-here" in html and 'href="/records"' in html and "<header>" in html
    problem = client.get("/records/nothing-here", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    assert problem.get_json()["detail"] == "No record nothing-here."
    assert client.get("/iiif/nothing-here/manifest").mimetype == "application/problem+json"


def test_a_deleted_record_shows_a_tombstone_with_its_citation(client, store, cable):
    store.records.delete("113439", cable.revision, "alice")
    page = client.get("/records/113439", headers=BROWSER)
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "Cable" in html and "was deleted on" in html and "Cite it as:" in html
    assert "Wilson Center Digital Archive" in html
    manifest = client.get("/iiif/113439/manifest", headers=BROWSER)
    assert manifest.status_code == 410 and manifest.mimetype == "text/html"


def test_an_unexpected_error_is_a_500_page_for_people_and_a_problem_for_scripts(app, client):
    def broken():
        raise RuntimeError("secret internals")
    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers, the test does not see it
    page = client.get("/broken-for-test", headers=BROWSER)
    assert page.status_code == 500 and page.mimetype == "text/html" and "<h1>Internal Server Error</h1>" in page.get_data(as_text=True)
    assert "secret internals" not in page.get_data(as_text=True)
    problem = client.get("/broken-for-test")
    assert problem.status_code == 500 and problem.mimetype == "application/problem+json"
    assert "secret internals" not in problem.get_data(as_text=True)
    assert problem.get_json()["title"] == "Internal Server Error" and problem.get_json()["status"] == 500


def test_record_page_carries_schema_org_and_open_graph(client, cable):
    html = client.get("/records/113439").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "ArchiveComponent" and data["@context"] == "https://schema.org"
    assert data["dateCreated"] == "1949-07-18" and data["inLanguage"] == ["zh"]
    assert data["holdingArchive"]["name"] == "Wilson Center Digital Archive"
    assert data["url"] == "http://muniment.test/records/113439"
    [translation] = data["workTranslation"]
    assert translation["inLanguage"] == ["en"] and translation["translator"][0]["name"] == "David Wolff"
    assert {c["name"] for c in data["creator"]} >= {"Liu Shaoqi"}
    assert '<meta property="og:title" content="Cable' in html
    assert '<meta property="og:url" content="http://muniment.test/records/113439">' in html


def test_schema_org_gives_no_date_for_an_approximate_one(client, store):
    record = archive_file.parse_file(seed_file())
    record["created"] = "1955~"
    store.records.create(record, "import")
    html = client.get("/records/113439").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert "dateCreated" not in data


def test_robots_and_a_sitemap_of_published_records_only(client, store, cable):
    store.records.create(_renamed("draft-1"), "alice", published=False)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /edit" in robots and "Sitemap: http://muniment.test/sitemap.xml" in robots
    tree = etree.fromstring(client.get("/sitemap.xml").data)
    locations = [e.text for e in tree.iter(f"{SITEMAP}loc")]
    assert locations == ["http://muniment.test/", "http://muniment.test/records/113439"]
    assert [e.text for e in tree.iter(f"{SITEMAP}lastmod")] == [cable.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ")]


def test_a_large_sitemap_becomes_an_index_of_parts(client, store, monkeypatch):
    for n in range(5):
        store.records.create(_renamed(f"doc-{n}"), "import")
    monkeypatch.setattr(crawlers, "RECORDS_PER_PART", 2)
    index = etree.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [e.text for e in index.iter(f"{SITEMAP}loc")]
    assert parts == [f"http://muniment.test/sitemap/{n}.xml" for n in (1, 2, 3)]
    listed = []
    for n in (1, 2, 3):
        part = etree.fromstring(client.get(f"/sitemap/{n}.xml").data)
        listed += [e.text for e in part.iter(f"{SITEMAP}loc")]
    assert sorted(u for u in listed if "/records/" in u) == [f"http://muniment.test/records/doc-{n}" for n in range(5)]
    assert client.get("/sitemap/4.xml").status_code == 404


def test_front_page_describes_the_archive_and_points_machines_to_their_interfaces(app, client, store, cable):
    settings = dataclasses.replace(app.extensions["muniment"]["settings"],
                                   repository_description="Cables and *letters*.")
    app.extensions["muniment"]["settings"] = app.config["MUNIMENT"] = settings
    store.records.create(_renamed("other-1"), "import")
    html = client.get("/").get_data(as_text=True)
    assert "<em>letters</em>" in html and "2 records published." in html
    assert 'action="/records"' in html and 'role="search"' in html
    assert "<title>1949: 2 records</title>" in html  # the timeline's one bar
    assert 'href="http://muniment.test/agents/liu-shaoqi">Liu Shaoqi</a> <small>(2)</small>' in html
    for url in ("http://muniment.test/oai", "http://muniment.test/iiif/collection/top",
                "http://muniment.test/api/openapi.json", "http://muniment.test/sitemap.xml"):
        assert f'href="{url}"' in html
