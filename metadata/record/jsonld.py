"""JSON-LD processing with pyld, strictly offline.

Muniment's context ships inside this package; the document loader serves it (and any extra contexts a caller
hands in, such as the IIIF ones in tests) and refuses every other URL, so nothing is fetched at run time.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pyld import jsonld
from pyld.jsonld import JsonLdError

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


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def nquads(record: dict) -> str:
    """N-Quads of a stored record (derived on write; the placeholder base is swapped on read).

    Control characters pyld leaves raw in literals are written as \\uXXXX escapes (valid N-Quads, and
    storable in PostgreSQL text, which refuses NUL).
    """
    text = to_nquads(record, loader_for(STORED))
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
