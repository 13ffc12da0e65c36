"""JSON-LD processing with pyld, strictly offline, and the linked-data form of a record.

Muniment's context ships inside this package; the document loader serves it (and any extra contexts a caller
hands in, such as the IIIF ones in tests) and refuses every other URL, so nothing is fetched at run time.

``linked`` is the record as linked data (``/records/{id}.jsonld``, and through pyld ``/records/{id}.nq``, so
the two are one graph): the stored form plus what the context alone cannot say because it depends on a value
(each date's datatype, the language of a version's text and of a sort name, whether the record is a record
set). ``unlinked`` takes such a document back to the stored form, so what is served can be sent back.
"""
from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from importlib import resources

from pyld import jsonld
from pyld.jsonld import JsonLdError

from metadata.record import dates, describe, languages, record_format
from metadata.record.text import first_text
from metadata.record.urls import STORED, UrlBuilder


@lru_cache(maxsize=1)
def context_text() -> str:
    return resources.files("metadata.record").joinpath("context.jsonld").read_text("utf-8")


def context_document() -> dict:
    return json.loads(context_text())


class OfflineLoader:
    """A pyld document loader over a fixed URL -> document map; any other URL is an error, never a fetch."""

    def __init__(self, documents: dict[str, dict]):
        self.documents = documents

    def __call__(self, url: str, options=None) -> dict:
        if url not in self.documents:
            raise JsonLdError(f"Muniment loads no remote documents: {url}", "jsonld.LoadDocumentError",
                              code="loading document failed")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": self.documents[url]}


def loader_for(urls: UrlBuilder, extra: dict[str, dict] | None = None) -> OfflineLoader:
    context = context_document()
    documents = {STORED.context(): context, urls.context(): context}
    documents.update(extra or {})
    return OfflineLoader(documents)


def expand(document: dict, loader: OfflineLoader) -> list:
    return jsonld.expand(document, {"documentLoader": loader})


def to_nquads(document: dict, loader: OfflineLoader) -> str:
    return jsonld.to_rdf(document, {"documentLoader": loader, "format": "application/n-quads"})


RECORD_SET_LEVELS = ("fonds", "series", "file")
"""ISAD(G) levels of description that describe a record set (RiC-O ``rico:RecordSet`` with a record-set type);
an ``item`` is a single record, which its type ``Record`` already says."""

_DATES = ("created", "issued")


def _language(tag: str) -> str:
    """Language tags as N-Quads writes them (pyld lower-cases language-map keys): one case in both outputs."""
    return tag.lower()


_PREFIXES = {dates.XSD: "xsd:", "http://id.loc.gov/datatypes/edtf/": "edtf:"}  # as the context names them


def _typed_date(value):
    """A date as a value object with its datatype (``dates.datatype``, the one rule), in the context's terms."""
    if not isinstance(value, str):
        return value
    datatype = dates.datatype(value)
    for namespace, prefix in _PREFIXES.items():
        datatype = datatype.replace(namespace, prefix, 1) if datatype.startswith(namespace) else datatype
    return {"@value": value, "@type": datatype}


def _tagged(value, tag):
    return {"@value": value, "@language": _language(tag)} if isinstance(value, str) and tag else value


def _linked_agent(agent: dict) -> dict:
    if not isinstance(agent, dict) or not agent.get("sortName"):
        return agent
    # A sort name is a form of the name, in the language of the name it sorts
    return {**agent, "sortName": _tagged(agent["sortName"], next(iter(agent.get("name") or {}), None))}


def _language_map_terms() -> frozenset[str]:
    """The context's terms whose values are language maps (``"@container": "@language"``)."""
    terms = context_document()["@context"]
    return frozenset(name for name, term in terms.items() if isinstance(term, dict)
                     and term.get("@container") == "@language")


LANGUAGE_MAP_TERMS = _language_map_terms()


def _recase_maps(node, recase) -> None:
    """Apply ``recase`` to the keys of every language map in ``node``, at any depth."""
    if isinstance(node, list):
        for item in node:
            _recase_maps(item, recase)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in LANGUAGE_MAP_TERMS and isinstance(value, dict):
                node[key] = {recase(tag) if isinstance(tag, str) else tag: text for tag, text in value.items()}
            else:
                _recase_maps(value, recase)


def linked(record: dict) -> dict:
    """The record as linked data (stored base): the document ``/records/{id}.jsonld`` serves, whose graph
    ``nquads`` writes. Shapes the context fixes for every value (language maps, IRIs) stay as stored."""
    document = copy.deepcopy(record_format.upgrade(record))
    # pyld writes language-map keys lower case in N-Quads; JSON-LD read by other processors (rdflib) keeps
    # them as written: one case in every output, so the graphs are the same whoever reads them
    _recase_maps(document, _language)
    document["history"] = STORED.history(record["identifier"])
    kind = describe.record_type(document)
    document["dcmiType"] = kind
    if document.get("levelOfDescription") in RECORD_SET_LEVELS:
        document["type"] = [kind, "RecordSet"]
    else:  # rico:hasRecordSetType belongs to record sets only
        document.pop("levelOfDescription", None)
    for key in _DATES:
        if key in document:
            document[key] = _typed_date(document[key])
    for key in ("creator", "contributor", "addressee"):
        if document.get(key):
            document[key] = [_linked_agent(a) for a in document[key]]
    for place in document.get("spatial") or []:
        place["type"] = ["Location", "Place"]
    source = document.get("source")
    if isinstance(source, dict):
        if "issued" in source:
            source["issued"] = _typed_date(source["issued"])
        if isinstance(source.get("label"), str):
            source["label"] = {record_format.DESCRIPTION_LANGUAGE: source["label"]}
        if isinstance(source.get("place"), str):
            source["place"] = {"type": "Place", "label": {record_format.DESCRIPTION_LANGUAGE: source["place"]}}
        if source.get("publisher"):
            source["publisher"] = _linked_agent(source["publisher"])
    if document.get("publisher"):
        document["publisher"] = _linked_agent(document["publisher"])
    for version in document.get("hasVersion") or []:
        code = (version.get("language") or [None])[0]
        version["text"] = _tagged(version.get("text"), code.removeprefix("lang:") if code else None)
        if version.get("contributor"):
            version["contributor"] = [_linked_agent(a) for a in version["contributor"]]
    return document


def _plain(value):
    """A JSON-LD value object's value (a string stays a string)."""
    return value.get("@value") if isinstance(value, dict) and "@value" in value else value


def _unlinked_agent(agent):
    if isinstance(agent, dict) and "sortName" in agent:
        return {**agent, "sortName": _plain(agent["sortName"])}
    return agent


def unlinked(document, stored: dict | None = None):
    """A record as ``linked`` (or the API) gives it, back in stored form; anything else is left for validation
    to report. The derived ``history`` link is dropped, and a record in format 1 is upgraded. ``stored``, the
    record as stored now when there is one, gives back what the linked form cannot say (an "item" level)."""
    if not isinstance(document, dict):
        return document
    record = copy.deepcopy(document)
    record.pop("history", None)
    served = record.pop("dcmiType", None) is not None  # the mark of ``linked``'s document
    _recase_maps(record, languages.conventional_case)
    types = record.get("type") if isinstance(record.get("type"), list) else []
    if served and "levelOfDescription" not in record and "RecordSet" not in types \
            and isinstance(stored, dict) and stored.get("levelOfDescription") == "item":
        # ``linked`` says "item" by the type Record alone (RiC-O), as it says nothing for a record with no
        # level: the stored record tells which it was
        record["levelOfDescription"] = "item"
    if isinstance(record.get("type"), list):
        record["type"] = ["Record" if t == "RecordSet" else t for t in record["type"]]
    for key in _DATES:
        if key in record:
            record[key] = _plain(record[key])
    for key in ("creator", "contributor", "addressee"):
        if isinstance(record.get(key), list):
            record[key] = [_unlinked_agent(a) for a in record[key]]
    for place in record.get("spatial") or []:
        if isinstance(place, dict) and isinstance(place.get("type"), list) and "Location" in place["type"]:
            place["type"] = "Location"
    source = record.get("source")
    if isinstance(source, dict):
        if "issued" in source:
            source["issued"] = _plain(source["issued"])
        if isinstance(source.get("label"), dict):
            source["label"] = first_text(source["label"])
        if isinstance(source.get("place"), dict) and isinstance(source["place"].get("label"), dict):
            source["place"] = first_text(source["place"]["label"])
        source["publisher"] = _unlinked_agent(source.get("publisher"))
        if source["publisher"] is None:
            del source["publisher"]
    record["publisher"] = _unlinked_agent(record.get("publisher"))
    if record["publisher"] is None:
        del record["publisher"]
    for version in record.get("hasVersion") or []:
        if isinstance(version, dict):
            if "text" in version:
                version["text"] = _plain(version["text"])
            if isinstance(version.get("contributor"), list):
                version["contributor"] = [_unlinked_agent(a) for a in version["contributor"]]
    return record_format.upgrade(record)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def nquads(record: dict) -> str:
    """N-Quads of a stored record: the graph of its ``linked`` form (the placeholder base is swapped on read).

    Control characters pyld leaves raw in literals are written as \\uXXXX escapes (valid N-Quads, and
    storable in PostgreSQL text, which refuses NUL).
    """
    text = to_nquads(linked(record), loader_for(STORED))
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
