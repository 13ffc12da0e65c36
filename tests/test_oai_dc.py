"""oai_dc serializer: schema-valid against the OAI's XSD, carries the mapping of docs/architecture.md."""
from __future__ import annotations

import copy
import json

from lxml import etree

from metadata.formats import dublin_core, qualified_dc

from metadata.importers import files as importer, archive_file as archive_file

from tests.support import xsd
from tests.support.paths import REPO, sample_file, seed_file

DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"


def _values(document, name):
    return [e.text for e in document.iter(DC + name)]


def test_seed_oai_dc_is_valid_and_complete():
    record = archive_file.parse_file(seed_file())
    document = xsd.assert_valid(dublin_core.oai_dc(record), xsd.OAI_DC)
    assert "Cable, Liu Shaoqi to Mao Zedong" in _values(document, "title")
    assert _values(document, "creator") == ["Liu Shaoqi (author)", "Gao Gang (signer)",
                                                 "Wang Jiaxiang (signer)"]
    assert _values(document, "contributor") == ["David Wolff (translator)"]
    assert "Addressee: Mao Zedong" in _values(document, "description")
    assert "Provenance: Printed from an original revised and approved by Liu Shaoqi." in _values(document, "description")
    assert _values(document, "date") == ["1949-07-18"]
    assert _values(document, "type") == ["Text"] and _values(document, "format") == ["text/plain"]
    assert _values(document, "language") == ["zh", "en"]
    assert _values(document, "publisher") == ["Wilson Center Digital Archive"]
    assert record["page"] in _values(document, "identifier")
    assert record["bibliographicCitation"] in _values(document, "identifier")
    assert _values(document, "source") == [record["source"]["label"]]


def test_sort_names_rights_subjects_and_sets():
    record = importer.internalize(json.loads((REPO / "samples" / "1962-memo-en.jsonld").read_text("utf-8")))
    document = xsd.assert_valid(dublin_core.oai_dc(record), xsd.OAI_DC)
    assert _values(document, "creator") == ["Hale, Margaret (author)"]
    assert "Belov, Oleg (translator)" in _values(document, "contributor")
    assert _values(document, "rights") == ["http://creativecommons.org/licenses/by/4.0/",
                                           "Creative Commons Attribution 4.0 International"]
    assert "图书馆" in _values(document, "subject")
    assert _values(document, "coverage") == ["Leeds", "1960s"]
    assert _values(document, "relation") == record["isPartOf"]


def test_control_characters_never_reach_the_xml():
    record = copy.deepcopy(archive_file.parse_file(sample_file()))
    record["abstract"]["en"] = "bell\x07 form feed\x0c nul\x00 ok"
    document = xsd.assert_valid(dublin_core.oai_dc(record), xsd.OAI_DC)
    assert "bell form feed nul ok" in _values(document, "description")


def test_roles_are_stated_the_same_way_in_oai_dc_and_qualified_dc():
    record = importer.internalize(json.loads((REPO / "samples" / "1962-memo-en.jsonld").read_text("utf-8")))
    simple = xsd.assert_valid(dublin_core.oai_dc(record), xsd.OAI_DC)
    qualified = etree.fromstring(qualified_dc.qualified_dc(record).encode("utf-8"))
    for name in ("creator", "contributor"):
        assert sorted(_values(simple, name)) == sorted(e.text for e in qualified.iter(DCTERMS + name))
    assert [e.text for e in qualified.iter(DCTERMS + "type")] == ["Text"]
    album = importer.internalize(json.loads((REPO / "samples" / "194x-album.jsonld").read_text("utf-8")))
    assert _values(xsd.assert_valid(dublin_core.oai_dc(album), xsd.OAI_DC), "type") == ["StillImage"]
