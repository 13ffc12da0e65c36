"""Mirador 4 (from the npm registry) in Debian's Chromium opens the seed's manifest from a real Muniment
server and draws its first reading page: the test waits for the level 0 image requests and reads the pixels."""
from __future__ import annotations

import functools
import io
import http.server
import threading

import pytest
from PIL import Image

from metadata import migrate, seed_format
from server import create_app

from tests.support.browser import CHROMIUM_ARGS, MIRADOR, chromium_path, require
from tests.support.live import free_port, muniment_server
from tests.support.paths import SEED

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Mirador</title></head>
<body style="margin:0"><div id="viewer" style="position:absolute;inset:0"></div>
<script src="mirador.min.js"></script>
<script>
Mirador.viewer({id: "viewer", windows: [{manifestId: "MANIFEST", sideBarOpen: true, panels: {info: true}}],
                window: {defaultSideBarPanel: "info"}});
</script></body></html>"""


@pytest.fixture
def seeded_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'viewer.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    migrate.upgrade(app.extensions["muniment"]["store"].engine)
    app.extensions["muniment"]["store"].save(seed_format.parse_file(SEED), "import")
    app.extensions["muniment"]["store"].engine.dispose()
    with muniment_server(url, tmp_path) as base:
        yield base


@pytest.fixture
def viewer_page(tmp_path, seeded_server):
    """A static page on another origin (so CORS is exercised) that loads Mirador with the seed's manifest."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "mirador.min.js").write_bytes(MIRADOR.read_bytes())
    (site / "index.html").write_text(PAGE.replace("MANIFEST", f"{seeded_server}iiif/113439/manifest"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


def test_mirador_draws_the_first_reading_page(viewer_page, tmp_path):
    require(MIRADOR, chromium_path())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        images = []
        page.on("response", lambda r: images.append((r.url, r.status)) if "/iiif/image/" in r.url else None)
        page.goto(viewer_page)
        page.wait_for_selector("text=Cable, Liu Shaoqi to Mao Zedong", timeout=30000)
        page.wait_for_function("document.querySelector('.openseadragon-canvas canvas') !== null", timeout=30000)
        page.wait_for_timeout(3000)  # let OpenSeadragon fetch and draw the tiles
        page.screenshot(path=str(tmp_path / "mirador.png"))
        shot = Image.open(io.BytesIO(page.locator(".openseadragon-canvas").first.screenshot())).convert("L")
        histogram = shot.histogram()
        drawn = {"dark": sum(histogram[:90]), "light": sum(histogram[230:]), "size": shot.size}
        metadata_panel = page.inner_text("body")
        browser.close()
    assert any(url.endswith("/info.json") and status == 200 for url, status in images), images
    assert any(url.endswith("/default.jpg") and status == 200 for url, status in images), images
    assert drawn["light"] > 5000 and drawn["dark"] > 200, drawn  # paper with ink on it: the page is drawn
    for fact in ["David Wolff", "Mao Zedong", "Printed from an original revised and approved by Liu Shaoqi."]:
        assert fact in metadata_panel, fact
