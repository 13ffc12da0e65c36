"""OAI-PMH 2.0: every verb and error path, all formats, paging, sets, deletions, every response schema-valid."""
from __future__ import annotations

import gzip
import re
import time
from datetime import datetime, timedelta

import pytest

from metadata.importers import files as importer, archive_file as archive_file
from metadata.record.urls import STORED
from server.oai_protocol import Tokens

from tests.conftest import BACKENDS, make_app, module_app
from tests.support.clock import ManualClock
from tests.support.oai import NS, Harvester, error_codes, identifiers, request_attributes
from tests.support.paths import REPO, sample_file, seed_file

REPO_ID = "archive.muniment.test"
PREFIX = f"oai:{REPO_ID}:"
FORMATS = ["oai_dc", "marc21", "mods", "qdc"]
AGENCY = "UkMunT"


def _variant(record: dict, identifier: str) -> dict:
    text = importer.json.dumps(record).replace(STORED.record(record["identifier"]), STORED.record(identifier))
    variant = importer.json.loads(text)
    variant["identifier"] = identifier
    return variant


@pytest.fixture(scope="module", params=BACKENDS)
def repository(request, tmp_path_factory):
    """A repository of 10 records: published, in sets, one deleted, one unpublished, one draft, one with
    control characters; the app's clock is moved a second past the writes before the tests harvest (OAI-PMH
    freezes `until` a second before now)."""
    tmp = tmp_path_factory.mktemp("oai")
    clock = ManualClock()
    with module_app(request.param, tmp, OAI_REPOSITORY_ID=REPO_ID, OAI_PAGE_SIZE=3, CLOCK=clock,
                    CATALOGING_AGENCY=AGENCY) as app:
        store = app.extensions["muniment"]["store"]
        for path in [seed_file(), sample_file(), *importer.expand_paths([REPO / "samples"])]:
            for record in importer.read_file(path):
                store.records.save(record, "import")
        cable = archive_file.parse_file(seed_file())
        noisy = _variant(cable, "noisy")
        noisy["abstract"] = {"en": "bell\x07 and escape\x1b characters & <markup>"}
        noisy["hasVersion"][0]["text"] += "\x0c\x01"  # NUL itself is refused on write (no database stores it as text)
        store.records.save(noisy, "import")
        gone = store.records.save(_variant(cable, "gone"), "import")[1]
        store.records.delete("gone", gone.revision, "alice", "duplicate")
        hidden = store.records.save(_variant(cable, "hidden"), "import")[1]
        store.records.set_published("hidden", False, hidden.revision, "alice")
        store.records.save(_variant(cable, "draft"), "import", published=False)
        clock.advance()
        yield app, Harvester(app.test_client(), tmp)


@pytest.fixture
def harvester(repository) -> Harvester:
    return repository[1]


def test_identify(repository, harvester):
    app, _ = repository
    root = harvester.get(verb="Identify")
    identify = root.find("o:Identify", NS)
    assert identify.findtext("o:baseURL", namespaces=NS) == "http://muniment.test/oai"
    assert identify.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("o:compression", namespaces=NS) == "gzip"
    earliest = app.extensions["muniment"]["store"].harvest.earliest_datestamp()
    assert identify.findtext("o:earliestDatestamp", namespaces=NS) == earliest.strftime("%Y-%m-%dT%H:%M:%SZ")
    ident = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    assert root.find(f".//{ident}repositoryIdentifier").text == REPO_ID
    assert request_attributes(root) == {"verb": "Identify"}


def test_gzip_and_post_equal_get(harvester):
    plain = harvester.client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc")
    zipped = harvester.client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    strip = lambda body: re.sub(rb"<responseDate>[^<]+</responseDate>|<resumptionToken[^>]*>[^<]*<", b"", body)
    assert strip(gzip.decompress(zipped.data)) == strip(plain.data)
    posted = harvester.client.post("/oai", data={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert strip(posted.data) == strip(plain.data)
    harvester.get(method="POST", verb="Identify")
    for query in ["verb=GetRecord&metadataPrefix=mods&identifier=" + PREFIX + "113439", "verb=ListSets", "verb=Nope"]:
        params = dict(p.split("=", 1) for p in query.split("&"))
        assert strip(harvester.client.post("/oai", data=params).data) == strip(harvester.client.get("/oai?" + query).data)


def test_list_metadata_formats(harvester):
    root = harvester.get(verb="ListMetadataFormats")
    prefixes = [e.text for e in root.iterfind(".//o:metadataPrefix", NS)]
    assert prefixes == FORMATS
    schemas = [e.text for e in root.iterfind(".//o:schema", NS)]
    assert "http://muniment.test/oai/schemas/qualifieddc.xsd" in schemas
    assert error_codes(harvester.get(verb="ListMetadataFormats", identifier=PREFIX + "113439")) == []
    missing = harvester.get(verb="ListMetadataFormats", identifier=PREFIX + "nothing")
    assert error_codes(missing) == ["idDoesNotExist"]
    assert request_attributes(missing) == {"verb": "ListMetadataFormats", "identifier": PREFIX + "nothing"}


def test_list_sets(harvester):
    root = harvester.get(verb="ListSets")
    specs = [e.text for e in root.iterfind(".//o:setSpec", NS)]
    assert specs == ["cold-war", "cold-war:sino-soviet", "samples"]
    assert error_codes(harvester.get(verb="ListSets", resumptionToken="x")) == ["badResumptionToken"]


@pytest.mark.parametrize("prefix", FORMATS)
def test_get_record_in_every_format(harvester, prefix):
    root = harvester.get(verb="GetRecord", identifier=PREFIX + "113439", metadataPrefix=prefix)
    record = root.find("o:GetRecord/o:record", NS)
    assert record.findtext("o:header/o:identifier", namespaces=NS) == PREFIX + "113439"
    assert [e.text for e in record.iterfind("o:header/o:setSpec", NS)] == ["cold-war", "cold-war:sino-soviet"]
    metadata = record.find("o:metadata", NS)[0]
    text = " ".join(metadata.itertext())
    assert "Cable, Liu Shaoqi to Mao Zedong" in text and "muniment.invalid" not in text


def test_marc21_fields(harvester, repository):
    root = harvester.get(verb="GetRecord", identifier=PREFIX + "113439", metadataPrefix="marc21")
    marc = root.find(".//marc:record", NS)

    def sub(tag, code):
        return [s.text for f in marc.iterfind(f"marc:datafield[@tag='{tag}']", NS)
                for s in f.iterfind(f"marc:subfield[@code='{code}']", NS)]

    def control(tag):
        return marc.findtext(f"marc:controlfield[@tag='{tag}']", namespaces=NS)

    assert control("003") == AGENCY and sub("040", "a") == [AGENCY] and sub("040", "c") == [AGENCY]
    datestamp = root.findtext(".//o:header/o:datestamp", namespaces=NS)
    assert control("005") == re.sub(r"\D", "", datestamp) + ".0"
    store = repository[0].extensions["muniment"]["store"]
    assert control("008")[:6] == f"{store.records.revisions('113439')[0].created_at:%y%m%d}"
    assert sub("041", "a") == ["chi"] and sub("041", "h") == []  # the sample cable carries no translation text
    assert sub("100", "a") == ["Liu Shaoqi,"] and sub("100", "e") == ["author."] and sub("100", "4") == ["aut"]
    assert "Wolff, David," in sub("700", "a") and "translator." in sub("700", "e") and "addressee." in sub("700", "e")
    assert sub("264", "c") == ["[1949 July 18]"]
    assert sub("524", "a")[0].startswith('"Cable, Liu Shaoqi to Mao Zedong"')
    assert sub("561", "a") == [] and "Printed from an original revised and approved by Liu Shaoqi." in sub("500", "a")
    assert sub("653", "a") == ["Sino-Soviet relations", "Xinjiang", "Moscow"] and sub("650", "a") == []
    assert sub("534", "t")[0].startswith("Jianguo yilai Liu Shaoqi wengao") and sub("773", "t") == []
    assert sub("830", "a") == []
    urls = sub("856", "u")
    assert "http://muniment.test/records/113439" in urls and "http://muniment.test/iiif/113439/manifest" in urls
    translated = harvester.get(verb="GetRecord", identifier=PREFIX + "300451", metadataPrefix="marc21")
    field = translated.find(".//marc:datafield[@tag='041']", NS)
    assert field.get("ind1") == "1"
    # a Russian transcript and its English translation: both texts in $a, the original's language in $h
    assert [(s.get("code"), s.text) for s in field.iterfind("marc:subfield", NS)] == [
        ("a", "rus"), ("a", "eng"), ("h", "rus")]
    assert translated.findtext(".//marc:controlfield[@tag='008']", namespaces=NS)[35:38] == "rus"


def test_mods_record_info_locations_and_conditions(harvester):
    root = harvester.get(verb="GetRecord", identifier=PREFIX + "memo-1962-reading-room", metadataPrefix="mods")
    mods = root.find(".//mods:mods", NS)
    info = mods.find("mods:recordInfo", NS)
    assert info.findtext("mods:recordContentSource", namespaces=NS) == AGENCY
    datestamp = root.findtext(".//o:header/o:datestamp", namespaces=NS)
    assert info.findtext("mods:recordChangeDate", namespaces=NS) == datestamp
    assert info.find("mods:recordCreationDate", NS).get("encoding") == "w3cdtf"
    assert info.findtext("mods:languageOfCataloging/mods:languageTerm", namespaces=NS) == "eng"
    held = mods.find("mods:location[mods:shelfLocator]", NS)
    assert held.findtext("mods:physicalLocation", namespaces=NS) == "Muniment sample archive"
    assert held.findtext("mods:shelfLocator", namespaces=NS) == "MSA/LIB/3/17"
    conditions = {(e.get("type"), e.text) for e in mods.iterfind("mods:accessCondition", NS)}
    assert ("restriction on access", "Open to all readers.") in conditions
    assert ("use and reproduction", "Copies may be made for research.") in conditions
    assert [e.text for e in mods.iterfind(".//mods:internetMediaType", NS)] == ["text/plain"]
    assert mods.find("mods:relatedItem[@type='host']", NS) is None
    assert [e.get("type") for e in mods.iterfind("mods:relatedItem", NS)] == ["otherVersion", "otherVersion"]
    cable = harvester.get(verb="GetRecord", identifier=PREFIX + "113439", metadataPrefix="mods")
    assert [e.get("type") for e in cable.iterfind(".//mods:relatedItem", NS)] == ["original"]
    album = harvester.get(verb="GetRecord", identifier=PREFIX + "album-194x", metadataPrefix="mods")
    assert album.findtext(".//mods:typeOfResource", namespaces=NS) == "still image"
    dc = harvester.get(verb="GetRecord", identifier=PREFIX + "album-194x", metadataPrefix="oai_dc")
    assert [e.text for e in dc.iterfind(".//dc:type", NS)] == ["StillImage"]


def test_qualified_dc_terms(harvester):
    root = harvester.get(verb="GetRecord", identifier=PREFIX + "300451", metadataPrefix="qdc")
    qdc = root.find(".//qdc:qualifieddc", NS)
    assert qdc.findtext("dcterms:provenance", namespaces=NS) is None  # the sample has no "Printed from" line
    assert qdc.findtext("dcterms:bibliographicCitation", namespaces=NS).startswith('"Letter, Soviet Consul')
    assert [e.text for e in qdc.iterfind("dcterms:hasVersion", NS)] == [
        "http://muniment.test/records/300451/ru", "http://muniment.test/records/300451/en"]
    assert [e.text for e in qdc.iterfind("dcterms:language", NS)] == ["ru", "en"]


def test_get_record_errors(harvester):
    unknown_format = harvester.get(verb="GetRecord", identifier=PREFIX + "113439", metadataPrefix="ead")
    assert error_codes(unknown_format) == ["cannotDisseminateFormat"]
    assert request_attributes(unknown_format)["metadataPrefix"] == "ead"
    for identifier in [PREFIX + "nothing", "oai:other.example:113439", "113439", PREFIX + "draft"]:
        root = harvester.get(verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
        assert error_codes(root) == ["idDoesNotExist"], identifier


@pytest.mark.parametrize("identifier", ["gone", "hidden"])
def test_deleted_and_unpublished_records_are_reported_deleted(harvester, identifier):
    root = harvester.get(verb="GetRecord", identifier=PREFIX + identifier, metadataPrefix="oai_dc")
    record = root.find("o:GetRecord/o:record", NS)
    assert record.find("o:header", NS).get("status") == "deleted"
    assert record.find("o:metadata", NS) is None


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
@pytest.mark.parametrize("prefix", FORMATS)
def test_full_list_pages_with_tokens(harvester, verb, prefix):
    items, tokens = harvester.walk(verb, metadataPrefix=prefix)
    ids = identifiers(items)
    assert len(ids) == len(set(ids)) == 9  # 5 sample files (+ seed sample), noisy, gone, hidden; no draft
    assert PREFIX + "draft" not in ids
    assert [int(t.get("cursor")) for t in tokens] == [0, 3, 6]
    assert {t.get("completeListSize") for t in tokens} == {"9"}
    assert tokens[-1].text is None and tokens[-1].get("expirationDate") is None
    for token in tokens[:-1]:
        expires = datetime.strptime(token.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
        assert expires - datetime.utcnow() > timedelta(hours=24)
    deleted = {i for i, item in zip(ids, items)
               if (item.find("o:header", NS) if verb == "ListRecords" else item).get("status") == "deleted"}
    assert deleted == {PREFIX + "gone", PREFIX + "hidden"}


def test_sets_select_their_subsets(harvester):
    items, _ = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc", set="cold-war")
    assert identifiers(items) == [PREFIX + "113439"]
    items, _ = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc", set="cold-war:sino-soviet")
    assert identifiers(items) == [PREFIX + "113439"]
    items, _ = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc", set="samples")
    assert sorted(identifiers(items)) == [PREFIX + "album-194x", PREFIX + "memo-1962-reading-room"]
    assert error_codes(harvester.get(verb="ListRecords", metadataPrefix="oai_dc", set="nothing")) == ["noRecordsMatch"]


def test_from_and_until_are_inclusive(repository, harvester):
    store = repository[0].extensions["muniment"]["store"]
    stamp = store.records.get("113439").datestamp
    exact = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    items, _ = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc", from_=exact, until=exact)
    assert PREFIX + "113439" in identifiers(items)
    day = stamp.strftime("%Y-%m-%d")
    items, _ = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc", from_=day, until=day)
    assert len(items) == 9  # a day-only until covers the whole day
    later = (stamp + timedelta(days=2)).strftime("%Y-%m-%d")
    assert error_codes(harvester.get(verb="ListRecords", metadataPrefix="oai_dc", from_=later)) == ["noRecordsMatch"]
    earlier = (stamp - timedelta(days=2)).strftime("%Y-%m-%d")
    assert error_codes(harvester.get(verb="ListRecords", metadataPrefix="oai_dc", until=earlier)) == ["noRecordsMatch"]


@pytest.mark.parametrize("query, code", [
    ("", "badVerb"),
    ("verb=Explode", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&extra=1", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-13-45", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01T00:00:00.5Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2030-01-01T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc", "badArgument"),
])
def test_bad_verbs_and_arguments_echo_no_attributes(harvester, query, code):
    root = harvester.raw(query)
    assert error_codes(root) == [code]
    assert request_attributes(root) == {}


def test_bad_resumption_tokens(repository, harvester):
    app, _ = repository
    _, tokens = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc")
    good = tokens[0].text
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for token in ["garbage", tampered]:
        root = harvester.get(verb="ListIdentifiers", resumptionToken=token)
        assert error_codes(root) == ["badResumptionToken"]
        assert request_attributes(root) == {"verb": "ListIdentifiers", "resumptionToken": token}
    assert error_codes(harvester.get(verb="ListRecords", resumptionToken=good)) == ["badResumptionToken"]

    tokens_then = Tokens(app.config["SECRET_KEY"])
    signer_class = tokens_then.serializer.signer

    class OldSigner(signer_class):
        def get_timestamp(self):
            return int(time.time()) - 3 * 24 * 3600

    tokens_then.serializer.signer = OldSigner
    query = Tokens(app.config["SECRET_KEY"]).read(good, "ListIdentifiers")
    expired = tokens_then.issue(query, query.after, query.cursor)
    assert error_codes(harvester.get(verb="ListIdentifiers", resumptionToken=expired)) == ["badResumptionToken"]


def test_control_characters_never_reach_the_response(harvester):
    for prefix in FORMATS:
        root = harvester.get(verb="GetRecord", identifier=PREFIX + "noisy", metadataPrefix=prefix)
        assert error_codes(root) == []
    root = harvester.get(verb="GetRecord", identifier=PREFIX + "noisy", metadataPrefix="oai_dc")
    assert "bell and escape characters & <markup>" in [e.text for e in root.iterfind(".//dc:description", NS)]
    # Arguments are echoed only when well-formed: a control character makes the request a badArgument.
    root = harvester.raw("verb=GetRecord&metadataPrefix=oai_dc&identifier=bad%01id%22%3C")
    assert error_codes(root) == ["badArgument"] and request_attributes(root) == {}
    root = harvester.raw("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:%22%3C%26")
    assert error_codes(root) == ["idDoesNotExist"] and request_attributes(root)["identifier"] == 'oai:x:"<&'
    root = harvester.raw("verb=ListRecords&metadataPrefix=a%20b")
    assert error_codes(root) == ["badArgument"]


def test_no_set_hierarchy_and_empty_repository(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path, OAI_REPOSITORY_ID=REPO_ID)
    harvester = Harvester(app.test_client(), tmp_path)
    assert error_codes(harvester.get(verb="ListSets")) == ["noSetHierarchy"]
    assert error_codes(harvester.get(verb="ListRecords", metadataPrefix="oai_dc", set="a")) == ["noSetHierarchy"]
    assert error_codes(harvester.get(verb="ListIdentifiers", metadataPrefix="oai_dc")) == ["noRecordsMatch"]
    harvester.get(verb="Identify")
    app.extensions["muniment"]["store"].engine.dispose()
