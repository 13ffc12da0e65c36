"""Every IRI Muniment mints dereferences: walk every URL under the base in every output of every sample and
the seed (JSON-LD, N-Quads, history, all OAI formats, the manifest and what it links), and each answers 200
(410 for a tombstone). External IRIs are not fetched."""
from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit


from metadata.importers import archive_file, files

from tests.conftest import BASE_URL
from tests.support.paths import REPO, seed_file

_URL = re.compile(r"""https?://[^\s"'<>\\]+""")


def _load(store):
    paths = files.expand_paths([REPO / "samples"]) + [seed_file()]
    for path in paths:
        for record in files.read_file(path):
            store.records.save(record, "import")
    return [r.id for r in store.records.iter_records()]


def _outputs(client, identifier: str) -> list[str]:
    paths = [f"/records/{identifier}.jsonld", f"/records/{identifier}.nq", f"/records/{identifier}/history.jsonld",
             f"/records/{identifier}", f"/iiif/{identifier}/manifest"]
    paths += [f"/oai?verb=GetRecord&metadataPrefix={p}&identifier=oai:muniment.example.org:{identifier}"
              for p in ("oai_dc", "marc21", "mods", "qdc")]
    bodies = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        bodies.append(response.get_data(as_text=True))
    return bodies


def _local(url: str) -> str | None:
    url = url.rstrip(".,;)")
    if not url.startswith(BASE_URL):
        return None
    parts = urlsplit(url)
    return unquote(parts.path) + (f"?{parts.query}" if parts.query else "")


def test_every_minted_iri_dereferences(client, store):
    identifiers = _load(store)
    assert len(identifiers) >= 4
    seen: dict[str, int] = {}
    for identifier in identifiers:
        for body in _outputs(client, identifier):
            for url in _URL.findall(body):
                local = _local(url.split("#")[0])
                if local is None or local in seen:
                    continue
                if local.startswith("/iiif/image/") and not local.endswith(("info.json", ".jpg")):
                    local += "/info.json"  # an image service id names the service; its info.json answers
                seen[local] = client.get(local, headers={"Accept": "application/ld+json"}).status_code
    failing = {path: status for path, status in seen.items() if status not in (200, 410)}
    assert not failing, "\n".join(f"{status} {path}" for path, status in sorted(failing.items()))
    kinds = {path.split("/")[1] for path in seen}
    assert {"records", "iiif", "agents", "ns"} <= kinds, kinds


def test_deleted_records_iris_answer_410(client, store):
    _load(store)
    current = store.records.get("113439")
    store.records.delete("113439", current.revision, "alice")
    for path in ("/records/113439", "/records/113439.jsonld", "/records/113439/en", "/iiif/113439/manifest"):
        assert client.get(path).status_code == 410, path


def _agent_path(store, name: str) -> str:
    for record in store.records.iter_records():
        for node in (record.data.get("creator") or []) + (record.data.get("addressee") or []):
            if node["name"].get("en") == name:
                return node["id"].replace("https://muniment.invalid", "")
    raise AssertionError(name)


def test_an_agent_page_lists_records_by_role_and_drafts_stay_hidden(client, store):
    _load(store)
    path = _agent_path(store, "Liu Shaoqi")
    page = client.get(path).get_data(as_text=True)
    assert "<h1>Liu Shaoqi</h1>" in page and "Creator <small>(1)</small>" in page
    assert 'href="/records/113439"' in page
    document = client.get(path, headers={"Accept": "application/ld+json"}).get_json(force=True)
    assert document["id"] == f"http://muniment.test{path}" and document["type"] == "Person"
    assert document["name"]["en"] == "Liu Shaoqi"
    assert client.get(f"{path}.jsonld").get_json(force=True) == document
    current = store.records.get("113439")
    store.records.set_published("113439", False, current.revision, "alice")
    assert client.get(path).status_code == 404  # only a draft mentions them now


def test_a_version_page_shows_language_translator_text_and_the_way_back(client, store):
    _load(store)
    page = client.get("/records/113439/en").get_data(as_text=True)
    assert "Translated by" in page and "David Wolff" in page and 'href="/records/113439"' in page
    node = client.get("/records/113439/en", headers={"Accept": "application/ld+json"}).get_json(force=True)
    assert node["id"] == "http://muniment.test/records/113439/en"
    assert node["isVersionOf"] == "http://muniment.test/records/113439"
    assert client.get("/records/113439/xx").status_code == 404


def test_record_page_suggests_related_documents_most_shared_first(client, store):
    _load(store)
    related = json.loads(json.dumps(archive_file.parse_file(seed_file())).replace("113439", "113440"))
    related["identifier"] = "113440"
    related["title"] = {"en": "Another cable by the same people"}
    store.records.create(related, "import")
    page = client.get("/records/113439").get_data(as_text=True)
    section = page.split('id="related-h"')[1].split("</aside>")[0]
    assert 'href="/records/113440"' in section and "Another cable" in section
