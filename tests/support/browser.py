"""Browser tests: Playwright driving Debian's Chromium. A missing piece is a failure, never a skip:
`make test` installs Chromium, the viewers and Playwright, so a browser test that cannot run is a set-up fault."""
from __future__ import annotations

import shutil
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
