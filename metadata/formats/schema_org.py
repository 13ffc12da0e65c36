"""schema.org JSON-LD for a record page's head, so web search engines understand what the page describes.

Search engines read schema.org, not Dublin Core: the record becomes an ``ArchiveComponent`` held by the archive
that published it, with its creators, languages, licence and, through ``workTranslation``, each translation with
its translator. ``dateCreated`` must be ISO 8601, so it is given only for plain calendar dates (an EDTF value
such as ``1955~`` or ``194X`` has no ISO form).
"""
from __future__ import annotations

import re

from metadata.record import describe, languages
from metadata.record.text import first_text

_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _person(party: describe.Party) -> dict:
    kind = "Organization" if party.type == "Organization" else "Person"
    return {"@type": kind, "@id": party.id, "name": party.name}


def archive_component(record: dict, page_url: str) -> dict:
    """The record (in published form: absolute IRIs) as a schema.org ``ArchiveComponent``."""
    document = {"@context": "https://schema.org", "@type": "ArchiveComponent", "@id": record["id"],
                "url": page_url, "name": first_text(record["title"]), "identifier": record["identifier"]}
    if _ISO_DATE.match(record.get("created", "")):
        document["dateCreated"] = record["created"]
    if record.get("abstract"):
        document["description"] = first_text(record["abstract"])
    codes = describe.original_languages(record)
    if codes:
        document["inLanguage"] = codes
    creators = [_person(p) for p in describe.creators(record)]
    if creators:
        document["creator"] = creators
    translations = []
    for version in describe.translations(record):
        translation = {"@type": "CreativeWork", "@id": version["id"],
                       "inLanguage": [languages.iri_code(c) for c in version.get("language") or []]}
        translators = [a for a in version.get("contributor") or []]
        if translators:
            translation["translator"] = [{"@type": "Person", "@id": a["id"], "name": first_text(a["name"])}
                                         for a in translators]
        translations.append(translation)
    if translations:
        document["workTranslation"] = translations
    publisher = record.get("publisher")
    if publisher:
        document["holdingArchive"] = {"@type": "ArchiveOrganization", "name": first_text(publisher.get("name"))}
    if record.get("rights"):
        document["license"] = record["rights"]
    return document
