"""The authority API under /api/entities: find people, places and subjects as an archivist types (the record
form's picker), read and change one, merge two, split one. Routes join the API blueprint, so they share its
rules (a role on every route, problem documents, JSON bodies).

A change answers with the entity and the records it rewrote: each of those got a new revision saying why.
"""
from __future__ import annotations

from flask import request, url_for

from metadata.record import authority
from metadata.storage import Conflict, NotFound
from metadata.storage.entities import EntityInvalid, EntityMerged

from .. import auth, state
from ..problems import Problem
from .api import _author, _body, _json, _message, blueprint

KIND = "<any(agent, place, subject):kind>"
PICKER_LIMIT = 20


def entity_json(entity: dict, **extra) -> dict:
    """An entity as the API shows it: its fields, its public IRI and where to read it."""
    urls = state.urls()
    body = {"kind": entity["kind"], "key": entity["key"],
            "iri": urls.entities.entity(authority.collection(entity["kind"]), entity["key"]),
            "preferredName": authority.preferred_name(entity), "name": entity["name"],
            "variants": entity.get("variants") or {}, "sameAs": entity.get("sameAs") or [],
            "revision": entity["revision"],
            "url": urls.base.rstrip("/") + url_for("api.get_entity", kind=entity["kind"], key=entity["key"])}
    for field in ("type", "sortName", "mergedInto", "records"):
        if field in entity:
            body[field] = entity[field]
    return {**body, **extra}


def _etag(entity: dict) -> str:
    return f'"e{entity["revision"]}"'


def _response(entity: dict, status: int = 200, **extra):
    response = _json(entity_json(entity, **extra), status)
    response.headers["ETag"] = _etag(entity)
    return response


def _existing(kind: str, key: str) -> dict:
    found = state.store().entities.get(kind, key)
    if found is None:
        raise Problem(404, f"There is no {kind} {key}.", "Not Found")
    return found


def _expected(entity: dict) -> int | None:
    """The revision named by If-Match (optional here: a write without it applies to the current one)."""
    if not request.headers.get("If-Match"):
        return None
    if not request.if_match.contains(_etag(entity).strip('"')):
        raise Problem(412, f"The {entity['kind']} changed since you read it (now revision {entity['revision']}).",
                      "Precondition Failed", headers={"ETag": _etag(entity)})
    return entity["revision"]


def _change(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except EntityInvalid as exc:
        raise Problem(422, "The change is invalid; nothing was saved.", "Unprocessable Content",
                      errors=exc.errors) from None
    except NotFound as exc:
        raise Problem(404, str(exc), "Not Found") from None
    except EntityMerged as exc:
        raise Problem(409, f"{exc}.", "Conflict") from None
    except Conflict as exc:
        raise Problem(412, f"{exc}; reload and try again.", "Precondition Failed") from None


@blueprint.get("/entities")
@auth.require("editor")
def find_entities():
    """The picker: entities whose preferred or variant names contain ``q`` (case and accents ignored)."""
    kind = request.args.get("kind", "agent")
    if kind not in authority.KINDS:
        raise Problem(400, "kind is agent, place or subject.", "Bad Request")
    text = request.args.get("q", "")[:200]
    found = state.store().entities.search(kind, text, PICKER_LIMIT)
    return _json({"kind": kind, "query": text, "items": [entity_json(e) for e in found]})


@blueprint.get(f"/entities/{KIND}/<key>")
@auth.require("editor")
def get_entity(kind: str, key: str):
    found = _existing(kind, key)
    return _response(found, records=state.store().entities.record_ids(kind, key))


@blueprint.get(f"/entities/{KIND}/<key>/revisions")
@auth.require("editor")
def entity_revisions(kind: str, key: str):
    _existing(kind, key)
    return _json([{"number": r["number"], "author": r["author"], "created": r["created"].strftime(
        "%Y-%m-%dT%H:%M:%SZ"), "message": r["message"], "data": r["data"]}
        for r in state.store().entities.revisions(kind, key)])


@blueprint.put(f"/entities/{KIND}/<key>")
@auth.require("editor")
def put_entity(kind: str, key: str):
    """Change names, variants, sameAs links, type or sort name; each record using the entity follows."""
    current = _existing(kind, key)
    expected = _expected(current)
    body = _body()
    fields = {k: body[k] for k in ("name", "variants", "sameAs", "type", "sortName") if k in body}
    saved, rewritten = _change(state.store().entities.update, kind, key, fields, _author(), expected, _message())
    return _response(saved, rewritten=rewritten)


@blueprint.post(f"/entities/{KIND}/<key>/merge")
@auth.require("editor")
def merge_entity(kind: str, key: str):
    """Merge this entity into ``into``: its records use that one, and its IRI redirects there."""
    _existing(kind, key)
    into = _body().get("into")
    if not isinstance(into, str) or not into:
        raise Problem(422, "Say which entity to merge into.", "Unprocessable Content",
                      errors=[{"pointer": "/into", "message": "the key of the entity to merge into"}])
    target, rewritten = _change(state.store().entities.merge, kind, key, into, _author(), _message())
    return _response(target, rewritten=rewritten)


@blueprint.post(f"/entities/{KIND}/<key>/split")
@auth.require("editor")
def split_entity(kind: str, key: str):
    """Give the chosen records a new entity called ``name`` instead of this one."""
    _existing(kind, key)
    body = _body()
    chosen, name = body.get("records"), body.get("name")
    errors = []
    if not isinstance(chosen, list) or not all(isinstance(r, str) for r in chosen):
        errors.append({"pointer": "/records", "message": "a list of record identifiers"})
    if not isinstance(name, str):
        errors.append({"pointer": "/name", "message": "the new entity's name"})
    if errors:
        raise Problem(422, "The split is invalid; nothing was saved.", "Unprocessable Content", errors=errors)
    new, rewritten = _change(state.store().entities.split, kind, key, chosen, name, _author(), _message())
    return _response(new, 201, rewritten=rewritten)
