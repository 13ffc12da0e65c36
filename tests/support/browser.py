"""Browser tests: Playwright driving Debian's Chromium. A missing piece is a failure, never a skip:
`make test` installs Chromium, the viewers and Playwright, so a browser test that cannot run is a set-up fault."""
from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest

from .paths import REPO

CHROMIUM = "/usr/bin/chromium"
VIEWERS = REPO / "tests" / "browser" / "vendor"
MIRADOR = VIEWERS / "mirador" / "package" / "dist" / "mirador.min.js"
UV_DIST = VIEWERS / "universalviewer" / "package" / "dist"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require(*paths: Path) -> None:
    """Fail, naming what is missing, when a browser-test dependency is absent."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if missing:
        pytest.fail(f"browser test needs {', '.join(missing)} (make test installs them)")


def chromium_path() -> str:
    return shutil.which("chromium") or CHROMIUM


def log_in(browser, base: str, name: str, password: str, javascript: bool = True, start: str = "edit"):
    """A new browser context logged in to the editor through its own form (``start`` is the page first asked
    for: /edit redirects to the form, /login is the form); returns the page, on /edit."""
    page = browser.new_context(java_script_enabled=javascript).new_page()
    page.goto(base + start)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/edit")
    return page


def inked(shot: bytes) -> bool:
    """Whether a screenshot of a viewer's canvas shows a drawn reading page: paper with ink on it."""
    from PIL import Image

    histogram = Image.open(io.BytesIO(shot)).convert("L").histogram()
    return sum(histogram[230:]) > 5000 and sum(histogram[:90]) > 200


def tinted(shot: bytes) -> int:
    """Pixels of Mirador 4's search highlight (a translucent yellow over the cream page): red and green well
    above blue. Neither the page (paper, rgb 253,251,245, and black ink) nor the grey background has any."""
    from PIL import Image

    image = Image.open(io.BytesIO(shot)).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r - b > 40 and g - b > 40)


def settled_shot(locator, ready, timeout: float = 30.0, interval: float = 0.3) -> bytes:
    """A screenshot of ``locator`` once ``ready(shot)`` holds and the picture has stopped changing: three shots
    ``interval`` apart alike. A viewer draws in steps (tiles fetched, faded in, a pan animated), so a fixed wait
    is either too short on a busy machine or seconds wasted on an idle one; a page still blank between two
    steps is told by ``ready``."""
    deadline = time.monotonic() + timeout
    shots: list[bytes] = []
    while True:
        shots = [*shots[-2:], locator.screenshot()]
        if len(shots) == 3 and len(set(shots)) == 1 and ready(shots[-1]):
            return shots[-1]
        if time.monotonic() > deadline:
            pytest.fail(f"the viewer's picture did not settle in {timeout:.0f} s (ready: {ready(shots[-1])})")
        locator.page.wait_for_timeout(interval * 1000)


def find_in_mirador(page, word: str) -> tuple[bytes, bytes]:
    """Search ``word`` in Mirador 4's open search panel; returns screenshots of the page canvas before and after
    (the highlight is told by comparing them) once the panel lists a hit for the word."""
    page.wait_for_selector(".openseadragon-canvas canvas", timeout=30000)
    canvas = page.locator(".openseadragon-canvas").first
    before = settled_shot(canvas, inked)  # OpenSeadragon has fetched and drawn the page
    box = page.get_by_label("search terms")
    box.fill(word)
    box.press("Enter")
    page.wait_for_selector(f"li:has-text('{word}')", timeout=30000)  # the panel lists the hit
    return before, settled_shot(canvas, lambda shot: tinted(shot) > 0)  # Mirador has panned and drawn the box
