"""The record schema and rules: the cable passes; specific mistakes are reported at the right pointers."""
from __future__ import annotations

import copy
import json

import pytest

from metadata.importers import files as importer, archive_file as archive_file
from metadata.record.validation import RecordInvalid, check, validate

from tests.support.paths import REPO, seed_file


@pytest.fixture(scope="module")
def cable() -> dict:
    return archive_file.parse_file(seed_file())


def test_cable_from_seed_and_sample_cable_are_valid(cable):
    assert validate(cable) == []
    sample = importer.internalize(json.loads((REPO / "samples" / "cable-113439.jsonld").read_text("utf-8")))
    assert validate(sample) == []


def _broken(cable, change) -> list[dict]:
    record = copy.deepcopy(cable)
    change(record)
    return validate(record)


@pytest.mark.parametrize("change, pointer, fragment", [
    (lambda r: r.update(created="18 July 1949"), "/created", "edtf"),
    (lambda r: r.update(title={"english": "x"}), "/title", "bcp47"),
    (lambda r: r.update(rights="https://rightsstatements.org/vocab/InC/1.0/"), "/rights", "does not match"),
    (lambda r: r.update(colour="red"), "", "Additional properties"),
    (lambda r: r.pop("title"), "", "'title' is a required property"),
    (lambda r: r.update(identifier="bad.id"), "/identifier", "does not match"),
    (lambda r: r.update(identifier="top", id="https://muniment.invalid/records/top"), "/identifier", "should not be valid"),
    (lambda r: r.update(language=["lang:chinese"]), "/language/0", "does not match"),
    (lambda r: r["hasVersion"][0].update(isVersionOf="https://muniment.invalid/records/other"),
     "/hasVersion/0/isVersionOf", "must be the id of this record"),
    (lambda r: r["qualifiedAttribution"].append(
        {"type": "Attribution", "agent": "https://muniment.invalid/agents/nobody", "hadRole": "relators:aut"}),
     "/qualifiedAttribution/3/agent", "must also be listed"),
    (lambda r: r["qualifiedAttribution"][0].update(hadRole="relators:xyz"), "/qualifiedAttribution/0/hadRole", "is not one of"),
    (lambda r: r.update(id="https://muniment.invalid/records/999"), "/id", "must be the record URL"),
    (lambda r: r["creator"].append(copy.deepcopy(r["creator"][0])), "/creator/3/id", "listed twice"),
    (lambda r: r.update(isPartOf=["https://elsewhere.example/sets/x"]), "/isPartOf/0", "must be the URL of a set"),
    (lambda r: r.update(scans=[{"label": {"en": "p. 1"}, "width": 10, "height": 10}]), "/scans/0", "is not valid under any"),
    (lambda r: r.update(levelOfDescription="box"), "/levelOfDescription", "is not one of"),
])
def test_bad_records_are_reported_at_their_pointer(cable, change, pointer, fragment):
    errors = _broken(cable, change)
    assert any(e["pointer"] == pointer and fragment in e["message"] for e in errors), errors


def test_check_raises_with_every_error(cable):
    record = copy.deepcopy(cable)
    record["created"] = "not a date"
    record["rights"] = "http://example.org/rights"
    with pytest.raises(RecordInvalid) as caught:
        check(record)
    assert {e["pointer"] for e in caught.value.errors} == {"/created", "/rights"}


def test_non_object_is_rejected():
    assert validate([1, 2]) == [{"pointer": "", "message": "a record must be a JSON object"}]


# The fast validator (jsonschema-rs) only says "valid"; an invalid record goes to the Python validator for its
# messages. So the two must accept exactly the same documents: each broken record above, and edge cases where
# regular-expression and format semantics could differ between the libraries, are judged by both.
EDGES = [
    lambda r: r.update(identifier="abc\n"),  # Python's "$" matches before a final newline; ours must not
    lambda r: r.update(identifier="a" * 128),
    lambda r: r.update(identifier="a" * 129),
    lambda r: r.update(identifier="٣٤"),  # Arabic-Indic digits are no [0-9]
    lambda r: r.update(created="1955~"), lambda r: r.update(created="194X"), lambda r: r.update(created="../1950"),
    lambda r: r.update(created="1949-02-30"), lambda r: r.update(created=""),
    lambda r: r.update(title={"zh-Hant": "電報"}), lambda r: r.update(title={"en-": "x"}),
    lambda r: r.update(title={"x-archive": "x"}), lambda r: r.update(title={"qq": "x"}),
    lambda r: r["creator"][0].update(id="https://muniment.invalid/agents/ü"),
    lambda r: r["creator"][0].update(id="https://exa mple.org/x"),
    lambda r: r["creator"][0].update(id="ftp://example.org/x"),
    lambda r: r["creator"][0].update(id="https://example.org/" + "x" * 2048),
    lambda r: r.update(language=["lang:en", "lang:en"]),
    lambda r: r.update(title={"en": "é" * 5}),
]


@pytest.mark.parametrize("change", [c for c, _, _ in [
    (lambda r: r.update(created="18 July 1949"), 0, 0), (lambda r: r.update(colour="red"), 0, 0),
    (lambda r: r.pop("title"), 0, 0), (lambda r: r.update(identifier="bad.id"), 0, 0),
    (lambda r: r.update(levelOfDescription="box"), 0, 0),
    (lambda r: r.update(scans=[{"label": {"en": "p. 1"}, "width": 10, "height": 10}]), 0, 0),
    (lambda r: r.update(rights="https://rightsstatements.org/vocab/InC/1.0/"), 0, 0)]] + EDGES)
def test_fast_and_full_validators_agree(cable, change):
    from metadata.record import validation

    record = copy.deepcopy(cable)
    change(record)
    full = not list(validation._validator().iter_errors(record))
    assert validation._fast_validator().is_valid(record) is full
    if not full:  # the messages still come from the full validator
        assert validation._schema_errors(record)


def test_fast_validator_accepts_every_sample(cable):
    from metadata.record import validation

    samples = [importer.internalize(json.loads(p.read_text("utf-8"))) for p in sorted((REPO / "samples").glob("*.jsonld"))]
    assert samples
    for record in [cable, *samples]:
        assert validation._fast_validator().is_valid(record), record["identifier"]
