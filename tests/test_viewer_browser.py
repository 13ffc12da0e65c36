"""IIIF viewers from the npm registry, in Debian's Chromium, open the seed's manifest from a real Muniment
server on another origin (so CORS is exercised) and draw its first reading page: Mirador 4 with its
metadata panel filled, and Universal Viewer 4 with its thumbnails. Pixels are read from screenshots."""
from __future__ import annotations

import functools
import http.server
import io
import shutil

import pytest
from PIL import Image

from metadata.importers import archive_file
from server import create_app

from tests.conftest import upgrade
from tests.support.browser import MIRADOR, UV_DIST, chromium_path, inked, require, settled_shot
from tests.support.live import app_in_thread, free_port, serve_in_thread, stop_serving
from tests.support.paths import seed_file

pytestmark = pytest.mark.browser

MIRADOR_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Mirador</title></head>
<body style="margin:0"><div id="viewer" style="position:absolute;inset:0"></div>
<script src="mirador.min.js"></script>
<script>
Mirador.viewer({id: "viewer", windows: [{manifestId: "MANIFEST", sideBarOpen: true, panels: {info: true}}],
                window: {defaultSideBarPanel: "info"}});
</script></body></html>"""

UV_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>UV</title>
<link rel="stylesheet" href="uv.css"><script src="umd/UV.js"></script></head>
<body style="margin:0"><div id="uv" class="uv" style="width:1200px;height:850px"></div>
<script>UV.init("uv", {manifest: "MANIFEST", iiifManifestId: "MANIFEST"});</script></body></html>"""


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory):
    """One server per module: the viewers only read from it."""
    tmp_path = tmp_path_factory.mktemp("viewer")
    url = f"sqlite:///{tmp_path / 'viewer.db'}"
    with app_in_thread(create_app, tmp_path, DATABASE_URL=url, SECRET_KEY="x") as (base, app):
        upgrade(app.extensions["muniment"]["store"].engine)
        app.extensions["muniment"]["store"].records.save(archive_file.parse_file(seed_file()), "import")
        yield base


@pytest.fixture
def static_site(tmp_path):
    """Serves a folder on its own origin; yields (folder, base URL)."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    serve_in_thread(httpd)
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}/"
    stop_serving(httpd)


def _open(browser, url: str, ready: str, canvas: str, tmp_path, name: str):
    """Load ``url`` in a new page, wait for ``ready`` text and the ``canvas`` element, and return what the
    browser saw."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    images, failed = [], []
    page.on("response", lambda r: images.append((r.url, r.status)) if "/iiif/image/" in r.url else None)
    page.on("requestfailed", lambda r: failed.append(r.url) if "/iiif/" in r.url else None)
    page.goto(url)
    page.wait_for_selector(f"text={ready}", timeout=30000)
    page.wait_for_selector(canvas, timeout=30000)
    shot = settled_shot(page.locator(canvas).first, inked)  # OpenSeadragon has fetched and drawn the page
    page.screenshot(path=str(tmp_path / f"{name}.png"))
    shot = Image.open(io.BytesIO(shot)).convert("L")
    text = page.inner_text("body")
    page.context.close()
    histogram = shot.histogram()
    return {"images": images, "failed": failed, "text": text,
            "dark": sum(histogram[:90]), "light": sum(histogram[230:])}


def test_mirador_draws_the_first_reading_page(seeded_server, static_site, browser, tmp_path):
    require(MIRADOR, chromium_path())
    site, base = static_site
    shutil.copy(MIRADOR, site / "mirador.min.js")
    (site / "index.html").write_text(MIRADOR_PAGE.replace("MANIFEST", f"{seeded_server}iiif/113439/manifest"))
    seen = _open(browser, base + "index.html", "Cable, Liu Shaoqi to Mao Zedong", ".openseadragon-canvas", tmp_path,
                 "mirador")
    assert any(u.endswith("/info.json") and s == 200 for u, s in seen["images"]), seen["images"]
    assert any(u.endswith("/default.jpg") and s == 200 for u, s in seen["images"]), seen["images"]
    assert seen["light"] > 5000 and seen["dark"] > 200, seen  # paper with ink on it: the page is drawn
    for fact in ["David Wolff", "Mao Zedong", "Printed from an original revised and approved by Liu Shaoqi."]:
        assert fact in seen["text"], fact


def test_universal_viewer_draws_the_page_and_its_thumbnails(seeded_server, static_site, browser, tmp_path):
    require(UV_DIST / "umd" / "UV.js", chromium_path())
    site, base = static_site
    shutil.copytree(UV_DIST, site, dirs_exist_ok=True)
    (site / "viewer.html").write_text(UV_PAGE.replace("MANIFEST", f"{seeded_server}iiif/113439/manifest"))
    seen = _open(browser, base + "viewer.html", "Cable, Liu Shaoqi to Mao Zedong", ".openseadragon-canvas", tmp_path, "uv")
    assert not seen["failed"], seen["failed"]
    thumbnails = [u for u, s in seen["images"] if "/full/90," in u and s == 200]
    assert len(thumbnails) >= 5, seen["images"]
    assert seen["light"] > 5000 and seen["dark"] > 200, seen
    assert "Translated by David Wolff" in seen["text"]  # the citation (requiredStatement) panel
