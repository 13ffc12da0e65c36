"""Qualified Dublin Core (dcterms) for harvesters that want refinements simple DC flattens away.

The container is ``qdc:qualifieddc`` in Muniment's fixed namespace (see ``schemas/qualifieddc.xsd``, served
at ``/oai/schemas/qualifieddc.xsd``); its children are DCMI terms, typed with DCMI encoding schemes where
one applies (URI, RFC4646, DCMIType, IMT).
"""
from __future__ import annotations

from importlib import resources

from metadata.formats.cataloguing import DEFAULT_AGENCY
from metadata.record import describe
from metadata.record.stamps import Stamps
from metadata.record.text import first_text
from metadata.record.urls import STORED
from metadata.formats.xml import XSI, add, root, to_string

NAMESPACE = "urn:muniment:schema:qualified-dc:1"
DCTERMS = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA_PATH = "oai/schemas/qualifieddc.xsd"
SCHEMA_LOCATION = f"{NAMESPACE} {STORED.base}{SCHEMA_PATH}"


def schema_text() -> str:
    return resources.files("metadata.formats").joinpath("schemas/qualifieddc.xsd").read_text("utf-8")


def _t(parent, name: str, text: str | None, lang: str | None = None, scheme: str | None = None) -> None:
    if text:
        element = add(parent, f"{{{DCTERMS}}}{name}", text, lang)
        if scheme:
            element.set(f"{{{XSI}}}type", f"dcterms:{scheme}")


def qualified_dc(record: dict, stamps: Stamps | None = None, agency: str = DEFAULT_AGENCY) -> str:
    """Roles are stated as in oai_dc (``Party.credit``); ``stamps`` and ``agency`` go unused here."""
    qdc = root(f"{{{NAMESPACE}}}qualifieddc", {"qdc": NAMESPACE, "dcterms": DCTERMS, "dc": DC}, SCHEMA_LOCATION)
    for lang, text in describe.label_pairs(record["title"]):
        _t(qdc, "title", text, lang)
    for lang, text in describe.label_pairs(record.get("alternative")):
        _t(qdc, "alternative", text, lang)
    for party in describe.creators(record):
        _t(qdc, "creator", party.credit)
    for party in describe.contributors(record) + describe.translators(record):
        _t(qdc, "contributor", party.credit)
    _t(qdc, "created", record["created"])
    for lang, text in describe.label_pairs(record.get("abstract")):
        _t(qdc, "abstract", text, lang)
    for party in describe.addressees(record):
        _t(qdc, "description", f"Addressee: {party.name}", "en")
    for lang, text in describe.label_pairs((record.get("provenance") or {}).get("label")):
        _t(qdc, "provenance", text, lang)
    _t(qdc, "bibliographicCitation", record.get("bibliographicCitation"))
    _t(qdc, "source", describe.source_text(record))
    if record.get("publisher"):
        _t(qdc, "publisher", first_text(record["publisher"]["name"]))
    _t(qdc, "type", describe.record_type(record), scheme="DCMIType")
    for media_type in describe.served_media_types(record):
        _t(qdc, "format", media_type, scheme="IMT")
    _t(qdc, "extent", describe.extent(record))
    for code in dict.fromkeys(describe.original_languages(record) + describe.version_languages(record)):
        _t(qdc, "language", code, scheme="RFC4646")
    _t(qdc, "identifier", record["id"], scheme="URI")
    _t(qdc, "identifier", record.get("page"), scheme="URI")
    for version in record.get("hasVersion") or []:
        _t(qdc, "hasVersion", version["id"], scheme="URI")
    for iri in record.get("isPartOf") or []:
        _t(qdc, "isPartOf", iri, scheme="URI")
    for subject in record.get("subject") or []:
        for lang, text in describe.label_pairs(subject["prefLabel"]):
            _t(qdc, "subject", text, lang)
    for place in record.get("spatial") or []:
        for lang, text in describe.label_pairs(place["label"]):
            _t(qdc, "spatial", text, lang)
    for period in record.get("temporal") or []:
        for lang, text in describe.label_pairs(period["label"]):
            _t(qdc, "temporal", text, lang)
    if record.get("rights"):
        _t(qdc, "rights", record["rights"], scheme="URI")
        _t(qdc, "rights", describe.rights_label(record["rights"]), "en")
    for lang, text in describe.label_pairs(record.get("accessConditions")):
        _t(qdc, "accessRights", text, lang)
    return to_string(qdc)
