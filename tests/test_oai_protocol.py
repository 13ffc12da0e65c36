"""OAI-PMH request rules and resumption tokens, directly (test_oai sees them only through HTTP): every verb with
legal, illegal, missing and repeated arguments, dates and granularity, identifiers, and tokens that round-trip,
are tampered with, belong to another verb or repository, or have expired by the serializer's own clock."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from metadata.record.timestamps import datestamp
from server.oai_protocol import (TOKEN_LIFETIME, VERBS, ListQuery, OAIError, Tokens, check_arguments,
                                 parse_identifier, parse_range)

LEGAL = {
    "Identify": [{}],
    "ListMetadataFormats": [{}, {"identifier": "oai:archive.test:113439"}],
    "ListSets": [{}, {"resumptionToken": "abc"}],
    "GetRecord": [{"identifier": "oai:archive.test:113439", "metadataPrefix": "oai_dc"}],
    "ListIdentifiers": [{"metadataPrefix": "marc21"}, {"resumptionToken": "abc"},
                        {"metadataPrefix": "mods", "from": "2020-01-01", "until": "2020-12-31", "set": "a:b"},
                        {"metadataPrefix": "qdc", "from": "2020-01-01T00:00:00Z"}],
    "ListRecords": [{"metadataPrefix": "oai_dc"}, {"resumptionToken": "abc"},
                    {"metadataPrefix": "oai_dc", "until": "2020-12-31T23:59:59Z", "set": "cold-war"}],
}
ALL_ARGUMENTS = {"identifier": "oai:archive.test:1", "metadataPrefix": "oai_dc", "from": "2020-01-01",
                 "until": "2020-01-02", "set": "s", "resumptionToken": "abc"}


def _error(pairs) -> OAIError:
    with pytest.raises(OAIError) as caught:
        check_arguments(pairs)
    return caught.value


def test_every_verb_is_covered():
    assert set(LEGAL) == set(VERBS)


@pytest.mark.parametrize("verb, arguments", [(v, a) for v, cases in LEGAL.items() for a in cases])
def test_legal_requests(verb, arguments):
    assert check_arguments([("verb", verb), *arguments.items()]) == (verb, arguments)


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_illegal_arguments(verb):
    required, optional = VERBS[verb]
    for name in sorted(set(ALL_ARGUMENTS) - required - optional) + ["extra"]:
        arguments = {n: ALL_ARGUMENTS[n] for n in required}
        arguments[name] = ALL_ARGUMENTS.get(name, "1")
        error = _error([("verb", verb), *arguments.items()])
        assert error.code == "badArgument"
        assert error.message == f"{verb} does not take the argument(s) {name}."


@pytest.mark.parametrize("verb", sorted(v for v in VERBS if VERBS[v][0]))
def test_missing_arguments(verb):
    required, _ = VERBS[verb]
    error = _error([("verb", verb)])
    assert error.code == "badArgument"
    assert error.message == f"{verb} requires the argument(s) {', '.join(sorted(required))}."
    for name in required:  # each one missing alone
        error = _error([("verb", verb), *((n, ALL_ARGUMENTS[n]) for n in required if n != name)])
        assert error.message == f"{verb} requires the argument(s) {name}."


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_repeated_arguments(verb):
    required, optional = VERBS[verb]
    for name in sorted(required | optional):
        pairs = [("verb", verb), (name, ALL_ARGUMENTS[name]), (name, ALL_ARGUMENTS[name])]
        error = _error(pairs)
        assert (error.code, error.message) == ("badArgument", f"The argument '{name}' is repeated.")


@pytest.mark.parametrize("pairs, message", [
    ([], "The request has no verb."),
    ([("metadataPrefix", "oai_dc")], "The request has no verb."),
    ([("verb", "Identify"), ("verb", "Identify")], "The verb argument is repeated."),
    ([("verb", "ListRecords"), ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")],
     "The verb argument is repeated."),
    ([("verb", "Explode")], "'Explode' is not an OAI-PMH verb."),
    ([("verb", "identify")], "'identify' is not an OAI-PMH verb."),  # verbs are case-sensitive
    ([("verb", "")], "'' is not an OAI-PMH verb."),
])
def test_bad_verbs(pairs, message):
    error = _error(pairs)
    assert (error.code, error.message) == ("badVerb", message)


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
@pytest.mark.parametrize("other", ["metadataPrefix", "from", "until", "set"])
def test_resumption_token_is_exclusive(verb, other):
    error = _error([("verb", verb), ("resumptionToken", "abc"), (other, ALL_ARGUMENTS[other])])
    assert (error.code, error.message) == ("badArgument", f"resumptionToken is exclusive; it came with {other}.")


@pytest.mark.parametrize("name, value", [
    ("metadataPrefix", "a b"), ("metadataPrefix", "oai/dc"), ("metadataPrefix", ""),
    ("set", "a::b"), ("set", ":a"), ("set", "a:"), ("set", "a b"),
])
def test_argument_syntax(name, value):
    arguments = {"metadataPrefix": "oai_dc", name: value}
    error = _error([("verb", "ListRecords"), *arguments.items()])
    assert (error.code, error.message) == ("badArgument", f"'{value}' is not a valid {name}.")


@pytest.mark.parametrize("identifier", ["bad id", "tab\tid", "bell\x07", ""])
def test_identifier_syntax(identifier):
    error = _error([("verb", "GetRecord"), ("metadataPrefix", "oai_dc"), ("identifier", identifier)])
    assert error.code == "badArgument"


@pytest.mark.parametrize("name", ["from", "until"])
@pytest.mark.parametrize("value, reason", [
    ("yesterday", "format"), ("2020-1-01", "format"), ("2020-01-01T00:00Z", "format"),
    ("2020-01-01T00:00:00", "format"), ("2020-01-01T00:00:00.5Z", "format"), ("2020-01-01 00:00:00Z", "format"),
    ("2020-13-01", "date"), ("2021-02-29", "date"), ("2020-01-01T24:00:00Z", "date"), ("2020-01-32", "date"),
])
def test_bad_dates(name, value, reason):
    error = _error([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), (name, value)])
    assert error.code == "badArgument"
    if reason == "format":
        assert error.message == f"'{value}' is not a valid {name} date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)."
    else:
        assert error.message == f"'{value}' is not a valid {name} date."


@pytest.mark.parametrize("since, until", [("2020-01-01", "2020-01-02T00:00:00Z"),
                                          ("2020-01-01T00:00:00Z", "2020-01-02")])
def test_mixed_granularity(since, until):
    error = _error([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", since), ("until", until)])
    assert (error.code, error.message) == ("badArgument", "from and until have different granularities.")


def test_ranges_are_inclusive_and_a_day_covers_the_whole_day():
    assert parse_range(None, None) == (None, None)
    assert parse_range("2020-02-28", "2020-02-29") == (datetime(2020, 2, 28), datetime(2020, 2, 29, 23, 59, 59))
    assert parse_range("2020-02-28T10:11:12Z", "2020-02-28T10:11:12Z") == (datetime(2020, 2, 28, 10, 11, 12),) * 2
    assert parse_range(None, "1999-12-31") == (None, datetime(1999, 12, 31, 23, 59, 59))
    # A range that ends before it starts is legal; it simply matches nothing.
    assert check_arguments([("verb", "ListRecords"), ("metadataPrefix", "x"), ("from", "2020-01-02"),
                            ("until", "2020-01-01")])[0] == "ListRecords"


def test_datestamps_and_identifiers():
    assert datestamp(datetime(1949, 7, 18, 3, 4, 5)) == "1949-07-18T03:04:05Z"
    assert parse_identifier("oai:archive.test:113439", "archive.test") == "113439"
    assert parse_identifier("oai:archive.test:memo-1962_reading", "archive.test") == "memo-1962_reading"
    for identifier in ["oai:other.test:113439", "113439", "oai:archive.test:", "oai:archive.test:-x",
                       "oai:archive.test:a/b", "oai:archive.test:" + "a" * 129, "OAI:archive.test:1"]:
        assert parse_identifier(identifier, "archive.test") is None, identifier
    assert parse_identifier("oai:archive.test:" + "a" * 128, "archive.test") == "a" * 128


# ------------------------------------------------------------------------------------------ tokens
QUERY = ListQuery("ListRecords", "marc21", "cold-war:sino-soviet", datetime(2020, 1, 1), datetime(2024, 5, 6, 7, 8, 9),
                  None, 2500, 0)
LAST = (datetime(2021, 3, 4, 5, 6, 7), "gen-0000099")


def test_token_round_trip():
    tokens = Tokens("secret")
    token = tokens.issue(QUERY, LAST, 100)
    assert tokens.read(token, "ListRecords") == ListQuery(
        "ListRecords", "marc21", "cold-war:sino-soviet", datetime(2020, 1, 1), datetime(2024, 5, 6, 7, 8, 9),
        LAST, 2500, 100)
    open_ended = ListQuery("ListIdentifiers", "oai_dc", None, None, datetime(2024, 5, 6), None, 3, 0)
    assert Tokens("secret").read(Tokens("secret").issue(open_ended, LAST, 1), "ListIdentifiers") == ListQuery(
        "ListIdentifiers", "oai_dc", None, None, datetime(2024, 5, 6), LAST, 3, 1)


def _bad_token(token: str, verb: str = "ListRecords", secret: str = "secret") -> str:
    with pytest.raises(OAIError) as caught:
        Tokens(secret).read(token, verb)
    assert caught.value.code == "badResumptionToken"
    return caught.value.message


def test_tampered_foreign_and_misused_tokens():
    token = Tokens("secret").issue(QUERY, LAST, 100)
    not_ours = "The resumptionToken is not one this repository issued."
    assert _bad_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) == not_ours
    at = 5  # inside the signed payload, not the signature
    assert _bad_token(token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]) == not_ours
    assert _bad_token("garbage") == not_ours
    assert _bad_token("") == not_ours
    assert _bad_token(token, secret="another repository's secret") == not_ours
    assert _bad_token(token, verb="ListIdentifiers") == "The resumptionToken belongs to ListRecords, not ListIdentifiers."


@pytest.mark.parametrize("payload", [
    {"v": "ListRecords"},
    {"v": "ListRecords", "m": "oai_dc", "s": None, "f": None, "u": "yesterday", "d": "2020-01-01T00:00:00Z",
     "i": "x", "n": 1, "c": 0},
    {"v": "ListRecords", "m": "oai_dc", "s": None, "f": None, "u": "2020-01-01T00:00:00Z",
     "d": "2020-01-01T00:00:00Z", "i": "x", "n": None, "c": 0},
    ["not", "a", "mapping"],
])
def test_a_signed_but_malformed_token(payload):
    """Signed with our secret but not a token's shape (an older format, say): refused in plain words, no 500."""
    token = Tokens("secret").serializer.dumps(payload)
    assert _bad_token(token) == "The resumptionToken is malformed."


def _issued_ago(age: timedelta) -> str:
    """A token as the serializer would have issued it ``age`` ago (its signer's own timestamp moved back)."""
    tokens = Tokens("secret")

    class EarlierSigner(tokens.serializer.signer):
        def get_timestamp(self):
            return int(time.time() - age.total_seconds())

    tokens.serializer.signer = EarlierSigner
    return tokens.issue(QUERY, LAST, 100)


def test_tokens_expire_after_their_lifetime():
    assert TOKEN_LIFETIME == timedelta(hours=48)
    assert Tokens("secret").read(_issued_ago(TOKEN_LIFETIME - timedelta(minutes=5)), "ListRecords").cursor == 100
    message = _bad_token(_issued_ago(TOKEN_LIFETIME + timedelta(minutes=5)))
    assert message == "The resumptionToken has expired; start the list again."
