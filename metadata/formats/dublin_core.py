"""oai_dc: simple Dublin Core for OAI-PMH harvesters (docs/architecture.md, "Mapping to each output").

Valid against the OAI's oai_dc.xsd. Fifteen elements carry everything a catalogue can use: every creator and
contributor is credited with its relator terms in the value text ("Wolff, David (translator)", the same
``Party.credit`` qualified DC uses), the addressee and provenance go into descriptions, dc:type is the record
type and dc:format what Muniment serves.
"""
from __future__ import annotations

from metadata.formats.cataloguing import DEFAULT_AGENCY
from metadata.record import describe
from metadata.record.stamps import Stamps
from metadata.record.text import first_text
from metadata.formats.xml import add, root, to_string

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA_LOCATION = f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"


def _dc(parent, name, text, lang=None):
    if text:
        add(parent, f"{{{DC}}}{name}", text, lang)


def oai_dc(record: dict, stamps: Stamps | None = None, agency: str = DEFAULT_AGENCY) -> str:
    """Simple DC says nothing about the catalogue record itself, so ``stamps`` and ``agency`` go unused."""
    dc = root(f"{{{OAI_DC}}}dc", {"oai_dc": OAI_DC, "dc": DC}, SCHEMA_LOCATION)
    for lang, text in describe.label_pairs(record.get("title")):
        _dc(dc, "title", text, lang)
    for version in record.get("hasVersion") or []:
        for lang, text in describe.label_pairs(version.get("title")):
            _dc(dc, "title", text, lang)
    for party in describe.creators(record):
        _dc(dc, "creator", party.credit)
    for party in describe.contributors(record) + describe.translators(record):
        _dc(dc, "contributor", party.credit)
    for subject in record.get("subject") or []:
        for lang, text in describe.label_pairs(subject.get("prefLabel")):
            _dc(dc, "subject", text, lang)
    for lang, text in describe.label_pairs(record.get("abstract")):
        _dc(dc, "description", text, lang)
    for party in describe.addressees(record):
        _dc(dc, "description", f"Addressee: {party.name}", "en")
    provenance = record.get("provenance")
    if provenance:
        for lang, text in describe.label_pairs(provenance["label"]):
            _dc(dc, "description", f"Provenance: {text}", lang)
    publisher = record.get("publisher")
    if publisher:
        _dc(dc, "publisher", first_text(publisher["name"]))
    _dc(dc, "date", record.get("created"))
    _dc(dc, "type", describe.record_type(record))
    for media_type in describe.served_media_types(record):
        _dc(dc, "format", media_type)
    _dc(dc, "identifier", record["id"])
    _dc(dc, "identifier", record.get("page"))
    _dc(dc, "identifier", record.get("bibliographicCitation"))
    _dc(dc, "source", describe.source_text(record))
    for code in dict.fromkeys(describe.original_languages(record) + describe.version_languages(record)):
        _dc(dc, "language", code)
    for iri in record.get("isPartOf") or []:
        _dc(dc, "relation", iri)
    for place in record.get("spatial") or []:
        for lang, text in describe.label_pairs(place.get("label")):
            _dc(dc, "coverage", text, lang)
    for period in record.get("temporal") or []:
        for lang, text in describe.label_pairs(period.get("label")):
            _dc(dc, "coverage", text, lang)
    if record.get("rights"):
        _dc(dc, "rights", record["rights"])
        _dc(dc, "rights", describe.rights_label(record["rights"]), "en")
    return to_string(dc)
