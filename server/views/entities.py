"""Pages for the people, organisations, places and subjects records mention, and for sets (collections).

Every IRI Muniment mints for them dereferences: people get an HTML page listing the published records that
mention the entity, grouped by role with counts; machines get JSON-LD (content negotiation, or ``.jsonld``).
An entity no published record mentions is unknown to the public (404), like a draft.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, redirect, render_template

from metadata.record import authority
from metadata.record import mentions as mention_rules
from metadata.record.text import first_text
from metadata.record.urls import STORED

from .. import state
from ..documents import published
from ..http import digest, negotiate, representation
from ..problems import Problem

blueprint = Blueprint("entities", __name__)

HTML, JSONLD = "text/html", "application/ld+json"
KINDS = {"agents": ("agent", "Person or organisation"), "places": ("place", "Place"),
         "subjects": ("subject", "Subject")}


def _format(suffix: str | None) -> str:
    if suffix == "jsonld":
        return JSONLD
    chosen = negotiate([HTML, JSONLD, "application/json"], HTML)
    return JSONLD if chosen in (JSONLD, "application/json") else HTML


@blueprint.get("/<any(agents, places, subjects):collection>/<slug>")
@blueprint.get("/<any(agents, places, subjects):collection>/<slug>.<any(jsonld):suffix>")
def entity(collection: str, slug: str, suffix: str | None = None):
    kind, noun = KINDS[collection]
    found = state.store().entities.get(kind, slug)
    if found and found.get("mergedInto"):  # merged: its IRI answers for the entity it became, for good
        target = state.store().entities.final(kind, slug)
        location = state.urls().entities.entity(collection, target["key"]) + (f".{suffix}" if suffix else "")
        return redirect(location, 301)
    iri = STORED.entities.entity(collection, slug)
    rows = state.store().mentions.records(kind, iri)
    if not rows:
        raise Problem(404, f"No published record mentions {collection}/{slug}.", "Not Found")
    if found:
        node = authority.node(found)
        label = authority.preferred_name(found)
    else:  # an IRI outside authority control: what the records say
        example = state.store().records.get(rows[0].id)
        node = mention_rules.find_node(example.data, iri) or {"id": iri}
        label = state.store().mentions.label(kind, iri)
    variants = (found or {}).get("variants") or {}
    # what the page shows comes from the records and the entity (whose edits need not change a record)
    changed = max(filter(None, [state.store().serving.latest_change(), (found or {}).get("updated")]), default=None)
    if _format(suffix) == JSONLD:
        document = {"@context": state.urls().context(), **node}
        if variants:
            document["altLabel"] = variants
        return _respond(_json(published(document)), JSONLD, suffix, changed)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.role or "mentioned", []).append(row)
    order = mention_rules.ROLE_GROUP_ORDER + ["mentioned"]
    names = node.get(authority.KINDS[kind][1]) or {}
    links = [(link, getattr(authority.source_of(link), "name", link)) for link in node.get("sameAs") or []]
    body = render_template("entity.html", title=label, noun=noun, node=node, label=label, names=names,
                           variants=variants, links=links,
                           groups=sorted(groups.items(), key=lambda item: order.index(item[0])),
                           total=len({r.id for r in rows}), text=first_text, jsonld=f"{quote(slug)}.jsonld")
    return _respond(body, HTML, suffix, changed)


@blueprint.get("/sets/<spec>")
@blueprint.get("/sets/<spec>.<any(jsonld):suffix>")
def set_page(spec: str, suffix: str | None = None):
    described = {s["spec"]: s for s in state.store().sets.all()}
    rows = state.store().mentions.records("set", STORED.set(spec))
    if spec not in described or not rows:
        raise Problem(404, f"No published collection {spec}.", "Not Found")
    found, urls = described[spec], state.urls()
    if _format(suffix) == JSONLD:
        document = {"@context": urls.context(), "id": urls.set(spec), "type": "Collection",
                    "title": {"en": found["name"]}, "dcterms:hasPart": [{"id": urls.record(r.id)} for r in rows]}
        if found["description"]:
            document["dcterms:description"] = found["description"]
        return _respond(_json(document), JSONLD, suffix)
    body = render_template("set.html", title=found["name"], found=found, rows=rows,
                           collection=urls.collection(spec))
    return _respond(body, HTML, suffix)


def _json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def _respond(body: str, mimetype: str, suffix: str | None, changed=None):
    """A page or its JSON-LD; ``changed`` (the latest record change) only where nothing but records decides
    the content (a set's name and description live in their own table, which keeps no time)."""
    return representation(body, mimetype, f"entity-{digest(body)}", changed, vary_accept=suffix is None)
