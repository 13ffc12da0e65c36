"""MODS 3.8 from every sample and the seed: schema-valid, with related items, locations and record info that
match the MARC record's 534/852/003/005."""
from __future__ import annotations

from datetime import datetime

import pytest

from metadata.formats import mods
from metadata.importers import files
from metadata.record.stamps import Stamps
from tests.support import xsd
from tests.support.paths import REPO, seed_file

NS = {"m": "http://www.loc.gov/mods/v3"}
STAMPS = Stamps(entered=datetime(2024, 3, 5, 9, 30, 0), changed=datetime(2026, 1, 2, 3, 4, 5))
RECORDS = [r for p in sorted((REPO / "samples").glob("*.*")) if p.suffix in (".txt", ".jsonld")
           for r in files.read_file(p)]


@pytest.mark.parametrize("record", RECORDS + ["seed"], ids=[r["identifier"] for r in RECORDS] + ["seed"])
def test_every_record_is_valid_mods_with_record_info(record):
    record = files.read_file(seed_file())[0] if record == "seed" else record
    document = xsd.assert_valid(mods.mods(record, STAMPS, "UkMun"), xsd.MODS)
    info = document.find("m:recordInfo", NS)
    assert info.findtext("m:recordContentSource", namespaces=NS) == "UkMun"
    assert info.findtext("m:recordCreationDate", namespaces=NS) == "2024-03-05T09:30:00Z"
    assert info.findtext("m:recordChangeDate", namespaces=NS) == "2026-01-02T03:04:05Z"
    assert info.findtext("m:languageOfCataloging/m:languageTerm", namespaces=NS) == "eng"
    types = [e.get("type") for e in document.iterfind("m:relatedItem", NS)]
    assert set(types) <= {"original", "otherVersion"}
    assert ("original" in types) == ((record.get("source") or {}).get("type") == "BibliographicResource")


def test_seed_serves_plain_text_and_names_the_printed_original():
    document = xsd.assert_valid(mods.mods(files.read_file(seed_file())[0], STAMPS), xsd.MODS)
    assert [e.text for e in document.iterfind(".//m:internetMediaType", NS)] == ["text/plain"]
    original = document.find("m:relatedItem[@type='original']", NS)
    assert original.findtext("m:titleInfo/m:title", namespaces=NS) == "Jianguo yilai Liu Shaoqi wengao"
    assert document.findtext("m:typeOfResource", namespaces=NS) == "text"


def test_archival_source_is_a_shelf_location():
    letter = next(r for r in RECORDS if r["identifier"].startswith("1951-03-letter"))
    document = xsd.assert_valid(mods.mods(letter, STAMPS), xsd.MODS)
    held = document.find("m:location[m:shelfLocator]", NS)
    assert held.findtext("m:physicalLocation", namespaces=NS) == "Muniment Sample Archive"
    assert held.findtext("m:shelfLocator", namespaces=NS).startswith("Muniment sample collection, fond 12")
