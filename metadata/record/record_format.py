"""The record format's versions, and the one upgrade from the older to the current.

A record's shape is its format. Format 1 wrote ``extent`` and each version's ``format`` as plain strings
("2 leaves", "text/markdown"); as RDF those are literals where Dublin Core's ranges want resources
(``dcterms:extent`` a ``dcterms:SizeOrDuration``, ``dcterms:format`` a ``dcterms:MediaTypeOrExtent``).
Format 2 makes them resources: the extent a ``SizeOrDuration`` node with its words as a language-tagged
label, the media type the IANA registry's IRI for it.

Every way in (the API, the editor, the importers, reverts of old revisions) keeps accepting format 1 and stores
format 2: ``upgrade`` is called on the write path, and migration 0007 upgrades the records already stored.
The format is told by the record's shape (``version``), so a record needs no marker of its own.
"""
from __future__ import annotations

import copy

CURRENT = 2

MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
"""The IANA media types registry: ``MEDIA_TYPES + "text/markdown"`` is the registry's page for a type."""

TEXT_MEDIA_TYPES = ("text/markdown", "text/plain")
"""The media types a version's text can have."""

DESCRIPTION_LANGUAGE = "en"
"""The language archivists describe in (MARC 040 $b eng): the language of a format-1 extent's words."""


def media_type_iri(media_type: str) -> str:
    return MEDIA_TYPES + media_type


def media_type(value) -> str | None:
    """The media type (``text/markdown``) of a version's ``format`` in either format; None when it is neither."""
    if isinstance(value, str):
        return value.removeprefix(MEDIA_TYPES)
    return None


def extent_node(text: str, language: str = DESCRIPTION_LANGUAGE) -> dict:
    """The format-2 ``extent`` for the words ``text`` (a ``dcterms:SizeOrDuration`` node)."""
    return {"type": "SizeOrDuration", "label": {language: text}}


def extent_text(value) -> str | None:
    """The words of an extent in either format ("1 album (42 photographic prints)"); None when there is none."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("label"), dict) and value["label"]:
        label = value["label"]
        return label.get(DESCRIPTION_LANGUAGE) or next(iter(label.values()))
    return None


def version(record: dict) -> int:
    """The format ``record`` is written in: 1 while any field has its format-1 shape, else ``CURRENT``."""
    if isinstance(record.get("extent"), str):
        return 1
    for node in record.get("hasVersion") or []:
        if isinstance(node, dict) and node.get("format") in TEXT_MEDIA_TYPES:
            return 1
    return CURRENT


def upgrade(record):
    """``record`` in the current format (a copy when anything changes; the same object when nothing does).

    Anything that is not a format-1 shape is left as it is, for validation to report in its own words.
    """
    if not isinstance(record, dict) or version(record) == CURRENT:
        return record
    record = copy.deepcopy(record)
    if isinstance(record.get("extent"), str):
        record["extent"] = extent_node(record["extent"])
    for node in record.get("hasVersion") or []:
        if isinstance(node, dict) and node.get("format") in TEXT_MEDIA_TYPES:
            node["format"] = media_type_iri(node["format"])
    return record
