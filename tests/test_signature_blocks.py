"""Signature blocks read as a person would: an office or job title on its own line above or below a name is
the signer's position on the attribution (never the agent, which many records share), shown on the record
page and given in MARC as a 500 note; a placeholder for an unreadable signature is a note, never an agent;
"to its readers" in a title names no recipient."""
from __future__ import annotations

import pytest
from lxml import etree, html

from metadata.formats.marc21 import MARC, marc21
from metadata.importers.archive_file import parse
from metadata.record import jsonld, validation
from metadata.record.urls import STORED

from tests.conftest import password_hash
from tests.support.forms import form_fields


def document(title: str, closing: str, body: str = "We report on the harvest and the roads.") -> str:
    """A document in the archive's publication format, ending with ``closing`` (its signature block)."""
    return f"""## **May 2, 1950**

### **{title}**

#### **Citation:**

"{title}", May 2, 1950, Muniment Test Archive, box 1, folder 2. Translated by Anna Lee.

#### **Original Language:**

Russian

#### **Contents:**

Translation - English

REPORT

{body}

{closing}
"""


def _attributions(record: dict) -> dict[str, dict]:
    names = {agent["id"]: agent["name"]["en"] for agent in record.get("creator") or []}
    return {names[a["agent"]]: a for a in record.get("qualifiedAttribution") or []}


def test_title_below_the_name_is_the_signers_position():
    record = parse(document("Letter, Soviet Embassy in Beijing to the Ministry of Foreign Affairs",
                            "Ivan Petrov\nAmbassador of the USSR in the PRC"))
    assert validation.validate(record) == []
    attributions = _attributions(record)
    assert attributions["Ivan Petrov"] == {
        "type": "Attribution", "agent": STORED.agent("Ivan Petrov"), "hadRole": "relators:sgn",
        "position": {"en": "Ambassador of the USSR in the PRC"}}
    assert [c["name"]["en"] for c in record["creator"]] == ["Soviet Embassy in Beijing", "Ivan Petrov"]
    for agent in record["creator"]:  # the office is not the person's: other records share the agent
        assert set(agent) == {"id", "type", "name"}
    assert "note" not in record


def test_title_above_the_name_and_several_signers():
    record = parse(document("Telegram, Soviet Embassy in Beijing to Moscow",
                            "Ambassador of the USSR\n\nIvan Petrov\n\nCounsellor of the Embassy\n\nSergei Orlov"))
    attributions = _attributions(record)
    assert attributions["Ivan Petrov"]["position"] == {"en": "Ambassador of the USSR"}
    assert attributions["Sergei Orlov"]["position"] == {"en": "Counsellor of the Embassy"}
    names = [c["name"]["en"] for c in record["creator"]]
    assert "Ambassador of the USSR" not in names and "Counsellor of the Embassy" not in names
    assert validation.validate(record) == []


def test_the_authors_own_title_goes_on_the_authors_attribution():
    record = parse(document("Letter, Ivan Petrov to Wang Ming", "Ivan Petrov\nDeputy Minister of Foreign Affairs"))
    assert _attributions(record)["Ivan Petrov"] == {
        "type": "Attribution", "agent": STORED.agent("Ivan Petrov"), "hadRole": "relators:aut",
        "position": {"en": "Deputy Minister of Foreign Affairs"}}
    assert len(record["creator"]) == 1


@pytest.mark.parametrize("placeholder", ["[signature illegible]", "[Signed]", "/s/", "(signature)", "[illegible]"])
def test_a_placeholder_is_a_note_never_an_agent(placeholder):
    record = parse(document("Letter, Soviet Embassy in Beijing to Wang Ming", f"{placeholder}\nConsul General"))
    assert validation.validate(record) == []
    assert [c["name"]["en"] for c in record["creator"]] == ["Soviet Embassy in Beijing"]
    assert record["note"] == {"en": f"Signature (Consul General): {placeholder}"}
    assert all("position" not in a for a in record["qualifiedAttribution"])


def test_a_conformed_signature_names_its_signer():
    record = parse(document("Letter, Soviet Embassy in Beijing to Wang Ming", "/s/ Ivan Petrov"))
    assert [c["name"]["en"] for c in record["creator"]] == ["Soviet Embassy in Beijing", "Ivan Petrov"]
    assert "note" not in record


def test_its_readers_is_not_a_recipient():
    record = parse(document("Notice, Lanzhou Municipal Library to its readers", "Lanzhou Municipal Library"))
    assert "addressee" not in record
    assert [c["name"]["en"] for c in record["creator"]] == ["Lanzhou Municipal Library"]
    named = parse(document("Notice, Lanzhou Municipal Library to the Readers' Council", "Lanzhou Municipal Library"))
    assert [a["name"]["en"] for a in named["addressee"]] == ["Readers' Council"]


def test_position_and_note_are_linked_data():
    record = parse(document("Letter, Soviet Embassy in Beijing to Wang Ming",
                            "Ivan Petrov\nAmbassador of the USSR\n\n[signature illegible]"))
    quads = jsonld.nquads(record)
    assert '<https://schema.org/namedPosition> "Ambassador of the USSR"@en' in quads
    node = next(q.split()[0] for q in quads.splitlines() if "namedPosition" in q)
    assert f"{node} <http://www.w3.org/ns/prov#agent> <{STORED.agent('Ivan Petrov')}> ." in quads
    assert (f'<{record["id"]}> <http://www.w3.org/2004/02/skos/core#note> '
            '"Signature: [signature illegible]"@en') in quads


def test_marc_gives_the_position_and_the_placeholder_as_500_notes():
    record = parse(document("Letter, Soviet Embassy in Beijing to Wang Ming",
                            "Ivan Petrov\nAmbassador of the USSR\n\n[signature illegible]"))
    root = etree.fromstring(marc21(record).encode())
    notes = [f.findtext(f"{{{MARC}}}subfield[@code='a']") for f in root.iterfind(f"{{{MARC}}}datafield[@tag='500']")]
    assert "Signed by Ivan Petrov, Ambassador of the USSR." in notes
    assert "Signature: [signature illegible]." in notes
    for field in root.iterfind(f"{{{MARC}}}datafield"):
        if field.get("tag") in ("100", "700"):
            assert field.find(f"{{{MARC}}}subfield[@code='c']") is None  # the access point is unchanged


def test_record_page_shows_the_position_and_the_note(client, store):
    record = parse(document("Letter, Soviet Embassy in Beijing to Wang Ming",
                            "Ivan Petrov\nAmbassador of the USSR\n\n[signature illegible]"))
    store.records.save(record, "import")
    page = client.get(f"/records/{record['identifier']}").get_data(as_text=True)
    assert (f'<a href="http://muniment.test/agents/ivan-petrov">Ivan Petrov</a>, '
            '<span class="position">Ambassador of the USSR</span> (signer)') in page
    assert "<dt>Notes</dt>" in page and "Signature: [signature illegible]" in page


def test_the_editor_keeps_position_and_note(app, store):
    record = parse(document("Letter, Soviet Embassy in Beijing to Wang Ming",
                            "Ivan Petrov\nAmbassador of the USSR\n\n[signature illegible]"))
    store.records.save(record, "import")
    store.accounts.put_user("ann", password_hash("correct horse battery staple"), "editor")
    client = app.test_client()
    client.post("/login", data={"name": "ann", "password": "correct horse battery staple", "next": "/edit"})
    url = f"/edit/records/{record['identifier']}"
    page = client.get(url).get_data(as_text=True)
    forms = html.fromstring(page).forms
    _, fields = form_fields(page, index=next(i for i, f in enumerate(forms) if "created" in dict(f.form_values())))
    assert "Ambassador of the USSR" in fields.values()
    fields["action"] = "save"
    before = store.records.get(record["identifier"])
    assert client.post(url, data=fields).status_code == 303
    after = store.records.get(record["identifier"])
    assert after.data == before.data


def test_the_samples_notice_to_its_readers_has_no_recipient():
    from metadata.importers.archive_file import parse_file
    from tests.support.paths import REPO

    record = parse_file(REPO / "samples" / "1956-notice-zh.txt")
    assert "addressee" not in record and validation.validate(record) == []
