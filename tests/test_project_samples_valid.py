"""Every output of the repository's own samples is valid against the published XML schemas.

These tests need nothing from ../shared but the reference files (XSDs through tests/support/reference.py),
so a public clone runs them: the seed-based tests in test_oai.py cover the same outputs in more depth.
"""
from __future__ import annotations

import pytest

from metadata.formats import FORMATS, qualified_dc
from metadata.importers import files as importer

from tests.support import xsd
from tests.support.oai import NS, Harvester, error_codes, identifiers
from tests.support.paths import REPO

IMPORTS = {"oai_dc": xsd.OAI_DC, "marc21": xsd.MARC, "mods": xsd.MODS}
PROJECT_RECORDS = [record for path in importer.expand_paths([REPO / "samples"]) for record in importer.read_file(path)]


@pytest.mark.parametrize("prefix", sorted(FORMATS))
def test_each_format_of_each_project_sample_is_schema_valid(prefix, tmp_path):
    if prefix == "qdc":
        schema_file = tmp_path / "qualifieddc.xsd"
        schema_file.write_text(qualified_dc.schema_text(), "utf-8")
        imports = (xsd.DCTERMS, xsd.qualified_dc(schema_file))
    else:
        imports = (IMPORTS[prefix],)
    for record in PROJECT_RECORDS:
        document = xsd.assert_valid(FORMATS[prefix].serialize(record), *imports)
        assert document.tag.startswith(f"{{{FORMATS[prefix].namespace}}}")


def test_oai_pmh_answers_over_the_project_samples_are_schema_valid(store, client, tmp_path):
    for record in PROJECT_RECORDS:
        store.records.save(record, "import")
    harvester = Harvester(client, tmp_path)  # every answer is validated against OAI-PMH.xsd and the payload XSDs
    identify = harvester.get(verb="Identify")
    repository_id = identify.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier").text
    formats = harvester.get(verb="ListMetadataFormats")
    assert {e.text for e in formats.iterfind(".//o:metadataPrefix", NS)} == set(FORMATS)
    for prefix in FORMATS:
        for record in PROJECT_RECORDS:
            identifier = f"oai:{repository_id}:{record['identifier']}"
            answer = harvester.get(verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
            assert identifiers(answer.findall("o:GetRecord/o:record", NS)) == [identifier]
            assert answer.find("o:GetRecord/o:record/o:metadata", NS)[0].tag.startswith(
                f"{{{FORMATS[prefix].namespace}}}")
    missing = harvester.get(verb="GetRecord", identifier=f"oai:{repository_id}:nothing", metadataPrefix="mods")
    assert error_codes(missing) == ["idDoesNotExist"]
