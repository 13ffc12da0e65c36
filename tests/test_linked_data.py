"""HTTP for linked data (issue 12, item 4): JSON-LD profiles, Turtle and 406 by content negotiation with
q-values; FAIR Signposting links parsed and followed from the record page to every representation and back;
RFC 9264 link sets; one CORS rule for every public read; Last-Modified, 304 and an ETag per representation."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

import jsonschema
import pytest
from pyld import jsonld as pyld
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from werkzeug.http import parse_list_header, parse_options_header

from metadata.formats import FORMATS
from metadata.importers import archive_file, files
from metadata.record import jsonld
from metadata.record.urls import UrlBuilder
from server import signposting

from tests.conftest import BACKENDS, BASE_URL, make_app, module_app
from tests.support.clock import ManualClock
from tests.support.paths import REPO, seed_file

EXPANDED = "http://www.w3.org/ns/json-ld#expanded"
COMPACTED = "http://www.w3.org/ns/json-ld#compacted"
FLATTENED = "http://www.w3.org/ns/json-ld#flattened"
PAGE = f"{BASE_URL}records/113439"
LOADER = jsonld.loader_for(UrlBuilder(BASE_URL))


def _load(store):
    """The project's samples and the seed: records with and without rights, texts, sets and translations."""
    for path in files.expand_paths([REPO / "samples"]):
        for record in files.read_file(path):
            store.records.save(record, "import")
    store.records.save(archive_file.parse_file(seed_file()), "import")
    return [r.id for r in store.records.iter_records()]


@pytest.fixture(scope="module", params=BACKENDS)
def library(request, tmp_path_factory):
    """One app per backend over the loaded records, for the tests here that only read."""
    tmp = tmp_path_factory.mktemp("linked")
    with module_app(request.param, tmp) as app:
        _load(app.extensions["muniment"]["store"])
        yield app


@pytest.fixture
def reader(library):
    return library.test_client()


def _local(url: str) -> str:
    """The path and query a test client requests for an absolute URL of ours."""
    assert url.startswith(BASE_URL), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parse_links(value: str) -> list[dict]:
    """Link header (or application/linkset) syntax read with werkzeug's header parsers: link-values split at
    commas outside quoted strings, each target in <...> with its parameters (quoted strings unquoted)."""
    links = []
    for item in parse_list_header(value):
        target, params = parse_options_header(item)
        links.append({"url": target.strip().removeprefix("<").removesuffix(">"), **params})
    return links


def _links(response) -> list[dict]:
    return parse_links(response.headers["Link"])


def _graph_of_jsonld(document) -> Graph:
    """The RDF graph a JSON-LD document means, as pyld reads it (offline) and rdflib holds it."""
    return _graph_of_nquads(pyld.to_rdf(document, {"documentLoader": LOADER, "format": "application/n-quads"}))


def _graph_of_nquads(text: str) -> Graph:
    dataset = Dataset()
    dataset.parse(data=text, format="nquads")
    graph = Graph()
    for s, p, o, _ in dataset.quads():
        graph.add((s, p, o))
    return graph


# ------------------------------------------------------------------------------------------ negotiation
def _profile_accept(profile: str) -> str:
    return f'application/ld+json; profile="{profile}"'


def test_each_json_ld_profile_gives_its_form_of_the_same_graph(reader, library):
    identifiers = [r.id for r in library.extensions["muniment"]["store"].records.iter_records()]
    assert {"113439", "album-194x", "memo-1962-reading-room"} <= set(identifiers)
    for identifier in identifiers:
        compacted = reader.get(f"/records/{identifier}", headers={"Accept": _profile_accept(COMPACTED)})
        assert compacted.status_code == 200 and compacted.mimetype == "application/ld+json"
        assert f'profile="{COMPACTED}"' in compacted.headers["Content-Type"]
        assert compacted.data == reader.get(f"/records/{identifier}.jsonld").data  # what .jsonld serves
        graph = _graph_of_jsonld(json.loads(compacted.data))
        assert len(graph) > 10

        expanded = reader.get(f"/records/{identifier}", headers={"Accept": _profile_accept(EXPANDED)})
        assert expanded.status_code == 200 and f'profile="{EXPANDED}"' in expanded.headers["Content-Type"]
        document = json.loads(expanded.data)
        assert isinstance(document, list) and "@context" not in json.dumps(document)
        assert pyld.expand(document, {"documentLoader": LOADER}) == document  # expanded form is a fixed point
        assert isomorphic(_graph_of_jsonld(document), graph)

        flattened = reader.get(f"/records/{identifier}", headers={"Accept": _profile_accept(FLATTENED)})
        assert flattened.status_code == 200 and f'profile="{FLATTENED}"' in flattened.headers["Content-Type"]
        document = json.loads(flattened.data)
        assert document["@context"] == f"{BASE_URL}ns/context.jsonld" and document["@graph"]
        assert all("@graph" not in json.dumps(node) for node in document["@graph"])
        assert isomorphic(_graph_of_jsonld(document), graph)


def test_turtle_by_accept_and_suffix_is_the_n_quads_graph(reader, library):
    identifiers = [r.id for r in library.extensions["muniment"]["store"].records.iter_records()]
    assert len(identifiers) >= 4
    for identifier in identifiers:
        suffix = reader.get(f"/records/{identifier}.ttl")
        assert suffix.status_code == 200 and suffix.mimetype == "text/turtle"
        negotiated = reader.get(f"/records/{identifier}", headers={"Accept": "text/turtle"})
        assert negotiated.mimetype == "text/turtle" and negotiated.data == suffix.data
        assert negotiated.headers["Content-Location"] == f"{BASE_URL}records/{identifier}.ttl"
        assert negotiated.headers["ETag"] == suffix.headers["ETag"]  # one representation, two ways to ask
        turtle = Graph().parse(data=suffix.get_data(as_text=True), format="turtle")
        quads = _graph_of_nquads(reader.get(f"/records/{identifier}.nq").get_data(as_text=True))
        assert len(turtle) == len(quads) > 10
        assert isomorphic(turtle, quads), identifier
        assert "muniment.invalid" not in suffix.get_data(as_text=True)
        assert "@prefix dcterms: <http://purl.org/dc/terms/>" in suffix.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["image/png", "text/plain, application/pdf;q=0.5", "text/html;q=0",
                                    "application/ld+json;q=0, text/*;q=0"])
def test_an_unacceptable_type_is_a_406_problem_listing_what_there_is(reader, accept):
    response = reader.get("/records/113439", headers={"Accept": accept})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == 406 and problem["title"] == "Not Acceptable"
    assert set(problem["available"]) >= {"text/html", "application/n-quads", "text/turtle", "application/xml",
                                          f'application/ld+json; profile="{EXPANDED}"'}
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_linkset_asked_for_as_html_is_406_not_a_page(reader):
    response = reader.get("/records/113439/linkset", headers={"Accept": "text/html"})
    assert response.status_code == 406 and response.mimetype == "application/problem+json"
    assert signposting.LINKSET_JSON in response.get_json(force=True)["available"]


@pytest.mark.parametrize("accept, mimetype, profile", [
    (None, "text/html", None),
    ("*/*", "text/html", None),
    ("application/ld+json", "application/ld+json", COMPACTED),
    ("application/json", "application/ld+json", COMPACTED),
    ("application/n-quads;q=0.5, text/turtle;q=0.9", "text/turtle", None),
    ("text/turtle;q=0.2, application/n-quads;q=0.3, text/html;q=0.1", "application/n-quads", None),
    (f'{_profile_accept(EXPANDED)};q=0.4, application/ld+json;q=0.8', "application/ld+json", COMPACTED),
    (f'{_profile_accept(EXPANDED)};q=0.9, application/ld+json;q=0.8', "application/ld+json", EXPANDED),
    (f'application/ld+json;q=0.5;profile="{FLATTENED}", text/html;q=0.4', "application/ld+json", FLATTENED),
    (f'application/ld+json; profile="http://example.org/other {EXPANDED}"', "application/ld+json", EXPANDED),
    ('application/ld+json; profile="http://example.org/unknown"', "application/ld+json", COMPACTED),
    ("text/*;q=0.3, text/html;q=0.1", "text/turtle", None),
    ("text/html;q=0, */*;q=0.1", "application/ld+json", COMPACTED),
    ("application/xml, text/html;q=0.9", "application/xml", None),
])
def test_q_values_and_profiles_choose_the_representation(reader, accept, mimetype, profile):
    response = reader.get("/records/113439", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == mimetype
    assert (f'profile="{profile}"' in response.headers["Content-Type"]) if profile else \
        "profile" not in response.headers["Content-Type"]
    assert "Accept" in response.headers["Vary"]


# ------------------------------------------------------------------------------------------ Signposting
def _by_rel(links: list[dict], rel: str) -> list[dict]:
    return [link for link in links if link["rel"] == rel]


def test_the_record_page_signposts_everything_with_types(reader):
    page = reader.get("/records/113439")
    links = _links(page)
    assert [link["url"] for link in _by_rel(links, "cite-as")] == [PAGE]
    assert {link["url"] for link in _by_rel(links, "type")} == {signposting.ARCHIVE_COMPONENT,
                                                                signposting.ABOUT_PAGE}
    described = {link["url"]: link for link in _by_rel(links, "describedby")}
    assert {url: link["type"] for url, link in described.items() if "/oai?" not in url} == {
        f"{PAGE}.jsonld": "application/ld+json", f"{PAGE}.nq": "application/n-quads", f"{PAGE}.ttl": "text/turtle"}
    oai = {link["profile"]: link for url, link in described.items() if "/oai?" in url}
    assert set(oai) == {f.namespace for f in FORMATS.values()} and len(FORMATS) == 4
    assert all(link["type"] == "text/xml" for link in oai.values())
    authors = {link["url"] for link in _by_rel(links, "author")}
    assert authors == {f"{BASE_URL}agents/liu-shaoqi", f"{BASE_URL}agents/gao-gang",
                       f"{BASE_URL}agents/wang-jiaxiang"}
    items = {link["url"]: link["type"] for link in _by_rel(links, "item")}
    assert items == {f"{BASE_URL}iiif/113439/manifest": "application/ld+json",
                     f"{BASE_URL}iiif/113439/reading.pdf": "application/pdf", f"{PAGE}/en.txt": "text/plain"}
    assert not _by_rel(links, "collection")  # the seed is in no set
    assert {(link["url"], link["type"]) for link in _by_rel(links, "linkset")} == {
        (f"{PAGE}/linkset", "application/linkset+json"), (f"{PAGE}/linkset", "application/linkset")}
    assert not _by_rel(links, "license")  # the seed states no rights and no default is configured
    assert all("anchor" not in link for link in links)  # on the page itself, the page is the context
    album = _links(reader.get("/records/album-194x"))
    assert [link["url"] for link in _by_rel(album, "collection")] == [f"{BASE_URL}sets/samples"]
    assert reader.get("/sets/samples").status_code == 200


def test_a_crawler_follows_the_signposts_to_every_representation_and_back(reader):
    page_links = _links(reader.get("/records/113439"))
    targets = _by_rel(page_links, "describedby") + _by_rel(page_links, "linkset")
    assert len(targets) == 9
    for link in targets:
        response = reader.get(_local(link["url"]), headers={"Accept": link["type"]})
        assert response.status_code == 200, link
        assert response.mimetype == link["type"], link
        if "profile" in link:  # an OAI-PMH format: the record in that format's namespace
            assert f'xmlns="{link["profile"]}"' in response.get_data(as_text=True) or \
                f'="{link["profile"]}"' in response.get_data(as_text=True), link
        if link["rel"] == "describedby" and "/oai?" in link["url"]:  # GetRecord leads back to the page
            assert [b["url"] for b in _by_rel(_links(response), "describes")] == [PAGE], link
        elif link["rel"] == "describedby":
            back = _links(response)
            assert [b["url"] for b in _by_rel(back, "describes") if "anchor" not in b] == [PAGE], link
            # the page's links ride along, anchored at the page, so they still speak of the page
            anchored = [b for b in back if b["rel"] != "describes"]
            assert anchored and all(b["anchor"] == PAGE for b in anchored)
            assert {b["rel"] for b in anchored} >= {"cite-as", "describedby", "type", "author", "linkset"}


def test_items_are_served_with_their_type_and_lead_back_to_the_page(reader):
    for link in _by_rel(_links(reader.get("/records/113439")), "item"):
        response = reader.get(_local(link["url"]))
        assert response.status_code == 200 and response.mimetype == link["type"], link
        assert [(b["url"], b["rel"]) for b in _links(response)] == [(PAGE, "collection")], link


def test_license_is_the_records_rights_or_the_configured_default(reader, migrated_url, tmp_path):
    for identifier, rights in (("album-194x", "http://rightsstatements.org/vocab/CNE/1.0/"),
                               ("memo-1962-reading-room", "http://creativecommons.org/licenses/by/4.0/")):
        links = _links(reader.get(f"/records/{identifier}"))
        assert [link["url"] for link in _by_rel(links, "license")] == [rights]
    app = make_app(migrated_url, tmp_path, DEFAULT_RIGHTS="http://rightsstatements.org/vocab/InC/1.0/")
    try:
        app.extensions["muniment"]["store"].records.save(archive_file.parse_file(seed_file()), "import")
        links = _links(app.test_client().get("/records/113439"))
        assert [link["url"] for link in _by_rel(links, "license")] == ["http://rightsstatements.org/vocab/InC/1.0/"]
    finally:
        app.extensions["muniment"]["store"].engine.dispose()


def test_authors_are_their_authority_iris_when_the_record_has_them(client, store):
    record = archive_file.parse_file(seed_file())
    record["creator"][0]["sameAs"] = ["http://www.wikidata.org/entity/Q16005", "http://viaf.org/viaf/7391337"]
    store.records.save(record, "import")
    authors = [link["url"] for link in _by_rel(_links(client.get("/records/113439")), "author")]
    assert authors == ["http://www.wikidata.org/entity/Q16005", "http://viaf.org/viaf/7391337",
                       f"{BASE_URL}agents/gao-gang", f"{BASE_URL}agents/wang-jiaxiang"]


def test_a_record_with_many_links_keeps_its_header_small_and_its_linkset_whole(client, store):
    record = archive_file.parse_file(seed_file())
    record["creator"] = [{"id": f"https://muniment.invalid/agents/member-{n}", "type": "Person",
                          "name": {"en": f"Member {n}"},
                          "sameAs": [f"http://www.wikidata.org/entity/Q{1000000 + n}"]} for n in range(60)]
    record["qualifiedAttribution"] = [a for a in record["qualifiedAttribution"] if a["hadRole"] == "relators:trl"]
    store.records.save(record, "import")
    for url in ("/records/113439", "/records/113439.jsonld", "/records/113439.ttl"):
        response = client.get(url)
        assert response.status_code == 200
        header = response.headers["Link"]
        assert len(header) <= signposting.HEADER_BUDGET, (url, len(header))
        links = _links(response)
        assert not _by_rel(links, "author") and _by_rel(links, "linkset") and _by_rel(links, "cite-as")
    linkset = client.get("/records/113439/linkset").get_json(force=True)["linkset"]
    page = next(c for c in linkset if c["anchor"] == PAGE)
    assert len(page["author"]) == 60 and len(page["item"]) == 3


# RFC 9264 section 4.2, as a JSON Schema: a "linkset" array of context objects, each with its "anchor" and
# relation types mapping to arrays of target objects; "type" a string, extension attributes arrays of strings.
LINKSET_SCHEMA = {
    "type": "object", "required": ["linkset"], "additionalProperties": False,
    "properties": {"linkset": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["anchor"], "minProperties": 2,
        "properties": {"anchor": {"type": "string", "format": "uri"}},
        "additionalProperties": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["href"],
            "properties": {"href": {"type": "string", "format": "uri"}, "type": {"type": "string"},
                           "title": {"type": "string"}, "hreflang": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}},
}


def test_the_linkset_in_json_and_text_says_what_the_headers_say(reader):
    response = reader.get("/records/113439/linkset")
    assert response.status_code == 200 and response.mimetype == "application/linkset+json"
    assert "Accept" in response.headers["Vary"]
    document = response.get_json(force=True)
    jsonschema.Draft202012Validator(LINKSET_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    contexts = {c["anchor"]: c for c in document["linkset"]}
    header = {(link["rel"], link["url"]) for link in _links(reader.get("/records/113439"))}
    in_set = {(rel, target["href"]) for rel, targets in contexts[PAGE].items() if rel != "anchor"
              for target in targets}
    assert in_set == {pair for pair in header if pair[0] != "linkset"}
    for rel, back in (("describedby", "describes"), ("item", "collection")):
        for target in contexts[PAGE][rel]:
            assert contexts[target["href"]][back] == [{"href": PAGE, "type": "text/html"}], target
    text = reader.get("/records/113439/linkset", headers={"Accept": "application/linkset"})
    assert text.status_code == 200 and text.mimetype == "application/linkset"
    parsed = parse_links(text.get_data(as_text=True))
    assert {(link["anchor"], link["rel"], link["url"]) for link in parsed} == {
        (anchor, rel, target["href"]) for anchor, context in contexts.items()
        for rel, targets in context.items() if rel != "anchor" for target in targets}
    assert reader.get("/records/113439/linkset", headers={"Accept": "application/json"}).mimetype == \
        "application/linkset+json"


# ------------------------------------------------------------------------------------------ CORS
PUBLIC_READS = ["/records/113439", "/records/113439.jsonld", "/records/113439.ttl", "/records/113439/linkset",
                "/records/113439/en", "/records/113439/en.txt", "/records/113439/history.jsonld", "/records",
                "/ns/context.jsonld", "/oai?verb=Identify", "/oai/schemas/qualifieddc.xsd",
                "/agents/liu-shaoqi", "/sets/samples", "/iiif/113439/manifest", "/iiif/collection/top",
                "/api/openapi.json", "/sitemap.xml"]


def test_every_public_read_and_its_preflight_allow_any_origin(reader):
    for url in PUBLIC_READS:
        response = reader.get(url, headers={"Origin": "https://elsewhere.example", "Accept": "application/json"})
        assert response.status_code == 200, url
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")} >= {
            "Link", "ETag", "Last-Modified"}, url
        preflight = reader.options(url, headers={"Origin": "https://elsewhere.example",
                                                 "Access-Control-Request-Method": "GET",
                                                 "Access-Control-Request-Headers": "accept, if-none-match"})
        assert preflight.status_code in (200, 204), url
        assert preflight.headers["Access-Control-Allow-Origin"] == "*", url
        assert "GET" in preflight.headers["Access-Control-Allow-Methods"], url
        assert preflight.headers["Access-Control-Allow-Headers"] == "accept, if-none-match", url


def test_a_404_that_matches_no_route_is_readable_from_any_origin(reader):
    """A script asking for a representation we do not have must be able to read the 404 too."""
    for method, url in [("get", "/records/113439.json"), ("options", "/records/a.b"), ("get", "/nowhere")]:
        response = getattr(reader, method)(url, headers={"Origin": "https://elsewhere.example",
                                                         "Access-Control-Request-Method": "GET"})
        assert response.status_code in (404, 405), (method, url)
        assert response.headers["Access-Control-Allow-Origin"] == "*", (method, url)


def test_editor_login_and_api_operations_get_no_cors(reader):
    for method, url in [("get", "/login"), ("get", "/edit"), ("get", "/api/records"), ("post", "/api/records"),
                        ("options", "/api/records"), ("options", "/edit"), ("options", "/login"),
                        ("get", "/edit/nowhere"), ("get", "/api/nowhere")]:
        response = getattr(reader, method)(url, headers={"Origin": "https://elsewhere.example",
                                                         "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in response.headers, (method, url)


def test_tombstones_keep_cors_and_their_preflight(client, store):
    saved = store.records.create(archive_file.parse_file(seed_file()), "import")
    store.records.delete("113439", saved.revision, "alice", "withdrawn")
    for url in ("/records/113439", "/records/113439.jsonld", "/records/113439.ttl", "/records/113439/linkset",
                "/iiif/113439/manifest"):
        response = client.get(url, headers={"Origin": "https://elsewhere.example"})
        assert response.status_code == 410, url
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        preflight = client.options(url, headers={"Origin": "https://elsewhere.example",
                                                 "Access-Control-Request-Method": "GET"})
        assert preflight.headers["Access-Control-Allow-Origin"] == "*", url


# ------------------------------------------------------------------------------------------ validators
REPRESENTATIONS = [("/records/113439", {"Accept": "text/html"}),
                   ("/records/113439", {"Accept": _profile_accept(COMPACTED)}),
                   ("/records/113439", {"Accept": _profile_accept(EXPANDED)}),
                   ("/records/113439", {"Accept": _profile_accept(FLATTENED)}),
                   ("/records/113439.nq", {}), ("/records/113439.ttl", {}), ("/records/113439.xml", {}),
                   ("/records/113439/linkset", {"Accept": "application/linkset+json"}),
                   ("/records/113439/linkset", {"Accept": "application/linkset"})]


def test_each_representation_has_its_own_etag_and_answers_304(reader):
    etags = []
    for url, headers in REPRESENTATIONS:
        response = reader.get(url, headers=headers)
        assert response.status_code == 200, url
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        etags.append(etag)
        assert reader.get(url, headers={**headers, "If-None-Match": etag}).status_code == 304, url
        not_modified = reader.get(url, headers={**headers, "If-Modified-Since": modified})
        assert not_modified.status_code == 304 and not_modified.data == b"", url
        older = reader.get(url, headers={**headers, "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
        assert older.status_code == 200 and older.data, url
    assert len(set(etags)) == len(etags), etags


def test_last_modified_is_the_records_datestamp_and_moves_with_an_edit(migrated_url, tmp_path):
    clock = ManualClock(datetime(2026, 3, 4, 5, 6, 7))
    app = make_app(migrated_url, tmp_path, CLOCK=clock)
    store, client = app.extensions["muniment"]["store"], app.test_client()
    try:
        saved = store.records.create(archive_file.parse_file(seed_file()), "import")
        written = "Wed, 04 Mar 2026 05:06:07 GMT"
        first = client.get("/records/113439.ttl")
        assert first.headers["Last-Modified"] == written
        for url in ("/records/113439/history.jsonld", "/records/113439/en", "/records/113439/en.txt",
                    "/records/113439/revisions/1", "/iiif/113439/manifest"):
            response = client.get(url)
            assert response.headers["ETag"] and response.headers["Last-Modified"] == written, url
        for url in ("/ns/context.jsonld", "/oai/schemas/qualifieddc.xsd"):  # served as the installed file is
            response = client.get(url)
            assert response.headers["ETag"] and response.headers["Last-Modified"], url
            assert client.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
        listings = ["/records", "/records?q=cable", "/agents/liu-shaoqi", "/agents/liu-shaoqi.jsonld", "/sitemap.xml"]
        for url in listings:  # pages made of many records: the latest change of any record
            response = client.get(url)
            assert response.headers["Last-Modified"] == written, url
            assert client.get(url, headers={"If-Modified-Since": written}).status_code == 304, url
        clock.advance(60)
        store.records.update("113439", dict(saved.data, title={"en": "Edited"}), saved.revision, "bob")
        again = client.get("/records/113439.ttl", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
        assert "Edited" in again.get_data(as_text=True)
        for url in ["/records/113439.ttl", *listings]:  # the edit is seen through If-Modified-Since alone
            response = client.get(url, headers={"If-Modified-Since": written})
            assert response.status_code == 200, url
            assert response.headers["Last-Modified"] == "Wed, 04 Mar 2026 05:07:07 GMT", url
    finally:
        store.engine.dispose()


def test_a_version_as_json_ld_tags_its_text_and_leads_back(reader):
    """A text version's JSON-LD is the node of the record's linked document (the text in its language), and
    it answers ``describes`` back to the record page like every other representation."""
    response = reader.get("/records/113439/en", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    text = response.get_json()["text"]
    assert isinstance(text, dict) and text["@language"] == "en" and len(text["@value"]) > 1000
    assert [b["url"] for b in _by_rel(_links(response), "describes")] == [PAGE]
