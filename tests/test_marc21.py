"""MARC 21 by the cataloguing rules: marc-lint finds nothing, and pymarc reads what MARC::Lint does not check.

Every record of samples/ and the seed is serialized, validated against MARC21slim.xsd, parsed with pymarc
and linted with ``marc-lint`` (the Python port of MARC::Lint); the assertions below cover what the linter
leaves alone (LDR/18, 6XX indicators, $4, 856 $u, 008 against 041, the RDA date forms).
"""
from __future__ import annotations

import copy
import io
from datetime import datetime

import pymarc
import pytest
from marc_lint import MarcLint

from metadata.formats import marc21, rda
from metadata.importers import files
from metadata.record import describe
from metadata.record.stamps import Stamps
from server import config
from tests.support import xsd
from tests.support.paths import REPO, seed_file

STAMPS = Stamps(entered=datetime(2024, 3, 5, 9, 30, 0), changed=datetime(2026, 1, 2, 3, 4, 5))
AGENCY = "UkMun"
SAMPLES = sorted(p for p in (REPO / "samples").iterdir() if p.suffix in (".txt", ".jsonld"))


def _records() -> list[tuple[str, dict]]:
    """Every record of samples/ (the seed, from the shared directory, is added by ``_with_seed``)."""
    return [(path.name, record) for path in SAMPLES for record in files.read_file(path)]


def _marc(record: dict, stamps: Stamps = STAMPS) -> pymarc.Record:
    xml = marc21.marc21(record, stamps, AGENCY)
    xsd.assert_valid(xml, xsd.MARC)
    parsed = pymarc.parse_xml_to_array(io.BytesIO(xml.encode("utf-8")))
    assert len(parsed) == 1
    return parsed[0]


RECORDS = _records()
IDS = [f"{name}:{record['identifier']}" for name, record in RECORDS]
WITH_SEED = [r for _, r in RECORDS] + ["seed"]


def _with_seed(record):
    """A parameter of WITH_SEED as a record: "seed" is read (or the test skipped) when the test runs."""
    return _seed() if record == "seed" else copy.deepcopy(record)


def _record(identifier: str) -> dict:
    return copy.deepcopy(next(r for _, r in RECORDS if r["identifier"] == identifier))


def _seed() -> dict:
    return copy.deepcopy(files.read_file(seed_file())[0])


def _subfields(marc: pymarc.Record, tag: str, code: str) -> list[str]:
    return [value for field in marc.get_fields(tag) for value in field.get_subfields(code)]


@pytest.mark.parametrize("record", WITH_SEED, ids=IDS + ["seed"])
def test_marc_lint_finds_nothing(record):
    record = _with_seed(record)
    linter = MarcLint()
    warnings = linter.check_record(_marc(record))
    assert [str(w) for w in warnings] == []


@pytest.mark.parametrize("record", WITH_SEED, ids=IDS + ["seed"])
def test_control_fields_leader_and_cataloguing_source(record):
    record = _with_seed(record)
    marc = _marc(record)
    leader = str(marc.leader)
    assert leader[5:10] == "n" + marc21.TYPES[describe.record_type(record)][0] + leader[7] + "aa"
    assert leader[17:20] == " i "  # full level, ISBD punctuation
    assert marc["001"].data == record["identifier"] and marc["003"].data == AGENCY
    assert marc["005"].data == "20260102030405.0"
    fixed = marc["008"].data
    assert len(fixed) == 40 and fixed[:6] == "240305" and fixed[15:18] == "xx " and fixed[38:] == " d"
    assert str(rda.fixed_dates(record["created"])) == fixed[6:15]
    field = marc["040"]
    assert field.get_subfields("a", "b", "e", "c") == [AGENCY, "eng", "rda", AGENCY]
    assert _subfields(marc, "336", "2") == ["rdacontent"] and _subfields(marc, "337", "2") == ["rdamedia"]
    assert _subfields(marc, "338", "2") == ["rdacarrier"]
    languages = _subfields(marc, "041", "a")
    assert fixed[35:38] == (languages[0] if languages else "und")


@pytest.mark.parametrize("record", WITH_SEED, ids=IDS + ["seed"])
def test_names_terms_links_and_title(record):
    record = _with_seed(record)
    marc = _marc(record)
    for field in marc.get_fields("100", "110", "700", "710"):
        assert field.get_subfields("e") and field.get_subfields("4"), str(field)
        assert len(field.get_subfields("e")) == len(field.get_subfields("4"))
        assert field.get_subfields("e")[-1].endswith(".")
    for field in marc.get_fields("650", "651", "648"):
        assert field.indicator2 == "7" and field.get_subfields("2"), str(field)
    assert marc.get_fields("830") == [] and marc.get_fields("773") == []
    assert all(field.get_subfields("u") for field in marc.get_fields("856"))
    title = marc["245"]
    assert title.get_subfields("a")[0].endswith(".")


def test_seed_languages_dates_and_translation_source():
    marc = _marc(_seed())
    assert marc["008"].data[35:38] == "eng"
    field = marc["041"]
    assert field.indicator1 == "1" and field.get_subfields("a") == ["eng"] and field.get_subfields("h") == ["chi"]
    assert str(marc.leader)[6] == "t"
    assert marc["008"].data[6:15] == "s1949    "
    assert _subfields(marc, "264", "c") == ["[1949 July 18]"]
    source = marc["534"]
    assert source.get_subfields("p") == ["Translation of:"]
    assert source.get_subfields("t")[0].startswith("Jianguo yilai Liu Shaoqi wengao")
    assert source.get_subfields("c") == ["Beijing : Zhongyang wenxian chubanshe, 2005"]
    assert _subfields(marc, "100", "a") == ["Liu Shaoqi,"] and marc["100"].indicator1 == "0"
    assert _subfields(marc, "100", "4") == ["aut"]
    assert ("David Wolff,", "trl") in [(f.get_subfields("a")[0], f.get_subfields("4")[0]) for f in marc.get_fields("700")]
    assert ("Mao Zedong,", "rcp") in [(f.get_subfields("a")[0], f.get_subfields("4")[0]) for f in marc.get_fields("700")]
    assert _subfields(marc, "245", "a") == ["Cable, Liu Shaoqi to Mao Zedong."]
    assert marc.get_fields("561") == []  # "Printed from ..." is no custodial history
    assert _subfields(marc, "500", "a")[-1] == "Printed from an original revised and approved by Liu Shaoqi."


def test_memo_isad_fields_sort_names_and_uncontrolled_terms():
    marc = _marc(_record("memo-1962-reading-room"))
    languages = marc["041"]
    assert languages.indicator1 == "1" and languages.get_subfields("a") == ["eng", "chi", "rus"]
    assert languages.get_subfields("h") == ["eng"] and marc["008"].data[35:38] == "eng"
    author = marc["100"]
    assert author.indicator1 == "1" and author.get_subfields("a", "e", "4") == ["Hale, Margaret,", "author.", "aut"]
    belov = next(f for f in marc.get_fields("700") if f.get_subfields("a")[0].startswith("Belov"))
    assert belov.indicator1 == "1"
    assert marc["710"].indicator1 == "2" and marc["710"].get_subfields("4") == ["rcp"]
    assert [(f.indicator2, f["a"]) for f in marc.get_fields("653")] == [("0", "Libraries"), ("5", "Leeds"),
                                                                        ("4", "1960s")]
    assert _subfields(marc, "506", "a") == ["Open to all readers."]
    assert "Copies may be made for research." in _subfields(marc, "540", "a")
    assert _subfields(marc, "540", "u") == ["http://creativecommons.org/licenses/by/4.0/"]
    assert _subfields(marc, "535", "a") == ["Muniment sample archive, strong room B."]
    assert marc["535"].indicator1 == "1"
    assert _subfields(marc, "561", "a") == ["Kept in the library committee's minute files until transferred in 1990."]
    assert marc["852"].get_subfields("a", "j") == ["Muniment sample archive", "MSA/LIB/3/17"]
    assert _subfields(marc, "300", "a") == ["1 leaf"]
    assert _subfields(marc, "246", "a") == ["关于阅览室开放时间的备忘录", "Записка о расписании читального зала"]


def test_album_is_a_still_image_dated_by_decade():
    marc = _marc(_record("album-194x"))
    assert str(marc.leader)[6:8] == "km"
    assert marc["008"].data[6:15] == "q19401949" and marc["008"].data[33] == "i"
    assert _subfields(marc, "264", "c") == ["[between 1940 and 1949?]"]
    assert marc["336"].get_subfields("a", "b") == ["still image", "sti"]
    assert _subfields(marc, "300", "a") == ["1 album (42 photographic prints)"]
    assert marc.get_fields("041") == [] and marc["008"].data[35:38] == "und"


def test_archival_reference_goes_to_852_not_534():
    marc = _marc(_record("1951-03-letter-anna-sokolova-to-the-irkutsk-regional-library"))
    assert marc.get_fields("534") == []
    assert _subfields(marc, "852", "j") == ["Muniment sample collection, fond 12, opis 3, delo 45, listy 7-8"]
    assert marc["852"]["a"] == "Muniment Sample Archive"


@pytest.mark.parametrize("created, statement, fixed", [
    ("1949", "[1949]", "s1949    "),
    ("1949-07-18", "[1949 July 18]", "s1949    "),
    ("1951-03", "[1951 March]", "s1951    "),
    ("194X", "[between 1940 and 1949?]", "q19401949"),
    ("19XX", "[between 1900 and 1999?]", "q19001999"),
    ("1955~", "[approximately 1955]", "q19551955"),
    ("1955?", "[1955?]", "q19551955"),
    ("1955%", "[approximately 1955?]", "q19551955"),
    ("1940/1949", "[1940-1949]", "q19401949"),
    ("1949-07-18/1949-07-20", "[1949 July 18-1949 July 20]", "q19491949"),
    ("XXXX", "[date of production not identified]", "nuuuuuuuu"),
    ("../1950", "[not after 1950]", "quuuu1950"),
    ("1962/..", "[not before 1962]", "q1962uuuu"),
])
def test_264_is_an_rda_statement_and_008_codes_the_same_date(created, statement, fixed):
    record = _seed()
    record["created"] = created
    marc = _marc(record)
    assert _subfields(marc, "264", "c") == [statement]
    assert marc["008"].data[6:15] == fixed
    assert MarcLint().check_record(marc) == []


def test_registered_vocabularies_and_authority_links():
    record = copy.deepcopy(files.read_file(REPO / "samples" / "cable-113439.jsonld")[0])
    record["subject"].append({"id": "http://id.loc.gov/authorities/subjects/sh85029552", "type": "Concept",
                              "prefLabel": {"en": "Communism"}})
    record["creator"][0]["sameAs"] = ["http://id.loc.gov/authorities/names/n80126364",
                                      "http://www.wikidata.org/entity/Q180875"]
    marc = _marc(record)
    lcsh = marc["650"]
    assert lcsh.indicator2 == "7" and lcsh.get_subfields("a", "2", "0") == [
        "Communism.", "lcsh", "http://id.loc.gov/authorities/subjects/sh85029552"]
    assert [f["a"] for f in marc.get_fields("653")] == ["Sino-Soviet relations", "Xinjiang", "Moscow"]
    assert marc["100"].get_subfields("0", "1") == ["http://id.loc.gov/authorities/names/n80126364",
                                                   "http://www.wikidata.org/entity/Q180875"]
    assert MarcLint().check_record(marc) == []


def test_nonfiling_article_and_text_from_source():
    record = _seed()
    record["title"] = {"en": "The cable of 18 July"}
    for version in record["hasVersion"]:
        version.pop("translationOfWork", None)
    marc = _marc(record)
    assert marc["245"].indicator2 == "4" and marc["245"]["a"] == "The cable of 18 July."
    assert marc["534"]["p"] == "Text from:" and marc["041"].indicator1 == "0"
    assert MarcLint().check_record(marc) == []


def test_stamps_default_to_now_for_direct_calls():
    marc = _marc(_seed(), stamps=None)
    assert marc["008"].data[:6] == datetime.utcnow().strftime("%y%m%d")


def test_cataloguing_agency_setting_is_checked(tmp_path):
    assert config.load(tmp_path, {"CATALOGING_AGENCY": "UkLeU"}).cataloging_agency == "UkLeU"
    assert config.load(tmp_path).cataloging_agency == "muniment"
    with pytest.raises(ValueError, match="MUNIMENT_CATALOGING_AGENCY"):
        config.load(tmp_path, {"CATALOGING_AGENCY": "not a code!"})
