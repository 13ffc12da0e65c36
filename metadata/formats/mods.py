"""MODS 3.8 (what DPLA hubs and many library systems ask for), from the record alone.

Names carry MARC relator roles (text and code), the creation date is EDTF-encoded, languages use ISO 639-2/B
codes. Related items pair with MARC: the printed edition a text comes from is ``original`` (MARC 534), each
translation ``otherVersion``; set memberships are no host items (MARC has no 773 for them either). The
archival reference is ``location/physicalLocation`` + ``shelfLocator`` (MARC 852), the location of originals
a note (535), access and reproduction conditions typed ``accessCondition``s (506/540), and ``recordInfo``
says who catalogued the record and when (003/040, 008/00-05, 005).
"""
from __future__ import annotations

from metadata.formats.cataloguing import CATALOGUING_LANGUAGE, DEFAULT_AGENCY
from metadata.formats.xml import add, root, to_string
from metadata.record import authority, describe, languages, timestamps
from metadata.record.stamps import Stamps
from metadata.record.text import first_text
from metadata.record.urls import STORED

MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA_LOCATION = f"{MODS} http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"
# Record type -> typeOfResource (MODS's own list) and its attributes.
RESOURCE_TYPES = {
    "Text": ("text", {"manuscript": "yes"}),
    "StillImage": ("still image", {}),
    "Image": ("still image", {}),
    "Collection": ("mixed material", {"collection": "yes"}),
    "MovingImage": ("moving image", {}),
    "Sound": ("sound recording-nonmusical", {}),
    "PhysicalObject": ("three dimensional object", {}),
    "Dataset": ("software, multimedia", {}),
}


def _m(name: str) -> str:
    return f"{{{MODS}}}{name}"


def _name(parent, party: describe.Party, roles: list[str], codes: list[str]) -> None:
    kind = {"Person": "personal", "Organization": "corporate"}.get(party.type)
    attributes = {"type": kind} if kind else {}
    name = add(parent, _m("name"), **attributes, **_authority(list(party.same_as)))
    add(name, _m("namePart"), party.sort_name)
    for role_name, code in zip(roles, codes):
        role = add(name, _m("role"))
        add(role, _m("roleTerm"), role_name, type="text", authority="marcrelator")
        add(role, _m("roleTerm"), code, type="code", authority="marcrelator")


def _authority(links: list[str] | None) -> dict[str, str]:
    """MODS authority attributes for a name or term from its first ``sameAs`` link: ``valueURI`` the link,
    ``authority`` and ``authorityURI`` the authority file it is in (when it is one Muniment knows)."""
    if not links:
        return {}
    source = authority.source_of(links[0])
    found = {"authority": source.code, "authorityURI": source.authority_uri} if source else {}
    return {**found, "valueURI": links[0]}


def _language(parent, code: str, part: str | None = None) -> None:
    language = add(parent, _m("language"), **({"objectPart": part} if part else {}))
    add(language, _m("languageTerm"), languages.marc_code(code), type="code", authority="iso639-2b")


def mods(record: dict, stamps: Stamps | None = None, agency: str = DEFAULT_AGENCY) -> str:
    stamps = stamps or Stamps.now()
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
    resource_type, attributes = RESOURCE_TYPES[describe.record_type(record)]
    add(top, _m("typeOfResource"), resource_type, **attributes)
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
    served = describe.served_media_types(record)
    extent = describe.extent(record)
    if extent or served:
        physical = add(top, _m("physicalDescription"))
        for media_type in served:
            add(physical, _m("internetMediaType"), media_type)
        if extent:
            add(physical, _m("extent"), extent)
    for lang, text in describe.label_pairs(record.get("abstract")):
        add(top, _m("abstract"), text, lang=lang)
    for lang, text in describe.label_pairs((record.get("provenance") or {}).get("label")):
        add(top, _m("note"), text, lang=lang)
    for lang, text in describe.label_pairs(record.get("custodialHistory")):
        add(top, _m("note"), text, lang=lang, type="ownership")
    for lang, text in describe.label_pairs(record.get("locationOfOriginals")):
        add(top, _m("note"), text, lang=lang, type="original location")
    for lang, text in describe.label_pairs(record.get("existenceOfCopies")):
        add(top, _m("note"), text, lang=lang, type="additional physical form")
    if record.get("bibliographicCitation"):
        add(top, _m("note"), record["bibliographicCitation"], type="preferred citation")
    for subject in record.get("subject") or []:
        add(add(top, _m("subject")), _m("topic"), first_text(subject["prefLabel"]), **_authority(subject.get("sameAs")))
    for place in record.get("spatial") or []:
        add(add(top, _m("subject")), _m("geographic"), first_text(place["label"]), **_authority(place.get("sameAs")))
    for period in record.get("temporal") or []:
        add(add(top, _m("subject")), _m("temporal"), first_text(period["label"]))
    _source(top, record.get("source"))
    for version in describe.translations(record):
        related = add(top, _m("relatedItem"), type="otherVersion", **{f"{{{XLINK}}}href": version["id"]})
        title = first_text(version.get("title")) or version.get("versionLabel")
        if title:
            add(add(related, _m("titleInfo")), _m("title"), title)
        _language(related, languages.iri_code(version["language"][0]))
    add(top, _m("identifier"), record["identifier"], type="local")
    add(top, _m("identifier"), record["id"], type="uri")
    reference = describe.archival_reference(record)
    if reference:
        held = add(top, _m("location"))
        add(held, _m("physicalLocation"), describe.repository(record) or agency)
        add(held, _m("shelfLocator"), reference)
    location = add(top, _m("location"))
    add(location, _m("url"), record["id"], usage="primary display", access="object in context")
    add(location, _m("url"), STORED.manifest(record["identifier"]), note="IIIF manifest")
    if record.get("page"):
        add(location, _m("url"), record["page"], access="object in context", note="Archive page")
    for lang, text in describe.label_pairs(record.get("accessConditions")):
        add(top, _m("accessCondition"), text, lang=lang, type="restriction on access")
    for lang, text in describe.label_pairs(record.get("reproductionConditions")):
        add(top, _m("accessCondition"), text, lang=lang, type="use and reproduction")
    if record.get("rights"):
        add(top, _m("accessCondition"), describe.rights_label(record["rights"]), type="use and reproduction",
            **{f"{{{XLINK}}}href": record["rights"]})
    info = add(top, _m("recordInfo"))
    add(info, _m("descriptionStandard"), "rda", authority="descriptionStandard")
    add(info, _m("recordContentSource"), agency, authority="marcorg")
    add(info, _m("recordCreationDate"), timestamps.datestamp(stamps.entered), encoding="w3cdtf")
    add(info, _m("recordChangeDate"), timestamps.datestamp(stamps.changed), encoding="w3cdtf")
    add(info, _m("recordIdentifier"), record["identifier"], source=agency)
    cataloguing = add(info, _m("languageOfCataloging"))
    add(cataloguing, _m("languageTerm"), CATALOGUING_LANGUAGE, type="code", authority="iso639-2b")
    return to_string(top)


def _source(top, source: dict | None) -> None:
    """The printed edition as the ``original`` related item (MARC 534); an archival source is a location."""
    if not source or source["type"] != "BibliographicResource":
        return
    related = add(top, _m("relatedItem"), type="original")
    title_info = add(related, _m("titleInfo"))
    titles = source.get("title") or {}
    add(title_info, _m("title"), next(iter(titles.values()), source["label"]))
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
