"""Open-ended, undated and out-of-range EDTF dates (issue 9 item 8) through the API on SQLite and PostgreSQL:
each is created (201) and every output is produced and valid: record JSON-LD, N-Quads, the record and list
pages (in words), OAI-PMH GetRecord in all four formats (schema-validated), the IIIF manifest and collections
(validated against the IIIF schema, navDate only where there is a sensible one)."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from metadata.importers import archive_file
from server import auth

from tests.conftest import BASE_URL, password_hash
from tests.support.oai import NS, Harvester
from tests.support import reference
from tests.support.paths import seed_file

PREFIX = "oai:muniment.example.org:"
FORMATS = ["oai_dc", "marc21", "mods", "qdc"]
# EDTF, the words people read, IIIF navDate (None: left out), MARC 008/06-14.
DATES = [
    ("1950/..", "after 1950", "1950-01-01T00:00:00Z", "q1950uuuu"),
    ("../1950", "before 1950", None, "quuuu1950"),
    ("[..1950]", "before 1950", None, "quuuu1950"),
    ("XXXX", "undated", None, "nuuuuuuuu"),
    ("0000", "1 BC", None, "b        "),
    ("-0100", "101 BC", None, "b        "),
    ("Y12345", "12345", None, "nuuuuuuuu"),
    ("1962/..", "after 1962", "1962-01-01T00:00:00Z", "q1962uuuu"),
    ("1955~", "circa 1955", "1955-01-01T00:00:00Z", "q19551955"),
    ("1949-07-18/1949-07-20", "18–20 July 1949", "1949-07-18T00:00:00Z", "q19491949"),
]

# MARC 264 $c for each: what an RDA cataloguer writes (supplied dates in brackets).
RDA_264 = {"1950/..": "[not before 1950]", "../1950": "[not after 1950]", "[..1950]": "[not after 1950]",
           "XXXX": "[date of production not identified]", "0000": "[1 BC]", "-0100": "[101 BC]", "Y12345": "[12345]",
           "1962/..": "[not before 1962]", "1955~": "[approximately 1955]",
           "1949-07-18/1949-07-20": "[1949 July 18-1949 July 20]"}


@pytest.fixture
def editor(store) -> dict:
    store.accounts.put_user("eve", password_hash("eve-password-long"), "editor")
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    return {"Authorization": f"Bearer {secret}"}


def _record(app, identifier: str, created: str) -> dict:
    """The seed record under another identifier and date, with short texts (so the manifest is quick)."""
    record = archive_file.parse_file(seed_file())
    text = json.dumps(record).replace(record["id"], f"{BASE_URL}records/{identifier}")
    record = json.loads(text)
    record.update(identifier=identifier, created=created)
    for version in record.get("hasVersion") or []:
        version["text"] = "A short text for this test."
    with app.test_request_context():
        from server.documents import public_record
        return public_record(record)


def test_every_output_of_open_and_undated_dates(app, client, editor, tmp_path):
    validator = jsonschema.Draft7Validator(reference.iiif_schema())
    harvester = Harvester(client, tmp_path)
    for number, (edtf, words, nav_date, fixed) in enumerate(DATES):
        identifier = f"date-{number}"
        created = client.post("/api/records?publish=true", json=_record(app, identifier, edtf), headers=editor)
        assert created.status_code == 201, (edtf, created.get_json())
        assert created.get_json()["created"] == edtf  # the API keeps EDTF exactly

        document = client.get(f"/records/{identifier}.jsonld")
        # the linked-data form types the date: none of these is a plain calendar date, so all are EDTF
        assert document.status_code == 200 and document.get_json()["created"] == {"@value": edtf, "@type": "edtf:EDTF"}
        quads = client.get(f"/records/{identifier}.nq")
        assert quads.status_code == 200
        assert f'"{edtf}"^^<http://id.loc.gov/datatypes/edtf/EDTF>' in quads.get_data(as_text=True)
        page = client.get(f"/records/{identifier}", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert f'<dd data-edtf="{edtf}">{words}</dd>' in page

        for prefix in FORMATS:
            root = harvester.get(verb="GetRecord", identifier=PREFIX + identifier, metadataPrefix=prefix)
            assert root.find("o:GetRecord/o:record/o:metadata", NS) is not None, (edtf, prefix)
        marc = harvester.get(verb="GetRecord", identifier=PREFIX + identifier, metadataPrefix="marc21")
        field_008 = marc.find(".//marc:controlfield[@tag='008']", NS).text
        assert field_008[6:15] == fixed, edtf
        date_264 = marc.find(".//marc:datafield[@tag='264']/marc:subfield[@code='c']", NS).text
        assert date_264 == RDA_264[edtf], edtf  # the RDA cataloguer's statement, never EDTF

        response = client.get(f"/iiif/{identifier}/manifest")
        assert response.status_code == 200, edtf
        manifest = response.get_json(force=True)
        assert not list(validator.iter_errors(manifest)), edtf
        assert manifest.get("navDate") == nav_date, edtf
        date_pair = next(m for m in manifest["metadata"] if m["label"] == {"en": ["Date"]})
        assert date_pair["value"]["en"] == [words]

    listing = client.get("/records", headers={"Accept": "text/html"}).get_data(as_text=True)
    for edtf, words, _, _ in DATES:
        assert f'data-edtf="{edtf}">{words}</span>' in listing  # the search results' date
    top = client.get("/iiif/collection/top").get_json(force=True)
    assert not list(validator.iter_errors(top))
    assert all(item["label"]["en"][0] != "None0s" for item in top["items"])
    for item in top["items"]:
        if item["type"] == "Collection":
            collection = client.get(item["id"].replace(BASE_URL, "/")).get_json(force=True)
            assert not list(validator.iter_errors(collection)), item["id"]


def test_open_and_undated_records_list_after_dated_ones_on_both_engines(client, editor, app):
    for identifier, edtf in [("a", "XXXX"), ("b", "../1950"), ("c", "1962/.."), ("d", "1949-07-18"), ("e", "-0100")]:
        response = client.post("/api/records?publish=true", json=_record(app, identifier, edtf), headers=editor)
        assert response.status_code == 201
    listing = client.get("/records", headers={"Accept": "application/json"}).get_json()
    # BC first, then by earliest day; no earliest day (undated, open start) last, by identifier
    assert [item["identifier"] for item in listing["items"]] == ["e", "d", "c", "a", "b"]


def test_changing_a_date_to_undated_and_back(client, editor, app, store):
    created = client.post("/api/records?publish=true", json=_record(app, "d-change", "1950"), headers=editor)
    record = copy.deepcopy(created.get_json())
    record["created"] = "XXXX"
    changed = client.put("/api/records/d-change", json=record, headers={**editor, "If-Match": created.headers["ETag"]})
    assert changed.status_code == 200
    assert "navDate" not in client.get("/iiif/d-change/manifest").get_json(force=True)
    record["created"] = "1950"
    again = client.put("/api/records/d-change", json=record, headers={**editor, "If-Match": changed.headers["ETag"]})
    assert again.status_code == 200
    assert client.get("/iiif/d-change/manifest").get_json(force=True)["navDate"] == "1950-01-01T00:00:00Z"
