"""Public record pages: HTML, JSON-LD (compacted, expanded, flattened), N-Quads, Turtle and oai_dc for each
record, with FAIR Signposting links and link sets; the paged list; the context."""
from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.routing import BaseConverter

from metadata.record import date_words, describe, jsonld, languages, markdown, provenance, rdf_forms, rights
from metadata.formats import schema_org
from metadata.storage import RecordState
from metadata.record.text import first_text
from metadata.record import identifiers
from metadata.record.urls import STORED

from .. import search_request, signposting, state, timeline
from ..documents import linked_record, public_json, public_record, published
from ..http import LruCache, digest, negotiate, packaged_file_modified, representation, script_json, state_etag
from ..negotiation import Offer, choose
from ..problems import Problem

blueprint = Blueprint("records", __name__)

HTML = "text/html"
JSONLD = "application/ld+json"
NQUADS = "application/n-quads"
TURTLE = "text/turtle"
XML = "application/xml"

# Each representation of a record, by the name its ETag carries (so no two share a validator).
FORMS = {
    "html": Offer(HTML),
    "jsonld": Offer(JSONLD, rdf_forms.COMPACTED),
    "expanded": Offer(JSONLD, rdf_forms.EXPANDED),
    "flattened": Offer(JSONLD, rdf_forms.FLATTENED),
    "nquads": Offer(NQUADS),
    "turtle": Offer(TURTLE),
    "oai_dc": Offer(XML),
}
# The server's order of preference among equally acceptable forms: the page first (browsers send */*), then
# compacted JSON-LD (what a bare application/ld+json or application/json gets).
NEGOTIATED = [("html", FORMS["html"]), ("jsonld", FORMS["jsonld"]), ("expanded", FORMS["expanded"]),
              ("flattened", FORMS["flattened"]), ("jsonld", Offer("application/json")),
              ("nquads", FORMS["nquads"]), ("turtle", FORMS["turtle"]), ("oai_dc", FORMS["oai_dc"])]
SUFFIXES = {"jsonld": "jsonld", "nq": "nquads", "ttl": "turtle", "xml": "oai_dc"}
LINKSETS = [("linkset-json", Offer(signposting.LINKSET_JSON)), ("linkset-text", Offer(signposting.LINKSET_TEXT)),
            ("linkset-json", Offer("application/json"))]


class RecordIdConverter(BaseConverter):
    """Record identifiers (docs/architecture.md, "URLs"): no dots, so format suffixes are unambiguous."""
    regex = identifiers.pattern()


@blueprint.record_once
def _register_converter(setup_state):
    setup_state.app.url_map.converters["recid"] = RecordIdConverter


@blueprint.get("/ns/context.jsonld")
def context():
    text = jsonld.context_text()
    return representation(text, JSONLD, f"ctx-{digest(text)}",
                          packaged_file_modified("metadata.record", "context.jsonld"), max_age=3600)


def _public_state(identifier: str) -> RecordState:
    record = state.store().records.get(identifier)
    if record is None or record.public is None:
        raise Problem(404, f"No record {identifier}.", "Not Found")
    return record


def _gone(identifier: str, current: RecordState) -> Problem:
    return Problem(410, f"Record {identifier} was deleted on {current.datestamp:%Y-%m-%d}.", "Gone")


@blueprint.get("/records/<recid:identifier>")
def record(identifier: str):
    current = _public_state(identifier)
    chosen = choose([offer for _, offer in NEGOTIATED])
    return _render(identifier, current, next(name for name, offer in NEGOTIATED if offer == chosen), vary=True)


@blueprint.get("/records/<recid:identifier>.<any(jsonld, nq, ttl, xml):suffix>")
def record_suffix(identifier: str, suffix: str):
    return _render(identifier, _public_state(identifier), SUFFIXES[suffix], vary=False)


def _render(identifier: str, current: RecordState, form: str, vary: bool):
    if current.deleted:
        if form == "html":
            public = public_record(current.data)
            return render_template("tombstone.html", identifier=identifier, state=current, record=public,
                                   title=first_text(public["title"])), 410
        raise _gone(identifier, current)
    urls = state.urls()
    signposts = _signposts(current)
    if form == "html":
        public = public_record(current.data)
        page_url = urls.record(identifier)
        schema = schema_org.archive_component(public, page_url)
        body = render_template("record.html", record=public, view=RecordView(public), state=current,
                               title=first_text(public["title"]), manifest=urls.manifest(identifier),
                               page_url=page_url, schema_org=script_json(schema),
                               related=state.store().mentions.related(identifier),
                               description=first_text(public.get("abstract")) or schema["name"])
    elif form == "jsonld":
        body = public_json(current.data)
    elif form == "oai_dc":
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + urls.publish(_stored_output(identifier, "oai_dc"))
    else:
        body = urls.publish(_DERIVED.get((current.id, current.content_hash, form), lambda: _derive(current, form)))
    response = representation(body, FORMS[form].content_type, state_etag(current, form), current.datestamp,
                              vary_accept=vary, links=signposts.header(representation=form != "html"))
    suffix = next((k for k, v in SUFFIXES.items() if v == form), None)
    if vary and suffix:  # a negotiated form that has its own URL names it (RFC 9110 section 8.7)
        response.headers["Content-Location"] = urls.record_format(identifier, suffix)
    return response


def _derive(current: RecordState, form: str) -> str:
    """A form computed from the record, under the stored base (published on the way out, like stored outputs)."""
    if form == "nquads":
        return jsonld.nquads(current.data)
    if form == "turtle":
        return rdf_forms.turtle(_DERIVED.get((current.id, current.content_hash, "nquads"),
                                             lambda: _derive(current, "nquads")))
    shape = rdf_forms.expanded if form == "expanded" else rdf_forms.flattened
    return json.dumps(shape(linked_record(current.data), STORED), ensure_ascii=False, indent=2)


# N-Quads, Turtle and the expanded and flattened forms are asked for rarely and each costs a pyld run, so they
# are made on read and kept per content (under the stored base, so one entry serves every base URL).
_DERIVED = LruCache(lambda: state.settings().response_cache_bytes)


def _signposts(current: RecordState) -> signposting.Signposts:
    return signposting.signposts(public_record(current.data), state.urls(), state.settings())


@blueprint.get("/records/<recid:identifier>/linkset")
def linkset(identifier: str):
    """The record's Signposting links as an RFC 9264 link set: ``application/linkset+json`` (also for a client
    asking for JSON) or ``application/linkset`` (the Link header syntax), by negotiation."""
    current = _public_state(identifier)
    chosen = choose([offer for _, offer in LINKSETS])
    if current.deleted:
        raise _gone(identifier, current)
    form = next(name for name, offer in LINKSETS if offer == chosen)
    signposts = _signposts(current)
    if form == "linkset-text":
        body, mimetype = signposts.linkset_text(), signposting.LINKSET_TEXT
    else:
        body, mimetype = json.dumps(signposts.linkset_json(), ensure_ascii=False, indent=2), signposting.LINKSET_JSON
    return representation(body, mimetype, state_etag(current, form), current.datestamp, vary_accept=True)


def _stored_output(identifier: str, fmt: str) -> str:
    found = state.store().serving.get_derived(identifier, fmt)
    if found is None:
        abort(500, f"the stored {fmt} output of {identifier} is missing; run `muniment rebuild`")
    return found[1]


def _history_document(identifier: str, revisions: list) -> dict:
    """The PROV history, with account holders under their public IRI and display name (never the login)."""
    accounts = state.store().accounts.agents(r.author for r in revisions)
    return provenance.history(identifier, revisions, state.urls(), accounts)


@blueprint.get("/records/<recid:identifier>/history.jsonld")
def history(identifier: str):
    """The record's revisions as W3C PROV (JSON-LD), linked from the record as ``history``."""
    current = _public_state(identifier)
    body = json.dumps(_history_document(identifier, state.store().records.revisions(identifier)),
                      ensure_ascii=False, indent=2)
    # Display names can change without a new revision, so the ETag is of the document itself.
    return representation(body, JSONLD, digest(body), current.datestamp)


@blueprint.get("/users/<public_id>")
def user_agent(public_id: str):
    """A history author's public IRI: the display name only (kept after the account is deleted)."""
    well_formed = public_id.isascii() and public_id.isalnum() and len(public_id) <= 32
    name = state.store().accounts.display_name(public_id) if well_formed else None
    if name is None:
        raise Problem(404, "No such author.", "Not Found")
    body = json.dumps(provenance.agent(public_id, name, state.urls()), ensure_ascii=False, indent=2)
    return representation(body, JSONLD, digest(body))


@blueprint.get("/records/<recid:identifier>/<recid:key>")
def version(identifier: str, key: str):
    """One language version (a translation or transcription): its language, translator, text, link back."""
    current = _public_state(identifier)
    if current.deleted:
        raise _gone(identifier, current)
    node = next((v for v in current.data.get("hasVersion") or [] if v["id"] == STORED.version(identifier, key)),
                None)
    if node is None:
        raise Problem(404, f"Record {identifier} has no version {key}.", "Not Found")
    chosen = negotiate([HTML, JSONLD, "application/json"], HTML)
    if chosen != HTML:  # the node as the record's linked document has it: its text tagged with its language
        node = next(v for v in linked_record(current.data)["hasVersion"] if v["id"] == node["id"])
        body = json.dumps({"@context": state.urls().context(), **published(node)}, ensure_ascii=False, indent=2)
        response = representation(body, JSONLD, state_etag(current, f"version-{key}"), current.datestamp,
                                  vary_accept=True)
        response.headers["Link"] = signposting.Link(state.urls().record(identifier), "describes",
                                                     "text/html").header_value()
        return response
    public = public_record(current.data)
    view = RecordView(public)
    shown = next(v for v in view.versions() if v["key"] == key)
    body = render_template("version.html", record=public, version=shown, title=shown["title"] or
                           f"{first_text(public['title'])} ({shown['label']})")
    return representation(body, HTML, state_etag(current, f"version-{key}-html"), current.datestamp,
                          vary_accept=True)


@blueprint.get("/records/<recid:identifier>/revisions/<int(max=2147483647):number>")
def revision(identifier: str, number: int):
    """One revision of the record as a W3C PROV entity (the same node the history lists)."""
    current = _public_state(identifier)
    revisions = state.store().records.revisions(identifier)
    if not 1 <= number <= len(revisions):
        raise Problem(404, f"Record {identifier} has no revision {number}.", "Not Found")
    document = _history_document(identifier, revisions)
    wanted = state.urls().revision(identifier, number)
    graph = [n for n in document["@graph"] if n["id"] in (wanted, f"{wanted}#activity")]
    body = json.dumps({"@context": document["@context"], "@graph": graph}, ensure_ascii=False, indent=2)
    return representation(body, JSONLD, state_etag(current, f"revision-{number}"), current.datestamp)


@blueprint.get("/records/<recid:identifier>/<recid:key>.txt")
def version_text(identifier: str, key: str):
    """The plain text of one language version (the manifest's `rendering`): a Markdown text without its
    Markdown syntax, as the ``text/plain`` type promises. A Signposting content resource: its ``collection``
    link leads back to the record page."""
    current = _public_state(identifier)
    if current.deleted:
        raise _gone(identifier, current)
    for version in current.data.get("hasVersion") or []:
        if version["id"] == STORED.version(identifier, key):
            text = version["text"]
            if describe.is_markdown(version):
                text = markdown.to_plain_text(text)
            home = signposting.Link(state.urls().record(identifier), "collection", HTML)
            return representation(text, "text/plain", state_etag(current, f"plain-{key}"),
                                  current.datestamp, links=home.header_value())
    raise Problem(404, f"Record {identifier} has no version {key}.", "Not Found")


@blueprint.get("/")
def home():
    """The front page: what this archive is, a search box, its collections, a timeline of its records, the
    people, places and subjects it mentions most, and where machines should look."""
    if request.args:  # a search typed into an address bar (/?q=...) is a search
        return redirect(url_for("records.record_list", **request.args.to_dict(flat=False)), 302)
    store, urls, settings = state.store(), state.urls(), state.settings()
    total, _ = store.collections.published(limit=0)
    names = {urls.set(s["spec"]): s["name"] for s in store.sets.all()}
    collections = [(urls.publish(key), names.get(urls.publish(key), label), count)
                   for key, label, count in store.mentions.most_frequent("set", limit=50)]
    frequent = {kind: [(urls.publish(key), label, count) for key, label, count in
                       store.mentions.most_frequent(kind, limit=10)] for kind in ("agent", "place", "subject")}
    body = render_template("home.html", title=settings.repository_name, total=total, collections=collections,
                           frequent=frequent, bars=timeline.bars(store.collections.years()),
                           chart=timeline, description=markdown.to_html(settings.repository_description),
                           machines=[("OAI-PMH base URL", urls.oai()),
                                     ("IIIF top collection", urls.collection("top")),
                                     ("Editing API (OpenAPI)", urls.api_description()),
                                     ("Sitemap", urls.sitemap())])
    return representation(body, HTML, f"home-{digest(body)}")


@blueprint.get("/records")
def record_list():
    """The public search: every published record, narrowed by words and facets; HTML or the same as JSON."""
    query, filters, sort, page = search_request.read_arguments()
    results = state.store().search.search(query, filters, sort=sort, page=page, per_page=search_request.PER_PAGE)
    listing = search_request.present(query, filters, sort, page, results)
    chosen = negotiate([HTML, "application/json"], HTML)
    if chosen == "application/json":
        text = json.dumps(listing, ensure_ascii=False)
        return representation(text, "application/json", f"list-{digest(text)}", results.changed, vary_accept=True)
    body = render_template("records.html", listing=listing, sorts=SORT_LABELS, title="Search" if query else "Records")
    return representation(body, HTML, f"list-html-{digest(body)}", results.changed, vary_accept=True)


SORT_LABELS = {"relevance": "Relevance", "date": "Date, oldest first", "-date": "Date, newest first",
               "title": "Title"}


class RecordView:
    """What the record page shows, in reading order, computed from the published record."""

    def __init__(self, record: dict):
        self.record = record
        self.creators = describe.creators(record)
        self.addressees = describe.addressees(record)
        self.translators = describe.translators(record)
        self.original_languages = [languages.english_name(c) for c in describe.original_languages(record)]
        self.date = date_words.words(record["created"])  # people read words; the EDTF rides along for machines
        self.rights_label = rights.label_for(record["rights"]) if record.get("rights") else None
        self.extent = describe.extent(record)

    def versions(self):
        for version in self.record.get("hasVersion") or []:
            codes = [languages.iri_code(c) for c in version["language"]]
            yield {
                "node": version,
                "key": version["id"].rsplit("/", 1)[-1],
                "lang": codes[0],
                "label": version.get("versionLabel") or ", ".join(languages.english_name(c) for c in codes),
                "title": first_text(version.get("title")),
                "translators": [p for p in describe.translators({"hasVersion": [version]})],
                "html": markdown.to_html(version["text"]) if describe.is_markdown(version) else None,
            }

    @staticmethod
    def text(language_map) -> str:
        return first_text(language_map)
