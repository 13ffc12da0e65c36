"""The seed-format importer: every fact of the seed lands in the record, variants parse, bad files fail clearly."""
from __future__ import annotations

import re

import pytest

from metadata.importers import archive_file

from metadata.record import validation
from metadata.importers.archive_file import SeedFormatError, parse, parse_date_phrase
from metadata.record.urls import STORED

from tests.support.paths import sample_file, seed_file


def contents_after(text: str, entry: str) -> str:
    """The seed's contents section after its 'Translation - English' line, as docs/architecture.md ("Importers") defines."""
    contents = text.split("#### **Contents:**", 1)[1]
    return contents.split(entry, 1)[1].strip("\n")


@pytest.fixture(scope="module")
def cable() -> dict:
    return archive_file.parse_file(seed_file())


def test_seed_record_is_valid(cable):
    assert validation.validate(cable) == []


def test_seed_identity_date_title(cable):
    assert cable["identifier"] == "113439"
    assert cable["id"] == STORED.record("113439")
    assert cable["created"] == "1949-07-18"
    assert cable["title"] == {"en": "Cable, Liu Shaoqi to Mao Zedong"}
    assert cable["type"] == ["Text", "Record"]


def test_seed_citation_parts(cable, seed_text):
    citation_line = next(line for line in seed_text.splitlines() if line.startswith('"Cable,'))
    assert cable["bibliographicCitation"] == citation_line.strip()
    assert cable["publisher"] == {"type": "Organization", "name": {"en": "Wilson Center Digital Archive"}}
    assert cable["page"] == "https://wilson-center-digital-archive.dvincitest.com/document/113439"
    source = cable["source"]
    assert source["type"] == "BibliographicResource"
    assert source["title"] == {"zh-Latn-pinyin": "Jianguo yilai Liu Shaoqi wengao",
                               "en": "Liu Shaoqi's Manuscripts since the Founding of the PRC"}
    assert source["volume"] == "1"
    assert source["place"] == "Beijing"
    assert source["publisher"]["name"] == {"zh-Latn-pinyin": "Zhongyang wenxian chubanshe"}
    assert source["issued"] == "2005"
    assert source["pages"] == "30-37"


def test_seed_summary_and_languages(cable, seed_text):
    summary = seed_text.split("#### **Summary:**", 1)[1].split("####", 1)[0].strip()
    assert cable["abstract"] == {"en": summary}
    assert cable["language"] == ["lang:zh"]
    (version,) = cable["hasVersion"]
    assert version["language"] == ["lang:en"]
    assert version["versionLabel"] == "Translation - English"
    assert version["isVersionOf"] == cable["id"] and version["translationOfWork"] == cable["id"]
    assert version["format"] == "https://www.iana.org/assignments/media-types/text/markdown"  # record format 2
    assert version["title"] == {"en": "A Telegram about the Meeting of Stalin with the Chinese Communist Party's Delegation"}


def test_seed_text_is_the_whole_contents_section(cable, seed_text):
    text = cable["hasVersion"][0]["text"]
    assert text == contents_after(seed_text, "Translation - English")
    assert "#### b. Regarding the matter of people's democratic dictatorship" in text
    assert "Wang Jiaxiang]" in text and text.endswith("[...]")
    assert "Printed from an original revised and approved by Liu Shaoqi." in text


def test_seed_translator_and_provenance(cable):
    version = cable["hasVersion"][0]
    assert [a["name"] for a in version["contributor"]] == [{"en": "David Wolff"}]
    assert version["qualifiedAttribution"] == [{"type": "Attribution", "agent": version["contributor"][0]["id"],
                                                "hadRole": "relators:trl"}]
    assert cable["provenance"] == {"type": "ProvenanceStatement",
                                   "label": {"en": "Printed from an original revised and approved by Liu Shaoqi."}}


def test_seed_signatories_are_creators_with_roles(cable):
    names = {c["id"]: c["name"]["en"] for c in cable["creator"]}
    roles = {names[a["agent"]]: a["hadRole"] for a in cable["qualifiedAttribution"]}
    assert roles == {"Liu Shaoqi": "relators:aut", "Gao Gang": "relators:sgn", "Wang Jiaxiang": "relators:sgn"}
    assert [a["name"]["en"] for a in cable["addressee"]] == ["Mao Zedong"]


def test_sample_with_transcript_scan_and_circa_date():
    record = archive_file.parse_file(sample_file())
    assert validation.validate(record) == []
    assert record["created"] == "1955~"
    assert record["identifier"] == "300451"
    assert record["language"] == ["lang:ru"]
    transcript, translation = record["hasVersion"]
    assert transcript["language"] == ["lang:ru"] and "translationOfWork" not in transcript
    assert "contributor" not in transcript
    assert transcript["text"].startswith("ПИСЬМО\n\n(с. 1)") and transcript["text"].endswith("Генеральный консул")
    assert translation["language"] == ["lang:en"] and "(p. 2)" in translation["text"]
    assert [c["name"]["en"] for c in translation["contributor"]] == ["Pavel Ivanov"]
    assert record["existenceOfCopies"] == {"en": "Scan of Original Document"}
    assert record["source"]["title"]["ru-Latn"] == "Sbornik dokumentov po istorii Sinczyana"


@pytest.mark.parametrize("phrase, edtf", [
    ("July 18, 1949", "1949-07-18"), ("March 1950", "1950-03"), ("1950", "1950"), ("c. 1955", "1955~"),
    ("July 18-20, 1949", "1949-07-18/1949-07-20"), ("18 July 1949", "1949-07-18"), ("1940s", "194X"),
    ("ca. March 1950", "1950-03~"),
])
def test_date_phrases(phrase, edtf):
    assert parse_date_phrase(phrase) == edtf


def _document(date="March 1950", title="Memorandum, Ivan Petrov to Wang Ming", citation=None, summary=True,
              language="Russian", contents="Translation - English\n\nMEMORANDUM\n\nText of the memo.\n\nIvan Petrov"):
    citation = citation if citation is not None else (
        f'"{title}", {date}, Wilson Center Digital Archive, AVP RF, f. 0100, op. 43, d. 43, p. 302, ll. 1-2. '
        "Translated by Anna Lee and Sergey Radchenko.  \n<https://wilson-center-digital-archive.dvincitest.com/document/777>")
    parts = [f"## **{date}**", f"### **{title}**", "#### **Citation:**", citation]
    if summary:
        parts += ["#### **Summary:**", "A memorandum written for this test."]
    parts += ["#### **Original Language:**", language, "#### **Contents:**", contents]
    return "\n\n".join(parts) + "\n"


def test_variant_archival_reference_two_translators_month_date():
    record = parse(_document())
    assert validation.validate(record) == []
    assert record["created"] == "1950-03"
    assert record["source"] == {"type": "ArchivalResource",
                                "label": "AVP RF, f. 0100, op. 43, d. 43, p. 302, ll. 1-2",
                                "identifier": "AVP RF, f. 0100, op. 43, d. 43, p. 302, ll. 1-2"}
    names = [c["name"]["en"] for c in record["hasVersion"][0]["contributor"]]
    assert names == ["Anna Lee", "Sergey Radchenko"]
    roles = {a["hadRole"] for a in record["hasVersion"][0]["qualifiedAttribution"]}
    assert roles == {"relators:trl"}


def test_variant_no_summary_no_url_several_languages_year_only():
    citation = '"Memorandum, Ivan Petrov to Wang Ming", 1950, Wilson Center Digital Archive, AVP RF, f. 1, op. 2.'
    record = parse(_document(date="1950", citation=citation, summary=False, language="Russian, Chinese"))
    assert validation.validate(record) == []
    assert "abstract" not in record and "page" not in record
    assert record["language"] == ["lang:ru", "lang:zh"]
    assert record["created"] == "1950"
    assert re.fullmatch(r"1950-memorandum-ivan-petrov-to-wang-ming", record["identifier"])


def test_variant_scan_only_record_has_no_text():
    record = parse(_document(contents="Scan of Original Document\n"))
    assert "hasVersion" not in record
    assert record["existenceOfCopies"] == {"en": "Scan of Original Document"}


@pytest.mark.parametrize("text, line, message", [
    ("### **A title**\n\n#### **Summary:**\n\nx\n", 1, "missing the date heading"),
    ("## **July 18, 1949**\n\n#### **Summary:**\n\nx\n", 1, "missing the title heading"),
    ("## **Juli 18, 1949**\n\n### **T**\n", 1, "cannot read the date"),
    ("## **1950**\n\n### **T**\n\n#### **Citation:**\n\nno quotes here\n", 7, "quoted title"),
    ("## **1950**\n\n### **T**\n\n#### **Original Language:**\n\nKlingonese\n", 7, "Klingonese"),
    ("## **1950**\n\n### **T**\n\n#### **Contents:**\n\nTranslation - English\n", 7, "no text follows"),
    ("## **1950**\n\n### **T**\n\n#### **Remarks:**\n\nx\n", 5, "unknown section"),
    ("## **1950**\n\n### **T**\n\n#### **Contents:**\n\nSomething else\n\ntext\n", 7, "unrecognised contents entry"),
])
def test_malformed_files_name_the_line(text, line, message):
    with pytest.raises(SeedFormatError) as caught:
        parse(text, "bad.txt")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"bad.txt:{line}: ")


def test_windows_line_endings_are_normalised(seed_text, cable):
    assert parse(seed_text.replace("\n", "\r\n")) == cable
