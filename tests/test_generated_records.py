"""Property-based: any record the validator accepts is stored and published in every output, valid.

Hypothesis draws records from strategies of our own (BCP 47 language tags, ISO 639-1 languages, titles and
summaries in several scripts with markup-like characters, agents with roles, subjects, simple EDTF dates),
writes each through the API, and checks that the JSON-LD expands offline, the N-Quads parse, every OAI-PMH
format validates against its XML Schema, the manifest against the IIIF schema, and the first page image is
a real JPEG. The example budget is fixed so the suite's time is too.
"""
from __future__ import annotations

import io
import itertools

import jsonschema
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from pyld import jsonld as pyld

from metadata.record import jsonld
from metadata.record.urls import STORED
from metadata.record.validation import validate
from server import auth

from tests.conftest import password_hash
from tests.support import reference
from tests.support.oai import Harvester, error_codes

OAI_FORMATS = ["oai_dc", "marc21", "mods", "qdc"]
SCRIPTS = {  # (language tag, alphabet) pairs: Latin with accents, Cyrillic, CJK, Arabic, Greek
    "en": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:'\"()-&<>éüçøß",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ ,.-",
    "zh": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年毛泽东刘少奇电报，。",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي ،.",
    "el": "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΕΖΗΘ ,.",
    "zh-Hant": "電報國際會議書記處檔案館，。",
    "fr-CA": "abcdefghijklmnopqrstuvwxyzàâçéèêëîïôûù ,.'",
    "x-archive": "abcdefghijklmnopqrstuvwxyz0123456789 -",
}
LANGUAGES = ["en", "ru", "zh", "ar", "el", "fr", "de", "ja", "es", "pl"]
ROLES = ["relators:aut", "relators:sgn", "relators:edt", "relators:cre", "relators:ctb"]
SERIAL = itertools.count(1)


def text_in(tag: str, max_size: int = 60):
    return st.text(alphabet=SCRIPTS[tag], min_size=1, max_size=max_size).filter(lambda t: t.strip())


@st.composite
def language_maps(draw, min_size: int = 1, max_size: int = 3, max_text: int = 60):
    tags = draw(st.lists(st.sampled_from(sorted(SCRIPTS)), min_size=min_size, max_size=max_size, unique=True))
    return {tag: draw(text_in(tag, max_text)) for tag in tags}


@st.composite
def edtf_dates(draw):
    year = draw(st.integers(min_value=1000, max_value=2025))
    month = draw(st.integers(min_value=1, max_value=12))
    day = draw(st.integers(min_value=1, max_value=28))
    later = draw(st.integers(min_value=year, max_value=2025))
    return draw(st.sampled_from([
        f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}", f"{year:04d}/{later:04d}",
        f"{year:04d}~", f"{year:04d}?", f"{year:04d}-{month:02d}/{later:04d}", f"{str(year)[:3]}X",
    ]))


@st.composite
def agents(draw, index: int):
    return {"id": STORED.agent(f"agent {index} {draw(st.integers(0, 10**6))}"),
            "type": draw(st.sampled_from(["Person", "Organization", "Agent"])),
            "name": draw(language_maps(max_size=2, max_text=40))}


@st.composite
def records(draw):
    identifier = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True)) + f"-{next(SERIAL)}"
    record = {"@context": STORED.context(), "id": STORED.record(identifier), "type": ["Text"],
              "identifier": identifier, "title": draw(language_maps()), "created": draw(edtf_dates())}
    if draw(st.booleans()):
        record["abstract"] = draw(language_maps(max_text=200))
    if draw(st.booleans()):
        record["alternative"] = draw(language_maps(max_size=2))
    languages = draw(st.lists(st.sampled_from(LANGUAGES), max_size=3, unique=True))
    if languages:
        record["language"] = [f"lang:{code}" for code in languages]
    creators = [draw(agents(i)) for i in range(draw(st.integers(0, 3)))]
    if creators:
        record["creator"] = creators
        record["qualifiedAttribution"] = [
            {"type": "Attribution", "agent": agent["id"], "hadRole": draw(st.sampled_from(ROLES))}
            for agent in creators if draw(st.booleans())]
    addressees = [draw(agents(10 + i)) for i in range(draw(st.integers(0, 2)))]
    if addressees:
        record["addressee"] = addressees
    subjects = draw(st.lists(language_maps(max_size=2, max_text=30), max_size=3))
    if subjects:
        record["subject"] = [{"id": STORED.subject(f"subject {identifier} {i}"), "type": "Concept", "prefLabel": label}
                             for i, label in enumerate(subjects)]
    if draw(st.booleans()):
        record["bibliographicCitation"] = draw(text_in("en", 120))
    return record


def _public(app, record: dict) -> dict:
    with app.test_request_context():
        from server.documents import public_record
        return public_record(record)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=records())
def test_every_accepted_record_is_written_and_every_output_is_valid(app, store, tmp_path_factory, record):
    assert validate(record) == [], validate(record)  # the strategies make only records the validator accepts
    if not store.accounts.user("gen"):
        store.accounts.put_user("gen", password_hash("generated records"), "editor")
    secret = auth.new_token()
    store.accounts.add_token("gen", auth.token_digest(secret))
    client = app.test_client()
    identifier = record["identifier"]
    created = client.post("/api/records?publish=true", json=_public(app, record),
                          headers={"Authorization": f"Bearer {secret}"})
    assert created.status_code == 201, created.get_data(as_text=True)

    document = client.get(f"/records/{identifier}.jsonld")
    assert document.status_code == 200
    loader = jsonld.loader_for(app.extensions["muniment"]["urls"])
    expanded = jsonld.expand(document.get_json(force=True), loader)
    assert expanded and expanded[0]["@id"].endswith(f"/records/{identifier}")

    quads = client.get(f"/records/{identifier}.nq")
    assert quads.status_code == 200
    parsed = pyld.JsonLdProcessor.parse_nquads(quads.get_data(as_text=True))
    assert parsed["@default"], "no triples"

    assert client.get(f"/records/{identifier}").status_code == 200
    assert client.get(f"/records/{identifier}/history.jsonld").status_code == 200

    harvester = Harvester(client, tmp_path_factory.mktemp("qdc"))
    for prefix in OAI_FORMATS:
        root = harvester.get(verb="GetRecord", identifier=f"oai:muniment.example.org:{identifier}",
                             metadataPrefix=prefix)
        assert error_codes(root) == [], prefix

    manifest = client.get(f"/iiif/{identifier}/manifest")
    assert manifest.status_code == 200
    jsonschema.Draft7Validator(reference.iiif_schema()).validate(manifest.get_json(force=True))
    image = client.get(f"/iiif/image/{identifier}/1/full/max/0/default.jpg")
    assert image.status_code == 200
    assert Image.open(io.BytesIO(image.data)).format == "JPEG"
