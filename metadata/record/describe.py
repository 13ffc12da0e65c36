"""Reading a record the way every serializer needs it: agents with roles, translators, plain labels.

The oai_dc, MARCXML, MODS, qualified DC and IIIF serializers all ask the same questions of a record; the
answers live here once.
"""
from __future__ import annotations

from dataclasses import dataclass

from metadata.record import languages, record_format, rights
from metadata.record.text import first_text
from metadata.record.validation import load_schema

ROLE_NAMES = {
    "aut": "author", "sgn": "signer", "trl": "translator", "rcp": "addressee", "edt": "editor",
    "ctb": "contributor", "cre": "creator",
}
"""MARC relator codes Muniment uses, with the term MARC's relator list gives each (for $e and the editor)."""


# What a record can be: the DCMI types the schema allows in ``type`` beside "Record" (exactly one); "Text" by default.
RECORD_TYPES: list[str] = load_schema()["$defs"]["recordType"]["enum"]
DEFAULT_RECORD_TYPE = "Text"


@dataclass(frozen=True)
class Party:
    id: str
    type: str
    name: str
    sort_name: str
    roles: tuple[str, ...]  # relator codes without prefix: aut, sgn, trl, rcp
    positions: tuple[str, ...] = ()  # offices this agent signed with here (the attribution's, not the agent's)
    same_as: tuple[str, ...] = ()  # authority or real-world IRIs for the same entity (owl:sameAs)
    has_sort_name: bool = False  # the record gives an inverted (sort) form of the name

    @property
    def role_names(self) -> list[str]:
        return [ROLE_NAMES.get(r, r) for r in self.roles]

    @property
    def credit(self) -> str:
        """The name with its role terms, as every plain-text format states it: "Wolff, David (translator)"."""
        return f"{self.sort_name} ({', '.join(self.role_names)})" if self.roles else self.sort_name


def record_type(record: dict) -> str:
    """The DCMI type the record is (Text, StillImage, Collection ...): MARC leader 06, 336, MODS
    typeOfResource and dc:type all derive from it."""
    return next((t for t in record.get("type") or [] if t in RECORD_TYPES), DEFAULT_RECORD_TYPE)


def record_types(kind: str) -> list[str]:
    """The ``type`` array of a record of DCMI type ``kind``."""
    return [kind, "Record"]


def _roles(node: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for attribution in node.get("qualifiedAttribution") or []:
        found.setdefault(attribution["agent"], []).append(attribution["hadRole"].split(":", 1)[1])
    return found


def _positions(node: dict) -> dict[str, list[str]]:
    """The positions (offices, job titles) each agent held as it appears in this record, by agent id."""
    found: dict[str, list[str]] = {}
    for attribution in node.get("qualifiedAttribution") or []:
        if attribution.get("position"):
            found.setdefault(attribution["agent"], []).append(first_text(attribution["position"]))
    return found


def _party(agent: dict, roles: list[str], positions: list[str] | None = None) -> Party:
    name = first_text(agent["name"])
    return Party(agent["id"], agent["type"], name, agent.get("sortName") or name, tuple(roles),
                 tuple(positions or ()),
                 tuple(agent.get("sameAs") or ()), bool(agent.get("sortName")))


def creators(record: dict) -> list[Party]:
    roles, positions = _roles(record), _positions(record)
    return [_party(a, roles.get(a["id"], ["aut"]), positions.get(a["id"])) for a in record.get("creator") or []]


def contributors(record: dict) -> list[Party]:
    roles = _roles(record)
    return [_party(a, roles.get(a["id"], ["ctb"])) for a in record.get("contributor") or []]


def addressees(record: dict) -> list[Party]:
    return [_party(a, ["rcp"]) for a in record.get("addressee") or []]


def translators(record: dict) -> list[Party]:
    """Everyone credited on a version, once each, in order (translators of every language version)."""
    seen: dict[str, Party] = {}
    for version in record.get("hasVersion") or []:
        roles = _roles(version)
        for agent in version.get("contributor") or []:
            if agent["id"] not in seen:
                seen[agent["id"]] = _party(agent, roles.get(agent["id"], ["ctb"]))
    return list(seen.values())


def original_languages(record: dict) -> list[str]:
    return [languages.iri_code(code) for code in record.get("language") or []]


def version_languages(record: dict) -> list[str]:
    found: list[str] = []
    for version in record.get("hasVersion") or []:
        for code in version.get("language") or []:
            code = languages.iri_code(code)
            if code not in found:
                found.append(code)
    return found


def carried_languages(record: dict) -> list[str]:
    """Languages of the texts the record carries, else (no text carried) the original's: what a catalogue
    record says the described resource is in (MARC 041 $a, 008/35-37)."""
    return version_languages(record) or original_languages(record)


def served_media_types(record: dict) -> list[str]:
    """Media types Muniment actually serves for the record's content: each text as text/plain, scans as JPEG."""
    types = []
    if record.get("hasVersion"):
        types.append("text/plain")
    if record.get("scans"):
        types.append("image/jpeg")
    return types


def extent(record: dict) -> str | None:
    """The extent in words ("1 album (42 photographic prints)"): MARC 300, MODS extent, dcterms:extent."""
    return record_format.extent_text(record.get("extent"))


def media_type(version: dict) -> str:
    """The media type of a version's text (``text/markdown`` or ``text/plain``), from its IANA IRI."""
    return record_format.media_type(version.get("format")) or "text/markdown"


def is_markdown(version: dict) -> bool:
    return media_type(version) == "text/markdown"


def archival_reference(record: dict) -> str | None:
    """The reference the holding archive files the document under (its ISAD(G) reference code, else the
    archival source's identifier)."""
    source = record.get("source") or {}
    if record.get("referenceCode"):
        return record["referenceCode"]
    if source.get("type") == "ArchivalResource":
        return source.get("identifier") or source.get("label")
    return None


def repository(record: dict) -> str | None:
    """The archive holding (and publishing) the document, by name."""
    return first_text((record.get("publisher") or {}).get("name")) or None


def translations(record: dict) -> list[dict]:
    return [v for v in record.get("hasVersion") or [] if v.get("translationOfWork")]


def translation_languages(record: dict) -> list[str]:
    """ISO 639-1 codes of the record's translations, once each, in order."""
    return list(dict.fromkeys(languages.iri_code(v["language"][0]) for v in translations(record)))


def label_pairs(language_map: dict | None) -> list[tuple[str, str]]:
    """(language, text) pairs of a language map, in stored order."""
    return list((language_map or {}).items())


def source_text(record: dict) -> str | None:
    source = record.get("source")
    return source.get("label") if source else None


def rights_label(uri: str | None) -> str | None:
    return rights.label_for(uri) if uri else None
