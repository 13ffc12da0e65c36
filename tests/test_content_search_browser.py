"""Mirador 4.0.0 (from the npm registry) in Debian's Chromium finds a word inside the seed document with its
own search panel, against a live server on another origin: the panel lists the hit with its
context, and the hit's box is highlighted on the page (read from screenshots of the viewer's canvas)."""
from __future__ import annotations

import shutil

import pytest

from tests.support.browser import MIRADOR, chromium_path, find_in_mirador, require, tinted
from tests.test_viewer_browser import seeded_server, static_site  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

MIRADOR_SEARCH_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Mirador</title></head>
<body style="margin:0"><div id="viewer" style="position:absolute;inset:0"></div>
<script src="mirador.min.js"></script>
<script>
Mirador.viewer({id: "viewer", windows: [{manifestId: "MANIFEST"}],
                window: {sideBarOpen: true, defaultSideBarPanel: "search", panels: {search: true}}});
</script></body></html>"""


def test_mirador_finds_a_word_with_its_search_panel(seeded_server, static_site, browser, tmp_path):  # noqa: F811
    require(MIRADOR, chromium_path())
    site, base = static_site
    shutil.copy(MIRADOR, site / "mirador.min.js")
    (site / "index.html").write_text(MIRADOR_SEARCH_PAGE.replace("MANIFEST", f"{seeded_server}iiif/113439/manifest"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    searches = []
    page.on("response", lambda r: searches.append((r.url, r.status)) if "/search/1" in r.url else None)
    page.goto(base + "index.html")
    page.wait_for_selector("text=Cable, Liu Shaoqi to Mao Zedong", timeout=30000)
    before, after = find_in_mirador(page, "Kremlin")
    page.screenshot(path=str(tmp_path / "mirador-search.png"))
    panel = page.inner_text("body")
    assert any(url.split("?")[0].endswith("/iiif/113439/search/1") and status == 200
               for url, status in searches), searches
    assert "1 of 1" in panel and "Politburo met in the" in panel, panel[-800:]  # the hit, with its context
    assert tinted(before) == 0, tinted(before)
    # one word's box: more than a sliver, less than a line (a line box would be ~850 x 38 pixels)
    assert 300 < tinted(after) < 8000, tinted(after)
