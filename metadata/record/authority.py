"""Authority control: people, organisations, places and subjects as entities of their own.

A record stays self-contained JSON-LD (each agent, place and subject is an inline node), but the node's IRI
(``…/agents/KEY``, ``…/places/KEY``, ``…/subjects/KEY``) names an entity kept in storage with its preferred
name per language, variant names, ``sameAs`` links and its own history. This module holds the rules about
entities that need no database: which nodes of a record are entities, what an entity looks like, how a
record's nodes are brought in line with an entity (edit, merge, split), which ``sameAs`` links are accepted,
and how names are folded for the picker. Storage (``metadata/storage/entities.py``) applies them.
"""
from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from metadata.record import languages
from metadata.record.search_terms import unaccent
from metadata.record.text import first_text, unstorable
from metadata.record.urls import STORED, slugify

# kind -> the IRI path segment of its entities and the key of the node's label
KINDS = {"agent": ("agents", "name"), "place": ("places", "label"), "subject": ("subjects", "prefLabel")}
AGENT_TYPES = ["Person", "Organization", "Agent"]
_AGENT_LISTS = ("creator", "contributor", "addressee")
_LIST_KIND = {"creator": "agent", "contributor": "agent", "addressee": "agent", "spatial": "place",
              "subject": "subject"}


@dataclass(frozen=True)
class Source:
    """An authority file whose IRIs a ``sameAs`` link may name: the one definition of what is accepted."""
    name: str          # in plain words, for messages
    pattern: re.Pattern
    code: str          # the MODS ``authority`` code and MARC subject source ($2)
    authority_uri: str  # the MODS ``authorityURI``: the authority file itself


SOURCES = [
    Source("Wikidata", re.compile(r"https?://www\.wikidata\.org/entity/Q[1-9][0-9]*"), "wikidata",
           "http://www.wikidata.org/entity/"),
    Source("VIAF", re.compile(r"https?://viaf\.org/viaf/[0-9]+"), "viaf", "http://viaf.org/viaf/"),
    Source("LCNAF", re.compile(r"https?://id\.loc\.gov/authorities/names/n[a-z]?[0-9]+"), "naf",
           "http://id.loc.gov/authorities/names"),
    Source("GeoNames", re.compile(r"https?://sws\.geonames\.org/[0-9]+/?"), "geonames", "http://sws.geonames.org/"),
]
SAME_AS_HELP = ("write the full address of a Wikidata, VIAF, LCNAF or GeoNames entry, such as "
                "https://www.wikidata.org/entity/Q42, http://viaf.org/viaf/113230702, "
                "http://id.loc.gov/authorities/names/n80126364 or https://sws.geonames.org/524901/")


def source_of(iri: str) -> Source | None:
    """The authority file ``iri`` belongs to, or None when it is none of the accepted ones."""
    return next((s for s in SOURCES if isinstance(iri, str) and s.pattern.fullmatch(iri)), None)


def same_as_problem(iri) -> str | None:
    """Why ``iri`` is not an accepted ``sameAs`` link (in words that say what to write), or None."""
    if source_of(iri) is None:
        return f"{str(iri)[:80]!r} is not a link Muniment knows: {SAME_AS_HELP}"
    return None


def collection(kind: str) -> str:
    return KINDS[kind][0]


def iri(kind: str, key: str) -> str:
    """The stored-form IRI of entity ``key`` of ``kind`` (what records' nodes carry as ``id``)."""
    return STORED.entities.entity(collection(kind), key)


def key_of(kind: str, node_iri) -> str | None:
    """The entity key an IRI names, or None when it is not one of Muniment's own entity IRIs (an external
    vocabulary's IRI used as a node id stays outside authority control)."""
    return STORED.entities.key(collection(kind), node_iri)


def new_key(name: str) -> str:
    return slugify(name)


def fold(text: str) -> str:
    """Text as the picker compares it: no accents, no case, single spaces ("Zhōu  Lán" -> "zhou lan")."""
    return " ".join(unaccent(text or "").casefold().split())


def entity_nodes(record: dict) -> Iterator[tuple[str, str, dict]]:
    """(kind, key, node) for every node of the record that names one of Muniment's entities."""
    for key, kind in _LIST_KIND.items():
        for node in record.get(key) or []:
            found = key_of(kind, node.get("id")) if isinstance(node, dict) else None
            if found:
                yield kind, found, node
    for version in record.get("hasVersion") or []:
        for node in version.get("contributor") or []:
            found = key_of("agent", node.get("id")) if isinstance(node, dict) else None
            if found:
                yield "agent", found, node


def _most_common(values: list[str]) -> str:
    counts = Counter(values)
    return max(values, key=lambda v: (counts[v], -values.index(v)))


def from_nodes(kind: str, key: str, nodes: list[dict]) -> dict:
    """An entity made from the inline nodes records give it: per language the spelling most records use is
    preferred and the others become variants; every ``sameAs`` link is kept (accepted or not: an editor
    sees and fixes what is not)."""
    label_key = KINDS[kind][1]
    spellings: dict[str, list[str]] = {}
    for node in nodes:
        for lang, text in (node.get(label_key) or {}).items():
            spellings.setdefault(lang, []).append(text)
    names = {lang: _most_common(texts) for lang, texts in spellings.items()}
    variants = {lang: sorted(set(texts) - {names[lang]}) for lang, texts in spellings.items()}
    entity = {"kind": kind, "key": key, "name": names or {"en": key},
              "variants": {lang: v for lang, v in variants.items() if v},
              "sameAs": list(dict.fromkeys(iri for node in nodes for iri in node.get("sameAs") or []))}
    if kind == "agent":
        types = [n.get("type") for n in nodes if n.get("type") in AGENT_TYPES]
        specific = [t for t in types if t != "Agent"]
        entity["type"] = _most_common(specific or types or ["Agent"])
        sort_names = [n["sortName"] for n in nodes if n.get("sortName")]
        if sort_names:
            entity["sortName"] = _most_common(sort_names)
    return entity


def preferred_name(entity: dict) -> str:
    return first_text(entity.get("name"))


def all_names(entity: dict) -> list[str]:
    """Preferred and variant names, preferred first, each once."""
    names = list((entity.get("name") or {}).values())
    for texts in (entity.get("variants") or {}).values():
        names += texts
    return list(dict.fromkeys(names))


def search_text(entity: dict) -> str:
    """Every name of the entity folded, one a line: what the picker matches a typed name against."""
    return "\n".join(dict.fromkeys(fold(n) for n in all_names(entity)))


def node(entity: dict) -> dict:
    """The inline node records carry for the entity (without roles, which are the record's)."""
    kind = entity["kind"]
    label_key = KINDS[kind][1]
    built: dict = {"id": iri(kind, entity["key"])}
    if kind == "agent":
        built["type"] = entity.get("type") or "Agent"
    else:
        built["type"] = {"place": "Location", "subject": "Concept"}[kind]
    built[label_key] = dict(entity["name"])
    if kind == "agent" and entity.get("sortName"):
        built["sortName"] = entity["sortName"]
    if entity.get("sameAs"):
        built["sameAs"] = list(entity["sameAs"])
    return built


def _lists(record: dict, kind: str) -> Iterator[tuple[dict, str]]:
    """(container, list key) of every list in the record that holds nodes of ``kind``."""
    for key, list_kind in _LIST_KIND.items():
        if list_kind == kind and record.get(key):
            yield record, key
    if kind == "agent":
        for version in record.get("hasVersion") or []:
            if version.get("contributor"):
                yield version, "contributor"


def apply(record: dict, entity: dict, old_iri: str | None = None) -> dict:
    """A copy of ``record`` whose nodes for the entity say what the entity says (names, sort name, type,
    ``sameAs``). With ``old_iri`` (a merge or a split), nodes with that IRI become the entity's: attributions
    follow, and a list already holding the entity keeps one node."""
    changed = copy.deepcopy(record)
    target = iri(entity["kind"], entity["key"])
    replaced = node(entity)
    for container, key in _lists(changed, entity["kind"]):
        nodes, seen = [], False
        for item in container[key]:
            if item.get("id") in (target, old_iri):
                if seen:
                    continue
                seen = True
                item = replaced
            nodes.append(item)
        container[key] = nodes
        if old_iri and container.get("qualifiedAttribution"):
            container["qualifiedAttribution"] = _renamed_attributions(container["qualifiedAttribution"], old_iri,
                                                                      target)
    return changed


def _renamed_attributions(attributions: list[dict], old_iri: str, target: str) -> list[dict]:
    found, seen = [], set()
    for attribution in attributions:
        if attribution.get("agent") == old_iri:
            attribution = {**attribution, "agent": target}
        mark = (attribution.get("agent"), attribution.get("hadRole"))
        if mark not in seen:
            seen.add(mark)
            found.append(attribution)
    return found


def uses(record: dict, kind: str, key: str) -> bool:
    return any(k == kind and found == key for k, found, _ in entity_nodes(record))


def _language_map_errors(value, where: str, required: bool) -> list[dict]:
    if not isinstance(value, dict) or (required and not value):
        return [{"pointer": where, "message": "give the name in at least one language" if required
                 else "must be an object of language: text"}]
    errors = []
    for lang, text in value.items():
        if not languages.is_language_tag(lang):
            errors.append({"pointer": f"{where}/{lang}", "message": f"{lang!r} is not a language code such as en"})
        if not isinstance(text, str) or not text.strip():
            errors.append({"pointer": f"{where}/{lang}", "message": "write the name (it is empty)"})
        elif unstorable(text) or len(text) > 1000:
            errors.append({"pointer": f"{where}/{lang}", "message": unstorable(text) or "at most 1,000 characters"})
    return errors


def validate(entity: dict) -> list[dict]:
    """Problems with an entity's editable fields, each ``{pointer, message}`` (plain words: the editor shows
    the message, the API the pointer too)."""
    errors = _language_map_errors(entity.get("name"), "/name", True)
    variants = entity.get("variants", {})
    if not isinstance(variants, dict):
        errors.append({"pointer": "/variants", "message": "must be an object of language: [names]"})
        variants = {}
    for lang, texts in variants.items():
        if not languages.is_language_tag(lang):
            errors.append({"pointer": f"/variants/{lang}", "message": f"{lang!r} is not a language code such as en"})
        if not isinstance(texts, list):
            errors.append({"pointer": f"/variants/{lang}", "message": "must be a list of names"})
            continue
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                errors.append({"pointer": f"/variants/{lang}/{i}", "message": "write the name (it is empty)"})
            elif unstorable(text) or len(text) > 1000:
                errors.append({"pointer": f"/variants/{lang}/{i}",
                               "message": unstorable(text) or "at most 1,000 characters"})
    same_as = entity.get("sameAs", [])
    if not isinstance(same_as, list):
        errors.append({"pointer": "/sameAs", "message": "must be a list of links"})
    else:
        for i, link in enumerate(same_as):
            problem = same_as_problem(link)
            if problem:
                errors.append({"pointer": f"/sameAs/{i}", "message": problem})
        if len(set(map(str, same_as))) != len(same_as):
            errors.append({"pointer": "/sameAs", "message": "a link is listed twice"})
    if entity.get("kind") == "agent" and entity.get("type", "Agent") not in AGENT_TYPES:
        errors.append({"pointer": "/type", "message": "Person, Organization or Agent"})
    sort_name = entity.get("sortName")
    if sort_name is not None and (not isinstance(sort_name, str) or unstorable(sort_name) or len(sort_name) > 1000):
        errors.append({"pointer": "/sortName", "message": "must be text (at most 1,000 characters)"})
    return errors


def record_same_as_errors(record: dict) -> list[dict]:
    """The ``sameAs`` links of a record's agent, place and subject nodes that are not accepted links."""
    errors = []
    for key in _LIST_KIND:
        for i, item in enumerate(record.get(key) or []):
            errors += _node_same_as_errors(item, f"/{key}/{i}")
    for v, version in enumerate(record.get("hasVersion") or []):
        if isinstance(version, dict):
            for i, item in enumerate(version.get("contributor") or []):
                errors += _node_same_as_errors(item, f"/hasVersion/{v}/contributor/{i}")
    return errors


def _node_same_as_errors(item, where: str) -> list[dict]:
    links = item.get("sameAs") if isinstance(item, dict) else None
    if not isinstance(links, list):
        return []
    return [{"pointer": f"{where}/sameAs/{i}", "message": same_as_problem(link)}
            for i, link in enumerate(links) if isinstance(link, str) and same_as_problem(link)]
