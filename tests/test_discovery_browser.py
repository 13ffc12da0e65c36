"""A researcher's whole path, in Debian's Chromium against a live server holding the seed and the
project's samples: search from the front page's search box for a word of the seed's translation, narrow the
results with a facet (the chip appears, the count drops), open the record, follow its "Open in Mirador" link,
and in Mirador 4.0.0 find a word with the viewer's own search panel, highlighted on the reading page. And Mirador
pages through a word with more hits than one Content Search answer holds.

The record page links to Mirador's public embed page (``https://projectmirador.org/embed/?iiif-content=...``);
the test has no Internet, so that one address is answered with a redirect to a local page that does what the
embed page does (Mirador 4 opening the manifest named by ``iiif-content``), from the npm package the other
browser tests use. The link's own URL, and so the manifest it names, is the record page's.
"""
from __future__ import annotations

import json
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from metadata.importers import files
from server import create_app
from tests.conftest import upgrade
from tests.support.browser import MIRADOR, chromium_path, find_in_mirador, require, tinted
from tests.support.live import app_in_thread
from tests.support.paths import REPO, seed_file
from tests.test_viewer_browser import static_site  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

SEED_TITLE = "Cable, Liu Shaoqi to Mao Zedong"
MIRADOR_EMBED = "https://projectmirador.org/embed/"
EMBED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Mirador</title></head>
<body style="margin:0"><div id="viewer" style="position:absolute;inset:0"></div>
<script src="mirador.min.js"></script>
<script>
Mirador.viewer({id: "viewer", windows: [{manifestId: new URLSearchParams(location.search).get("iiif-content")}]});
</script></body></html>"""


@pytest.fixture
def library_server(tmp_path):
    """The app over SQLite with the seed and every sample published."""
    url = f"sqlite:///{tmp_path / 'discovery.db'}"
    with app_in_thread(create_app, tmp_path, DATABASE_URL=url, SECRET_KEY="x") as (base, app):
        store = app.extensions["muniment"]["store"]
        upgrade(store.engine)
        for path in files.expand_paths([str(REPO / "samples"), str(seed_file())]):
            list(store.records.save_many(files.read_file(path), "test"))
        yield base


def _count(page) -> int:
    return int(page.inner_text("p.total").split()[0])


def test_search_narrow_open_and_find_inside_with_mirador(library_server, static_site, browser,  # noqa: F811
                                                         tmp_path):
    require(MIRADOR, chromium_path())

    site, site_base = static_site
    shutil.copy(MIRADOR, site / "mirador.min.js")
    (site / "embed.html").write_text(EMBED_PAGE)

    def embed(route):  # projectmirador.org/embed/?iiif-content=... -> the same page, served locally
        route.fulfill(status=302, headers={"Location": f"{site_base}embed.html?{urlsplit(route.request.url).query}"})

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route(MIRADOR_EMBED + "**", embed)
    searches = []
    page.on("response", lambda r: searches.append((r.url, r.status)) if "/search/1" in r.url else None)

    # 1. the front page's search box: a word of the seed's translation, found in several records
    page.goto(library_server)
    page.fill("#q", "translating")  # "Shi Zhe translating"; stems find "translation" elsewhere
    page.press("#q", "Enter")
    page.wait_for_selector("p.total")
    assert urlsplit(page.url).path == "/records" and parse_qs(urlsplit(page.url).query)["q"] == ["translating"]
    found = _count(page)
    assert found >= 2 and page.get_by_role("link", name=SEED_TITLE).count() == 1
    assert "<mark>" in page.inner_html("ol.results")  # snippets mark the word

    # 2. narrow with a facet: the records written in Chinese
    facet = page.locator("aside.facets section").filter(has=page.locator("h2", has_text="Original language"))
    facet.get_by_role("link", name="Chinese").click()
    page.wait_for_selector("ul.chips")
    chips = page.inner_text("ul.chips")
    narrowed = _count(page)
    assert "Original language: zh" in chips and "Words: translating" in chips  # the chip names the code
    assert 1 <= narrowed < found, (found, narrowed)
    assert facet.get_by_role("link", name="✓ Chinese").count() == 1  # shown as chosen

    # 3. open the record from the results
    page.get_by_role("link", name=SEED_TITLE).click()
    page.wait_for_selector("h1")
    assert urlsplit(page.url).path == "/records/113439"
    opener = page.get_by_role("link", name="Open in Mirador")
    href = opener.get_attribute("href")
    manifest = parse_qs(urlsplit(href).query)["iiif-content"][0]
    assert href.startswith(MIRADOR_EMBED) and manifest == f"{library_server}iiif/113439/manifest"
    assert json.loads(page.request.get(manifest).text())["type"] == "Manifest"

    # 4. follow it: Mirador 4 opens the manifest; its search panel finds a word, highlighted on the page
    opener.click()
    page.wait_for_selector(f"text={SEED_TITLE}", timeout=30000)
    page.wait_for_selector(".openseadragon-canvas canvas", timeout=30000)
    page.get_by_role("button", name="Toggle sidebar").click()
    page.get_by_role("tab", name="Search").click()
    before, after = find_in_mirador(page, "Kremlin")
    page.screenshot(path=str(tmp_path / "discovery-mirador.png"))
    panel = page.inner_text("body")
    assert any(url.startswith(f"{library_server}iiif/113439/search/1?") and status == 200
               for url, status in searches), searches
    assert "Politburo met in the" in panel, panel[-800:]  # the hit, with its context
    assert tinted(before) == 0, tinted(before)
    assert 300 < tinted(after) < 8000, tinted(after)  # one word's box on the page


def test_mirador_pages_through_a_long_result(library_server, static_site, browser):  # noqa: F811
    """A word with more hits than one answer holds (search.PAGE_SIZE): Mirador shows the first page and
    fetches the next through its "More results" button, following the 1.0 answer's ``next``."""
    require(MIRADOR, chromium_path())

    site, site_base = static_site
    shutil.copy(MIRADOR, site / "mirador.min.js")
    (site / "embed.html").write_text(EMBED_PAGE)
    manifest = f"{library_server}iiif/113439/manifest"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    searches = []
    page.on("response", lambda r: searches.append((r.url, r.status)) if "/search/1?" in r.url else None)
    page.goto(f"{site_base}embed.html?iiif-content={manifest}")
    page.wait_for_selector(f"text={SEED_TITLE}", timeout=30000)
    page.get_by_role("button", name="Toggle sidebar").click()
    page.get_by_role("tab", name="Search").click()
    box = page.get_by_label("search terms")
    box.fill("the")
    box.press("Enter")
    more = page.get_by_role("button", name="More results")
    more.wait_for(timeout=30000)
    assert "1 of 100+" in page.inner_text("body")  # the first page of hits, and more to come
    with page.expect_response(lambda r: r.url.endswith("page=2")):
        more.click()  # follows the answer's ``next``
    page.wait_for_selector("text=1 of 200+", timeout=30000)  # the second page joined the list
    assert [url.rsplit("?", 1)[1] for url, status in searches if status == 200] == ["q=the", "q=the&page=2"]
