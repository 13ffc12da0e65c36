"""The record's graph in the other forms a linked-data client may ask for: expanded and flattened JSON-LD
(JSON-LD 1.1 profiles ``#expanded`` and ``#flattened``) and Turtle.

All of them are the one graph the compacted record means: the JSON-LD forms are pyld's expansion and
flattening of the record under the offline document loader (so nothing is fetched), and Turtle is rdflib's
writing of the record's N-Quads (``jsonld.nquads``), so Turtle and N-Quads cannot disagree.
"""
from __future__ import annotations

from pyld import jsonld as pyld
from rdflib import Dataset, Graph

from metadata.record import jsonld
from metadata.record.urls import UrlBuilder

EXPANDED = "http://www.w3.org/ns/json-ld#expanded"
COMPACTED = "http://www.w3.org/ns/json-ld#compacted"
FLATTENED = "http://www.w3.org/ns/json-ld#flattened"


def expanded(document: dict, urls: UrlBuilder) -> list:
    """The record (published form, its context under ``urls``) in expanded document form."""
    return jsonld.expand(document, jsonld.loader_for(urls))


def flattened(document: dict, urls: UrlBuilder) -> dict:
    """Flattened document form, compacted again with our context so it stays readable: every node at the top
    level of ``@graph``, blank nodes named."""
    return pyld.flatten(document, {"@context": urls.context()}, {"documentLoader": jsonld.loader_for(urls)})


def _prefixes() -> dict[str, str]:
    """The vocabulary prefixes of our context (``dcterms``, ``prov`` ...), so Turtle reads like the JSON-LD."""
    context = jsonld.context_document()["@context"]
    return {name: iri for name, iri in context.items() if isinstance(iri, str) and iri.endswith(("/", "#"))}


def turtle(nquads: str) -> str:
    """Turtle of an N-Quads document's triples (a record's graph is the default graph: Turtle has no other)."""
    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    graph = Graph(bind_namespaces="none")
    for name, iri in _prefixes().items():
        graph.bind(name, iri)
    for subject, predicate, obj, _ in dataset.quads():
        graph.add((subject, predicate, obj))
    return graph.serialize(format="turtle")
