"""MODS 3.8 (what DPLA hubs and many library systems ask for), from the record alone.

Names carry MARC relator roles (text and code), the creation date is EDTF-encoded, languages use ISO 639-2/B
codes, the printed source or archival reference is an ``original`` related item, each translation an
``otherVersion`` related item, and the record URL, manifest and archive page are ``location/url``s.
"""
from __future__ import annotations

from metadata.record import describe, languages
from metadata.record.text import first_text
from metadata.record.urls import STORED
from metadata.formats.xml import add, root, to_string

MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA_LOCATION = f"{MODS} http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"


def _m(name: str) -> str:
    return f"{{{MODS}}}{name}"


def _name(parent, party: describe.Party, roles: list[str], codes: list[str]) -> None:
    kind = {"Person": "personal", "Organization": "corporate"}.get(party.type)
    name = add(parent, _m("name"), **({"type": kind} if kind else {}))
    add(name, _m("namePart"), party.sort_name)
    for role_name, code in zip(roles, codes):
        role = add(name, _m("role"))
        add(role, _m("roleTerm"), role_name, type="text", authority="marcrelator")
        add(role, _m("roleTerm"), code, type="code", authority="marcrelator")


def _language(parent, code: str, part: str | None = None) -> None:
    language = add(parent, _m("language"), **({"objectPart": part} if part else {}))
    add(language, _m("languageTerm"), languages.marc_code(code), type="code", authority="iso639-2b")


def mods(record: dict) -> str:
    top = root(_m("mods"), {"mods": MODS, "xlink": XLINK}, SCHEMA_LOCATION)
    top.set("version", "3.8")
    for lang, text in describe.label_pairs(record["title"]):
        info = add(top, _m("titleInfo"), lang=lang)
        add(info, _m("title"), text)
    for party in describe.creators(record):
        _name(top, party, party.role_names, list(party.roles))
    for party in describe.addressees(record):
        _name(top, party, ["addressee"], ["rcp"])
    for party in describe.translators(record) + describe.contributors(record):
        _name(top, party, party.role_names, list(party.roles))
    add(top, _m("typeOfResource"), "text", manuscript="yes")
    origin = add(top, _m("originInfo"), eventType="production")
    add(origin, _m("dateCreated"), record["created"], encoding="edtf", keyDate="yes")
    publisher = record.get("publisher")
    if publisher:
        distribution = add(top, _m("originInfo"), eventType="distribution")
        add(distribution, _m("publisher"), first_text(publisher["name"]))
    for code in describe.original_languages(record):
        _language(top, code)
    for code in describe.translation_languages(record):
        _language(top, code, "translation")
    if record.get("extent") or record.get("hasVersion"):
        physical = add(top, _m("physicalDescription"))
        if record.get("hasVersion"):
            add(physical, _m("internetMediaType"), "text/markdown")
        if record.get("extent"):
            add(physical, _m("extent"), record["extent"])
    for lang, text in describe.label_pairs(record.get("abstract")):
        add(top, _m("abstract"), text, lang=lang)
    for lang, text in describe.label_pairs((record.get("provenance") or {}).get("label")):
        add(top, _m("note"), text, lang=lang, type="ownership")
    if record.get("bibliographicCitation"):
        add(top, _m("note"), record["bibliographicCitation"], type="preferred citation")
    for subject in record.get("subject") or []:
        add(add(top, _m("subject")), _m("topic"), first_text(subject["prefLabel"]))
    for place in record.get("spatial") or []:
        add(add(top, _m("subject")), _m("geographic"), first_text(place["label"]))
    for period in record.get("temporal") or []:
        add(add(top, _m("subject")), _m("temporal"), first_text(period["label"]))
    _source(top, record.get("source"))
    for version in describe.translations(record):
        related = add(top, _m("relatedItem"), type="otherVersion", **{f"{{{XLINK}}}href": version["id"]})
        title = first_text(version.get("title")) or version.get("versionLabel")
        if title:
            add(add(related, _m("titleInfo")), _m("title"), title)
        _language(related, languages.iri_code(version["language"][0]))
    for iri in record.get("isPartOf") or []:
        series = add(top, _m("relatedItem"), type="host", **{f"{{{XLINK}}}href": iri})
        add(add(series, _m("titleInfo")), _m("title"), STORED.set_spec(iri))
    add(top, _m("identifier"), record["identifier"], type="local")
    add(top, _m("identifier"), record["id"], type="uri")
    location = add(top, _m("location"))
    add(location, _m("url"), record["id"], usage="primary display", access="object in context")
    add(location, _m("url"), STORED.manifest(record["identifier"]), note="IIIF manifest")
    if record.get("page"):
        add(location, _m("url"), record["page"], access="object in context", note="Archive page")
    if record.get("rights"):
        add(top, _m("accessCondition"), describe.rights_label(record["rights"]), type="use and reproduction",
            **{f"{{{XLINK}}}href": record["rights"]})
    info = add(top, _m("recordInfo"))
    add(info, _m("recordIdentifier"), record["identifier"])
    return to_string(top)


def _source(top, source: dict | None) -> None:
    if not source:
        return
    related = add(top, _m("relatedItem"), type="original")
    title_info = add(related, _m("titleInfo"))
    titles = source.get("title") or {}
    add(title_info, _m("title"), next(iter(titles.values()), source["label"]))
    if source["type"] == "BibliographicResource":
        for lang, text in list(titles.items())[1:]:
            translated = add(related, _m("titleInfo"), lang=lang, type="translated")
            add(translated, _m("title"), text)
        origin = add(related, _m("originInfo"))
        if source.get("place"):
            add(add(origin, _m("place")), _m("placeTerm"), source["place"], type="text")
        if source.get("publisher"):
            add(origin, _m("publisher"), first_text(source["publisher"]["name"]))
        if source.get("issued"):
            add(origin, _m("dateIssued"), source["issued"], encoding="edtf")
        if source.get("volume") or source.get("pages"):
            part = add(related, _m("part"))
            if source.get("volume"):
                detail = add(part, _m("detail"), type="volume")
                add(detail, _m("number"), source["volume"])
            if source.get("pages"):
                extent = add(part, _m("extent"), unit="pages")
                add(extent, _m("list"), source["pages"])
    else:
        add(related, _m("identifier"), source.get("identifier") or source["label"], type="local")
