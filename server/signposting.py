"""FAIR Signposting (https://signposting.org/FAIR/): typed links that let a machine find, from any record page,
what the record is, how to cite it, who wrote it, its licence, its metadata in every format and its content,
and find the way back from each of those to the page.

The record page (the landing page) states, about itself: ``cite-as`` (the page's own persistent URL),
``type`` (``schema:ArchiveComponent``, as the page's schema.org data says, and ``schema:AboutPage``),
``describedby`` (each metadata format with its media type, and for the OAI-PMH formats, which all come as
``text/xml``, the format's namespace as ``profile``), ``license``, ``author`` (an authority IRI from
``sameAs`` when there is one, else our agent IRI), ``item`` (the IIIF manifest, the reading PDF, each plain
text), ``collection`` (the set pages) and ``linkset`` (the same links as an RFC 9264 link set, JSON and text).

A metadata representation (JSON-LD, N-Quads, Turtle, oai_dc) answers ``describes`` back to the page, and
repeats the page's links with ``anchor`` set to the page (RFC 8288 section 3.2), so they stay statements about
the page and not about the representation. The link set says all of it, including ``describes`` from each
metadata resource and ``collection`` from each content resource back to the page.

A Link header must stay small (a proxy in front refuses a response whose header block outgrows its buffer,
4 KiB by default in nginx), so the header always carries the essential links and then adds whole groups while
they fit in ``HEADER_BUDGET``: collections, then authors, then items; what does not fit is in the link set,
which the header always names, as Signposting recommends when a resource has many links.
"""
from __future__ import annotations

from dataclasses import dataclass

from werkzeug.urls import iri_to_uri

from metadata.formats import FORMATS
from metadata.record import describe
from metadata.record.urls import UrlBuilder

from .config import Settings

ARCHIVE_COMPONENT = "https://schema.org/ArchiveComponent"
ABOUT_PAGE = "https://schema.org/AboutPage"
LINKSET_JSON = "application/linkset+json"
LINKSET_TEXT = "application/linkset"
IIIF_PRESENTATION = "http://iiif.io/api/presentation/3/context.json"
HEADER_BUDGET = 3000  # bytes of the Link header value; the rest of the header block must fit in 4 KiB too
OPTIONAL_GROUPS = ("collection", "author", "item")  # added to the header in this order while they fit


@dataclass(frozen=True)
class Link:
    """One typed link (RFC 8288): target, relation type, and the target attributes Signposting uses."""
    href: str
    rel: str
    type: str | None = None
    profile: str | None = None

    def header_value(self, anchor: str | None = None) -> str:
        parts = [f"<{iri_to_uri(self.href)}>", f'rel="{self.rel}"']
        for name, value in (("anchor", anchor), ("type", self.type), ("profile", self.profile)):
            if value:
                parts.append(f'{name}="{_quoted(iri_to_uri(value) if name != "type" else value)}"')
        return "; ".join(parts)

    def target_object(self) -> dict:
        """The RFC 9264 JSON target object: ``type`` is a string, an extension attribute (``profile``) an
        array of strings (section 4.2.4.3)."""
        target: dict = {"href": self.href}
        if self.type:
            target["type"] = self.type
        if self.profile:
            target["profile"] = [self.profile]
        return target


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(frozen=True)
class Signposts:
    """Every Signposting link of one record: those about its page, and the page's URL."""
    page: str
    links: tuple[Link, ...]

    def of(self, rel: str) -> list[Link]:
        return [link for link in self.links if link.rel == rel]

    def header(self, representation: bool = False) -> str:
        """The Link header of the page, or (``representation``) of one of its metadata representations."""
        anchor = self.page if representation else None
        values = [Link(self.page, "describes", "text/html").header_value()] if representation else []
        values += [link.header_value(anchor) for link in self.links if link.rel not in OPTIONAL_GROUPS]
        for rel in OPTIONAL_GROUPS:
            group = [link.header_value(anchor) for link in self.of(rel)]
            if group and len(", ".join(values + group)) <= HEADER_BUDGET:
                values += group
        return ", ".join(values)

    def _context_objects(self) -> list[tuple[str, list[Link]]]:
        """(anchor, links) of the link set: the page's links (not the link set itself), then the way back from
        each metadata resource (``describes``) and each content resource (``collection``)."""
        back = Link(self.page, "describes", "text/html")
        home = Link(self.page, "collection", "text/html")
        objects = [(self.page, [link for link in self.links if link.rel != "linkset"])]
        objects += [(link.href, [back]) for link in self.of("describedby")]
        objects += [(link.href, [home]) for link in self.of("item")]
        return objects

    def linkset_json(self) -> dict:
        """RFC 9264 section 4.2: one context object per anchor, relation types as keys of target arrays."""
        linkset = []
        for anchor, links in self._context_objects():
            context: dict = {"anchor": anchor}
            for link in links:
                context.setdefault(link.rel, []).append(link.target_object())
            linkset.append(context)
        return {"linkset": linkset}

    def linkset_text(self) -> str:
        """RFC 9264 section 4.1: Link header syntax, every link with its anchor, one link a line."""
        return ",\n".join(link.header_value(anchor) for anchor, links in self._context_objects()
                          for link in links) + "\n"


def signposts(record: dict, urls: UrlBuilder, settings: Settings) -> Signposts:
    """The Signposting links of a published record (``record`` in published form: absolute IRIs)."""
    identifier = record["identifier"]
    page = urls.record(identifier)
    links = [Link(page, "cite-as"), Link(ARCHIVE_COMPONENT, "type"), Link(ABOUT_PAGE, "type")]
    links += [Link(urls.record_format(identifier, "jsonld"), "describedby", "application/ld+json"),
              Link(urls.record_format(identifier, "nq"), "describedby", "application/n-quads"),
              Link(urls.linked.turtle(identifier), "describedby", "text/turtle")]
    links += [Link(urls.linked.get_record(identifier, prefix, settings.oai_repository_id), "describedby",
                   "text/xml", fmt.namespace) for prefix, fmt in FORMATS.items()]
    rights = record.get("rights") or settings.default_rights
    if rights:
        links.append(Link(rights, "license"))
    links += [Link(urls.linked.linkset(identifier), "linkset", LINKSET_JSON),
              Link(urls.linked.linkset(identifier), "linkset", LINKSET_TEXT)]
    links += [Link(iri, "collection") for iri in record.get("isPartOf") or [] if urls.set_spec(iri)]
    for party in describe.creators(record):
        links += [Link(iri, "author") for iri in (party.same_as or (party.id,))]
    links += _items(record, urls)
    return Signposts(page, tuple(dict.fromkeys(links)))


def _items(record: dict, urls: UrlBuilder) -> list[Link]:
    """The record's content: what its IIIF manifest paints and renders (the same rule as the manifest's
    ``rendering``: plain texts always, the reading PDF when there are no scans)."""
    identifier = record["identifier"]
    items = [Link(urls.manifest(identifier), "item", "application/ld+json", IIIF_PRESENTATION)]
    if not record.get("scans"):
        items.append(Link(urls.reading_pdf(identifier), "item", "application/pdf"))
    items += [Link(urls.text_rendering(identifier, version["id"].rsplit("/", 1)[-1]), "item", "text/plain")
              for version in record.get("hasVersion") or []]
    return items
