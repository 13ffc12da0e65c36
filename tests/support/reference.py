"""The reference files the tests validate against, through a local cache filled from pinned sources.

A public clone has no ../shared, so the XSDs, the IIIF JSON Schema and the JSON-LD contexts cannot be read
from there alone. Each file is pinned in tests/reference-pins.toml, once per source (the shared copy and the
published file may differ in line endings or headers), and comes into the cache from the first source that
has it: the shared directory (../shared or MUNIMENT_SHARED_DIR), else its canonical URL when those bytes were
verified (url_sha256), else a mirror (MUNIMENT_REFERENCE_MIRROR, which replaces the scheme and host of the
canonical URL) whose bytes match one of the file's pins. Bytes that match no pin are refused, never cached,
and fail the test (ReferenceRefused). A file that no source can give (ReferenceUnavailable: no shared copy,
and it is shared only or its download failed) skips the test that needs it with a message naming the file,
the URL and MUNIMENT_SHARED_DIR, or fails it under MUNIMENT_REQUIRE_SHARED=1: the rule of paths.unavailable().
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from . import paths

TIMEOUT_SECONDS = 30


class ReferenceUnavailable(Exception):
    """No source could give the file: no shared copy, and no verified URL or its download failed (the message
    says which file, which URL and what to set). A test needing it skips, or fails where it is required."""


class ReferenceRefused(Exception):
    """A source gave bytes that match none of the file's pins: always a failure, never a skip."""


@dataclass(frozen=True)
class Pin:
    name: str  # path under the shared directory and under the cache
    url: str
    shared_sha256: str
    url_sha256: str | None = None  # None: the published bytes were never verified ("shared only")
    aliases: tuple[str, ...] = ()


def load_pins(path: Path = paths.PINS) -> dict[str, Pin]:
    with open(path, "rb") as f:
        tables = tomllib.load(f)
    return {name: Pin(name=name, url=t["url"], shared_sha256=t["shared_sha256"], url_sha256=t.get("url_sha256"),
                      aliases=tuple(t.get("aliases", ()))) for name, t in tables.items()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mirrored(url: str, mirror: str) -> str:
    """``url`` with its scheme and host replaced by the mirror's (a mirror path prefix is kept in front)."""
    source, base = urlsplit(url), urlsplit(mirror)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + source.path, source.query, ""))


class ReferenceCache:
    """Pinned files in ``cache_dir``, each checked against its pins whenever it is filled or first used."""

    def __init__(self, pins: dict[str, Pin], cache_dir: Path, shared_dir: Path, mirror: str | None = None):
        self.pins, self.cache_dir, self.shared_dir, self.mirror = pins, Path(cache_dir), Path(shared_dir), mirror
        self._checked: dict[str, Path] = {}
        self._unavailable: dict[str, ReferenceUnavailable] = {}  # asked once per run, not once per test
        self._unreachable: dict[str, str] = {}  # host -> why: one failed connection, not one timeout per file

    def path(self, name: str) -> Path:
        """The cached file ``name`` (a key of the pin file), filling the cache first if need be."""
        if name in self._checked:
            return self._checked[name]
        if name in self._unavailable:
            raise self._unavailable[name]
        pin = self.pins[name]
        target = self.cache_dir / name
        if not (target.is_file() and sha256(target.read_bytes()) in {pin.shared_sha256, pin.url_sha256}):
            try:
                self._store(target, self._fetch(pin))
            except ReferenceUnavailable as error:
                self._unavailable[name] = error
                raise
        self._checked[name] = target
        return target

    def names(self, prefix: str = "") -> list[str]:
        return [name for name in self.pins if name.startswith(prefix)]

    def _fetch(self, pin: Pin) -> bytes:
        shared = self.shared_dir / pin.name
        if shared.is_file():
            return self._checked_bytes(pin, shared.read_bytes(), pin.shared_sha256, f"the shared copy {shared}")
        if self.mirror:
            url = mirrored(pin.url, self.mirror)
            data = self._download(pin, url)
            accepted = {pin.url_sha256, pin.shared_sha256} - {None}
            if sha256(data) in accepted:
                return data
            raise self._mismatch(pin, f"the mirror copy {url}", " or ".join(sorted(accepted)), sha256(data))
        if pin.url_sha256 is None:
            raise ReferenceUnavailable(
                f"reference file {pin.name} ({pin.url}) is shared only: its published bytes were never verified, "
                f"so it is not downloaded, and {shared} does not exist. Put the shared material beside the "
                f"checkout (../shared), set MUNIMENT_SHARED_DIR to it, or set MUNIMENT_REFERENCE_MIRROR to a "
                f"server holding the shared copy at {urlsplit(pin.url).path}")
        return self._checked_bytes(pin, self._download(pin, pin.url), pin.url_sha256, pin.url)

    def _download(self, pin: Pin, url: str) -> bytes:
        host = urlsplit(url).netloc
        try:
            if host in self._unreachable:
                raise OSError(f"{host} was unreachable earlier in this run: {self._unreachable[host]}")
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
                return response.read()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            if not isinstance(error, urllib.error.HTTPError):  # an HTTP answer: the host is there
                self._unreachable.setdefault(host, str(error))
            raise ReferenceUnavailable(
                f"reference file {pin.name}: {self.shared_dir / pin.name} does not exist and downloading {url} "
                f"failed ({error}). Put the shared material beside the checkout (../shared), set "
                f"MUNIMENT_SHARED_DIR to it, or set MUNIMENT_REFERENCE_MIRROR to a server that has "
                f"{urlsplit(pin.url).path}") from error

    def _checked_bytes(self, pin: Pin, data: bytes, expected: str, source: str) -> bytes:
        actual = sha256(data)
        if actual != expected:
            raise self._mismatch(pin, source, expected, actual)
        return data

    @staticmethod
    def _mismatch(pin: Pin, source: str, expected: str, actual: str) -> ReferenceRefused:
        return ReferenceRefused(
            f"reference file {pin.name} ({pin.url}): refused {source}, its SHA-256 is {actual} but the pin in "
            f"tests/reference-pins.toml is {expected}")

    @staticmethod
    def _store(target: Path, data: bytes) -> None:
        """Write through a temporary file and rename, so a concurrent run never reads half a file."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, target)


@lru_cache(maxsize=1)
def files() -> ReferenceCache:
    """The cache the test suite uses, configured by the MUNIMENT_* test variables (see paths)."""
    return ReferenceCache(load_pins(), paths.REFERENCE_CACHE, paths.SHARED, paths.REFERENCE_MIRROR)


def path(name: str, cache: ReferenceCache | None = None) -> Path:
    """The cached file ``name`` for a test that needs it: if no source can give it, the test is skipped with
    the reason (naming the file, its URL and MUNIMENT_SHARED_DIR), or failed under MUNIMENT_REQUIRE_SHARED=1.
    Refused bytes (ReferenceRefused) propagate: a wrong file is an error wherever it comes from."""
    try:
        return (cache or files()).path(name)
    except ReferenceUnavailable as error:
        paths.unavailable(f"needs {error}")


def iiif_schema() -> dict:
    """The JSON Schema the official IIIF Presentation validator runs for 3.0."""
    return json.loads(path("iiif/iiif_3_0.json").read_bytes())


def jsonld_documents() -> dict[str, dict]:
    """Every pinned JSON-LD context by its URL, for an offline pyld document loader."""
    cache = files()
    return {cache.pins[name].url: json.loads(path(name).read_bytes()) for name in cache.names("jsonld/")}


def xml_schemas() -> dict[str, Path]:
    """Every pinned XSD by each URL that names it; all are cached side by side, so relative imports resolve."""
    cache = files()
    catalog = {}
    for name in cache.names("oai-pmh/"):
        for url in (cache.pins[name].url, *cache.pins[name].aliases):
            catalog[url] = path(name)
    return catalog
