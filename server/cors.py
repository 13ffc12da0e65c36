"""One CORS rule for every public read: any origin may GET what anyone may GET.

Records, their representations and link sets, tombstones, entity and set pages, contexts and schemas, OAI-PMH,
IIIF, the sitemap and the API's description are public reads, so a script on any site may fetch them (viewers,
linked-data browsers, harvesters running in a page) and read the validators and Signposting links
(``Link``, ``ETag``, ``Last-Modified`` are exposed). The editor, login and the API proper (which acts for an
account) never carry CORS headers, so a page elsewhere cannot read or drive them with a user's credentials.
The rule goes by blueprint, so a public route added later is covered without a line of its own, and error
responses of those routes (404, 406, 410) get the headers too: a script must be able to read a tombstone.
"""
from __future__ import annotations

from flask import Response, request

PUBLIC_BLUEPRINTS = frozenset({"records", "entities", "oai", "iiif", "crawlers", "health"})
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})  # the API's description is public; its operations are not
EXPOSED = "Link, ETag, Last-Modified"
PREFLIGHT_HEADERS = "Accept, If-None-Match, If-Modified-Since"


PRIVATE_PREFIXES = ("/edit", "/login", "/logout", "/api/")  # where no route matched, these stay without CORS


def is_public() -> bool:
    endpoint = request.endpoint
    if endpoint is None:  # no route matched (a 404 for /records/1.json, say): as public as its neighbours
        return request.method in ("GET", "HEAD", "OPTIONS") and not request.path.startswith(PRIVATE_PREFIXES)
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", 1)[0] in PUBLIC_BLUEPRINTS


def allow_public_reads(response: Response) -> Response:
    """Add CORS headers to a public route's response; answer its preflight (OPTIONS) in full."""
    if not is_public():
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        # Flask answers OPTIONS itself with the route's methods in Allow; the preflight names the same.
        response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow") or "GET, HEAD, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers")
        response.headers["Access-Control-Allow-Headers"] = asked or PREFLIGHT_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
