"""The reference-file cache: shared copies and downloads are each checked against their own pin, bytes that
match no pin are refused with a message naming the file, the URL and both hashes, and a file no source can
give says which variables to set, skipping the test that needs it (failing it under MUNIMENT_REQUIRE_SHARED).
Downloads come from a real HTTP server on 127.0.0.1."""
from __future__ import annotations

from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import paths, reference
from tests.support.live import serve_in_thread, stop_serving
from tests.support.reference import Pin, ReferenceCache, ReferenceRefused, ReferenceUnavailable, sha256

PUBLISHED = b'<?xml version="1.0"?>\r\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>\r\n'
SHARED_COPY = b'<?xml version="1.0"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>\n'
NAME = "oai-pmh/demo.xsd"


class Server:
    """A static file server over ``root`` on 127.0.0.1 that remembers every path it was asked for."""

    def __init__(self, root: Path, port: int = 0):
        self.root, self.requests = root, []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> None:
        serve_in_thread(self.httpd)

    def stop(self) -> None:
        stop_serving(self.httpd)

    def publish(self, path: str, data: bytes) -> str:
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return self.base + path


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    running = Server(root)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def dirs(tmp_path):
    return tmp_path / "cache", tmp_path / "shared"


def _cache(dirs, pin: Pin, mirror: str | None = None) -> ReferenceCache:
    cache_dir, shared_dir = dirs
    return ReferenceCache({pin.name: pin}, cache_dir, shared_dir, mirror)


def _pin(url: str, published: bytes | None = PUBLISHED) -> Pin:
    return Pin(name=NAME, url=url, shared_sha256=sha256(SHARED_COPY),
               url_sha256=sha256(published) if published is not None else None)


def test_downloaded_bytes_are_checked_cached_and_then_used_without_the_network(server, dirs):
    pin = _pin(server.publish("/OAI/2.0/demo.xsd", PUBLISHED))
    path = _cache(dirs, pin).path(NAME)
    assert path == dirs[0] / NAME and path.read_bytes() == PUBLISHED
    assert server.requests == ["/OAI/2.0/demo.xsd"]
    (server.root / "OAI/2.0/demo.xsd").unlink()  # gone from the network: the next run uses the cache
    assert _cache(dirs, pin).path(NAME).read_bytes() == PUBLISHED
    assert server.requests == ["/OAI/2.0/demo.xsd"]


def test_downloaded_bytes_that_differ_from_the_pin_are_refused_and_not_cached(server, dirs):
    url = server.publish("/OAI/2.0/demo.xsd", PUBLISHED + b"<!-- tampered -->")
    with pytest.raises(ReferenceRefused) as refused:
        _cache(dirs, _pin(url)).path(NAME)
    message = str(refused.value)
    assert NAME in message and url in message
    assert sha256(PUBLISHED) in message and sha256(PUBLISHED + b"<!-- tampered -->") in message
    assert not (dirs[0] / NAME).exists()


def test_the_shared_copy_is_used_first_and_checked_against_its_own_pin(server, dirs):
    url = server.publish("/OAI/2.0/demo.xsd", PUBLISHED)
    (dirs[1] / "oai-pmh").mkdir(parents=True)
    (dirs[1] / NAME).write_bytes(SHARED_COPY)  # other line endings than the published file: its own pin
    assert _cache(dirs, _pin(url)).path(NAME).read_bytes() == SHARED_COPY
    assert server.requests == []
    (dirs[0] / NAME).unlink()
    (dirs[1] / NAME).write_bytes(PUBLISHED)  # the published bytes, but the shared copy's pin says otherwise
    with pytest.raises(ReferenceRefused) as refused:
        _cache(dirs, _pin(url)).path(NAME)
    assert str(dirs[1] / NAME) in str(refused.value) and sha256(SHARED_COPY) in str(refused.value)


def test_a_cached_file_that_matches_no_pin_is_filled_again(server, dirs):
    pin = _pin(server.publish("/OAI/2.0/demo.xsd", PUBLISHED))
    (dirs[0] / "oai-pmh").mkdir(parents=True)
    (dirs[0] / NAME).write_bytes(b"half a fi")
    assert _cache(dirs, pin).path(NAME).read_bytes() == PUBLISHED
    assert server.requests == ["/OAI/2.0/demo.xsd"]


def test_no_source_at_all_names_the_file_the_url_and_the_variable(server, dirs):
    url = server.base + "/OAI/2.0/absent.xsd"  # the server answers 404
    with pytest.raises(ReferenceUnavailable) as failed:
        _cache(dirs, _pin(url)).path(NAME)
    message = str(failed.value)
    assert NAME in message and url in message and "MUNIMENT_SHARED_DIR" in message and "404" in message
    server.stop()  # nothing listens any more: connection refused
    with pytest.raises(ReferenceUnavailable) as failed:
        _cache(dirs, _pin(url)).path(NAME)
    assert url in str(failed.value) and "MUNIMENT_SHARED_DIR" in str(failed.value)


def test_a_shared_only_file_is_never_downloaded_from_its_canonical_url(server, dirs):
    url = server.publish("/OAI/2.0/demo.xsd", SHARED_COPY)  # even where the bytes would match the shared pin
    with pytest.raises(ReferenceUnavailable) as failed:
        _cache(dirs, _pin(url, published=None)).path(NAME)
    message = str(failed.value)
    assert "shared only" in message and url in message and "MUNIMENT_SHARED_DIR" in message
    assert "MUNIMENT_REFERENCE_MIRROR" in message and server.requests == []


def test_a_mirror_stands_in_for_the_canonical_host_and_is_checked_like_it(server, dirs):
    canonical = "http://www.openarchives.org/OAI/2.0/demo.xsd"  # never contacted: the mirror replaces its host
    server.publish("/mirror/OAI/2.0/demo.xsd", PUBLISHED)
    assert _cache(dirs, _pin(canonical), server.base + "/mirror/").path(NAME).read_bytes() == PUBLISHED
    assert server.requests == ["/mirror/OAI/2.0/demo.xsd"]
    (dirs[0] / NAME).unlink()
    server.publish("/mirror/OAI/2.0/demo.xsd", SHARED_COPY)  # a shared-only file: the shared copy's bytes
    assert _cache(dirs, _pin(canonical, published=None), server.base + "/mirror").path(NAME).read_bytes() == SHARED_COPY
    (dirs[0] / NAME).unlink()
    server.publish("/mirror/OAI/2.0/demo.xsd", b"something else")
    with pytest.raises(ReferenceRefused) as refused:
        _cache(dirs, _pin(canonical), server.base + "/mirror").path(NAME)
    assert server.base + "/mirror/OAI/2.0/demo.xsd" in str(refused.value) and sha256(b"something else") in str(
        refused.value)


def test_the_pin_file_covers_every_schema_and_context_the_tests_name():
    pins = reference.load_pins()
    for pin in pins.values():
        assert len(pin.shared_sha256) == 64 and (pin.url_sha256 is None or len(pin.url_sha256) == 64), pin.name
    urls = [url for p in pins.values() for url in (p.url, *p.aliases)]
    assert len(urls) == len(set(urls))
    needed = {"http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
              "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
              "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
              "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd", "http://www.loc.gov/standards/xlink/xlink.xsd",
              "http://www.loc.gov/mods/xml.xsd", "http://www.w3.org/2001/03/xml.xsd",
              "http://dublincore.org/schemas/xmls/simpledc20021212.xsd",
              "http://dublincore.org/schemas/xmls/qdc/2008/02/11/dcterms.xsd",
              "http://dublincore.org/schemas/xmls/qdc/2008/02/11/qualifieddc.xsd",
              "http://iiif.io/api/presentation/3/context.json", "http://www.w3.org/ns/anno.jsonld"}
    assert needed <= set(urls)
    # dcterms.xsd imports dc.xsd and dcmitype.xsd by relative path: they must sit beside it in the cache
    assert {"oai-pmh/dc.xsd", "oai-pmh/dcmitype.xsd", "oai-pmh/dcterms.xsd"} <= set(pins)
    assert {urlsplit(p.url).scheme for p in pins.values()} <= {"http", "https"}


def test_a_file_no_source_gives_skips_the_test_naming_the_url_and_fails_it_when_required(server, dirs,
                                                                                       monkeypatch):
    """A verified pin whose download fails (here: nothing listens) and a shared-only file without a shared copy
    both skip a test that needs them, naming the file, the URL and MUNIMENT_SHARED_DIR; under
    MUNIMENT_REQUIRE_SHARED=1 (CI) the same test fails. Refused bytes fail it either way."""
    url = server.base + "/OAI/2.0/demo.xsd"
    server.stop()
    monkeypatch.setattr(paths, "REQUIRE_SHARED", False)
    for pin in (_pin(url), _pin(url, published=None)):
        with pytest.raises(pytest.skip.Exception) as skipped:
            reference.path(NAME, _cache(dirs, pin))
        assert NAME in str(skipped.value) and url in str(skipped.value)
        assert "MUNIMENT_SHARED_DIR" in str(skipped.value)
    monkeypatch.setattr(paths, "REQUIRE_SHARED", True)
    with pytest.raises(pytest.fail.Exception) as failed:
        reference.path(NAME, _cache(dirs, _pin(url)))
    message = str(failed.value)
    assert message.startswith("MUNIMENT_REQUIRE_SHARED=1") and url in message and "MUNIMENT_SHARED_DIR" in message
    (dirs[1] / "oai-pmh").mkdir(parents=True)
    (dirs[1] / NAME).write_bytes(b"not the shared copy")
    monkeypatch.setattr(paths, "REQUIRE_SHARED", False)
    with pytest.raises(ReferenceRefused):
        reference.path(NAME, _cache(dirs, _pin(url)))


def test_a_file_no_source_gave_is_not_asked_for_again_and_an_unreachable_host_is_tried_once(tmp_path, dirs):
    root = tmp_path / "www"
    root.mkdir()
    first = Server(root)
    first.start()
    pins = {name: Pin(name=name, url=f"{first.base}/OAI/2.0/{name}", shared_sha256=sha256(SHARED_COPY),
                      url_sha256=sha256(PUBLISHED)) for name in ("a.xsd", "b.xsd", "c.xsd")}
    cache = ReferenceCache(pins, *dirs)
    with pytest.raises(ReferenceUnavailable, match="404"):
        cache.path("a.xsd")
    first.publish("/OAI/2.0/a.xsd", PUBLISHED)  # there now, but this run already knows it could not have it
    with pytest.raises(ReferenceUnavailable, match="404"):
        cache.path("a.xsd")
    assert first.requests == ["/OAI/2.0/a.xsd"]
    port = first.httpd.server_address[1]
    first.stop()
    with pytest.raises(ReferenceUnavailable):
        cache.path("b.xsd")  # connection refused: the host is unreachable for the rest of the run
    second = Server(root, port)  # the host is back on the same address, but is not asked again
    second.start()
    try:
        second.publish("/OAI/2.0/c.xsd", PUBLISHED)
        with pytest.raises(ReferenceUnavailable, match="unreachable earlier in this run"):
            cache.path("c.xsd")
        assert second.requests == []
        assert ReferenceCache(pins, *dirs).path("c.xsd").read_bytes() == PUBLISHED  # a new run asks again
    finally:
        second.stop()


@pytest.mark.parametrize("name", sorted(reference.load_pins()))
def test_every_pinned_file_can_be_had(name):
    """Each file comes from the shared copy or its verified URL with pinned bytes; where neither can be had
    (a public clone without ../shared, offline) the test skips naming MUNIMENT_SHARED_DIR, failing in CI."""
    pin = reference.files().pins[name]
    assert sha256(reference.path(name).read_bytes()) in {pin.shared_sha256, pin.url_sha256}
