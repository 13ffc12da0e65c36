"""Where the tests find what is not in the repository, and the test-only MUNIMENT_* variables that say so.

The archive's seed document and the shared sample live in the shared directory (../shared beside the
checkout, or MUNIMENT_SHARED_DIR). A public clone has no such directory: tests that need those files ask for
them through ``seed_file()`` / ``sample_file()``, which skip the test with a reason naming MUNIMENT_SHARED_DIR,
unless MUNIMENT_REQUIRE_SHARED=1 (CI), where a missing file fails the test instead: CI always runs them.
Reference files (XSDs, the IIIF schema, JSON-LD contexts) go through tests/support/reference.py instead,
which applies the same rule (``unavailable()``) to a file that neither the shared directory nor a verified
download can give.
"""
import os
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MUNIMENT_SHARED_DIR") or REPO.parent / "shared")
SEED = SHARED / "seeds" / "000_89ac76005ad71270.txt"
SAMPLE = SHARED / "samples" / "sample-transcript-and-translation.txt"

REQUIRE_SHARED = os.environ.get("MUNIMENT_REQUIRE_SHARED") == "1"
REFERENCE_CACHE = Path(os.environ.get("MUNIMENT_REFERENCE_CACHE")
                       or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "muniment-test-reference")
REFERENCE_MIRROR = os.environ.get("MUNIMENT_REFERENCE_MIRROR") or None
PINS = REPO / "tests" / "reference-pins.toml"


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test for ``reason`` (what it needs and where to get it, naming MUNIMENT_SHARED_DIR);
    under MUNIMENT_REQUIRE_SHARED=1 fail it instead, so CI never skips it silently. The one rule for every
    test that needs something from outside the repository."""
    if REQUIRE_SHARED:
        pytest.fail(f"MUNIMENT_REQUIRE_SHARED=1 and this test {reason}", pytrace=False)
    pytest.skip(reason)


def shared_file(path: Path) -> Path:
    """``path`` if the shared directory has it; otherwise skip the calling test (fail it when required)."""
    if path.is_file():
        return path
    unavailable(f"needs {path.name} from the shared directory, not found at {path}: put the shared material "
                f"beside the checkout (../shared) or set MUNIMENT_SHARED_DIR to it")


def seed_file() -> Path:
    """The archive's seed document (a cable), whose content many tests assert."""
    return shared_file(SEED)


def sample_file() -> Path:
    """The shared sample: a transcript and its translation with page markers."""
    return shared_file(SAMPLE)
