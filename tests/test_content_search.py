"""IIIF Content Search 1.0 and 2.0 inside a document, over HTTP on SQLite and PostgreSQL: the manifest
declares both services; responses have the structure each version requires (1.0 as Mirador 4 reads it);
every hit's box lies inside its canvas, sits on the drawn line that holds the match and covers ink on the
page image the Image API serves; matching ignores case and diacritics, finds Chinese by characters and
phrases across line breaks; drafts answer 404 and deleted records 410."""
from __future__ import annotations

import copy
import io
import json
import re
from urllib.parse import quote, urlsplit

import pytest
from PIL import Image

from manifests.layout import LINE_HEIGHT, MARGIN
from manifests.search import fold
from metadata.importers import archive_file, files as importer
from metadata.record.urls import STORED
from tests.conftest import BACKENDS, module_app
from tests.support.paths import REPO, sample_file, seed_file

BASE = "http://muniment.test/"
SEARCH1 = "http://iiif.io/api/search/1/search"
AUTOCOMPLETE1 = "http://iiif.io/api/search/1/autocomplete"
XYWH = re.compile(r"^(?P<canvas>[^#]+)#xywh=(?P<x>\d+),(?P<y>\d+),(?P<w>\d+),(?P<h>\d+)$")
ACCENTED = ("FÊTE DU LIVRE\n\nLa fête du livre à la Bibliothèque municipale réunit les lecteurs de la ville "
            "autour des nouveaux livres, des cartes anciennes et des lettres de l'archive, chaque année en mai, "
            "avec des lectures publiques et des expositions pour les écoles.")

# 125 sentences with "harvest" twice each: 250 hits, three pages of search.PAGE_SIZE (100)
MANY = "\n\n".join(f"Harvest report {n}: the grain harvest was counted and stored." for n in range(1, 126))


def _renamed(record: dict, identifier: str) -> dict:
    record = json.loads(json.dumps(record).replace(STORED.record(record["identifier"]), STORED.record(identifier)))
    record["identifier"] = identifier
    return record


@pytest.fixture(scope="module", params=BACKENDS)
def library(request, tmp_path_factory):
    """The seed, the project's samples, a French text with accents, a draft and a deleted record."""
    tmp = tmp_path_factory.mktemp("search")
    with module_app(request.param, tmp) as app:
        store = app.extensions["muniment"]["store"]
        store.records.save(archive_file.parse_file(seed_file()), "import")
        for path in importer.expand_paths([REPO / "samples"]):
            for record in importer.read_file(path):
                if record["identifier"] != "113439":
                    store.records.save(record, "import")
        sample = archive_file.parse_file(sample_file())
        store.records.save(sample, "import")
        french = _renamed(sample, "fete")
        french["hasVersion"] = [copy.deepcopy(french["hasVersion"][1])]
        french["hasVersion"][0]["text"] = ACCENTED
        store.records.save(french, "import")
        many = _renamed(sample, "many-hits")
        many["hasVersion"] = [copy.deepcopy(many["hasVersion"][1])]
        many["hasVersion"][0]["text"] = MANY
        store.records.save(many, "import")
        store.records.save(_renamed(sample, "draft-one"), "import", published=False)
        _, gone = store.records.save(_renamed(sample, "gone-one"), "import")
        store.records.delete("gone-one", gone.revision, "test")
        yield app


@pytest.fixture
def client(library):
    return library.test_client()


def _json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.data[:300])
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json(force=True)


def _search(client, identifier: str, version: int, q: str, **params) -> dict:
    query = "&".join([f"q={quote(q)}"] + [f"{k}={quote(v)}" for k, v in params.items()])
    return _json(client, f"/iiif/{identifier}/search/{version}?{query}")


def _services(manifest: dict) -> tuple[dict, dict]:
    services = manifest["service"]
    two = next(s for s in services if s.get("type") == "SearchService2")
    one = next(s for s in services if s.get("profile") == SEARCH1)
    return one, two


def _canvases(client, identifier: str) -> dict:
    manifest = _json(client, f"/iiif/{identifier}/manifest")
    return {c["id"]: c for c in manifest["items"]}


def _pages(library, identifier: str) -> list:
    return json.loads(library.extensions["muniment"]["store"].serving.get_derived(identifier, "pages")[1])


def _box(target: str, canvases: dict) -> tuple[dict, int, int, int, int]:
    found = XYWH.match(target)
    assert found, target
    canvas = canvases[found["canvas"]]
    x, y, w, h = (int(found[k]) for k in "xywh")
    assert w > 0 and h > 0 and x + w <= canvas["width"] and y + h <= canvas["height"], (target, canvas["width"])
    return canvas, x, y, w, h


def _assert_on_its_line(library, identifier: str, canvas: dict, y: int, h: int, matched: str) -> int:
    """The box is one drawn line (render: row i at MARGIN + i * LINE_HEIGHT) and that line holds the match."""
    n = int(canvas["id"].rsplit("/", 1)[-1])
    page = _pages(library, identifier)[n - 1]
    assert h == LINE_HEIGHT and (y - MARGIN) % LINE_HEIGHT == 0, (y, h)
    row = (y - MARGIN) // LINE_HEIGHT
    assert fold(matched) in fold(page["lines"][row][1]), (matched, page["lines"][row])
    return row


# ------------------------------------------------------------------------------- the services
@pytest.mark.parametrize("identifier", ["113439", "300451", "990002", "fete", "album-194x"])
def test_manifests_with_text_declare_both_versions(client, identifier):
    manifest = _json(client, f"/iiif/{identifier}/manifest")
    one, two = _services(manifest)
    assert one["@context"] == "http://iiif.io/api/search/1/context.json"
    assert one["@type"] == "SearchService1" and one["@id"] == f"{BASE}iiif/{identifier}/search/1"
    (autocomplete,) = one["service"]
    assert autocomplete["profile"] == AUTOCOMPLETE1
    assert autocomplete["@id"] == f"{BASE}iiif/{identifier}/search/1/autocomplete"
    assert two["id"] == f"{BASE}iiif/{identifier}/search/2"
    assert two["service"] == [{"id": f"{BASE}iiif/{identifier}/search/2/autocomplete",
                               "type": "AutoCompleteService2"}]
    for url in [one["@id"], autocomplete["@id"], two["id"], two["service"][0]["id"]]:
        _json(client, urlsplit(url).path)  # every declared service answers, with no query too


# ------------------------------------------------------------------------------- 1.0, as Mirador 4 reads it
def test_search1_structure_and_boxes(client, library):
    canvases = _canvases(client, "113439")
    result = _search(client, "113439", 1, "Stalin")
    assert result["@context"] == ["http://iiif.io/api/presentation/2/context.json",
                                  "http://iiif.io/api/search/1/context.json"]
    assert result["@type"] == "sc:AnnotationList" and result["@id"] == f"{BASE}iiif/113439/search/1?q=Stalin"
    assert result["within"] == {"@type": "sc:Layer", "total": len(result["hits"]), "ignored": []}
    assert len(result["hits"]) >= 5
    resources = {r["@id"]: r for r in result["resources"]}
    assert len(resources) == len(result["resources"])
    for resource in result["resources"]:
        assert resource["@type"] == "oa:Annotation" and resource["motivation"] == "sc:painting"
        assert resource["resource"]["@type"] == "cnt:ContentAsText"
        assert fold(resource["resource"]["chars"]) == "stalin"
    for hit in result["hits"]:
        assert hit["@type"] == "search:Hit" and hit["match"] == "Stalin"
        assert isinstance(hit["before"], str) and isinstance(hit["after"], str) and hit["before"] + hit["after"]
        for annotation_id in hit["annotations"]:
            canvas, _, y, _, h = _box(resources[annotation_id]["on"], canvases)
            _assert_on_its_line(library, "113439", canvas, y, h, hit["match"])


def test_boxes_cover_the_ink_of_the_match(client, library):
    """Read the page image the Image API serves: the box holds dark pixels, and so would a box one line
    lower only if that line has text; the box is no wider than the word plus a character either side."""
    canvases = _canvases(client, "113439")
    result = _search(client, "113439", 1, "Kremlin")
    assert result["hits"]
    resource = result["resources"][0]
    canvas, x, y, w, h = _box(resource["on"], canvases)
    n = canvas["id"].rsplit("/", 1)[-1]
    image = Image.open(io.BytesIO(client.get(f"/iiif/image/113439/{n}/full/max/0/default.jpg").data)).convert("L")
    inked = [i for i in range(x, x + w) if min(image.getpixel((i, r)) for r in range(y, y + h)) < 100]
    assert inked and inked[0] - x <= 3 and x + w - inked[-1] <= 4, (x, w, inked[:3], inked[-3:])
    assert w < 24 * len("Kremlin"), w  # one word, not the line


def test_search1_phrase_across_a_line_break_gets_a_box_per_line(client, library):
    page = _pages(library, "fete")[0]
    lines = page["lines"]
    row = next(i for i in range(len(lines) - 1) if lines[i][1] and lines[i + 1][1] and lines[i][0] == "p")
    first, second = lines[row][1], lines[row + 1][1]
    phrase = f"{first.split()[-1]} {second.split()[0]}"
    canvases = _canvases(client, "fete")
    result = _search(client, "fete", 1, phrase)
    hit = next(h for h in result["hits"] if len(h["annotations"]) == 2)
    resources = {r["@id"]: r for r in result["resources"]}
    boxes = [_box(resources[a]["on"], canvases) for a in hit["annotations"]]
    assert [(b[2] - MARGIN) // LINE_HEIGHT for b in boxes] == [row, row + 1]
    assert hit["match"] == phrase


def test_case_and_diacritics_are_ignored(client, library):
    canvases = _canvases(client, "fete")
    for q in ["FETE", "fête", "bibliotheque", "ÉCOLES"]:
        result = _search(client, "fete", 1, q)
        assert result["hits"], q
        for hit in result["hits"]:
            assert fold(hit["match"]) == fold(q)
            canvas, _, y, _, h = _box(result["resources"][0]["on"], canvases)
            _assert_on_its_line(library, "fete", canvas, y, h, hit["match"])


def test_words_match_at_their_start_only(client):
    assert _search(client, "fete", 1, "livre")["within"]["total"] == 3  # LIVRE, livre, livres
    assert _search(client, "fete", 1, "ivre")["within"]["total"] == 0


def test_chinese_matches_by_characters(client, library):
    canvases = _canvases(client, "990002")
    result = _search(client, "990002", 1, "图书")
    assert result["within"]["total"] == 2  # 爱护图书 and 兰州市图书馆, inside words: no spaces in Chinese
    for hit, resource in zip(result["hits"], result["resources"]):
        assert hit["match"] == "图书"
        canvas, _, y, _, h = _box(resource["on"], canvases)
        _assert_on_its_line(library, "990002", canvas, y, h, "图书")


def test_russian_text_is_found(client, library):
    result = _search(client, "300451", 1, "урожай")
    assert [h["match"] for h in result["hits"]] == ["Урожай"]


# ------------------------------------------------------------------------------- 2.0
def test_search2_structure(client, library):
    canvases = _canvases(client, "113439")
    result = _search(client, "113439", 2, "Mao", motivation="painting", user="x")
    assert result["@context"] == "http://iiif.io/api/search/2/context.json"
    assert result["type"] == "AnnotationPage" and result["id"].startswith(f"{BASE}iiif/113439/search/2?q=Mao")
    assert sorted(result["ignored"]) == ["motivation", "user"]
    items = {a["id"]: a for a in result["items"]}
    assert items
    for annotation in result["items"]:
        assert annotation["type"] == "Annotation" and annotation["motivation"] == "highlighting"
        canvas, _, y, _, h = _box(annotation["target"], canvases)
        _assert_on_its_line(library, "113439", canvas, y, h, annotation["body"]["value"])
    (page,) = result["annotations"]
    assert page["type"] == "AnnotationPage"
    for context in page["items"]:
        assert context["type"] == "Annotation" and context["motivation"] == "contextualizing"
        for target in context["target"]:
            assert target["type"] == "SpecificResource" and target["source"] in items
            (selector,) = target["selector"]
            assert selector["type"] == "TextQuoteSelector" and selector["exact"] == "Mao"
            assert set(selector) == {"type", "prefix", "exact", "suffix"}


def test_no_match_is_an_empty_result(client):
    assert _search(client, "113439", 2, "zzzqqq")["items"] == []
    assert _search(client, "113439", 1, "zzzqqq")["resources"] == []


def test_scan_hits_target_the_whole_scan(client):
    """990002 has scans: their lines' positions are not ours to know, so a hit covers the scan."""
    canvases = _canvases(client, "990002")
    scans = {c for c, canvas in canvases.items() if "thumbnail" not in canvas}
    for resource in _search(client, "990002", 1, "library")["resources"]:
        canvas, x, y, w, h = _box(resource["on"], canvases)
        if canvas["id"] in scans:
            assert (x, y, w, h) == (0, 0, canvas["width"], canvas["height"])


# ------------------------------------------------------------------------------- autocomplete
def test_autocomplete_both_versions(client):
    one = _json(client, "/iiif/113439/search/1/autocomplete?q=Sta")
    assert one["@type"] == "search:TermList" and one["ignored"] == []
    terms = {t["match"]: t for t in one["terms"]}
    assert "stalin" in terms and terms["stalin"]["count"] >= 5
    hits = _json(client, urlsplit(terms["stalin"]["url"]).path + "?" + urlsplit(terms["stalin"]["url"]).query)
    assert hits["within"]["total"] == terms["stalin"]["count"]
    two = _json(client, "/iiif/113439/search/2/autocomplete?q=sta&date=2000")
    assert two["type"] == "TermPage" and two["ignored"] == ["date"]
    assert {"value": "stalin", "total": terms["stalin"]["count"]} in two["items"]


# ------------------------------------------------------------------------------- who may search
@pytest.mark.parametrize("path", ["search/1?q=harvest", "search/2?q=harvest", "search/1/autocomplete?q=h",
                                  "search/2/autocomplete?q=h"])
def test_drafts_404_and_deleted_410(client, path):
    assert client.get(f"/iiif/draft-one/{path}").status_code == 404
    assert client.get(f"/iiif/gone-one/{path}").status_code == 410
    assert client.get(f"/iiif/no-such-record/{path}").status_code == 404


def test_unknown_version_404(client):
    response = client.get("/iiif/113439/search/3?q=Mao")
    assert response.status_code == 404 and "versions 1 and 2" in response.get_json(force=True)["detail"]


# ------------------------------------------------------------------------------- several words
def _matches(result: dict) -> list[str]:
    return [h["match"] for h in result["hits"]]


def test_several_words_must_all_be_in_the_document(client):
    assert _search(client, "fete", 1, "livre zzzqqq")["within"]["total"] == 0
    assert _search(client, "fete", 2, "zzzqqq livre")["items"] == []


def test_several_words_give_a_hit_for_each_occurrence_in_reading_order(client, library):
    canvases = _canvases(client, "fete")
    result = _search(client, "fete", 1, "fête livre")  # never side by side: each occurrence is a hit
    assert [fold(m) for m in _matches(result)] == ["fete", "livre", "fete", "livre", "livre"]
    assert result["within"]["total"] == 5
    resources = {r["@id"]: r for r in result["resources"]}
    for hit in result["hits"]:
        (annotation,) = hit["annotations"]
        canvas, _, y, _, h = _box(resources[annotation]["on"], canvases)
        _assert_on_its_line(library, "fete", canvas, y, h, hit["match"])


def test_words_standing_together_are_one_hit(client):
    result = _search(client, "fete", 1, "du livre")
    # the phrase twice (DU LIVRE, du livre), then "livres", whose word is not part of a phrase there
    assert [fold(m) for m in _matches(result)] == ["du livre", "du livre", "livre"]
    assert _matches(_search(client, "fete", 1, '"du livre"')) == ["DU LIVRE", "du livre"]  # quoted: the phrase only
    two = _search(client, "fete", 2, "du livre")
    exact = [t["selector"][0]["exact"] for c in two["annotations"][0]["items"] for t in c["target"]]
    assert [fold(e) for e in exact] == ["du livre", "du livre", "livre"]


# ------------------------------------------------------------------------------- paging
def _follow(client, url: str) -> dict:
    parts = urlsplit(url)
    return _json(client, f"{parts.path}?{parts.query}")


def test_search1_pages_a_long_result(client, library):
    canvases = _canvases(client, "many-hits")
    first = _search(client, "many-hits", 1, "harvest")
    base = f"{BASE}iiif/many-hits/search/1?q=harvest"
    assert first["@id"] == f"{base}&page=1"
    assert first["within"] == {"@type": "sc:Layer", "total": 250, "ignored": [], "first": f"{base}&page=1",
                               "last": f"{base}&page=3"}
    assert first["startIndex"] == 0 and first["next"] == f"{base}&page=2" and "prev" not in first
    seen, pages = [], [first]
    while "next" in pages[-1]:
        pages.append(_follow(client, pages[-1]["next"]))
    assert [p["startIndex"] for p in pages] == [0, 100, 200]
    assert [len(p["hits"]) for p in pages] == [100, 100, 50]
    assert pages[1]["prev"] == f"{base}&page=1" and pages[2]["prev"] == f"{base}&page=2"
    assert _follow(client, first["within"]["last"]) == pages[-1]
    for page in pages:
        assert page["within"]["total"] == 250
        resources = {r["@id"]: r for r in page["resources"]}
        for hit in page["hits"]:
            assert fold(hit["match"]) == "harvest"
            for annotation in hit["annotations"]:  # every hit's annotations are on its own page
                canvas, _, y, _, h = _box(resources[annotation]["on"], canvases)
                _assert_on_its_line(library, "many-hits", canvas, y, h, hit["match"])
                seen.append(annotation)
    assert len(seen) == len(set(seen)) == 250  # no hit twice, none left out
    assert client.get("/iiif/many-hits/search/1?q=harvest&page=4").status_code == 404
    assert client.get("/iiif/many-hits/search/1?q=harvest&page=0").status_code == 400
    assert "next" not in _search(client, "fete", 1, "livre")  # one page: no paging at all


def test_search2_pages_a_long_result(client):
    first = _search(client, "many-hits", 2, "harvest", user="x")
    base = f"{BASE}iiif/many-hits/search/2?q=harvest&user=x"
    assert first["id"] == f"{base}&page=1" and first["ignored"] == ["user"]
    assert first["partOf"] == {"id": base, "type": "AnnotationCollection", "total": 250,
                               "first": {"id": f"{base}&page=1", "type": "AnnotationPage"},
                               "last": {"id": f"{base}&page=3", "type": "AnnotationPage"}}
    assert first["next"] == {"id": f"{base}&page=2", "type": "AnnotationPage"} and first["startIndex"] == 0
    pages = [first]
    while "next" in pages[-1]:
        pages.append(_follow(client, pages[-1]["next"]["id"]))
    assert [p["startIndex"] for p in pages] == [0, 100, 200]
    assert pages[2]["prev"] == {"id": f"{base}&page=2", "type": "AnnotationPage"}
    ids = [a["id"] for p in pages for a in p["items"]]
    assert len(ids) == len(set(ids)) == 250
    for page in pages:
        assert page["partOf"] == first["partOf"]
        items = {a["id"] for a in page["items"]}
        (context,) = page["annotations"]
        assert len(context["items"]) == len(page["items"])
        assert all(t["source"] in items for c in context["items"] for t in c["target"])
