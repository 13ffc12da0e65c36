"""What the editor suggests while an archivist types, and the same rules without script: languages by name in
English or in the language itself and by code (the rule, and GET /api/languages); an identifier from the reference
code or the title (the rule, GET /api/identifiers/suggestion, a new record saved with the identifier left blank,
and a reference code typed as the identifier offered back as one); date words beside every date field after a
post; a new record's form ready to type into."""
from __future__ import annotations

import pytest
from lxml import html

from metadata.record import identifiers, languages



def _fields(page: str) -> dict:
    """The record form's fields as a browser would post them (without any button's)."""
    return dict(html.fromstring(page).get_element_by_id("record-form").form_values())


def _new_form(client) -> tuple[str, dict]:
    page = client.get("/edit/new").get_data(as_text=True)
    return page, _fields(page)


@pytest.mark.parametrize("typed, first", [
    ("Russian", "ru"), ("russ", "ru"), ("рус", "ru"), ("русский", "ru"), ("ru", "ru"), ("rus", "ru"),
    ("Chinese", "zh"), ("Chin", "zh"), ("中", "zh"), ("中文", "zh"), ("zh", "zh"), ("chi", "zh"), ("francais", "fr"),
    ("Deutsch", "de"), ("lang:en", "en"), ("  ENGLISH ", "en"), ("Greek", "el"),
])
def test_language_suggestions_put_the_meant_language_first(typed, first):
    found = languages.suggestions(typed)
    assert found[0]["code"] == first
    assert languages.code_for(found[0]["name"]) == first and languages.code_for(found[0]["nativeName"]) == first


def test_language_suggestions_are_few_known_and_ranked():
    assert languages.suggestions("") == [] and languages.suggestions("   ") == []
    assert languages.suggestions("Klingonese") == [] and languages.suggestions("\x00") == []
    assert len(languages.suggestions("a")) == 10 and len(languages.suggestions("a", limit=3)) == 3
    russian = languages.suggestions("Russ")[0]
    assert russian == {"code": "ru", "name": "Russian", "nativeName": "русский"}
    assert [s["code"] for s in languages.suggestions("Ch")][:2] == ["ch", "zh"]  # the code, then the most spoken
    assert [s["code"] for s in languages.suggestions("Ma")][:3] == ["mr", "ml", "ms"]
    assert "hu" in [s["code"] for s in languages.suggestions("magyar")]  # a language's own name
    assert "bg" not in [s["code"] for s in languages.suggestions("Russ")]  # no substring noise


@pytest.mark.parametrize("reference, title, expected", [
    ("MSA/LIB/4/2", "A letter", "MSA-LIB-4-2"), ("GB 0012 MSA/LIB/4", "", "GB-0012-MSA-LIB-4"),
    ("", "Lettre à Staline, 1955", "Lettre-a-Staline-1955"), ("", "Письмо", "record"), ("", "", "record"),
    ("///", "Top", "Top-2"), ("", "image", "image-2"),
])
def test_identifier_suggestion_rule(reference, title, expected):
    assert identifiers.suggest(reference, title) == expected
    assert identifiers.is_identifier(expected)


def test_identifier_suggestion_skips_identifiers_taken():
    taken = {"MSA-LIB-4-2", "MSA-LIB-4-2-2"}
    assert identifiers.suggest("MSA/LIB/4/2", taken=taken.__contains__) == "MSA-LIB-4-2-3"
    assert len(identifiers.suggest("x" * 300)) == 100


@pytest.mark.parametrize("typed, offered", [
    ("MSA/LIB/4/2", True), ("GB 0012 MSA/LIB/4", True), ("MSA-LIB-4-2", False), ("bad id.with dots", False),
    ("a/b<script>", False), ("", False), ("///", False),
])
def test_a_reference_code_typed_as_an_identifier_is_recognised(typed, offered):
    assert identifiers.looks_like_reference_code(typed) is offered


def test_languages_endpoint(editor_client, client):
    body = editor_client.get("/api/languages?q=рус").get_json()
    assert body["query"] == "рус" and body["languages"][0] == {"code": "ru", "name": "Russian",
                                                               "nativeName": "русский"}
    assert editor_client.get("/api/languages?q=中").get_json()["languages"][0]["code"] == "zh"
    assert editor_client.get("/api/languages?q=").get_json()["languages"] == []
    missing = editor_client.get("/api/languages")
    assert missing.status_code == 400 and missing.mimetype == "application/problem+json"
    assert client.get("/api/languages?q=ru").status_code == 401


def test_identifier_suggestion_endpoint(editor_client, client):
    answer = editor_client.get("/api/identifiers/suggestion?referenceCode=MSA/LIB/4/2&title=A+letter").get_json()
    assert answer == {"identifier": "MSA-LIB-4-2", "basis": "referenceCode", "referenceCode": None}
    by_title = editor_client.get("/api/identifiers/suggestion?title=Cable+to+Moscow").get_json()
    assert by_title == {"identifier": "Cable-to-Moscow", "basis": "title", "referenceCode": None}
    offered = editor_client.get("/api/identifiers/suggestion?identifier=MSA/LIB/4/2").get_json()
    assert offered == {"identifier": "MSA-LIB-4-2", "basis": "referenceCode", "referenceCode": "MSA/LIB/4/2"}
    assert editor_client.get("/api/identifiers/suggestion?referenceCode=113439").get_json()["identifier"] == \
        "113439-2"  # the seed has 113439
    assert client.get("/api/identifiers/suggestion?title=x").status_code == 401


def test_a_new_record_form_has_a_row_for_language_creator_and_summary(editor_client):
    page, fields = _new_form(editor_client)
    assert {"language.0.code", "creator.0.name", "abstract.0.text"} <= set(fields)
    document = html.fromstring(page)
    assert [b.text_content() for b in document.xpath("//fieldset[@id='section-save']//button")] == \
        ["Save as draft", "Save and publish"]


def test_blank_identifier_is_made_from_the_reference_code_and_save_and_publish(editor_client, store, client):
    _, fields = _new_form(editor_client)
    fields.update({"title.0.text": "A letter", "created": "c. 1955", "language.0.code": "Russian",
                   "referenceCode": "MSA/LIB/4/2", "publish": "yes"})
    response = editor_client.post("/edit/new", data=fields)  # "Save and publish": publish=yes, no action
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    saved = store.records.get("MSA-LIB-4-2")
    assert saved.published and saved.data["created"] == "1955~" and saved.data["language"] == ["lang:ru"]
    assert saved.data["referenceCode"] == "MSA/LIB/4/2"
    assert "creator" not in saved.data and "abstract" not in saved.data  # the empty rows are left out
    assert client.get("/records/MSA-LIB-4-2").status_code == 200
    _, again = _new_form(editor_client)
    again.update({"title.0.text": "Its copy", "created": "1956", "referenceCode": "MSA/LIB/4/2"})
    assert editor_client.post("/edit/new", data=again).status_code == 303
    assert not store.records.get("MSA-LIB-4-2-2").published  # "Save as draft" (Enter, the default button)


def test_a_reference_code_typed_as_identifier_is_offered_without_script(editor_client, store):
    _, fields = _new_form(editor_client)
    fields.update({"identifier": "MSA/LIB/4/2", "title.0.text": "A letter", "created": "1955"})
    refused = editor_client.post("/edit/new", data=fields)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    offer = html.fromstring(page).get_element_by_id("identifier-offer")
    assert "“MSA/LIB/4/2” looks like a reference code." in offer.text_content()
    assert offer.xpath(".//button[@value='use-reference-code']")[0].text_content() == "Use as reference code"
    fields = _fields(page)
    fields["action"] = "use-reference-code"
    moved = editor_client.post("/edit/new", data=fields).get_data(as_text=True)
    fields = _fields(moved)
    assert fields["referenceCode"] == "MSA/LIB/4/2" and fields["identifier"] == "MSA-LIB-4-2"
    assert html.fromstring(moved).get_element_by_id("identifier").get("autofocus") is not None
    assert html.fromstring(moved).get_element_by_id("identifier-offer").text_content().strip() == ""
    assert editor_client.post("/edit/new", data=fields).status_code == 303
    assert store.records.get("MSA-LIB-4-2").data["referenceCode"] == "MSA/LIB/4/2"


def test_every_date_field_reads_words_and_shows_them_after_a_post(editor_client, store):
    page = editor_client.get("/edit/records/113439").get_data(as_text=True)
    fields = _fields(page)
    fields.update({"created": "c. 1955", "source.label": "A printed edition", "source.issued": "1940s",
                   "action": "save"})
    assert editor_client.post("/edit/records/113439", data=fields).status_code == 303
    saved = store.records.get("113439").data
    assert saved["created"] == "1955~" and saved["source"]["issued"] == "194X"
    document = html.fromstring(editor_client.get("/edit/records/113439").get_data(as_text=True))
    assert document.get_element_by_id("created-words").text_content() == "Read as: circa 1955 — stored as 1955~"
    assert document.get_element_by_id("source.issued-words").text_content() == "Read as: 1940s — stored as 194X"
    assert document.get_element_by_id("created-words").get("aria-live") == "polite"
    fields.update({"source.issued": "sometime", "action": "save"})
    refused = editor_client.post("/edit/records/113439", data=fields)
    assert refused.status_code == 422
    error = html.fromstring(refused.get_data(as_text=True)).get_element_by_id("err-source.issued").text_content()
    assert "write a date such as 18 July 1949, c. 1955 or 1940s" in error
