"""Authority control over real HTTP and real databases (SQLite and PostgreSQL): entities built from records by
the migration, edits carried into every record (JSON-LD, MARCXML $0/$1, MODS valueURI, OAI datestamps),
merging with a 301 from the old IRI, splitting two people of one name, the picker finding each entity once
whatever the spelling, and sameAs links checked by pattern."""
from __future__ import annotations

import io
import json

import pymarc
import pytest
from lxml import etree, html
from marc_lint import MarcLint
from sqlalchemy import select

from metadata.formats import marc21, mods
from metadata.record.urls import STORED
from metadata.storage import migrate
from metadata.storage.tables import entities, entity_revisions, records
from server import auth

from tests.conftest import PASSWORD, make_app, password_hash
from tests.support.clock import ManualClock
from tests.support import xsd
from tests.support.forms import form_fields

TOKEN = "mnt_authority-test-token"
MARC = "{http://www.loc.gov/MARC21/slim}"
MODS = "{http://www.loc.gov/mods/v3}"


def agent(key: str, name: str, lang: str = "en", **extra) -> dict:
    return {"id": STORED.entities.entity("agents", key), "type": "Person", "name": {lang: name}, **extra}


def letter(identifier: str, creators=(), addressees=(), subjects=(), places=()) -> dict:
    record = {"@context": STORED.context(), "id": STORED.record(identifier), "type": ["Text", "Record"],
              "identifier": identifier, "title": {"en": f"Letter {identifier}"}, "created": "1950-03"}
    if creators:
        record["creator"] = list(creators)
        record["qualifiedAttribution"] = [{"type": "Attribution", "agent": c["id"], "hadRole": "relators:aut"}
                                          for c in creators]
    if addressees:
        record["addressee"] = list(addressees)
    if subjects:
        record["subject"] = [{"id": STORED.entities.entity("subjects", k), "type": "Concept", "prefLabel": {"en": n}}
                             for k, n in subjects]
    if places:
        record["spatial"] = [{"id": STORED.entities.entity("places", k), "type": "Location", "label": {"en": n}}
                             for k, n in places]
    return record


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def authority_app(migrated_url, tmp_path, clock):
    app = make_app(migrated_url, tmp_path, CLOCK=clock)
    store = app.extensions["muniment"]["store"]
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    store.accounts.add_token("ann", auth.token_digest(TOKEN), "tests")
    yield app
    store.engine.dispose()


@pytest.fixture
def archive(authority_app):
    """Letters naming Mao Zedong (once spelt Mao Tse-tung under the same key), a separate Mao Tse-tung entry,
    two different people called Li Wei, Zhōu Lán, a subject and a place; one letter is a draft."""
    store = authority_app.extensions["muniment"]["store"]
    mao = agent("mao-zedong", "Mao Zedong")
    saved = [
        letter("l1", [agent("zhou-lan", "Zhōu Lán")], [mao], [("xinjiang", "Xinjiang")], [("moscow", "Moscow")]),
        letter("l2", [agent("zhou-lan", "Zhōu Lán")], [agent("mao-zedong", "Mao Tse-tung")]),
        letter("l3", [agent("mao-tse-tung", "Mao Tse-tung"), mao], [agent("li-wei", "Li Wei")]),
        letter("l4", [agent("li-wei", "Li Wei")], [mao]),
        letter("l5", [agent("mao-tse-tung", "Mao Tse-tung")]),
    ]
    for record in saved:
        store.records.create(record, "import", published=True)
    store.records.create(letter("draft1", [agent("zhou-lan", "Zhōu Lán")]), "import", published=False)
    return store


def api(app, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {TOKEN}", **kwargs.pop("headers", {})}
    return getattr(app.test_client(), method)(path, headers=headers, **kwargs)


def oai_record(client, identifier: str, prefix: str):
    response = client.get(f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier=oai:muniment.example.org:{identifier}")
    assert response.status_code == 200
    return etree.fromstring(response.data)


# ------------------------------------------------------------------------------------------------ migration
def test_the_migration_builds_entities_from_the_records_already_stored(archive, authority_app):
    engine = archive.engine
    migrate.downgrade(engine, "0008")  # as before authority control, with the same records
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = {(r.kind, r.key): r for r in conn.execute(select(entities))}
        revisions = conn.execute(select(entity_revisions)).all()
    assert set(rows) == {("agent", "mao-zedong"), ("agent", "mao-tse-tung"), ("agent", "zhou-lan"),
                         ("agent", "li-wei"), ("subject", "xinjiang"), ("place", "moscow")}
    mao = rows[("agent", "mao-zedong")]
    # the spelling most records use is preferred, the other is kept as a variant
    assert json.loads(mao.name) == {"en": "Mao Zedong"} and json.loads(mao.variants) == {"en": ["Mao Tse-tung"]}
    assert mao.type == "Person" and mao.revision == 1 and mao.merged_into is None
    assert len(revisions) == 6 and {r.number for r in revisions} == {1}
    assert archive.entities.get("place", "moscow")["name"] == {"en": "Moscow"}


def test_a_record_naming_a_new_entity_creates_it_and_a_known_one_is_reused(archive):
    assert archive.entities.get("agent", "oleg-belov") is None
    archive.records.create(letter("l9", [agent("oleg-belov", "Oleg Belov"), agent("li-wei", "Li Wei")]), "ann")
    made = archive.entities.get("agent", "oleg-belov")
    assert made["name"] == {"en": "Oleg Belov"} and made["revision"] == 1
    assert [r["message"] for r in archive.entities.revisions("agent", "oleg-belov")] == ["created from record l9"]
    assert archive.entities.get("agent", "li-wei")["revision"] == 1  # used, not changed


# ------------------------------------------------------------------------------------------------ editing
def test_editing_an_entity_makes_a_new_revision_of_every_record_and_its_outputs_follow(archive, authority_app,
                                                                                       clock):
    client = authority_app.test_client()
    with archive.engine.connect() as conn:
        before = dict(conn.execute(select(records.c.id, records.c.datestamp)).all())
    marc_before = etree.tostring(oai_record(client, "l1", "marc21"))
    clock.advance(5)
    links = ["https://www.wikidata.org/entity/Q5816", "http://viaf.org/viaf/64000757"]
    response = api(authority_app, "put", "/api/entities/agent/zhou-lan", json={
        "name": {"en": "Zhou Lan", "zh": "周兰"}, "variants": {"en": ["Zhōu Lán", "Chou Lan"]}, "sameAs": links,
        "sortName": "Zhou, Lan"}, headers={"Muniment-Message": "checked the spelling"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["rewritten"] == ["draft1", "l1", "l2"] and body["revision"] == 2
    assert body["iri"] == "http://muniment.test/agents/zhou-lan"

    for identifier in ("l1", "l2", "draft1"):
        state = archive.records.get(identifier)
        assert state.revision == 2 and state.datestamp > before[identifier]  # OAI datestamp moved
        revision = archive.records.revision(identifier, 2)
        assert revision.author == "ann" and revision.message == "Authority: checked the spelling"
        node = state.data["creator"][0]
        assert node == {"id": STORED.entities.entity("agents", "zhou-lan"), "type": "Person",
                        "name": {"en": "Zhou Lan", "zh": "周兰"}, "sortName": "Zhou, Lan", "sameAs": links}
    assert archive.records.get("l4").revision == 1  # not using it: untouched

    jsonld = client.get("/records/l1.jsonld").get_json()
    assert jsonld["creator"][0]["sameAs"] == links
    marc = oai_record(client, "l1", "marc21")
    assert etree.tostring(marc) != marc_before
    field = marc.find(f".//{MARC}datafield[@tag='100']")
    assert [(s.get("code"), s.text) for s in field if s.get("code") in "01"] == [("1", links[0]), ("0", links[1])]
    name = oai_record(client, "l1", "mods").find(f".//{MODS}name")
    assert name.get("valueURI") == links[0] and name.get("authority") == "wikidata"
    assert name.get("authorityURI") == "http://www.wikidata.org/entity/"

    page = client.get("/agents/zhou-lan").get_data(as_text=True)
    assert "Zhou Lan" in page and "Chou Lan" in page and 'href="https://www.wikidata.org/entity/Q5816"' in page
    public = client.get("/agents/zhou-lan.jsonld").get_json()
    assert public["sameAs"] == links and public["altLabel"] == {"en": ["Zhōu Lán", "Chou Lan"]}
    history = api(authority_app, "get", "/api/entities/agent/zhou-lan/revisions").get_json()
    assert [h["number"] for h in history] == [1, 2] and history[1]["data"]["sameAs"] == links


def test_places_and_subjects_carry_their_links_into_marc_and_mods(archive, authority_app):
    geonames = "https://sws.geonames.org/524901/"
    assert api(authority_app, "put", "/api/entities/place/moscow",
               json={"name": {"en": "Moscow"}, "sameAs": [geonames]}).status_code == 200
    assert api(authority_app, "put", "/api/entities/agent/zhou-lan", json={
        "name": {"en": "Zhou Lan"}, "sameAs": ["https://www.wikidata.org/entity/Q5816",
                                               "http://id.loc.gov/authorities/names/n80126364"]}).status_code == 200
    client = authority_app.test_client()
    field = oai_record(client, "l1", "marc21").find(f".//{MARC}datafield[@tag='651']")
    assert field is not None and field.get("ind2") == "7"
    assert [(s.get("code"), s.text) for s in field] == [("a", "Moscow."), ("2", "geonames"), ("0", geonames)]
    geographic = oai_record(client, "l1", "mods").find(f".//{MODS}geographic")
    assert geographic.get("valueURI") == geonames and geographic.get("authority") == "geonames"
    # the stored outputs stay valid: MODS 3.8 and MARC 21 schemas, and marc-lint finds nothing
    data = archive.records.get("l1").data
    xsd.assert_valid(mods.mods(data), xsd.MODS)
    xml = marc21.marc21(data)
    xsd.assert_valid(xml, xsd.MARC)
    assert MarcLint().check_record(pymarc.parse_xml_to_array(io.BytesIO(xml.encode("utf-8")))[0]) == []


# ------------------------------------------------------------------------------------------------ merge, split
def test_merging_two_agents_updates_every_record_and_redirects_the_old_iri(archive, authority_app):
    response = api(authority_app, "post", "/api/entities/agent/mao-tse-tung/merge", json={"into": "mao-zedong"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["rewritten"] == ["l2", "l3", "l5"]  # l2 spelt it differently under the target
    old, new = STORED.entities.entity("agents", "mao-tse-tung"), STORED.entities.entity("agents", "mao-zedong")
    for identifier in ("l1", "l2", "l3", "l4", "l5"):
        text = json.dumps(archive.records.get(identifier).data)
        assert old not in text
    l3 = archive.records.get("l3").data
    assert [c["id"] for c in l3["creator"]] == [new]  # both were on it: one node, one attribution
    assert l3["qualifiedAttribution"] == [{"type": "Attribution", "agent": new, "hadRole": "relators:aut"}]
    assert archive.records.get("l5").data["creator"][0]["name"] == {"en": "Mao Zedong"}

    client = authority_app.test_client()
    html = client.get("/agents/mao-tse-tung")
    assert html.status_code == 301 and html.headers["Location"] == "http://muniment.test/agents/mao-zedong"
    jsonld = client.get("/agents/mao-tse-tung.jsonld")
    assert jsonld.status_code == 301 and jsonld.headers["Location"] == "http://muniment.test/agents/mao-zedong.jsonld"
    assert client.get("/agents/mao-zedong").status_code == 200
    merged = api(authority_app, "get", "/api/entities/agent/mao-tse-tung").get_json()
    assert merged["mergedInto"] == "mao-zedong"
    # the picker finds the old spelling as the surviving entity's variant, once
    found = api(authority_app, "get", "/api/entities?kind=agent&q=tse-tung").get_json()["items"]
    assert [e["key"] for e in found] == ["mao-zedong"]
    again = api(authority_app, "post", "/api/entities/agent/mao-tse-tung/merge", json={"into": "mao-zedong"})
    assert again.status_code == 409
    # a record written later with the merged IRI (an old export imported again) names the survivor
    archive.records.save(letter("l6", [agent("mao-tse-tung", "Mao Tse-tung")]), "import")
    assert archive.records.get("l6").data["creator"][0]["id"] == new
    assert archive.records.get("l6").data["qualifiedAttribution"][0]["agent"] == new


def test_splitting_an_entity_separates_two_people_of_one_name(archive, authority_app):
    response = api(authority_app, "post", "/api/entities/agent/li-wei/split", json={"records": ["l4"],
                                                                                  "name": "Li Wei"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["key"] == "li-wei-2" and response.get_json()["rewritten"] == ["l4"]
    assert archive.records.get("l4").data["creator"][0]["id"] == STORED.entities.entity("agents", "li-wei-2")
    assert archive.records.get("l3").data["addressee"][0]["id"] == STORED.entities.entity("agents", "li-wei")
    assert archive.records.get("l4").data["qualifiedAttribution"][0]["agent"].endswith("/agents/li-wei-2")
    found = api(authority_app, "get", "/api/entities?kind=agent&q=li%20wei").get_json()["items"]
    assert sorted(e["key"] for e in found) == ["li-wei", "li-wei-2"]
    client = authority_app.test_client()
    assert "/records/l4" not in client.get("/agents/li-wei").get_data(as_text=True)
    assert "Letter l4" in client.get("/agents/li-wei-2").get_data(as_text=True)
    refused = api(authority_app, "post", "/api/entities/agent/li-wei/split", json={"records": ["l1"], "name": "X"})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "/records"


# ------------------------------------------------------------------------------------------------ picker
def test_the_picker_returns_each_entity_once_for_variants_case_and_accents(archive, authority_app):
    def keys(kind: str, text: str) -> list[str]:
        response = api(authority_app, "get", f"/api/entities?kind={kind}&q={text}")
        assert response.status_code == 200
        return [e["key"] for e in response.get_json()["items"]]

    assert keys("agent", "zhou") == keys("agent", "ZHŌU LÁN") == keys("agent", "lán") == ["zhou-lan"]
    assert keys("agent", "mao") == ["mao-zedong", "mao-tse-tung"]  # mao-zedong: more records
    assert keys("agent", "tse-tung") == ["mao-tse-tung"]
    archive.entities.update("agent", "mao-zedong", {"variants": {"en": ["Mao Tse-tung"]}}, "ann")
    assert keys("agent", "tse-tung") == ["mao-zedong", "mao-tse-tung"]  # a variant of one, the name of the other
    assert keys("place", "mosc") == ["moscow"] and keys("subject", "moscow") == []
    item = api(authority_app, "get", "/api/entities?kind=agent&q=zhou").get_json()["items"][0]
    assert item["records"] == 3 and item["preferredName"] == "Zhōu Lán"  # the draft counts for editors
    anonymous = authority_app.test_client().get("/api/entities?kind=agent&q=zhou")
    assert anonymous.status_code == 401 and b"draft1" not in anonymous.data
    assert api(authority_app, "get", "/api/entities?kind=people").status_code == 400


# ------------------------------------------------------------------------------------------------ sameAs rules
def test_same_as_links_must_be_wikidata_viaf_lcnaf_or_geonames(archive, authority_app):
    bad = api(authority_app, "put", "/api/entities/agent/zhou-lan", json={
        "name": {"en": "Zhou Lan"}, "sameAs": ["https://example.org/zhou", "http://id.loc.gov/authorities/names/n80126364",
                                               "https://www.wikidata.org/wiki/Q5816"]})
    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
    errors = bad.get_json()["errors"]
    assert [e["pointer"] for e in errors] == ["/sameAs/0", "/sameAs/2"]
    assert "Wikidata, VIAF, LCNAF or GeoNames" in errors[0]["message"]
    assert archive.entities.get("agent", "zhou-lan")["revision"] == 1  # nothing stored
    assert archive.records.get("l1").revision == 1
    record = letter("l8", [agent("oleg", "Oleg", sameAs=["http://viaf.org/viaf/not-a-number"])])
    refused = api(authority_app, "post", "/api/records", json=record)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["pointer"] == "/creator/0/sameAs/0"
    for good in ("http://www.wikidata.org/entity/Q42", "https://viaf.org/viaf/113230702",
                 "https://id.loc.gov/authorities/names/no2001012345", "http://sws.geonames.org/524901"):
        ok = api(authority_app, "put", "/api/entities/agent/li-wei", json={"name": {"en": "Li Wei"}, "sameAs": [good]})
        assert ok.status_code == 200, (good, ok.get_data(as_text=True))


# ------------------------------------------------------------------------------------------------ the editor
def record_form(page: str) -> dict:
    return dict(html.fromstring(page).get_element_by_id("record-form").form_values())


@pytest.fixture
def editor(authority_app, archive):
    client = authority_app.test_client()
    assert client.post("/login", data={"name": "ann", "password": PASSWORD}).status_code == 302
    return client


def test_the_editor_finds_edits_merges_and_splits_entities(editor, archive):
    listing = editor.get("/edit/entities?kind=agent&q=chou").get_data(as_text=True)
    assert "/edit/entities/agent/zhou-lan" not in listing  # no such spelling yet
    page = editor.get("/edit/entities/agent/zhou-lan").get_data(as_text=True)
    action, fields = form_fields(page, action="/edit/entities/agent/zhou-lan")
    added = editor.post(action, data={**fields, "action": "add:sameAs"}).get_data(as_text=True)
    _, fields = form_fields(added, action="/edit/entities/agent/zhou-lan")
    assert "sameAs.0.text" in fields
    wrong = editor.post(action, data={**fields, "sameAs.0.text": "wikidata Q5816", "action": "save"})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Link 1:" in text and "https://www.wikidata.org/entity/Q42" in text
    assert "/sameAs/0" not in text and "pattern" not in text
    saved = editor.post(action, data={**fields, "sameAs.0.text": "https://www.wikidata.org/entity/Q5816",
                                      "name.0.text": "Zhou Lan", "variant.0.lang": "en", "variant.0.text": "Chou Lan",
                                      "action": "save"})
    assert saved.status_code == 303
    shown = editor.get(saved.headers["Location"]).get_data(as_text=True)
    assert "3 records updated" in shown and "renamed agent Zhōu Lán to Zhou Lan" in shown
    assert "/edit/entities/agent/zhou-lan" in editor.get("/edit/entities?kind=agent&q=chou").get_data(as_text=True)
    assert archive.records.get("l1").data["creator"][0]["name"] == {"en": "Zhou Lan"}

    merge_page = editor.get("/edit/entities/agent/mao-tse-tung/merge?q=mao").get_data(as_text=True)
    assert 'value="mao-zedong"' in merge_page
    _, fields = form_fields(merge_page, action="/merge")
    assert editor.post("/edit/entities/agent/mao-tse-tung/merge", data=fields).status_code == 422  # none chosen
    merged = editor.post("/edit/entities/agent/mao-tse-tung/merge", data={**fields, "into": "mao-zedong"})
    assert merged.status_code == 303 and merged.headers["Location"].endswith("/edit/entities/agent/mao-zedong")

    split_page = editor.get("/edit/entities/agent/li-wei/split").get_data(as_text=True)
    _, fields = form_fields(split_page, action="/split")
    none = editor.post("/edit/entities/agent/li-wei/split", data=fields)
    assert none.status_code == 422 and "Records: choose the records" in none.get_data(as_text=True)
    split = editor.post("/edit/entities/agent/li-wei/split", data={**fields, "record": "l4", "name": "Li Wei"})
    assert split.status_code == 303 and split.headers["Location"].endswith("/edit/entities/agent/li-wei-2")


def test_the_record_form_uses_the_existing_entity_for_a_typed_variant(editor, archive):
    archive.entities.update("agent", "zhou-lan", {"variants": {"en": ["Chou Lan"]}}, "ann")
    page = editor.get("/edit/new").get_data(as_text=True)
    assert '<datalist id="entities-agent">' in page and '<option value="Chou Lan">' in page
    added = editor.post("/edit/new", data={**record_form(page), "action": "add:creator"}).get_data(as_text=True)
    assert 'data-entity-kind="agent"' in added and 'list="entities-agent"' in added
    fields = record_form(added)
    fields.update({"identifier": "l7", "title.0.text": "A new letter", "created": "c. 1955",
                   "creator.0.name": "chou lan", "action": "save"})
    response = editor.post("/edit/new", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    creator = archive.records.get("l7").data["creator"][0]
    assert creator["id"] == STORED.entities.entity("agents", "zhou-lan") and creator["name"] == {"en": "Zhōu Lán"}
    # the picker's choice (an entity key) wins over the typed text
    page = editor.get("/edit/records/l7").get_data(as_text=True)
    fields = record_form(page)
    fields.update({"creator.0.name": "Li", "creator.0.id": "", "creator.0.entity": "li-wei", "action": "save"})
    assert editor.post("/edit/records/l7", data=fields).status_code == 303
    assert archive.records.get("l7").data["creator"][0]["id"] == STORED.entities.entity("agents", "li-wei")


def test_saving_a_record_in_the_editor_keeps_its_entities_links(editor, archive, authority_app):
    """The form holds names, not links: a record saved from it gets each entity's sameAs back from the entity,
    so MARC $0/$1, MODS valueURI and JSON-LD keep them (before, a title correction dropped every link)."""
    links = ["https://www.wikidata.org/entity/Q5816"]
    assert api(authority_app, "put", "/api/entities/agent/zhou-lan", json={"sameAs": links}).status_code == 200
    assert archive.records.get("l1").data["creator"][0]["sameAs"] == links
    page = editor.get("/edit/records/l1").get_data(as_text=True)
    fields = record_form(page)
    fields.update({"title.0.text": "A corrected title", "action": "save"})
    assert editor.post("/edit/records/l1", data=fields).status_code == 303
    state = archive.records.get("l1")
    assert state.data["title"]["en"] == "A corrected title" and state.data["creator"][0]["sameAs"] == links
    field = oai_record(authority_app.test_client(), "l1", "marc21").find(f".//{MARC}datafield[@tag='100']")
    assert [(s.get("code"), s.text) for s in field if s.get("code") in "01"] == [("1", links[0])]


def test_a_nul_in_a_name_on_the_form_is_told_not_a_server_error(editor, archive):
    page = editor.get("/edit/records/l1").get_data(as_text=True)
    fields = record_form(page)
    fields.update({"creator.0.name": "Zhou\x00Lan", "creator.0.id": "", "action": "save"})
    response = editor.post("/edit/records/l1", data=fields)
    assert response.status_code == 422 and archive.records.get("l1").revision == 1


def test_a_row_retyped_as_another_name_leaves_its_old_entity(editor, archive):
    """Typing another person's name over a creator names that person, not the old entity under a new name."""
    assert archive.records.get("l4").data["creator"][0]["id"] == STORED.entities.entity("agents", "li-wei")
    fields = record_form(editor.get("/edit/records/l4").get_data(as_text=True))
    assert fields["creator.0.name"] == "Li Wei"
    fields.update({"creator.0.name": "Oleg Belov", "action": "save"})
    assert editor.post("/edit/records/l4", data=fields).status_code == 303
    creator = archive.records.get("l4").data["creator"][0]
    assert creator["name"] == {"en": "Oleg Belov"}
    assert creator["id"] == STORED.entities.entity("agents", "oleg-belov")
    assert archive.entities.get("agent", "li-wei")["name"] == {"en": "Li Wei"}  # untouched
    # and a row keeping one of its entity's names (any spelling, any case) keeps the entity
    fields = record_form(editor.get("/edit/records/l4").get_data(as_text=True))
    fields.update({"creator.0.name": "oleg belov", "action": "save"})
    assert editor.post("/edit/records/l4", data=fields).status_code == 303
    assert archive.records.get("l4").data["creator"][0]["id"] == STORED.entities.entity("agents", "oleg-belov")


def test_a_variant_spelling_from_any_write_path_names_the_existing_entity(archive, authority_app):
    """A spreadsheet, a file or the API that names "Chou Lan" (a variant of Zhou Lan) by a key of its own gets
    Zhou Lan, not a second entity: the picker never shows one person twice."""
    archive.entities.update("agent", "zhou-lan", {"variants": {"en": ["Chou Lan"]}}, "ann")
    archive.records.create(letter("l8", creators=[agent("chou-lan", "CHOU  Lán")]), "ann")
    assert archive.records.get("l8").data["creator"][0]["id"] == STORED.entities.entity("agents", "zhou-lan")
    assert archive.entities.get("agent", "chou-lan") is None
    assert [e["key"] for e in archive.entities.search("agent", "chou")] == ["zhou-lan"]
    attribution = archive.records.get("l8").data["qualifiedAttribution"][0]
    assert attribution["agent"] == STORED.entities.entity("agents", "zhou-lan")  # the role follows the person
