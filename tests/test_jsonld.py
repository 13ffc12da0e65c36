"""JSON-LD: pyld expands records offline to the DCMI, PROV and relators triples the design promises."""
from __future__ import annotations

import pytest
from pyld.jsonld import JsonLdError

from metadata.record import jsonld

from metadata.importers import archive_file
from metadata.record.urls import STORED, UrlBuilder

from tests.support.paths import seed_file

DCTERMS = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def quads() -> str:
    return jsonld.nquads(archive_file.parse_file(seed_file()))


def test_expansion_yields_citation_provenance_and_version_triples(quads):
    record = STORED.record("113439")
    assert f"<{record}> <{DCTERMS}bibliographicCitation> \"\\\"Cable, Liu Shaoqi to Mao Zedong\\\", July 18" in quads
    provenance = [q for q in quads.splitlines() if q.startswith(f"<{record}> <{DCTERMS}provenance> ")]
    assert len(provenance) == 1
    node = provenance[0].split()[2]
    assert f'{node} <http://www.w3.org/2000/01/rdf-schema#label> "Printed from an original revised and approved by Liu Shaoqi."@en' in quads
    assert f"<{STORED.version('113439', 'en')}> <{DCTERMS}isVersionOf> <{record}>" in quads
    # a plain calendar date is an xsd:date (dates.datatype); EDTF proper keeps the EDTF datatype
    assert f"<{record}> <{DCTERMS}created> \"1949-07-18\"^^<http://www.w3.org/2001/XMLSchema#date>" in quads


def test_translator_attribution_with_relator_role(quads):
    version = STORED.version("113439", "en")
    attribution = [q.split()[2] for q in quads.splitlines()
                   if q.startswith(f"<{version}> <http://www.w3.org/ns/prov#qualifiedAttribution> ")]
    assert len(attribution) == 1
    node = attribution[0]
    assert f"{node} <http://www.w3.org/ns/dcat#hadRole> <http://id.loc.gov/vocabulary/relators/trl> ." in quads
    assert f"{node} <http://www.w3.org/ns/prov#agent> <{STORED.agent('David Wolff')}> ." in quads
    assert f"<{version}> <{DCTERMS}language> <http://id.loc.gov/vocabulary/iso639-1/en> ." in quads


def test_expand_keeps_repeatable_keys_and_language_maps():
    record = archive_file.parse_file(seed_file())
    expanded = jsonld.expand(record, jsonld.loader_for(STORED))
    node = expanded[0]
    assert node[f"{DCTERMS}title"] == [{"@value": "Cable, Liu Shaoqi to Mao Zedong", "@language": "en"}]
    assert len(node[f"{DCTERMS}creator"]) == 3


def test_loader_refuses_the_network():
    loader = jsonld.loader_for(UrlBuilder("http://muniment.test/"))
    assert loader("http://muniment.test/ns/context.jsonld")["document"] == jsonld.context_document()
    with pytest.raises(JsonLdError):
        loader("https://schema.org/")
    with pytest.raises(JsonLdError):
        jsonld.expand({"@context": "http://example.org/remote.jsonld", "x": 1}, loader)
