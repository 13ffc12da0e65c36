"""MARCXML, MODS and qualified DC field by field, straight from the serializers (test_oai sees a few fields
through HTTP): records come from the archive's text format (the seed and a memorandum written here), every
document is validated against its XSD, and the values asserted are the exact ones a catalogue would load."""
from __future__ import annotations

import pytest

from metadata.formats import marc21, mods, qualified_dc
from metadata.importers import archive_file

from tests.support import xsd
from tests.support.paths import seed_file

NS = {"marc": marc21.MARC, "mods": mods.MODS, "dcterms": qualified_dc.DCTERMS, "qdc": qualified_dc.NAMESPACE,
      "xlink": mods.XLINK, "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STORED = "https://muniment.invalid/"
MEMO = """## **March 3-5, 1962**

### **Memorandum, Ministry of Foreign Affairs of the USSR to the Embassy in Beijing**

#### **Citation:**

"Memorandum, Ministry of Foreign Affairs of the USSR to the Embassy in Beijing", March 3-5, 1962, Wilson Center \
Digital Archive, Arkhiv vneshnei politiki (Archive of Foreign Policy), vol. 7 (Moscow: Nauka, 1999), 12-14. \
Translated by Anna Petrova and Li Wei.  
<https://wilson-center-digital-archive.dvincitest.com/document/777001>

#### **Summary:**

The ministry asks the embassy to report on the library exchange.

#### **Original Language:**

Russian

#### **Contents:**

Transcript - Russian
Translation - English
Translation - Chinese

##### Transcript - Russian

ПАМЯТНАЯ ЗАПИСКА

Посольству в Пекине.

##### Translation - English

MEMORANDUM

To the Embassy in Beijing.

##### Translation - Chinese

备忘录

致驻北京大使馆。
"""


@pytest.fixture(scope="module")
def seed() -> dict:
    return archive_file.parse_file(seed_file())


@pytest.fixture(scope="module")
def memo(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("formats") / "memo.txt"
    path.write_text(MEMO, "utf-8")
    return archive_file.parse_file(path)


@pytest.fixture(scope="module")
def qdc_schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("qdc") / "qualifieddc.xsd"
    path.write_text(qualified_dc.schema_text(), "utf-8")
    return xsd.qualified_dc(path)


# ------------------------------------------------------------------------------------------ MARC 21
def _marc(record: dict):
    return xsd.assert_valid(marc21.marc21(record), xsd.MARC)


def _fields(marc, tag: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Each ``tag`` data field as (ind1, ind2, [(code, value), ...])."""
    return [(f.get("ind1"), f.get("ind2"), [(s.get("code"), s.text) for s in f.iterfind("marc:subfield", NS)])
            for f in marc.iterfind(f"marc:datafield[@tag='{tag}']", NS)]


def _control(marc, tag: str) -> str:
    return marc.find(f"marc:controlfield[@tag='{tag}']", NS).text


def test_marc_seed(seed):
    marc = _marc(seed)
    assert marc.findtext("marc:leader", namespaces=NS) == "00000ntmaa2200000 i 4500"  # ISBD punctuation
    assert len(marc.findtext("marc:leader", namespaces=NS)) == 24
    assert _control(marc, "001") == "113439"
    fixed = _control(marc, "008")
    assert len(fixed) == 40
    assert fixed[6] == "s" and fixed[7:11] == "1949" and fixed[11:15] == "    "  # single known date
    assert fixed[15:17] == "xx" and fixed[35:38] == "eng" and fixed[39] == "d"  # the text carried is English
    assert _fields(marc, "041") == [("1", " ", [("a", "eng"), ("h", "chi")])]  # a translation, from Chinese
    assert _fields(marc, "100") == [("0", " ", [("a", "Liu Shaoqi,"), ("e", "author."), ("4", "aut")])]
    assert _fields(marc, "110") == []
    assert _fields(marc, "700") == [
        ("0", " ", [("a", "Gao Gang,"), ("e", "signer."), ("4", "sgn")]),
        ("0", " ", [("a", "Wang Jiaxiang,"), ("e", "signer."), ("4", "sgn")]),
        ("0", " ", [("a", "Mao Zedong,"), ("e", "addressee."), ("4", "rcp")]),
        ("0", " ", [("a", "David Wolff,"), ("e", "translator."), ("4", "trl")]),
    ]
    assert _fields(marc, "245") == [("1", "0", [("a", "Cable, Liu Shaoqi to Mao Zedong.")])]
    assert _fields(marc, "264") == [(" ", "0", [("c", "[1949 July 18]")])]
    assert _fields(marc, "520") == [(" ", " ", [("a", seed["abstract"]["en"])])]
    assert _fields(marc, "520")[0][2][0][1].startswith("A committee to write up a preliminary draft")
    assert _fields(marc, "546") == [(" ", " ", [("a", "Original in Chinese; translation in English.")])]
    assert _fields(marc, "773") == []  # the printed edition is no host item
    assert _fields(marc, "534") == [(" ", " ", [
        ("p", "Translation of:"),
        ("t", "Jianguo yilai Liu Shaoqi wengao = Liu Shaoqi's Manuscripts since the Founding of the PRC."),
        ("c", "Beijing : Zhongyang wenxian chubanshe, 2005"), ("n", "Volume 1, pages 30-37.")])]
    assert _fields(marc, "856") == [
        ("4", "0", [("u", f"{STORED}records/113439"), ("y", "Record")]),
        ("4", "1", [("u", f"{STORED}iiif/113439/manifest"), ("q", "application/ld+json"), ("y", "IIIF manifest")]),
        ("4", "2", [("u", "https://wilson-center-digital-archive.dvincitest.com/document/113439"),
                    ("y", "Archive page")]),
    ]
    tags = [f.get("tag") for f in marc.iterfind("marc:datafield", NS)]
    assert tags == sorted(tags)  # MARC wants fields in tag order


def test_marc_memorandum_from_an_organization_in_translation(memo):
    marc = _marc(memo)
    assert _control(marc, "001") == "777001"
    fixed = _control(marc, "008")
    assert fixed[6:15] == "q19621962" and fixed[35:38] == "rus"  # a range of days: questionable date, one year
    # the Russian transcript and both translations are carried: every text's language in $a, the original in $h
    assert _fields(marc, "041") == [("1", " ", [("a", "rus"), ("a", "eng"), ("a", "chi"), ("h", "rus")])]
    assert _fields(marc, "100") == []
    assert _fields(marc, "110") == [("2", " ", [("a", "Ministry of Foreign Affairs of the USSR,"), ("e", "author."),
                                                ("4", "aut")])]
    assert _fields(marc, "700") == [("0", " ", [("a", "Anna Petrova,"), ("e", "translator."), ("4", "trl")]),
                                    ("0", " ", [("a", "Li Wei,"), ("e", "translator."), ("4", "trl")])]
    assert _fields(marc, "710") == [("2", " ", [("a", "Embassy in Beijing,"), ("e", "addressee."), ("4", "rcp")])]
    assert _fields(marc, "245") == [
        ("1", "0", [("a", "Memorandum, Ministry of Foreign Affairs of the USSR to the Embassy in Beijing.")])]
    assert _fields(marc, "264") == [(" ", "0", [("c", "[1962 March 3-1962 March 5]")])]
    assert _fields(marc, "520") == [(" ", " ", [("a", "The ministry asks the embassy to report on the library exchange.")])]
    assert _fields(marc, "546") == [(" ", " ", [("a", "Original in Russian; translation in English, Chinese.")])]
    assert _fields(marc, "561") == []  # no "Printed from" line in this document
    assert [f[2][0] for f in _fields(marc, "856")] == [
        ("u", f"{STORED}records/777001"), ("u", f"{STORED}iiif/777001/manifest"),
        ("u", "https://wilson-center-digital-archive.dvincitest.com/document/777001")]


@pytest.mark.parametrize("created, expected, statement", [
    ("1949", "s1949    ", "[1949]"), ("1949-07", "s1949    ", "[1949 July]"),
    ("1955~", "q19551955", "[approximately 1955]"), ("195X", "q19501959", "[between 1950 and 1959?]"),
    ("1948/1950", "q19481950", "[1948-1950]"), ("1962-03-03/1962-03-05", "q19621962", "[1962 March 3-1962 March 5]"),
])
def test_marc_008_dates(seed, created, expected, statement):
    marc = _marc(dict(seed, created=created))
    assert _control(marc, "008")[6:15] == expected
    assert _fields(marc, "264") == [(" ", "0", [("c", statement)])]  # an RDA statement, never EDTF


# ------------------------------------------------------------------------------------------ MODS
def _mods(record: dict):
    return xsd.assert_valid(mods.mods(record), xsd.MODS)


def _names(document) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [(n.get("type"), n.findtext("mods:namePart", namespaces=NS),
             [tuple(t.text for t in r.iterfind("mods:roleTerm", NS)) for r in n.iterfind("mods:role", NS)])
            for n in document.iterfind("mods:name", NS)]


def _languages(parent) -> list[tuple[str | None, str]]:
    return [(lang.get("objectPart"), lang.findtext("mods:languageTerm[@authority='iso639-2b'][@type='code']",
                                                  namespaces=NS))
            for lang in parent.iterfind("mods:language", NS)]


def test_mods_seed(seed):
    document = _mods(seed)
    assert document.get("version") == "3.8"
    (title,) = document.iterfind("mods:titleInfo", NS)
    assert title.get(XML_LANG) == "en" and title.findtext("mods:title", namespaces=NS) == seed["title"]["en"]
    assert _names(document) == [
        ("personal", "Liu Shaoqi", [("author", "aut")]),
        ("personal", "Gao Gang", [("signer", "sgn")]),
        ("personal", "Wang Jiaxiang", [("signer", "sgn")]),
        ("personal", "Mao Zedong", [("addressee", "rcp")]),
        ("personal", "David Wolff", [("translator", "trl")]),
    ]
    assert {t.get("authority") for t in document.iterfind(".//mods:roleTerm", NS)} == {"marcrelator"}
    assert _languages(document) == [(None, "chi"), ("translation", "eng")]
    production, distribution = document.iterfind("mods:originInfo", NS)
    assert production.get("eventType") == "production"
    created = production.find("mods:dateCreated", NS)
    assert (created.text, created.get("encoding"), created.get("keyDate")) == ("1949-07-18", "edtf", "yes")
    assert distribution.get("eventType") == "distribution"
    assert distribution.findtext("mods:publisher", namespaces=NS) == "Wilson Center Digital Archive"
    assert document.findtext("mods:typeOfResource", namespaces=NS) == "text"
    assert document.find("mods:typeOfResource", NS).get("manuscript") == "yes"
    # how the text was printed is a plain note; "ownership" is kept for custodial history (MARC 561)
    assert [n.text for n in document.iterfind("mods:note", NS) if n.get("type") is None] == [
        "Printed from an original revised and approved by Liu Shaoqi."]
    assert document.find("mods:note[@type='ownership']", NS) is None
    original = document.find("mods:relatedItem[@type='original']", NS)
    assert [t.findtext("mods:title", namespaces=NS) for t in original.iterfind("mods:titleInfo", NS)] == [
        "Jianguo yilai Liu Shaoqi wengao", "Liu Shaoqi's Manuscripts since the Founding of the PRC"]
    assert original.findtext("mods:originInfo/mods:dateIssued", namespaces=NS) == "2005"
    assert original.findtext("mods:part/mods:detail[@type='volume']/mods:number", namespaces=NS) == "1"
    (version,) = document.iterfind("mods:relatedItem[@type='otherVersion']", NS)
    assert version.get(f"{{{mods.XLINK}}}href") == f"{STORED}records/113439/en"
    assert _languages(version) == [(None, "eng")]
    assert [u.text for u in document.iterfind("mods:location/mods:url", NS)] == [
        f"{STORED}records/113439", f"{STORED}iiif/113439/manifest",
        "https://wilson-center-digital-archive.dvincitest.com/document/113439"]
    assert document.findtext("mods:recordInfo/mods:recordIdentifier", namespaces=NS) == "113439"


def test_mods_memorandum(memo):
    document = _mods(memo)
    assert [t.findtext("mods:title", namespaces=NS) for t in document.iterfind("mods:titleInfo", NS)] == [
        "Memorandum, Ministry of Foreign Affairs of the USSR to the Embassy in Beijing"]
    assert _names(document) == [
        ("corporate", "Ministry of Foreign Affairs of the USSR", [("author", "aut")]),
        ("corporate", "Embassy in Beijing", [("addressee", "rcp")]),
        ("personal", "Anna Petrova", [("translator", "trl")]),
        ("personal", "Li Wei", [("translator", "trl")]),
    ]
    assert _languages(document) == [(None, "rus"), ("translation", "eng"), ("translation", "chi")]
    assert document.findtext("mods:originInfo[@eventType='production']/mods:dateCreated", namespaces=NS) == \
        "1962-03-03/1962-03-05"
    versions = document.findall("mods:relatedItem[@type='otherVersion']", NS)
    assert [(v.findtext("mods:titleInfo/mods:title", namespaces=NS), _languages(v)) for v in versions] == [
        ("MEMORANDUM", [(None, "eng")]), ("备忘录", [(None, "chi")])]
    assert document.find("mods:note[@type='ownership']", NS) is None


# ------------------------------------------------------------------------------------------ qualified DC
def _qdc(record: dict, schema):
    return xsd.assert_valid(qualified_dc.qualified_dc(record), xsd.DCTERMS, schema)


def _terms(document) -> list[tuple[str, str | None, str | None, str]]:
    """Every child as (term, xml:lang, xsi:type, text), in document order."""
    return [(e.tag.split("}")[1], e.get(XML_LANG), e.get(f"{{{NS['xsi']}}}type"), e.text) for e in document]


def test_qualified_dc_seed(seed, qdc_schema):
    document = _qdc(seed, qdc_schema)
    assert document.tag == f"{{{qualified_dc.NAMESPACE}}}qualifieddc"
    assert {e.tag.split("}")[0][1:] for e in document} == {qualified_dc.DCTERMS}
    terms = _terms(document)
    assert terms[:6] == [
        ("title", "en", None, "Cable, Liu Shaoqi to Mao Zedong"),
        ("creator", None, None, "Liu Shaoqi (author)"),  # roles stated as in oai_dc
        ("creator", None, None, "Gao Gang (signer)"),
        ("creator", None, None, "Wang Jiaxiang (signer)"),
        ("contributor", None, None, "David Wolff (translator)"),
        ("created", None, None, "1949-07-18"),
    ]
    assert ("description", "en", None, "Addressee: Mao Zedong") in terms
    assert ("provenance", "en", None, "Printed from an original revised and approved by Liu Shaoqi.") in terms
    assert ("source", None, None, seed["source"]["label"]) in terms
    assert ("type", None, "dcterms:DCMIType", "Text") in terms
    assert ("format", None, "dcterms:IMT", "text/plain") in terms  # what /records/{id}/{lang}.txt serves
    assert [t for t in terms if t[0] == "language"] == [("language", None, "dcterms:RFC4646", "zh"),
                                                        ("language", None, "dcterms:RFC4646", "en")]
    assert [t[3] for t in terms if t[0] == "identifier"] == [
        f"{STORED}records/113439", "https://wilson-center-digital-archive.dvincitest.com/document/113439"]
    assert [t for t in terms if t[0] == "hasVersion"] == [
        ("hasVersion", None, "dcterms:URI", f"{STORED}records/113439/en")]


def test_qualified_dc_memorandum(memo, qdc_schema):
    terms = _terms(_qdc(memo, qdc_schema))
    assert [t[3] for t in terms if t[0] == "creator"] == ["Ministry of Foreign Affairs of the USSR (author)"]
    assert [t[3] for t in terms if t[0] == "contributor"] == ["Anna Petrova (translator)", "Li Wei (translator)"]
    assert ("created", None, None, "1962-03-03/1962-03-05") in terms
    assert ("description", "en", None, "Addressee: Embassy in Beijing") in terms
    assert [t[3] for t in terms if t[0] == "language"] == ["ru", "en", "zh"]
    assert [t[3] for t in terms if t[0] == "hasVersion"] == [
        f"{STORED}records/777001/ru", f"{STORED}records/777001/en", f"{STORED}records/777001/zh"]
    assert not [t for t in terms if t[0] == "provenance"]


def test_invalid_output_would_be_caught(memo, qdc_schema):
    """The validation the tests above lean on does reject a document that breaks the schema."""
    broken = qualified_dc.qualified_dc(memo).replace("dcterms:created", "dcterms:createdOn")
    with pytest.raises(AssertionError, match="not schema-valid"):
        xsd.assert_valid(broken, xsd.DCTERMS, qdc_schema)
    marc = marc21.marc21(memo).replace('tag="245"', 'tag="24"')
    with pytest.raises(AssertionError, match="not schema-valid"):
        xsd.assert_valid(marc, xsd.MARC)
