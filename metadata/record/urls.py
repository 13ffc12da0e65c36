"""The one place Muniment's URLs are made.

Stored records and derived outputs are written against a fixed placeholder base (``STORED_BASE``), so they
never depend on the host a server happens to run on; ``UrlBuilder.publish`` swaps the placeholder for the
configured ``MUNIMENT_BASE_URL`` when a document leaves the server, and ``UrlBuilder.internalize`` does the
reverse for documents that come in through the API or an import of our own JSON-LD.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote, urlencode

STORED_BASE = "https://muniment.invalid/"

_SLUG_STRIP = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str, limit: int = 80) -> str:
    """A lower-case, hyphenated, URL-safe slug that keeps non-Latin letters (IRIs allow them)."""
    slug = _SLUG_STRIP.sub("-", text.casefold()).strip("-_")
    return slug[:limit].strip("-_") or "x"


class ContentSearchUrls:
    """The IIIF Content Search services inside each document (``UrlBuilder.search``): a family of its own,
    kept apart so the builder stays a readable size."""

    def __init__(self, urls: "UrlBuilder"):
        self.urls = urls

    def service(self, identifier: str, version: int) -> str:
        """Content Search ``version`` (1 or 2) inside one document."""
        return f"{self.urls.base}iiif/{identifier}/search/{version}"

    def autocomplete(self, identifier: str, version: int) -> str:
        return f"{self.service(identifier, version)}/autocomplete"

    def results(self, identifier: str, version: int, params: list[tuple[str, str]], page: int = 0) -> str:
        """One page of a search's answer: the service with the query's parameters and ``page`` (none for 0)."""
        query = [(name, value) for name, value in params if name != "page"] + ([("page", str(page))] if page else [])
        return f"{self.service(identifier, version)}?{urlencode(query)}" if query else self.service(identifier, version)


class LinkedDataUrls:
    """What a linked-data client follows from a record (``UrlBuilder.linked``): its Turtle, its Signposting
    link set, and its OAI-PMH GetRecord in each format; a family of its own, as ``ContentSearchUrls`` is."""

    def __init__(self, urls: "UrlBuilder"):
        self.urls = urls

    def turtle(self, identifier: str) -> str:
        return self.urls.record_format(identifier, "ttl")

    def linkset(self, identifier: str) -> str:
        """The record's FAIR Signposting links as an RFC 9264 link set (JSON or text, negotiated)."""
        return f"{self.urls.record(identifier)}/linkset"

    def get_record(self, identifier: str, prefix: str, repository_id: str) -> str:
        """The OAI-PMH GetRecord request for the record in format ``prefix`` (``oai:{repository}:{id}``)."""
        query = urlencode({"verb": "GetRecord", "metadataPrefix": prefix,
                           "identifier": f"oai:{repository_id}:{identifier}"})
        return f"{self.urls.oai()}?{query}"


class EntityUrls:
    """The IRIs of people, places and subjects under authority control (``UrlBuilder.entities``): each is
    ``{base}{collection}/{key}`` with collection agents, places or subjects."""

    def __init__(self, urls: "UrlBuilder"):
        self.urls = urls

    def entity(self, collection: str, key: str) -> str:
        return f"{self.urls.base}{collection}/{quote(key)}"

    def key(self, collection: str, iri: str) -> str | None:
        """The key of an entity IRI of ``collection`` under this base, or None when it is not one (another
        site's IRI, a longer path, or a spelling this builder would not make)."""
        prefix = f"{self.urls.base}{collection}/"
        if not isinstance(iri, str) or not iri.startswith(prefix):
            return None
        key = unquote(iri[len(prefix):])
        return key if key and "/" not in key and self.entity(collection, key) == iri else None


class UrlBuilder:
    """Absolute URLs for every resource Muniment serves, under one base URL."""

    def __init__(self, base: str):
        self.base = base if base.endswith("/") else base + "/"
        self.search = ContentSearchUrls(self)
        self.linked = LinkedDataUrls(self)
        self.entities = EntityUrls(self)

    # records and their parts
    def record(self, identifier: str) -> str:
        return f"{self.base}records/{identifier}"

    def record_format(self, identifier: str, suffix: str) -> str:
        return f"{self.record(identifier)}.{suffix}"

    def version(self, identifier: str, key: str) -> str:
        return f"{self.record(identifier)}/{key}"

    def history(self, identifier: str) -> str:
        return f"{self.record(identifier)}/history.jsonld"

    def revision(self, identifier: str, number: int) -> str:
        return f"{self.record(identifier)}/revisions/{number}"

    def user(self, name: str) -> str:
        return f"{self.base}users/{quote(name)}"

    # authority-like nodes minted by importers
    def agent(self, name: str) -> str:
        return f"{self.base}agents/{quote(slugify(name))}"

    def subject(self, label: str) -> str:
        return f"{self.base}subjects/{quote(slugify(label))}"

    def place(self, label: str) -> str:
        return f"{self.base}places/{quote(slugify(label))}"

    def set(self, spec: str) -> str:
        return f"{self.base}sets/{spec}"

    def set_spec(self, iri: str) -> str | None:
        prefix = f"{self.base}sets/"
        return iri[len(prefix):] if iri.startswith(prefix) else None

    # for web crawlers
    def sitemap(self, part: int = 0) -> str:
        """The sitemap, or (part >= 1) one part of a sitemap too large for one file."""
        return f"{self.base}sitemap.xml" if not part else f"{self.base}sitemap/{part}.xml"

    # vocabularies and protocols
    def context(self) -> str:
        return f"{self.base}ns/context.jsonld"

    def api_description(self) -> str:
        return f"{self.base}api/openapi.json"

    def oai(self) -> str:
        return f"{self.base}oai"

    def manifest(self, identifier: str) -> str:
        return f"{self.base}iiif/{identifier}/manifest"

    def canvas(self, identifier: str, n: int) -> str:
        return f"{self.base}iiif/{identifier}/canvas/{n}"

    def annotation_page(self, identifier: str, n: int) -> str:
        return f"{self.base}iiif/{identifier}/annotations/{n}"

    def annotation(self, identifier: str, n: int, k: int = 1) -> str:
        return f"{self.base}iiif/{identifier}/annotations/{n}/a{k}"

    def painting_page(self, identifier: str, n: int) -> str:
        return f"{self.base}iiif/{identifier}/canvas/{n}/page"

    def painting(self, identifier: str, n: int) -> str:
        return f"{self.base}iiif/{identifier}/canvas/{n}/painting"

    def range(self, identifier: str, key: str) -> str:
        return f"{self.base}iiif/{identifier}/range/{key}"

    def image_service(self, identifier: str, n: int) -> str:
        return f"{self.base}iiif/image/{identifier}/{n}"

    def collection(self, name: str, part: int = 0) -> str:
        """A collection, or (part >= 1) one part of a collection too large for one response."""
        return f"{self.base}iiif/collection/{name}" + (f"/{part}" if part else "")

    def decade_collection(self, decade: str, part: int = 0) -> str:
        return f"{self.base}iiif/collection/top/{decade}s" + (f"/{part}" if part else "")

    def reading_pdf(self, identifier: str) -> str:
        return f"{self.base}iiif/{identifier}/reading.pdf"

    def text_rendering(self, identifier: str, key: str) -> str:
        return f"{self.version(identifier, key)}.txt"

    # moving documents between the stored and the published base
    def publish(self, text: str) -> str:
        """Stored text (JSON or XML) with the placeholder base replaced by this builder's base."""
        return text.replace(STORED_BASE, self.base) if self.base != STORED_BASE else text

    def internalize(self, document: dict) -> dict:
        """A document received under this base, rewritten to the stored placeholder base."""
        if self.base == STORED_BASE:
            return document
        return json.loads(json.dumps(document, ensure_ascii=False).replace(self.base, STORED_BASE))


STORED = UrlBuilder(STORED_BASE)
