"""HTTP helpers shared by the views: representations with validators, CORS, content negotiation."""
from __future__ import annotations

import hashlib
from datetime import timezone

from flask import Response, request

from metadata.storage import RecordState


def negotiate(offers: list[str], default: str) -> str:
    """The offered media type the client prefers; ``default`` when it states no preference we can meet."""
    if not request.accept_mimetypes or request.accept_mimetypes.provided is False:
        return default
    return request.accept_mimetypes.best_match(offers, default=default) or default


def representation(body: str | bytes, mimetype: str, etag: str, last_modified=None, *,
                   vary_accept: bool = False, cors: bool = True, max_age: int = 0) -> Response:
    """A cacheable response: strong ETag, Last-Modified, 304 on a matching conditional GET/HEAD."""
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith(("application/ld+json", "application/json", "application/n-quads")):
        response.charset = "utf-8"
    response.set_etag(etag.strip('"'))
    if last_modified is not None:
        response.last_modified = last_modified.replace(tzinfo=timezone.utc)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if vary_accept:
        response.vary.add("Accept")
    if cors:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def state_etag(state: RecordState, fmt: str) -> str:
    return f"{state.revision}-{state.content_hash[:16]}-{fmt}"


def digest(text: str | bytes) -> str:
    """A short stable fingerprint for ETags of computed responses (stable across processes, unlike hash())."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:20]
