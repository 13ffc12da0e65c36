"""IIIF Presentation 3.0 (manifests, canvases, annotation pages, collections) and the Image API 3.0
level 0 service of the reading pages.

Manifests are stored at write time and published under the configured base; canvases and annotation pages
are cut from the stored manifest so their ids dereference; page images are drawn on first request from the
stored layout and cached per revision. Every response allows any origin and answers CORS preflights
(``server/cors.py``, the rule for every public read).
"""
from __future__ import annotations

import json
import math
import os
import re
from datetime import timezone
from pathlib import Path

from flask import Blueprint, Response, redirect, request
from werkzeug.wsgi import wrap_file

from manifests import render, search
from manifests.fonts import FontSet
from manifests.layout import HEIGHT, WIDTH
from manifests.render import SIZES
from metadata.record import dates
from metadata.storage import RecordState

from .. import signposting, state
from ..arguments import page_argument
from ..http import LruCache, PreparedResponse, digest, negotiate, prepare, representation, send, state_etag
from ..outputs import fonts
from ..problems import Problem
from ..render_cache import RenderCache

blueprint = Blueprint("iiif", __name__)

PRESENTATION = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_INFO = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
COLLECTION_SIZE = 1000
SEARCH_TYPE = "application/ld+json"


def _json_type(profile_type: str) -> str:
    """The IIIF media type, or plain application/json when that is what the client asks for."""
    if "application/json" not in request.headers.get("Accept", ""):
        return profile_type
    chosen = negotiate(["application/ld+json", "application/json"], "application/ld+json")
    return "application/json" if chosen == "application/json" else profile_type


def _stored(identifier: str, fmt: str) -> tuple[RecordState, str]:
    found = state.store().serving.get_derived(identifier, fmt)
    _public_or_problem(identifier, found[0] if found else None)
    return found


def _public_or_problem(identifier: str, current: RecordState | None) -> RecordState:
    """A published record's state, or the right problem: 410 once published and deleted, else 404."""
    status = current.public if current is not None else None
    if status == "gone":
        raise Problem(410, f"Record {identifier} was deleted.", "Gone")
    if status is None:
        raise Problem(404, f"No published record {identifier}.", "Not Found")
    return current


def _json_response(document: bytes | str | dict, current: RecordState | None, tag: str,
                   profile: str = PRESENTATION):
    body = document if isinstance(document, (bytes, str)) else json.dumps(document, ensure_ascii=False)
    mimetype = _json_type(profile)
    etag = state_etag(current, tag) if current else f"{tag}-{digest(body)}"
    return representation(body, mimetype, etag, current.datestamp if current else None, vary_accept=True)


# ------------------------------------------------------------------------------- presentation
@blueprint.route("/iiif/<recid:identifier>/manifest", methods=["GET", "OPTIONS"])
def manifest(identifier: str):
    return send(_published_manifest(_current(identifier)), _json_type(PRESENTATION))


def _back_to_record(identifier: str) -> str:
    """The manifest and the reading PDF are Signposting content resources (``item`` of the record page):
    their ``collection`` link leads back to it."""
    return signposting.Link(state.urls().record(identifier), "collection", "text/html").header_value()


def _current(identifier: str) -> RecordState:
    """The published record's state (no data), or the right problem: 404 unknown or draft, 410 deleted."""
    return _public_or_problem(identifier, state.store().serving.state(identifier))


_PUBLISHED = LruCache(lambda: state.settings().response_cache_bytes)


def _published_manifest(current: RecordState) -> PreparedResponse:
    """The stored manifest under the configured base with its header lines, read, encoded and formatted once
    per revision and worker: the hot path of a viewer opening a document is then one small indexed read.
    The key holds everything the lines say (the datestamp too: publishing again stamps it, not the revision)."""
    base = state.urls().base
    cached = _PUBLISHED.find((current.id, current.content_hash, current.revision, current.datestamp, base))
    if cached is not None:
        return cached
    current, text = _stored(current.id, "manifest")  # reads state and content together
    key = (current.id, current.content_hash, current.revision, current.datestamp, base)
    return _PUBLISHED.put(key, prepare(state.urls().publish(text).encode("utf-8"), state_etag(current, "manifest"),
                                       current.datestamp, vary_accept=True, links=_back_to_record(current.id)))


def _manifest(identifier: str) -> tuple[RecordState, dict]:
    current, text = _stored(identifier, "manifest")
    return current, json.loads(state.urls().publish(text))


def _canvas(document: dict, n: int) -> dict:
    if not 1 <= n <= len(document["items"]):
        raise Problem(404, f"The manifest has no canvas {n}.", "Not Found")
    return document["items"][n - 1]


@blueprint.route("/iiif/<recid:identifier>/canvas/<int:n>", methods=["GET", "OPTIONS"])
def canvas(identifier: str, n: int):
    current, document = _manifest(identifier)
    return _json_response({"@context": PRESENTATION_CONTEXT, **_canvas(document, n)}, current, f"canvas-{n}")


@blueprint.route("/iiif/<recid:identifier>/annotations/<int:n>", methods=["GET", "OPTIONS"])
def annotations(identifier: str, n: int):
    current, document = _manifest(identifier)
    pages = _canvas(document, n).get("annotations")
    if not pages:
        raise Problem(404, f"Canvas {n} has no annotations.", "Not Found")
    return _json_response({"@context": PRESENTATION_CONTEXT, **pages[0]}, current, f"annotations-{n}")


@blueprint.route("/iiif/<recid:identifier>/annotations/<int:n>/a<int:k>", methods=["GET", "OPTIONS"])
def annotation(identifier: str, n: int, k: int):
    current, document = _manifest(identifier)
    pages = _canvas(document, n).get("annotations") or [{"items": []}]
    items = pages[0]["items"]
    if not 1 <= k <= len(items):
        raise Problem(404, f"Canvas {n} has no annotation {k}.", "Not Found")
    return _json_response({"@context": PRESENTATION_CONTEXT, **items[k - 1]}, current, f"annotation-{n}-{k}")


@blueprint.route("/iiif/<recid:identifier>/canvas/<int:n>/page", methods=["GET", "OPTIONS"])
def painting_page(identifier: str, n: int):
    current, document = _manifest(identifier)
    return _json_response({"@context": PRESENTATION_CONTEXT, **_canvas(document, n)["items"][0]}, current,
                          f"painting-page-{n}")


@blueprint.route("/iiif/<recid:identifier>/canvas/<int:n>/painting", methods=["GET", "OPTIONS"])
def painting(identifier: str, n: int):
    current, document = _manifest(identifier)
    annotation_ = _canvas(document, n)["items"][0]["items"][0]
    return _json_response({"@context": PRESENTATION_CONTEXT, **annotation_}, current, f"painting-{n}")


@blueprint.route("/iiif/<recid:identifier>/range/<key>", methods=["GET", "OPTIONS"])
def range_(identifier: str, key: str):
    current, document = _manifest(identifier)
    wanted = state.urls().range(identifier, key)
    found = next((r for r in document.get("structures") or [] if r["id"] == wanted), None)
    if found is None:
        raise Problem(404, f"The manifest has no range {key}.", "Not Found")
    return _json_response({"@context": PRESENTATION_CONTEXT, **found}, current, f"range-{key}")


@blueprint.route("/iiif/<recid:identifier>/reading.pdf", methods=["GET", "OPTIONS"])
def reading_pdf(identifier: str):
    """The reading pages as one PDF, built once per revision into the render cache page by page (a worker
    holds one page image at a time, whatever the record's length) and sent from the file."""
    current, text = _stored(identifier, "pages")
    if request.method == "OPTIONS":  # a CORS preflight: headers only, no PDF built for it
        return Response(status=204)

    def build(out):
        pages = [p for p in json.loads(text) if p]
        if not pages:
            raise Problem(404, f"Record {identifier} has no reading pages.", "Not Found")
        render.pdf(pages, _fonts(), out)

    handle = _render_cache().build(current.id, current.content_hash, "reading.pdf", build)
    size = os.fstat(handle.fileno()).st_size  # the open file: the cache may drop its name meanwhile
    response = Response(wrap_file(request.environ, handle), mimetype="application/pdf", direct_passthrough=True)
    response.content_length = size
    response.set_etag(state_etag(current, "pdf"))
    response.last_modified = current.datestamp.replace(tzinfo=timezone.utc)
    response.cache_control.public = True
    response.cache_control.max_age = 0
    response.headers["Content-Disposition"] = f'inline; filename="{identifier}.pdf"'
    response.headers["Link"] = _back_to_record(identifier)
    return response.make_conditional(request, accept_ranges=True, complete_length=size)


# ------------------------------------------------------------------------------- image API level 0
@blueprint.route("/iiif/image/<recid:identifier>/<int:n>", methods=["GET", "OPTIONS"])
def image_base(identifier: str, n: int):
    return redirect(f"{state.urls().image_service(identifier, n)}/info.json", 303)


@blueprint.route("/iiif/image/<recid:identifier>/<int:n>/info.json", methods=["GET", "OPTIONS"])
def image_info(identifier: str, n: int):
    current, _ = _page(identifier, n)
    info = {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": state.urls().image_service(identifier, n),
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": WIDTH,
        "height": HEIGHT,
        "sizes": [{"width": w, "height": h} for w, h in SIZES],
    }
    return _json_response(info, current, f"info-{n}", IMAGE_INFO)


@blueprint.route("/iiif/image/<recid:identifier>/<int:n>/<region>/<size>/<rotation>/<quality>.<fmt>",
                 methods=["GET", "OPTIONS"])
def image(identifier: str, n: int, region: str, size: str, rotation: str, quality: str, fmt: str):
    width, height = requested_image(region, size, rotation, quality, fmt)
    current, page = _page(identifier, n)
    data = _image(current, page, n, (width, height))
    return representation(data, "image/jpeg", state_etag(current, f"{n}-{width}x{height}"), current.datestamp,
                          max_age=86400)


# Image API 3.0 parameter syntax (section 4). A value that matches is a well-formed request; whether this
# level 0 service offers it is a second question, answered with 404 per the status table (section 7.3:
# "the value of one or more of the parameters is not supported for this image service"). 400 is kept for
# requests that are not Image API syntax at all, and for the two client errors sections 4.1 and 4.2 name:
# a region of zero width or height and an image under one pixel. ``color`` is served as ``default`` (the
# pages are drawn in colour, and section 4.4 says a request for ``color`` must not fail).
_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
REGION_SYNTAX = re.compile(rf"^(?:full|square|\d+,\d+,\d+,\d+|pct:{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER})$")
SIZE_SYNTAX = re.compile(rf"^\^?(?:max|\d+,|,\d+|!?\d+,\d+|pct:{_NUMBER})$")
ROTATION_SYNTAX = re.compile(rf"^!?{_NUMBER}$")
QUALITIES = {"color", "gray", "bitonal", "default"}
FORMAT_SYNTAX = re.compile(r"^[a-z0-9]+$")  # jpg, tif, png, gif, jp2, pdf, webp and any registered extension


def requested_image(region: str, size: str, rotation: str, quality: str, fmt: str) -> tuple[int, int]:
    """The (width, height) to draw for an Image API request, or the problem: 400 when a parameter is not
    Image API syntax, 404 when it is well formed but this service (region full, rotation 0, quality default,
    format jpg, sizes within the page) does not offer it."""
    malformed = [name for name, ok in [
        ("region", REGION_SYNTAX.match(region)), ("size", SIZE_SYNTAX.match(size)),
        ("rotation", ROTATION_SYNTAX.match(rotation) and float(rotation.lstrip("!")) <= 360),
        ("quality", quality in QUALITIES), ("format", FORMAT_SYNTAX.match(fmt))] if not ok]
    if malformed:
        values = {"region": region, "size": size, "rotation": rotation, "quality": quality, "format": fmt}
        raise Problem(400, "Not Image API 3.0 syntax: " + ", ".join(f"{name} '{values[name]}'" for name in malformed)
                      + ".", "Bad Request")
    if _empty_region(region):  # section 4.1: a region of zero width or height is a client error
        raise Problem(400, f"Region '{region}' has zero width or height.", "Bad Request")
    unsupported = [f"{name} '{value}'" for name, value, offered in [
        ("region", region, region == "full"),
        ("rotation", rotation, not rotation.startswith("!") and float(rotation) == 0),
        ("quality", quality, quality in ("default", "color")), ("format", fmt, fmt == "jpg")] if not offered]
    if unsupported:
        raise Problem(404, "This level 0 image service does not support " + ", ".join(unsupported)
                      + "; it serves region 'full', rotation 0, quality 'default', format jpg.", "Not Found")
    return requested_size(size)


def _empty_region(region: str) -> bool:
    if region in ("full", "square"):
        return False
    width, height = region.removeprefix("pct:").split(",")[2:]
    return float(width) == 0 or float(height) == 0


def requested_size(size: str) -> tuple[int, int]:
    """A well-formed Image API 3.0 size (max, w,h, w, ,h, !w,h, pct:n) as pixels within the page; 404 for
    one this service does not draw (upscaling: ``^``, or larger than the page), 400 for an empty image.

    The service declares level 0 and lists its sizes, which Mirador uses; Universal Viewer asks for
    thumbnails of its own width (``90,``) regardless, so any size no larger than the page is drawn."""
    if not SIZE_SYNTAX.match(size):
        raise Problem(400, f"'{size}' is not an Image API size.", "Bad Request")
    if size.startswith("^"):
        raise Problem(404, f"Size '{size}' asks for upscaling, which this service does not offer.", "Not Found")
    if size == "max":
        return WIDTH, HEIGHT
    if size.startswith("pct:"):
        scale = float(size[4:]) / 100
        width, height = round(WIDTH * scale), round(HEIGHT * scale)
    else:
        fit = size.startswith("!")
        width_text, height_text = size.lstrip("!").split(",")
        width = int(width_text) if width_text else None
        height = int(height_text) if height_text else None
        if fit:
            scale = min(width / WIDTH, height / HEIGHT, 1)  # "as large as possible", never upscaled
            width, height = round(WIDTH * scale), round(HEIGHT * scale)
        elif width is None:
            width = round(WIDTH * height / HEIGHT)
        elif height is None:
            height = round(HEIGHT * width / WIDTH)
    if width < 1 or height < 1:  # section 4.2: an image under one pixel is a client error
        raise Problem(400, f"Size '{size}' would make an image less than one pixel across.", "Bad Request")
    if width > WIDTH or height > HEIGHT:  # status table: "the requested size is greater than the limits"
        raise Problem(404, f"Size '{size}' is larger than the page ({WIDTH}x{HEIGHT}); this service does not "
                      "upscale.", "Not Found")
    return width, height


def _page(identifier: str, n: int) -> tuple[RecordState, dict]:
    current, text = _stored(identifier, "pages")
    pages = json.loads(text)
    if not 1 <= n <= len(pages) or pages[n - 1] is None:
        raise Problem(404, f"Record {identifier} has no reading page {n}.", "Not Found")
    return current, pages[n - 1]


def _fonts() -> FontSet:
    return fonts(state.settings())


def _image(current: RecordState, page: dict, n: int, size: tuple[int, int]) -> bytes:
    """The listed sizes are drawn once per revision and cached; any other size is scaled down in memory from
    the smallest listed size that covers it, so arbitrary ``w,h`` requests never add cache entries."""
    stored = next((s for s in SIZES if s[0] >= size[0] and s[1] >= size[1]), SIZES[-1])
    data = _cached(current, f"{n}-{stored[0]}x{stored[1]}.jpg", lambda: render.jpeg(page, _fonts(), stored))
    return data if stored == size else render.scaled(data, size)


def _render_cache() -> RenderCache:
    return RenderCache(Path(state.settings().data_dir) / "cache" / "iiif", state.settings().image_cache_bytes)


def _cached(current: RecordState, name: str, make) -> bytes:
    """Rendered bytes kept per record content hash (any server can redo them), within the cache's bound."""
    return _render_cache().get(current.id, current.content_hash, name, make)


# ------------------------------------------------------------------------------- collections
def _manifest_refs(rows) -> list[dict]:
    urls = state.urls()
    refs = []
    for r in rows:
        ref = {"id": urls.manifest(r.id), "type": "Manifest", "label": {"en": [r.title]}}
        nav_date = dates.nav_date(r.created) if r.created else None
        if nav_date:
            ref["navDate"] = nav_date
        refs.append(ref)
    return refs


def _collection(collection_id: str, label: str, items: list[dict], summary: str | None = None,
                part_of: str | None = None) -> dict:
    document = {"@context": PRESENTATION_CONTEXT, "id": collection_id, "type": "Collection",
                "label": {"en": [label]}}
    if summary:
        document["summary"] = {"en": [summary]}
    if part_of:
        document["partOf"] = [{"id": part_of, "type": "Collection"}]
    document["items"] = items
    document["provider"] = [{"id": state.settings().provider_homepage, "type": "Agent",
                             "label": {"en": [state.settings().provider_name]}}]
    return document


def _paged(collection_id_of, label: str, total: int, rows_for, part: int, part_of: str | None) -> dict:
    """A collection of manifests; past COLLECTION_SIZE it lists parts (``collection_id_of(1..n)``) instead."""
    parts = max(math.ceil(total / COLLECTION_SIZE), 1)
    if part > (parts if parts > 1 else 0):
        raise Problem(404, "No such part of the collection.", "Not Found")
    if parts == 1:
        return _collection(collection_id_of(0), label, _manifest_refs(rows_for(0)), part_of=part_of)
    if part == 0:
        items = [{"id": collection_id_of(p), "type": "Collection", "label": {"en": [f"{label}, part {p}"]}}
                 for p in range(1, parts + 1)]
        return _collection(collection_id_of(0), label, items, part_of=part_of)
    return _collection(collection_id_of(part), f"{label}, part {part}",
                       _manifest_refs(rows_for((part - 1) * COLLECTION_SIZE)), part_of=collection_id_of(0))


@blueprint.route("/iiif/collection/top", methods=["GET", "OPTIONS"])
def top():
    store, urls = state.store(), state.urls()
    total, rows = store.collections.published(limit=COLLECTION_SIZE)
    name = state.settings().repository_name
    sets = [{"id": urls.collection(s["spec"]), "type": "Collection", "label": {"en": [s["name"]]}}
            for s in store.sets.public() if s["parent"] is None]
    if total <= COLLECTION_SIZE:
        document = _collection(urls.collection("top"), name, sets + _manifest_refs(rows))
    else:
        decades = [{"id": urls.decade_collection(decade), "type": "Collection", "label": {"en": [f"{decade}s"]},
                    "summary": {"en": [f"{count} records"]}} for decade, count in store.collections.decades()]
        document = _collection(urls.collection("top"), name, decades + sets,
                               summary=f"{total} records, by decade and by set")
    return _json_response(document, None, "top")


@blueprint.route("/iiif/collection/top/<int:decade>s", defaults={"page": 0}, methods=["GET", "OPTIONS"])
@blueprint.route("/iiif/collection/top/<int:decade>s/<int:page>", methods=["GET", "OPTIONS"])
def decade_collection(decade: int, page: int):
    store, urls = state.store(), state.urls()
    lower, upper = f"{decade:04d}-01-01", f"{decade + 9:04d}-12-31"
    total, _ = store.collections.published(lower=lower, upper=upper, limit=0)
    if total == 0 or decade % 10:
        raise Problem(404, f"No records from the {decade}s.", "Not Found")
    document = _paged(lambda p: urls.decade_collection(str(decade), p), f"{decade}s", total,
                      lambda offset: store.collections.published(lower=lower, upper=upper, offset=offset,
                                                     limit=COLLECTION_SIZE)[1],
                      page, urls.collection("top"))
    return _json_response(document, None, f"decade-{decade}-{page}")


@blueprint.route("/iiif/collection/<spec>", defaults={"page": 0}, methods=["GET", "OPTIONS"])
@blueprint.route("/iiif/collection/<spec>/<int:page>", methods=["GET", "OPTIONS"])
def set_collection(spec: str, page: int):
    store, urls = state.store(), state.urls()
    sets = {s["spec"]: s for s in store.sets.public()}
    if spec not in sets:
        raise Problem(404, f"No set {spec}.", "Not Found")
    total, _ = store.collections.published(spec=spec, limit=0)
    parent = sets[spec]["parent"]
    document = _paged(lambda p: urls.collection(spec, p), sets[spec]["name"], total,
                      lambda offset: store.collections.published(spec=spec, offset=offset, limit=COLLECTION_SIZE)[1], page,
                      urls.collection(parent) if parent else urls.collection("top"))
    if page == 0:
        children = [{"id": urls.collection(s["spec"]), "type": "Collection", "label": {"en": [s["name"]]}}
                    for s in sets.values() if s["parent"] == spec]
        document["items"] = children + document["items"]
        if sets[spec]["description"]:
            document["summary"] = {"en": [sets[spec]["description"]]}
    return _json_response(document, None, f"set-{spec}-{page}")


# ------------------------------------------------------------------------------- content search 1.0 and 2.0
@blueprint.route("/iiif/<recid:identifier>/search/<int:version>", methods=["GET", "OPTIONS"])
def content_search(identifier: str, version: int):
    """Search inside one published document (drafts 404, deleted 410, as the manifest): the 1.0 shape for
    Mirador and Universal Viewer, 2.0 for Clover. Without ``q`` the answer is an empty result. Past
    ``search.PAGE_SIZE`` hits the answer is paged (``page``, from 1; 400 for a bad number, 404 past the last)."""
    current, texts = _search_texts(identifier, version)
    urls = state.urls()
    hits = search.find(texts, request.args.get("q", ""))
    params = list(request.args.items(multi=True))
    paging = search.Paging(len(hits), page_argument(),
                           lambda n: urls.search.results(identifier, version, params, n))
    if paging.page > paging.pages:
        raise Problem(404, f"This search has {paging.pages} page{'s' if paging.pages > 1 else ''} of results, "
                      f"not {paging.page}.", "Not Found")
    response_id = _request_id(urls.search.service(identifier, version))
    write = search.response1 if version == 1 else search.response2
    return _json_response(write(response_id, hits, search.ignored(request.args), paging), current,
                          f"search{version}-{digest(response_id)}", SEARCH_TYPE)


@blueprint.route("/iiif/<recid:identifier>/search/<int:version>/autocomplete", methods=["GET", "OPTIONS"])
def autocomplete(identifier: str, version: int):
    current, texts = _search_texts(identifier, version)
    urls = state.urls()
    terms = search.suggest(texts, request.args.get("q", ""))
    response_id = _request_id(urls.search.autocomplete(identifier, version))
    skipped = search.ignored(request.args)
    document = (search.terms1(response_id, urls.search.service(identifier, 1), terms, skipped) if version == 1
                else search.terms2(response_id, terms, skipped))
    return _json_response(document, current, f"autocomplete{version}-{digest(response_id)}", SEARCH_TYPE)


_SEARCHABLE = LruCache(lambda: state.settings().response_cache_bytes)


def _search_texts(identifier: str, version: int):
    """The published record's state and its canvases' searchable text, folded once per revision and worker
    (a viewer sends a request per keystroke to autocomplete), or the manifest's problem: 404 or 410."""
    if version not in (1, 2):
        raise Problem(404, f"Content Search {version} is not offered; versions 1 and 2 are.", "Not Found")
    current = _current(identifier)
    key = (current.id, current.content_hash, current.revision, state.urls().base)
    texts = _SEARCHABLE.find(key)
    if texts is None:
        current, document = _manifest(identifier)
        _, pages = _stored(identifier, "pages")
        texts = _SEARCHABLE.put(key, search.canvas_texts(document, json.loads(pages), _fonts()))
    if not texts:
        raise Problem(404, f"Record {identifier} has no text to search.", "Not Found")
    return current, texts


def _request_id(service: str) -> str:
    """The response's id: the service URL with the request's query (so each answer names what it answers)."""
    query = request.query_string.decode("utf-8", "replace")
    return f"{service}?{query}" if query else service
