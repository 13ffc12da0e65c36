"""RDF without range errors: each record's N-Quads and its JSON-LD are one graph, read back with rdflib.

For every sample, the seed and generated records, served over HTTP: the JSON-LD (``/records/{id}.jsonld``,
turned into RDF by pyld with the offline context, as a consumer's processor would) and the N-Quads
(``/records/{id}.nq``) parse into isomorphic rdflib graphs; ``dcterms:format`` and ``dcterms:extent`` are
resources; every text is language-tagged, in lower case, with the tag the JSON-LD gives it; dates carry the
datatype ``dates.datatype`` gives; ``rico:hasRecordSetType`` is only on record sets; ``dcterms:type`` is the
record type; places are ``schema:Place``. And record format 2 (metadata/record/record_format.py): a database
written in format 1 is upgraded by ``muniment db upgrade`` on SQLite and PostgreSQL, outputs included.
"""
from __future__ import annotations

import json
from datetime import datetime

import rdflib
from hypothesis import HealthCheck, given, settings, strategies as st
from pyld import jsonld as pyld
from rdflib import RDF, BNode, Literal, URIRef
from lxml import etree
from rdflib.compare import isomorphic
from sqlalchemy import create_engine, text

from metadata.importers import files
from metadata.record import dates, describe, jsonld, record_format
from metadata.record.urls import STORED, UrlBuilder
from metadata.record.text import content_hash
from metadata.storage import check, engine_url, migrate
from metadata.storage.derivation import listing_values
from server import auth, create_app
from server.cli import cli

from tests.conftest import BASE_URL, password_hash
from tests.support.paths import REPO, seed_file
from tests.test_generated_records import SCRIPTS, language_maps, records, text_in

DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
DCMITYPE = rdflib.Namespace("http://purl.org/dc/dcmitype/")
RICO = rdflib.Namespace("https://www.ica.org/standards/RiC/ontology#")
SCHEMA = rdflib.Namespace("https://schema.org/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
BIBO = rdflib.Namespace("http://purl.org/ontology/bibo/")
RECORD_SET_TYPES = "https://www.ica.org/standards/RiC/vocabularies/recordSetTypes#"
XSD_STRING = rdflib.XSD.string
MARC = {"m": "http://www.loc.gov/MARC21/slim"}
# Properties whose values are codes, not text in a language: untagged strings are right for them.
CODES = {DCTERMS.identifier, RICO.identifier, BIBO.volume, BIBO.pages}
_TERMS = {term: d for term, d in jsonld.context_document()["@context"].items() if isinstance(d, dict)}
LANGUAGE_MAPS = {term for term, d in _TERMS.items() if d.get("@container") == "@language"}
TERM_LANGUAGES = {term: d["@language"] for term, d in _TERMS.items() if "@language" in d}


def _graph(nquads: str) -> rdflib.Graph:
    """Every quad is in the default graph (a record is one graph), so N-Triples reads them; a named graph
    would fail the parse."""
    return rdflib.Graph().parse(data=nquads, format="nt")


def _tagged_texts(node, found: set) -> set:
    """(text, lower-cased tag) of every language-map entry, language-tagged value object and string of a term
    with a language in a JSON-LD document, as it is written (compact form, Muniment's context)."""
    if isinstance(node, dict):
        if "@value" in node and "@language" in node:
            found.add((node["@value"], node["@language"].lower()))
        for key, value in node.items():
            if key in LANGUAGE_MAPS and isinstance(value, dict):
                found.update((v, tag.lower()) for tag, v in value.items() if isinstance(v, str))
            elif key in TERM_LANGUAGES and isinstance(value, str):  # the context gives the term's language
                found.add((value, TERM_LANGUAGES[key].lower()))
            else:
                _tagged_texts(value, found)
    elif isinstance(node, list):
        for item in node:
            _tagged_texts(item, found)
    return found


def assert_linked_data_is_right(client, app, identifier: str, stored: dict) -> rdflib.Graph:
    document = client.get(f"/records/{identifier}.jsonld")
    quads = client.get(f"/records/{identifier}.nq")
    assert document.status_code == 200 and quads.status_code == 200
    served = document.get_json(force=True)
    loader = jsonld.loader_for(app.extensions["muniment"]["urls"])
    from_jsonld = _graph(pyld.to_rdf(served, {"documentLoader": loader, "format": "application/n-quads"}))
    graph = _graph(quads.get_data(as_text=True))
    assert isomorphic(from_jsonld, graph), (identifier, set(from_jsonld) ^ set(graph))
    # and as another JSON-LD processor reads it (rdflib keeps language tags as written, pyld lower-cases them)
    inline = {**served, "@context": jsonld.context_document()["@context"]}
    by_rdflib = rdflib.Graph().parse(data=json.dumps(inline), format="json-ld", base=served["id"])
    assert isomorphic(by_rdflib, graph), (identifier, set(by_rdflib) ^ set(graph))

    record = URIRef(served["id"])
    assert (record, PROV.has_provenance, URIRef(f"{BASE_URL}records/{identifier}/history.jsonld")) in graph
    # dcterms:format and dcterms:extent are resources (MediaTypeOrExtent, SizeOrDuration), never literals
    for _, _, value in graph.triples((None, DCTERMS["format"], None)):
        assert isinstance(value, URIRef) and value.startswith(record_format.MEDIA_TYPES), value
    for _, _, value in graph.triples((None, DCTERMS.extent, None)):
        assert isinstance(value, (URIRef, BNode)), value
        assert (value, RDF.type, DCTERMS.SizeOrDuration) in graph
    # every text is tagged, lower case, with the tag the JSON-LD gives it; untagged strings are codes only
    tagged = _tagged_texts(served, set())
    for s, p, value in graph:
        if not isinstance(value, Literal):
            continue
        if value.language is not None:
            assert value.language == value.language.lower(), value.language
            assert (str(value), value.language) in tagged, (p, value, value.language)
        elif value.datatype in (None, XSD_STRING):
            assert p in CODES, (p, value)
    # one datatype rule for every date property
    for p in (DCTERMS.created, DCTERMS.issued):
        for _, _, value in graph.triples((None, p, None)):
            assert str(value.datatype) == dates.datatype(str(value)), (p, value, value.datatype)
    # rico:hasRecordSetType only on record sets, with record-set types; a record set is no rico:Record
    for subject, _, value in graph.triples((None, RICO.hasRecordSetType, None)):
        assert (subject, RDF.type, RICO.RecordSet) in graph
        assert str(value).startswith(RECORD_SET_TYPES)
    for subject in graph.subjects(RDF.type, RICO.RecordSet):
        assert (subject, RDF.type, RICO.Record) not in graph
    is_set = stored.get("levelOfDescription") in jsonld.RECORD_SET_LEVELS
    assert ((record, RDF.type, RICO.RecordSet) in graph) == is_set
    assert ((record, RDF.type, RICO.Record) in graph) == (not is_set and "Record" in stored["type"])
    # the DCMI type of what the record is
    assert set(graph.objects(record, DCTERMS.type)) == {DCMITYPE[describe.record_type(stored)]}
    # places are schema:Place nodes
    for p in (DCTERMS.spatial, SCHEMA.locationCreated):
        for _, _, place in graph.triples((None, p, None)):
            assert (place, RDF.type, SCHEMA.Place) in graph, (p, place)
    return graph


def _load_samples_and_seed(store) -> list[str]:
    for path in files.expand_paths([REPO / "samples"]) + [seed_file()]:
        for record in files.read_file(path):
            store.records.save(record, "import")
    return [r.id for r in store.records.iter_records()]


def test_samples_and_seed(app, store, client):
    identifiers = _load_samples_and_seed(store)
    assert len(identifiers) >= 5
    for identifier in identifiers:
        assert_linked_data_is_right(client, app, identifier, store.records.get(identifier).data)


def test_what_each_sample_says(app, store, client):
    _load_samples_and_seed(store)
    album = assert_linked_data_is_right(client, app, "album-194x", store.records.get("album-194x").data)
    record = URIRef(f"{BASE_URL}records/album-194x")
    assert set(album.objects(record, DCTERMS.type)) == {DCMITYPE.StillImage}  # a photograph album
    assert (record, RICO.hasRecordSetType, URIRef(RECORD_SET_TYPES + "File")) in album
    (extent,) = album.objects(record, DCTERMS.extent)
    assert set(album.objects(extent, rdflib.RDFS.label)) == {Literal("1 album (42 photographic prints)", lang="en")}
    assert (record, DCTERMS.created, Literal("194X", datatype=URIRef(dates.EDTF_DATATYPE))) in album

    memo = assert_linked_data_is_right(client, app, "memo-1962-reading-room",
                                       store.records.get("memo-1962-reading-room").data)
    record = URIRef(f"{BASE_URL}records/memo-1962-reading-room")
    assert not list(memo.objects(record, RICO.hasRecordSetType))  # an item is a record, not a record set
    assert (record, DCTERMS.created, Literal("1962-10-03", datatype=rdflib.XSD.date)) in memo
    version = URIRef(f"{BASE_URL}records/memo-1962-reading-room/zh")
    assert (version, DCTERMS["format"], URIRef(record_format.MEDIA_TYPES + "text/markdown")) in memo
    (text,) = memo.objects(version, SCHEMA.text)
    assert text.language == "zh"
    assert (URIRef(f"{BASE_URL}places/leeds"), RDF.type, SCHEMA.Place) in memo

    cable = assert_linked_data_is_right(client, app, "113439", store.records.get("113439").data)
    tags = {o.language for o in cable.objects() if isinstance(o, Literal) and o.language}
    assert "zh-latn-pinyin" in tags  # stored as zh-Latn-pinyin: one case in both outputs
    source = next(cable.objects(URIRef(f"{BASE_URL}records/113439"), DCTERMS.source))
    assert (source, DCTERMS.issued, Literal("2005", datatype=rdflib.XSD.gYear)) in cable


def _bearer(store) -> dict:
    if not store.accounts.user("gen"):
        store.accounts.put_user("gen", password_hash("generated records"), "editor")
    secret = auth.new_token()
    store.accounts.add_token("gen", auth.token_digest(secret))
    return {"Authorization": f"Bearer {secret}"}


def test_served_json_ld_is_accepted_back_unchanged(app, store, client):
    """What /records/{id}.jsonld serves (typed dates, tagged texts) is the record again when sent back."""
    _load_samples_and_seed(store)
    headers = _bearer(store)
    for identifier in ("113439", "album-194x", "memo-1962-reading-room"):  # a set, an item, a translation
        before = store.records.get(identifier)
        served = client.get(f"/records/{identifier}.jsonld").get_json(force=True)
        response = client.put(f"/api/records/{identifier}", json=served,
                              headers={**headers, "If-Match": before.etag})
        assert response.status_code == 200, response.get_data(as_text=True)
        after = store.records.get(identifier)
        assert after.revision == before.revision and after.data == before.data


def test_one_date_rule():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert dates.datatype("1949-07-18") == xsd + "date"
    assert dates.datatype("1949-07") == xsd + "gYearMonth"
    assert dates.datatype("1949") == xsd + "gYear"
    for edtf in ("194X", "1955~", "1949-07?", "1940/1949", "1950-21", "../1950", "XXXX", "0000", "-0100"):
        assert dates.datatype(edtf) == dates.EDTF_DATATYPE, edtf


@st.composite
def described_records(draw):
    """Generated records with what RDF has to get right beyond them: an extent (written in format 1, as a
    client may still send it), a level of description, places, a version with its text, sort names."""
    record = draw(records())
    record["type"] = [draw(st.sampled_from(describe.RECORD_TYPES)), "Record"]
    if draw(st.booleans()):
        record["extent"] = draw(text_in("en", 40))
    level = draw(st.sampled_from([None, "fonds", "series", "file", "item"]))
    if level:
        record["levelOfDescription"] = level
    places = draw(st.lists(language_maps(max_size=2, max_text=30), max_size=2))
    if places:
        record["spatial"] = [{"id": STORED.place(f"place {record['identifier']} {i}"), "type": "Location",
                              "label": label} for i, label in enumerate(places)]
    for agent in record.get("creator") or []:
        if draw(st.booleans()):
            agent["sortName"] = draw(text_in(next(iter(agent["name"])), 30))
    if draw(st.booleans()):
        code = draw(st.sampled_from(["en", "ru", "zh", "el"]))
        record["hasVersion"] = [{"id": STORED.version(record["identifier"], code), "type": "Text",
                                 "language": [f"lang:{code}"], "isVersionOf": record["id"],
                                 "format": draw(st.sampled_from(record_format.TEXT_MEDIA_TYPES)),
                                 "text": draw(text_in(code if code in SCRIPTS else "en", 200))}]
    if draw(st.booleans()):
        record["source"] = {"type": "BibliographicResource", "label": draw(text_in("en", 60)),
                            "issued": draw(st.sampled_from(["1950", "1950-03", "1950-03-02", "195X", "1950~"])),
                            "place": draw(text_in("en", 20))}
    return record


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=described_records())
def test_generated_records(sqlite_app, record):
    app = sqlite_app
    store = app.extensions["muniment"]["store"]
    client = app.test_client()
    body = json.loads(app.extensions["muniment"]["urls"].publish(json.dumps(record)))
    created = client.post("/api/records?publish=true", json=body, headers=_bearer(store))
    assert created.status_code == 201, created.get_data(as_text=True)
    stored = store.records.get(record["identifier"]).data
    assert record_format.version(stored) == record_format.CURRENT
    assert describe.extent(stored) == describe.extent(record)
    assert_linked_data_is_right(client, app, record["identifier"], stored)


# ---------------------------------------------------------------- the record-format migration

def _format_1(path) -> dict:
    """A sample as written in record format 1, under the stored base (what format-1 databases hold)."""
    document = json.loads(path.read_text("utf-8"))
    return UrlBuilder("http://127.0.0.1:5000/").internalize(document)  # the samples' base, not upgraded


def _write_format_1_database(url: str, names=("194x-album.jsonld", "1962-memo-en.jsonld"),
                             deleted: bool = False) -> list[dict]:
    """A database as migration 0006's code wrote it, holding format-1 records imported from the samples:
    records rows with their revision 1 (message "import FILE", from which migration 0007 derives what the
    import wrote), and no outputs of a later revision; ``deleted`` makes them tombstones."""
    engine = create_engine(engine_url(url))
    migrate.upgrade(engine, "0006")
    written = [_format_1(REPO / "samples" / name) for name in names]
    assert all(record_format.version(r) == 1 for r in written)
    at = datetime(2025, 1, 2, 3, 4, 5)
    with engine.begin() as conn:
        for name, record in zip(names, written):
            values = {"id": record["identifier"], "data": json.dumps(record, ensure_ascii=False), "at": at,
                      "message": f"import {name}", "deleted": deleted,
                      "hash": content_hash(record), **listing_values(record)}
            conn.execute(text(
                "INSERT INTO records (id, revision, datestamp, deleted, published, harvestable, title, created, "
                "date_lower, date_upper, content_hash) VALUES (:id, 1, :at, :deleted, true, true, :title, :created, "
                ":date_lower, :date_upper, :hash)"), values)
            conn.execute(text(
                "INSERT INTO revisions (record_id, number, data, deleted, published, author, created_at, message, "
                "content_hash) VALUES (:id, 1, :data, :deleted, true, 'import', :at, :message, :hash)"), values)
            conn.execute(text("INSERT INTO changes (record_id, kind, revision, at, author) "
                              "VALUES (:id, 'create', 1, :at, 'import')"), values)
    engine.dispose()
    return written


def test_db_upgrade_turns_a_format_1_database_into_format_2(database_url):
    written = _write_format_1_database(database_url)
    app = create_app({"DATABASE_URL": database_url, "BASE_URL": BASE_URL, "SECRET_KEY": "x"})
    try:
        result = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "re-derived the outputs of 2 upgraded record(s)" in result.output
        assert migrate.current(app.extensions["muniment"]["store"].engine) == migrate.head()
        store = app.extensions["muniment"]["store"]
        client = app.test_client()
        for old in written:
            identifier = old["identifier"]
            current = store.records.get(identifier)
            assert current.revision == 2 and record_format.version(current.data) == record_format.CURRENT
            assert current.data == record_format.upgrade(old)
            first, second = store.records.revisions(identifier)
            assert first.data == old  # history is never rewritten
            assert (second.author, second.message) == ("muniment", "record format 2: extent and text formats "
                                                                  "as resources (migration 0008)")
            assert describe.extent(current.data) == old["extent"]
            marc = etree.fromstring(client.get(f"/oai?verb=GetRecord&metadataPrefix=marc21&identifier="
                                               f"oai:muniment.example.org:{identifier}").data)
            assert marc.xpath("//m:datafield[@tag='300']/m:subfield[@code='a']/text()", namespaces=MARC) == [
                old["extent"]]
            assert_linked_data_is_right(client, app, identifier, current.data)
        # the records, their histories and their outputs agree (outputs re-derived for the new revisions)
        assert list(check.check_records(store.engine, store.records.derivers)) == []
        again = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
        assert again.exit_code == 0 and "re-derived" not in again.output
        assert store.records.get("album-194x").revision == 2
        with store.engine.connect() as conn:  # what the import wrote is now the upgraded revision
            assert conn.execute(text("SELECT revision, content_hash FROM record_imports WHERE record_id = "
                                     "'album-194x'")).one() == (2, store.records.get("album-194x").content_hash)
        # importing the format-1 file again finds the record as its import left it (no archivist's edit)
        imported = app.test_cli_runner().invoke(cli, ["import", str(REPO / "samples" / "194x-album.jsonld")])
        assert "unchanged album-194x (revision 2)" in imported.output, imported.output
        # reverting to the format-1 revision writes it in format 2: the same content, so no new revision
        reverted = store.records.update("album-194x", store.records.revisions("album-194x")[0].data, 2, "ann")
        assert reverted.revision == 2
    finally:
        app.extensions["muniment"]["store"].engine.dispose()


def test_a_format_1_tombstone_stays_as_it_was_and_is_restored_in_format_2(database_url):
    (old,) = _write_format_1_database(database_url, ("194x-album.jsonld",), deleted=True)
    app = create_app({"DATABASE_URL": database_url, "BASE_URL": BASE_URL, "SECRET_KEY": "x"})
    try:
        assert app.test_cli_runner().invoke(cli, ["db", "upgrade"]).exit_code == 0
        store = app.extensions["muniment"]["store"]
        tombstone = store.records.get("album-194x")
        assert (tombstone.revision, tombstone.deleted, tombstone.data) == (1, True, old)  # a deletion's datestamp
        assert app.test_client().get("/records/album-194x").status_code == 410  # the tombstone reads format 1
        restored = store.records.restore("album-194x", 1, "ann")
        assert restored.revision == 2 and restored.data == record_format.upgrade(old)
        assert_linked_data_is_right(app.test_client(), app, "album-194x", restored.data)
    finally:
        app.extensions["muniment"]["store"].engine.dispose()
