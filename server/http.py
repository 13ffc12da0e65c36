"""HTTP helpers shared by the views: representations with validators, content negotiation, response caches."""
from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from flask import Response, request
from werkzeug.http import http_date

from metadata.storage import RecordState

from .negotiation import Offer, preferred


def negotiate(offers: list[str], default: str) -> str:
    """The offered media type the client prefers; ``default`` when it states no preference we can meet (views
    that answer 406 instead use ``negotiation.choose``)."""
    chosen = preferred([Offer(o) for o in offers]) if request.accept_mimetypes else None
    return chosen.media_type if chosen else default


def representation(body: str | bytes, mimetype: str, etag: str, last_modified=None, *,
                   vary_accept: bool = False, max_age: int = 0, links: str | None = None) -> Response:
    """A cacheable response: strong ETag, Last-Modified, 304 on a matching conditional GET/HEAD, and the
    ``Link`` header (Signposting) when given. CORS is one rule for the whole app (``cors.py``)."""
    return send(prepare(body, etag, last_modified, vary_accept=vary_accept, max_age=max_age, links=links), mimetype)


@dataclass(frozen=True)
class PreparedResponse:
    """A representation's body and its header lines (all but Content-Type, which follows the client's
    Accept), formatted once. A hot route caches it per revision, so a repeated read skips formatting the
    validators and links on every request."""
    body: str | bytes
    headers: tuple[tuple[str, str], ...]

    def __sizeof__(self) -> int:
        # What the cache holds: ``LruCache`` bounds its entries by ``sys.getsizeof``, so count the body.
        return object.__sizeof__(self) + sys.getsizeof(self.body) + sum(
            sys.getsizeof(name) + sys.getsizeof(value) for name, value in self.headers)


def prepare(body: str | bytes, etag: str, last_modified=None, *, vary_accept: bool = False, max_age: int = 0,
            links: str | None = None) -> PreparedResponse:
    """The body with the header lines ``representation`` sends: validators, caching, Vary, Signposting."""
    headers = [("ETag", f'"{etag.strip(chr(34))}"'), ("Cache-Control", f"public, max-age={max_age}")]
    if last_modified is not None:
        headers.append(("Last-Modified", http_date(last_modified.replace(tzinfo=timezone.utc))))
    if vary_accept:
        headers.append(("Vary", "Accept"))
    if links:
        headers.append(("Link", links))
    return PreparedResponse(body, tuple(headers))


def send(prepared: PreparedResponse, mimetype: str) -> Response:
    """The response for a prepared representation as ``mimetype``; 304 on a matching conditional GET/HEAD."""
    if mimetype.startswith(("application/ld+json", "application/json", "application/n-quads", "text/")):
        content_type = mimetype if ";" in mimetype else f"{mimetype}; charset=utf-8"
    else:
        content_type = mimetype
    response = Response(prepared.body, headers=[("Content-Type", content_type), *prepared.headers])
    environ = request.environ  # looked up directly: a missing header is a cheap miss here, an exception in Headers
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return response.make_conditional(request)
    return response


def packaged_file_modified(package: str, name: str) -> datetime | None:
    """When a file shipped inside a package last changed (an install or an update replaces it): the honest
    Last-Modified of a document served as that file holds it (the context, a schema). None if it has no file."""
    try:
        modified = Path(str(resources.files(package).joinpath(name))).stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(int(modified), timezone.utc).replace(tzinfo=None)


def script_json(document: dict) -> str:
    """JSON safe inside an HTML ``<script type="application/ld+json">`` data block: no ``</`` can close it."""
    text = json.dumps(document, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def state_etag(state: RecordState, fmt: str) -> str:
    return f"{state.revision}-{state.content_hash[:16]}-{fmt}"


def digest(text: str | bytes) -> str:
    """A short stable fingerprint for ETags of computed responses (stable across processes, unlike hash())."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:20]


class LruCache:
    """A per-process cache of computed responses, least recently used dropped first, keyed by what decides
    them (record id, content hash, base URL …), so a stale entry can never be served.

    Bounded by the bytes of its values, not by a count of entries: forty 5 MB manifests must not add 200 MiB to
    every worker. ``limit`` is a callable so the bound comes from the app's settings at the time of use (the
    caches are module-level, made before any app). A value larger than the whole bound is returned uncached.
    Workers run several threads, hence the lock."""

    def __init__(self, limit: Callable[[], int]):
        self.limit = limit
        self.entries: OrderedDict = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def find(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value):
        cost = sys.getsizeof(value)  # what the value holds in memory (a str's width per character counts)
        limit = self.limit()
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= sys.getsizeof(old)
            if cost > limit:
                return value
            self.entries[key] = value
            self.size += cost
            while self.size > limit:
                _, dropped = self.entries.popitem(last=False)
                self.size -= sys.getsizeof(dropped)
        return value

    def get(self, key, make):
        value = self.find(key)
        return self.put(key, make()) if value is None else value
