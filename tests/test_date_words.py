"""The one reader of archivists' dates (words -> EDTF), the one writer (EDTF -> words) and their round trip;
the one reader of language names and codes; and GET /api/dates through HTTP."""
from __future__ import annotations

import pytest

from metadata.record import date_words, dates, languages
from metadata.record.date_words import DateNotUnderstood, read, words

from tests.conftest import password_hash


@pytest.mark.parametrize("text, edtf", [
    ("18 July 1949", "1949-07-18"), ("July 18, 1949", "1949-07-18"), ("1949-07-18", "1949-07-18"),
    ("18th July 1949", "1949-07-18"), ("Jul. 18, 1949", "1949-07-18"), ("  18  July   1949 ", "1949-07-18"),
    ("March 1950", "1950-03"), ("March, 1950", "1950-03"), ("Sept. 1950", "1950-09"), ("1950", "1950"),
    ("c. 1955", "1955~"), ("ca. 1955", "1955~"), ("circa 1955", "1955~"), ("c 1955", "1955~"),
    ("Circa 1955", "1955~"), ("ca. March 1950", "1950-03~"), ("1955?", "1955?"), ("c. 1955?", "1955%"),
    ("1940s", "194X"), ("1940's", "194X"), ("194-?", "194X"), ("194-", "194X"), ("19--?", "19XX"),
    ("20th century", "19XX"),
    ("18–20 July 1949", "1949-07-18/1949-07-20"), ("18-20 July 1949", "1949-07-18/1949-07-20"),
    ("18 - 20 July 1949", "1949-07-18/1949-07-20"), ("July 18–20, 1949", "1949-07-18/1949-07-20"),
    ("July 18-20, 1949", "1949-07-18/1949-07-20"), ("18 July – 2 August 1949", "1949-07-18/1949-08-02"),
    ("1949-1951", "1949/1951"), ("1949–1951", "1949/1951"), ("c. 1955–1957", "1955~/1957~"),
    ("between 1950 and 1955", "1950/1955"), ("March 1950 – June 1951", "1950-03/1951-06"),
    ("before 1950", "../1950"), ("Before March 1950", "../1950-03"), ("after 1962", "1962/.."),
    ("undated", "XXXX"), ("Undated", "XXXX"), ("n.d.", "XXXX"), ("no date", "XXXX"),
    ("101 BC", "-0100"), ("1 BC", "0000"), ("12345", "Y12345"),
    # EDTF itself is taken as written
    ("1955~", "1955~"), ("194X", "194X"), ("1949-07-18/1949-07-20", "1949-07-18/1949-07-20"),
    ("../1950", "../1950"), ("[..1950]", "[..1950]"), ("1962/..", "1962/.."), ("XXXX", "XXXX"), ("0000", "0000"),
    ("-0100", "-0100"), ("Y12345", "Y12345"), ("1950-21", "1950-21"),
    # Russian and Chinese
    ("18 июля 1949", "1949-07-18"), ("18 июля 1949 г.", "1949-07-18"), ("март 1950", "1950-03"),
    ("около 1955", "1955~"), ("1940-е", "194X"), ("1940-х", "194X"), ("18–20 июля 1949", "1949-07-18/1949-07-20"),
    ("до 1950", "../1950"), ("после 1962", "1962/.."), ("без даты", "XXXX"),
    ("1949年7月18日", "1949-07-18"), ("1950年3月", "1950-03"), ("约1955年", "1955~"), ("1940年代", "194X"),
    ("1949年7月18日至20日", "1949-07-18/1949-07-20"), ("1950年以前", "../1950"), ("1962年以后", "1962/.."),
    ("日期不详", "XXXX"),
])
def test_reader_accepts_archivists_forms(text, edtf):
    assert read(text) == edtf
    assert dates.is_edtf(edtf)


@pytest.mark.parametrize("text", [
    "", "   ", "someday", "Juli 18, 1949", "31 February 1950", "1949-02-30", "July 18", "49", "18/07/1949",
    "before", "after after 1950", "c.", "1940s and 1950s and", "x" * 500, "2024-13", "between 1950",
])
def test_reader_rejects_nonsense_in_plain_words(text):
    with pytest.raises(DateNotUnderstood) as caught:
        read(text)
    assert "write a date such as 18 July 1949, c. 1955 or 1940s" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("edtf, english, russian, chinese", [
    ("1949-07-18", "18 July 1949", "18 июля 1949", "1949年7月18日"),
    ("1950-03", "March 1950", "март 1950", "1950年3月"),
    ("1950", "1950", "1950", "1950年"),
    ("1955~", "circa 1955", "около 1955", "约1955年"),
    ("194X", "1940s", "1940-е", "1940年代"),
    ("1949-07-18/1949-07-20", "18–20 July 1949", "18–20 июля 1949", "1949年7月18日至20日"),
    ("1949-07-18/1949-08-02", "18 July – 2 August 1949", "18 июля – 2 августа 1949", "1949年7月18日至1949年8月2日"),
    ("1949/1951", "1949–1951", "1949–1951", "1949年至1951年"),
    ("../1950", "before 1950", "до 1950", "1950年以前"),
    ("[..1950]", "before 1950", "до 1950", "1950年以前"),
    ("1962/..", "after 1962", "после 1962", "1962年以后"),
    ("XXXX", "undated", "без даты", "日期不详"),
])
def test_writer_in_three_languages(edtf, english, russian, chinese):
    assert words(edtf) == english == words(edtf, "en-GB")
    assert words(edtf, "ru") == russian
    assert words(edtf, "zh") == chinese == words(edtf, "zh-Hans")
    assert words(edtf, "fr") == english  # a language without words falls back to English


ROUND_TRIP = ["1949-07-18", "1949-07-01", "1950-03", "1950", "1955~", "1950-03~", "1955?", "1955%", "1950-03?",
              "194X", "190X", "194X~", "19XX", "1949-07-18/1949-07-20", "1949-07-18/1949-08-02",
              "1949-07-18/1950-01-02", "1949/1951", "1950-03/1951-06", "1955~/1957~", "194X/195X", "../1950",
              "../1950-03", "1962/..", "1962-05/..", "XXXX", "0000", "-0100", "Y12345", "1950-21", "1950-XX",
              "1955~/1957", "[1950, 1955]", "1949-07-18T10:00:00"]


@pytest.mark.parametrize("language", ["en", "ru", "zh"])
@pytest.mark.parametrize("edtf", ROUND_TRIP)
def test_round_trip(edtf, language):
    """reader(writer(x)) == x: what people read is what the reader takes back, for every form."""
    if not dates.is_edtf(edtf):
        pytest.fail(f"{edtf} is not EDTF")
    assert read(words(edtf, language)) == edtf


def test_forms_without_words_are_shown_as_written():
    assert words("1950-21") == "1950-21"  # a season
    assert words("1955~/1957") == "1955~/1957"  # ends with different qualifiers


@pytest.mark.parametrize("value, lower, upper, first, last", [
    ("1950/..", "1950-01-01", None, 1950, None),
    ("../1950", None, "1950-12-31", None, 1950),
    ("[..1950]", None, "1950-12-31", None, 1950),
    ("1962/..", "1962-01-01", None, 1962, None),
    ("XXXX", None, None, None, None),
    ("0000", "0000-01-01", "0000-12-31", 0, 0),
    ("-0100", "0000-01-01", "0000-01-01", -100, -100),
    ("Y12345", "9999-12-31", "9999-12-31", 12345, 12345),
    ("/1950", None, "1950-12-31", None, 1950),
    ("1950/", "1950-01-01", None, 1950, None),
])
def test_bounds_of_open_undated_and_out_of_range_dates(value, lower, upper, first, last):
    assert dates.is_edtf(value)
    assert dates.bounds(value) == (lower, upper)
    assert dates.years(value) == (first, last)
    assert all(b is None or len(b) == 10 for b in dates.bounds(value))  # fits the stored columns


@pytest.mark.parametrize("value, nav", [
    ("1949-07-18", "1949-07-18T00:00:00Z"), ("194X", "1940-01-01T00:00:00Z"), ("1962/..", "1962-01-01T00:00:00Z"),
    ("../1950", None), ("[..1950]", None), ("XXXX", None), ("0000", None), ("-0100", None), ("Y12345", None),
])
def test_nav_date(value, nav):
    assert dates.nav_date(value) == nav


@pytest.mark.parametrize("text, code", [
    ("Russian", "ru"), ("русский", "ru"), ("Русский", "ru"), ("ru", "ru"), ("rus", "ru"), ("Chinese", "zh"),
    ("中文", "zh"), ("zh", "zh"), ("chi", "zh"), ("Mandarin", "zh"), ("English", "en"), (" english ", "en"),
    ("Deutsch", "de"), ("français", "fr"), ("日本語", "ja"), ("lang:ru", "ru"), ("en-US", "en"),
])
def test_languages_by_name_or_code(text, code):
    assert languages.code_for(text) == code


@pytest.mark.parametrize("text, message", [
    ("Klingonese", "has no two-letter ISO 639-1 code"), ("zz", "write a language name such as Russian"),
    ("", "no language given"), ("Elvish gibberish", "write a language name such as Russian"),
])
def test_unknown_languages_get_a_plain_message(text, message):
    with pytest.raises(languages.UnknownLanguage) as caught:
        languages.code_for(text)
    assert message in str(caught.value)


# ------------------------------------------------------------------------------------------ through HTTP
@pytest.fixture
def editor_client(sqlite_app):
    """A test client with an editor's token on every request."""
    from server import auth
    store = sqlite_app.extensions["muniment"]["store"]
    store.accounts.put_user("eve", password_hash("eve-password-long"), "editor")
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    client = sqlite_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


@pytest.mark.parametrize("text, edtf, english", [
    ("c. 1955", "1955~", "circa 1955"), ("18–20 July 1949", "1949-07-18/1949-07-20", "18–20 July 1949"),
    ("before 1950", "../1950", "before 1950"), ("undated", "XXXX", "undated"), ("1955~", "1955~", "circa 1955"),
])
def test_api_dates_reads_and_writes(editor_client, text, edtf, english):
    client = editor_client
    response = client.get("/api/dates", query_string={"text": text})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"edtf": edtf, "words": english}
    russian = client.get("/api/dates", query_string={"text": text, "language": "ru"}).get_json()
    assert russian == {"edtf": edtf, "words": date_words.words(edtf, "ru")}


def test_api_dates_refuses_nonsense_with_a_plain_problem(editor_client, sqlite_app):
    assert sqlite_app.test_client().get("/api/dates", query_string={"text": "1950"}).status_code == 401
    client = editor_client
    response = client.get("/api/dates", query_string={"text": "someday"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["detail"] == "cannot read the date 'someday': write a date such as 18 July 1949, c. 1955 or 1940s"
    assert problem["errors"] == [{"pointer": "/text", "message": problem["detail"]}]
    missing = client.get("/api/dates")
    assert missing.status_code == 400 and missing.mimetype == "application/problem+json"


def test_api_dates_is_in_the_openapi_description(sqlite_app):
    document = sqlite_app.test_client().get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/dates"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"text", "language"}
    assert set(operation["responses"]) >= {"200", "400", "422"}
