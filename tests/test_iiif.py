"""IIIF Presentation 3.0 and Image API level 0: schema-valid manifests and collections whose ids are the
URLs that serve them, the right headers, dereferenceable parts, and exactly-sized page images."""
from __future__ import annotations

import copy
import io
import json
from datetime import timezone
from urllib.parse import urlsplit

import jsonschema
import pytest
from PIL import Image
from pyld import jsonld as pyld_jsonld
from sqlalchemy import select
from werkzeug.http import http_date

from metadata.importers import files as importer, archive_file as archive_file
from metadata.record import markdown
from metadata.record.jsonld import OfflineLoader
from metadata.storage.tables import derived
from metadata.record.urls import STORED
from server.views import iiif as iiif_view

from tests.support import reference
from tests.support.paths import REPO, sample_file, seed_file
from tests.conftest import BACKENDS, module_app

BASE = "http://muniment.test/"
PRESENTATION = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft7Validator(reference.iiif_schema())


def _with_scans(record: dict) -> dict:
    record = copy.deepcopy(record)
    text = json.dumps(record).replace(STORED.record("300451"), STORED.record("scanned"))
    record = json.loads(text)
    record["identifier"] = "scanned"
    record["scans"] = [
        {"label": {"en": "p. 1"}, "service": "https://images.example.org/iiif/3/scan-1", "width": 2000, "height": 3000},
        {"label": {"en": "p. 2"}, "image": "https://images.example.org/scan-2.jpg", "width": 2000, "height": 2900},
    ]
    return record


def _load(store):
    """The seed, the sample, the project's samples, a record with scans; the sample drafts one record."""
    store.records.save(archive_file.parse_file(seed_file()), "import")
    sample = archive_file.parse_file(sample_file())
    store.records.save(sample, "import")
    for path in importer.expand_paths([REPO / "samples"]):
        for record in importer.read_file(path):
            if record["identifier"] != "113439":  # keep the seed's full text for the annotation test
                store.records.save(record, "import")
    store.records.save(_with_scans(sample), "import")
    draft = json.loads(json.dumps(sample).replace(STORED.record("300451"), STORED.record("draft-one")))
    draft["identifier"] = "draft-one"
    store.records.save(draft, "import", published=False)
    return store


@pytest.fixture(scope="module", params=BACKENDS)
def library(request, tmp_path_factory):
    """One app per backend over the loaded records, shared by this module's tests that only read: importing
    the samples (typesetting every reading page) once instead of before each test."""
    tmp = tmp_path_factory.mktemp("iiif")
    with module_app(request.param, tmp) as app:
        _load(app.extensions["muniment"]["store"])
        yield app


@pytest.fixture
def client(library):
    """A test client of the shared app (this module's own: the tests here that write use ``app``)."""
    return library.test_client()


def _get(client, url: str, **headers):
    response = client.get(urlsplit(url).path, headers=headers)
    assert response.status_code == 200, (url, response.data[:300])
    return response


def _valid(validator, document: dict):
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [(list(e.absolute_path), e.message[:200]) for e in errors[:5]]


MANIFESTS = ["113439", "300451", "scanned", "album-194x", "memo-1962-reading-room", "990002",
             "1951-03-letter-anna-sokolova-to-the-irkutsk-regional-library"]


@pytest.mark.parametrize("identifier", MANIFESTS)
def test_every_manifest_is_schema_valid_and_served_at_its_id(client, validator, identifier):
    _assert_valid_manifest(client, validator, identifier)


def _assert_valid_manifest(client, validator, identifier: str) -> None:
    url = f"{BASE}iiif/{identifier}/manifest"
    response = _get(client, url)
    assert response.headers["Content-Type"] == PRESENTATION
    manifest = response.get_json(force=True)
    _valid(validator, manifest)
    assert manifest["id"] == url
    assert "muniment.invalid" not in response.get_data(as_text=True)
    for canvas in manifest["items"]:
        served = _get(client, canvas["id"]).get_json(force=True)
        assert served["id"] == canvas["id"] and served["width"] == canvas["width"]
        for page in canvas.get("annotations", []):
            assert _get(client, page["id"]).get_json(force=True)["items"] == page["items"]


def test_every_collection_is_valid_and_lists_no_drafts(client, validator):
    seen, queue = set(), [f"{BASE}iiif/collection/top"]
    manifests = set()
    while queue:
        url = queue.pop()
        collection = _get(client, url).get_json(force=True)
        _valid(validator, collection)
        assert collection["id"] == url
        seen.add(url)
        for item in collection["items"]:
            if item["type"] == "Collection" and item["id"] not in seen:
                queue.append(item["id"])
            elif item["type"] == "Manifest":
                manifests.add(item["id"].split("/")[-2])
    assert f"{BASE}iiif/collection/samples" in seen
    assert "draft-one" not in manifests and set(MANIFESTS) <= manifests


def test_large_collections_are_split(client, validator, monkeypatch):
    monkeypatch.setattr(iiif_view, "COLLECTION_SIZE", 3)
    top = _get(client, f"{BASE}iiif/collection/top").get_json(force=True)
    _valid(validator, top)
    decades = [i["id"] for i in top["items"] if "/top/" in i["id"]]
    assert f"{BASE}iiif/collection/top/1940s" in decades
    total = 0
    for decade in decades:
        document = _get(client, decade).get_json(force=True)
        _valid(validator, document)
        parts = [i["id"] for i in document["items"] if i["type"] == "Collection"] or [decade]
        for part in parts:
            page = _get(client, part).get_json(force=True)
            _valid(validator, page)
            assert len(page["items"]) <= 3
            total += sum(1 for i in page["items"] if i["type"] == "Manifest")
    assert total == len(MANIFESTS)


def test_seed_annotations_join_to_the_full_translation(client):
    manifest = _get(client, f"{BASE}iiif/113439/manifest").get_json(force=True)
    texts = [a["body"]["value"] for canvas in manifest["items"] for page in canvas.get("annotations", [])
             for a in page["items"] if a["motivation"] == "supplementing"]
    seed = archive_file.parse_file(seed_file())
    # The annotations are plain text (text/plain): together exactly the translation without its Markdown.
    assert "".join(texts) == markdown.to_plain_text(seed["hasVersion"][0]["text"])
    assert "  \n" in seed["hasVersion"][0]["text"] and "\n#### " in seed["hasVersion"][0]["text"]
    assert not any("  \n" in t or "#" in t or t.endswith("  ") for t in texts)
    assert "b. Regarding the matter of people's democratic dictatorship\n" in "".join(texts)
    assert len(manifest["items"]) > 5 and manifest["behavior"] == ["paged"]
    body = manifest["items"][0]["annotations"][0]["items"][0]["body"]
    assert body == {"type": "TextualBody", "value": texts[0], "language": "en", "format": "text/plain"}
    assert [r["label"] for r in manifest["structures"]] == [{"en": ["English translation"]}]


def test_manifest_fields(client):
    manifest = _get(client, f"{BASE}iiif/113439/manifest").get_json(force=True)
    assert manifest["label"] == {"en": ["Cable, Liu Shaoqi to Mao Zedong"]}
    assert manifest["navDate"] == "1949-07-18T00:00:00Z"
    assert manifest["requiredStatement"]["label"] == {"en": ["Citation"]}
    assert manifest["requiredStatement"]["value"]["en"][0].startswith('"Cable, Liu Shaoqi')
    labels = {m["label"]["en"][0]: m["value"] for m in manifest["metadata"]}
    assert labels["Translator"] == {"none": ["David Wolff"]}
    assert labels["Recipient"] == {"none": ["Mao Zedong"]}
    assert labels["Original language"] == {"none": ["Chinese"]}
    assert manifest["homepage"][0]["id"] == f"{BASE}records/113439"
    assert {s["format"] for s in manifest["seeAlso"]} == {"application/ld+json", "application/xml"}
    assert manifest["provider"][0]["type"] == "Agent"
    renderings = {r["format"]: r["id"] for r in manifest["rendering"]}
    text = _get(client, renderings["text/plain"]).get_data(as_text=True)
    assert text == markdown.to_plain_text(archive_file.parse_file(seed_file())["hasVersion"][0]["text"])
    assert text.startswith("A Telegram about the Meeting of Stalin with the Chinese Communist Party's\nDelegation\n")
    assert "  \n" not in text and "####" not in text
    pdf = _get(client, renderings["application/pdf"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    memo = _get(client, f"{BASE}iiif/memo-1962-reading-room/manifest").get_json(force=True)
    assert memo["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert [r["label"]["en"][0] for r in memo["structures"]] == [
        "English original", "Chinese translation", "Russian translation"]
    languages = [c["annotations"][0]["items"][0]["body"]["language"] for c in memo["items"]]
    assert languages == ["en", "zh", "ru"]


def test_scans_are_painted_and_text_kept_as_annotations(client):
    manifest = _get(client, f"{BASE}iiif/scanned/manifest").get_json(force=True)
    bodies = [c["items"][0]["items"][0]["body"] for c in manifest["items"]]
    assert bodies[0]["service"][0]["id"] == "https://images.example.org/iiif/3/scan-1"
    assert bodies[1]["id"] == "https://images.example.org/scan-2.jpg"
    assert [c["height"] for c in manifest["items"]] == [3000, 2900]
    # Scan k carries printed page k of each text; the heading before "(p. 1)" belongs to page 1.
    texts = [{a["body"]["language"]: a["body"]["value"] for a in c["annotations"][0]["items"]}
             for c in manifest["items"]]
    assert texts == [
        {"ru": "ПИСЬМО\n\nУрожай в этом году выше прошлогоднего. Дорога между Урумчи и Кульджой отремонтирована "
               "на двух участках из пяти.",
         "en": "LETTER\n\nThis year's harvest is larger than last year's. The road between Urumqi and Ghulja has "
               "been repaired on two of its five sections."},
        {"ru": "Группа учителей из Алма-Аты прибыла 3 сентября. [Дата прибытия уточняется.]\n\nГенеральный консул",
         "en": "A group of teachers from Alma-Ata arrived on 3 September. [The date of arrival is being checked.]"
               "\n\nConsul General"},
    ]


def test_record_without_text_gets_a_title_page(client):
    manifest = _get(client, f"{BASE}iiif/album-194x/manifest").get_json(force=True)
    (canvas,) = manifest["items"]
    text = canvas["annotations"][0]["items"][0]["body"]["value"]
    assert "Photograph album of a railway survey party" in text and "1940s" in text  # the date in words
    assert manifest["navDate"] == "1940-01-01T00:00:00Z"


def _canvas_texts(manifest: dict) -> list[tuple[str, str]]:
    return [(c["label"]["en"][0], "".join(a["body"]["value"] for p in c.get("annotations", []) for a in p["items"]))
            for c in manifest["items"]]


def test_page_markers_start_pages(client):
    """The seed-format sample: "(с. 1)"/"(p. 1)" start page 1, which also holds the heading before them."""
    manifest = _get(client, f"{BASE}iiif/300451/manifest").get_json(force=True)
    assert _canvas_texts(manifest) == [
        ("Russian transcript, p. 1", "ПИСЬМО\n\nУрожай в этом году выше прошлогоднего. Дорога между Урумчи и "
                                     "Кульджой отремонтирована на двух участках из пяти."),
        ("Russian transcript, p. 2", "Группа учителей из Алма-Аты прибыла 3 сентября. [Дата прибытия уточняется.]"
                                     "\n\nГенеральный консул"),
        ("English translation, p. 1", "LETTER\n\nThis year's harvest is larger than last year's. The road between "
                                      "Urumqi and Ghulja has been repaired on two of its five sections."),
        ("English translation, p. 2", "A group of teachers from Alma-Ata arrived on 3 September. [The date of "
                                      "arrival is being checked.]\n\nConsul General"),
    ]


PAGED_DOCUMENT = """## **May 2, 1950**

### **Report, Ivan Petrov to the Ministry of Foreign Affairs**

#### **Citation:**

"Report, Ivan Petrov to the Ministry of Foreign Affairs", May 2, 1950, Muniment Test Archive, box 1.

#### **Original Language:**

English

#### **Contents:**

Original - English

#### On the **spring** sowing

(p. 1)

The sowing began on 20 April.  
It was *finished* in ten days.

(p. 2)

{long}

(p. 3)

Ivan Petrov
"""


def test_each_canvas_holds_exactly_its_printed_page(app, store, validator):
    """Text before "(p. 1)" joins page 1; "p. 2" holds exactly what lies between "(p. 2)" and "(p. 3)",
    running on to "p. 2 (cont.)" when longer than a reading page; every annotation is plain text."""
    paragraphs = [f"Paragraph {n} of the second page, which reports on the roads, the schools and the harvest "
                  f"of the district in the words of its committee, at some length. " * 3 for n in range(1, 16)]
    long_page = "\n\n".join(p.strip() for p in paragraphs)
    store.records.save(archive_file.parse(PAGED_DOCUMENT.replace("{long}", long_page)), "import")
    client = app.test_client()
    manifest = _get(client, f"{BASE}iiif/1950-05-02-report-ivan-petrov-to-the-ministry-of-foreign-affairs/manifest"
                    ).get_json(force=True)
    _valid(validator, manifest)
    canvases = _canvas_texts(manifest)
    labels = [label for label, _ in canvases]
    assert labels[:2] == ["English original, p. 1", "English original, p. 2"]
    assert set(labels[2:-1]) == {"English original, p. 2 (cont.)"} and len(labels) >= 4
    assert labels[-1] == "English original, p. 3"
    assert canvases[0][1] == "On the spring sowing\n\nThe sowing began on 20 April.\nIt was finished in ten days."
    assert "".join(text for label, text in canvases if label.startswith("English original, p. 2")) == long_page
    assert canvases[-1][1] == "Ivan Petrov"
    for _, text in canvases:
        assert "(p. " not in text and "*" not in text and "#" not in text and "  \n" not in text


def test_scans_split_at_markers_hold_their_pages(app, store):
    """The same rule for scans: scan 1 shows page 1 (with the heading), scan 2 page 2; pages past the last
    scan join it."""
    record = archive_file.parse(PAGED_DOCUMENT.replace("{long}", "The roads are repaired."))
    record["scans"] = [{"label": {"en": f"p. {n}"}, "image": f"https://images.example.org/scan-{n}.jpg",
                        "width": 2000, "height": 3000} for n in (1, 2)]
    store.records.save(record, "import")
    manifest = _get(app.test_client(), f"{BASE}iiif/{record['identifier']}/manifest").get_json(force=True)
    assert _canvas_texts(manifest) == [
        ("p. 1", "On the spring sowing\n\nThe sowing began on 20 April.\nIt was finished in ten days."),
        ("p. 2", "The roads are repaired.\n\nIvan Petrov")]


def test_image_service_info_and_every_size(client):
    manifest = _get(client, f"{BASE}iiif/memo-1962-reading-room/manifest").get_json(force=True)
    for canvas in manifest["items"]:
        service = canvas["items"][0]["items"][0]["body"]["service"][0]["id"]
        info = _get(client, service + "/info.json")
        assert info.headers["Content-Type"] == 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
        document = info.get_json(force=True)
        assert document["id"] == service and document["type"] == "ImageService3"
        assert document["profile"] == "level0" and document["protocol"] == "http://iiif.io/api/image"
        assert (document["width"], document["height"]) == (canvas["width"], canvas["height"])
        assert document["sizes"]
        for size in document["sizes"]:
            image = _get(client, f"{service}/full/{size['width']},{size['height']}/0/default.jpg")
            assert image.mimetype == "image/jpeg"
            assert Image.open(io.BytesIO(image.data)).size == (size["width"], size["height"])
        full = Image.open(io.BytesIO(_get(client, f"{service}/full/max/0/default.jpg").data))
        assert full.size == (document["width"], document["height"])
        assert full.convert("L").getextrema()[0] < 100  # something dark was drawn: the text
    for size, expected in [("90,", (90, 127)), (",707", (500, 707)), ("!200,200", (141, 200)), ("pct:10", (100, 141))]:
        image = client.get(f"/iiif/image/memo-1962-reading-room/1/full/{size}/0/default.jpg")
        assert Image.open(io.BytesIO(image.data)).size == expected, size
    assert client.get("/iiif/image/memo-1962-reading-room/9/info.json").status_code == 404
    redirect = client.get("/iiif/image/memo-1962-reading-room/1")
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith("/1/info.json")


# Image API 3.0 status table (section 7.3): a well-formed value this level 0 service does not offer is 404
# ("not supported for this image service", "greater than the limits specified"); 400 is for what is not
# Image API syntax, and for the client errors of sections 4.1-4.2 (zero-sized region, image under 1 pixel).
@pytest.mark.parametrize("path, status", [
    ("square/max/0/default.jpg", 404),  # region other than full
    ("0,0,10,10/max/0/default.jpg", 404),
    ("pct:10,10,50,50/max/0/default.jpg", 404),
    ("full/max/90/default.jpg", 404),  # rotation other than 0
    ("full/max/22.5/default.jpg", 404),
    ("full/max/!0/default.jpg", 404),  # mirroring
    ("full/max/0/gray.jpg", 404),  # qualities not offered
    ("full/max/0/bitonal.jpg", 404),
    ("full/max/0/default.png", 404),  # formats not offered
    ("full/max/0/default.webp", 404),
    ("full/2000,/0/default.jpg", 404),  # larger than the page
    ("full/pct:150/0/default.jpg", 404),
    ("full/1000,1415/0/default.jpg", 404),
    ("full/^max/0/default.jpg", 404),  # upscaling syntax
    ("full/^500,/0/default.jpg", 404),
    ("full/big/0/default.jpg", 400),  # malformed syntax
    ("full/!100,/0/default.jpg", 400),
    ("full/pct:/0/default.jpg", 400),
    ("full/-5,/0/default.jpg", 400),
    ("middle/max/0/default.jpg", 400),
    ("0,0,10/max/0/default.jpg", 400),
    ("full/max/left/default.jpg", 400),
    ("full/max/361/default.jpg", 400),
    ("full/max/0/sepia.jpg", 400),
    ("full/max/0/default.JPG!", 400),
    ("full/0,/0/default.jpg", 400),  # section 4.2: under one pixel
    ("full/pct:0/0/default.jpg", 400),
    ("0,0,0,10/max/0/default.jpg", 400),  # section 4.1: zero-width region
])
def test_image_requests_not_served_answer_by_the_status_table(client, path, status):
    response = client.get(f"/iiif/image/memo-1962-reading-room/1/{path}")
    assert response.status_code == status, (path, response.data[:200])
    problem = response.get_json(force=True)
    assert problem["status"] == status and problem["detail"]


def test_image_requests_served_by_the_level0_service(client):
    for path, size in [("full/max/0/default.jpg", (1000, 1414)), ("full/max/0/color.jpg", (1000, 1414)),
                       ("full/max/0.0/default.jpg", (1000, 1414)), ("full/!2000,2000/0/default.jpg", (1000, 1414)),
                       ("full/1000,1414/0/default.jpg", (1000, 1414)), ("full/pct:100/0/default.jpg", (1000, 1414))]:
        response = client.get(f"/iiif/image/memo-1962-reading-room/1/{path}")
        assert response.status_code == 200, (path, response.data[:200])
        assert Image.open(io.BytesIO(response.data)).size == size, path
    assert client.get("/iiif/image/memo-1962-reading-room/9/full/max/0/default.jpg").status_code == 404


def test_http_headers_cors_and_conditional_requests(client):
    url = "/iiif/113439/manifest"
    first = client.get(url)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == first.headers["ETag"]
    plain = client.get(url, headers={"Accept": "application/json"})
    assert plain.headers["Content-Type"].startswith("application/json")
    preflight = client.options(url, headers={"Origin": "https://viewer.example", "Access-Control-Request-Method": "GET",
                                             "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "if-none-match"
    assert client.get("/iiif/nothing/manifest").status_code == 404
    assert client.get("/iiif/draft-one/manifest").status_code == 404


def test_manifest_is_built_on_write_and_changes_with_the_record(app, store):
    _load(store)  # this test edits and deletes a record: its own database, not the shared one
    client = app.test_client()
    with store.db.reading() as conn:
        stored = conn.execute(select(derived.c.content).where(derived.c.record_id == "113439",
                                                              derived.c.format == "manifest")).scalar_one()
    served = client.get("/iiif/113439/manifest").get_data(as_text=True)
    assert served == stored.replace(STORED.base, BASE)
    current = store.records.get("113439")
    store.records.update("113439", dict(current.data, title={"en": "Cable about Stalin"}), current.revision, "bob")
    updated = client.get("/iiif/113439/manifest")
    assert updated.get_json(force=True)["label"] == {"en": ["Cable about Stalin"]}
    _assert_validators_of_current_state(updated, store.records.get("113439"))
    # The body and header lines are cached per revision: withdrawing and publishing again shows at once.
    store.records.set_published("113439", False, current.revision + 1, "bob")
    assert client.get("/iiif/113439/manifest").status_code == 404
    store.records.set_published("113439", True, current.revision + 2, "bob")
    _assert_validators_of_current_state(client.get("/iiif/113439/manifest"), store.records.get("113439"))
    store.records.delete("113439", current.revision + 3, "bob")
    assert client.get("/iiif/113439/manifest").status_code == 410


def _assert_validators_of_current_state(response, current):
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{current.revision}-{current.content_hash[:16]}-manifest"'
    assert response.headers["Last-Modified"] == http_date(current.datestamp.replace(tzinfo=timezone.utc))
    assert response.headers["Link"] == f'<{BASE}records/113439>; rel="collection"; type="text/html"'


def test_pyld_expands_a_manifest_offline(client):
    manifest = _get(client, f"{BASE}iiif/113439/manifest").get_json(force=True)
    quads = _nquads(manifest)
    assert f"<{BASE}iiif/113439/manifest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://iiif.io/api/presentation/3#Manifest>" in quads
    annotation = f"<{BASE}iiif/113439/annotations/1/a1>"
    assert (f"{annotation} <http://www.w3.org/ns/oa#motivatedBy> <http://iiif.io/api/presentation/3#supplementing>"
            in quads)


def _nquads(document: dict) -> str:
    """``document`` as N-Quads, every remote context read from the pinned copies (never the network)."""
    loader = OfflineLoader(reference.jsonld_documents())
    return pyld_jsonld.to_rdf(document, {"documentLoader": loader, "format": "application/n-quads"})


PROJECT_MANIFESTS = ["113439", "album-194x", "memo-1962-reading-room", "990002",
                     "1951-03-letter-anna-sokolova-to-the-irkutsk-regional-library"]


def test_project_samples_alone_give_valid_manifests_that_expand_offline(client, store, validator):
    """Needs only the repository and the reference files, so it runs in a clone without ../shared."""
    for path in importer.expand_paths([REPO / "samples"]):
        for record in importer.read_file(path):
            store.records.save(record, "import")
    for identifier in PROJECT_MANIFESTS:
        _assert_valid_manifest(client, validator, identifier)
    top = _get(client, f"{BASE}iiif/collection/top").get_json(force=True)
    _valid(validator, top)
    quads = _nquads(_get(client, f"{BASE}iiif/memo-1962-reading-room/manifest").get_json(force=True))
    assert (f"<{BASE}iiif/memo-1962-reading-room/manifest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            "<http://iiif.io/api/presentation/3#Manifest>") in quads


def test_record_page_links_its_manifest(client):
    page = client.get("/records/113439").get_data(as_text=True)
    assert f'href="{BASE}iiif/113439/manifest"' in page and "Open in Mirador" in page
