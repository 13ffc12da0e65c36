"""Browser tests: Playwright driving Debian's Chromium. Missing pieces skip locally and fail in CI."""
from __future__ import annotations

import os
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
    """Skip when a browser-test dependency is missing, except in CI, where that is a failure."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if missing:
        message = f"browser test needs {', '.join(missing)} (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def chromium_path() -> str:
    return shutil.which("chromium") or CHROMIUM
