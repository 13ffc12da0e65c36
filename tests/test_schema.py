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
