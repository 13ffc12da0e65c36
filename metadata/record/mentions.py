"""Who and what a record mentions: its agents with their roles, places, subjects, periods, sets and languages.

Entity pages ("every record of this person, by role"), discovery facets and related-record suggestions all ask
"which records mention X?"; storage keeps these rows beside each record (written in the record's transaction)
so the question is one indexed query. This module only reads a record: what it mentions and under which kind.
"""
from __future__ import annotations

from dataclasses import dataclass

from metadata.record import describe, languages
from metadata.record.text import first_text

# Relator codes grouped the way people browse: creators, recipients, translators, everyone else.
ROLE_GROUPS = {"aut": "creator", "cre": "creator", "sgn": "creator", "rcp": "recipient", "trl": "translator"}
ROLE_GROUP_ORDER = ["creator", "recipient", "translator", "contributor"]


def role_group(code: str) -> str:
    return ROLE_GROUPS.get(code, "contributor")


@dataclass(frozen=True)
class Mention:
    kind: str   # agent, place, subject, period, set, language, translation-language, type
    key: str    # the entity's IRI (stored base), a set spec or a language code
    label: str
    role: str = ""  # for agents: creator, recipient, translator, contributor


def mentions(record: dict) -> list[Mention]:
    """Every entity the record mentions, once per (kind, key, role), in a stable order."""
    found: dict[tuple[str, str, str], Mention] = {}

    def add(mention: Mention) -> None:
        found.setdefault((mention.kind, mention.key, mention.role), mention)

    for party in describe.creators(record) + describe.contributors(record) + describe.addressees(record) \
            + describe.translators(record):
        for code in party.roles:
            add(Mention("agent", party.id, party.name, role_group(code)))
    for node in record.get("spatial") or []:
        add(Mention("place", node["id"], first_text(node["label"])))
    for node in record.get("subject") or []:
        add(Mention("subject", node["id"], first_text(node["prefLabel"])))
    for node in record.get("temporal") or []:
        if node.get("id"):
            add(Mention("period", node["id"], first_text(node["label"])))
    for iri in record.get("isPartOf") or []:
        add(Mention("set", iri, iri.rstrip("/").rsplit("/", 1)[-1]))
    for code in describe.original_languages(record):
        add(Mention("language", code, languages.english_name(code)))
    for code in describe.translation_languages(record):
        add(Mention("translation-language", code, languages.english_name(code)))
    for kind in record.get("type") or []:
        if kind != "Record":  # every record is one; the facet is about the others (Text, Image, ...)
            add(Mention("type", kind, kind))
    return sorted(found.values(), key=lambda m: (m.kind, m.key, m.role))


def find_node(record: dict, iri: str) -> dict | None:
    """The record's own description of the entity ``iri`` (an agent, place, subject or period node)."""
    nodes = []
    for key in ("creator", "contributor", "addressee", "spatial", "subject", "temporal"):
        nodes += record.get(key) or []
    for version in record.get("hasVersion") or []:
        nodes += version.get("contributor") or []
    return next((node for node in nodes if node.get("id") == iri), None)
