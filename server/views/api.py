"""The editing API under /api: records with validation, optimistic concurrency and full history; sets,
users and tokens. Every write needs the record's current ETag in If-Match (428 without, 412 when stale);
invalid records are 422 with every error's JSON pointer and nothing is stored."""
from __future__ import annotations

import json
from datetime import timezone

from flask import Blueprint, Response, g, request, url_for

from metadata.record import date_words, identifiers, languages
from metadata.record import sets as set_rules
from metadata.record import timestamps
from metadata.record.diff import field_diff
from metadata.storage import Conflict, Gone, NotFound, RecordState, StorageError
from metadata.storage.accounts import LastAdmin
from metadata.record.validation import RecordInvalid, text_errors, validate, validate_set

from .. import auth, state
from ..arguments import page_argument, per_page_argument
from .. import openapi as openapi_document
from ..documents import existing_record, incoming_record, public_record
from ..problems import Problem

blueprint = Blueprint("api", __name__, url_prefix="/api")
MERGE_PATCH = "application/merge-patch+json"


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _record_response(current: RecordState, status: int = 200) -> Response:
    response = _json(public_record(current.data), status)
    response.headers["ETag"] = current.etag
    response.last_modified = current.datestamp.replace(tzinfo=timezone.utc)
    response.headers["Muniment-Revision"] = str(current.revision)
    response.headers["Muniment-Published"] = "true" if current.published else "false"
    response.headers["Muniment-Deleted"] = "true" if current.deleted else "false"
    response.headers["Location"] = state.urls().base.rstrip("/") + url_for("api.get_record",
                                                                             identifier=current.id)
    return response


MAX_DEPTH = 64  # far deeper than any record; bounds the recursion of everything that walks a body


def _depth(node, limit: int) -> int:
    """How deep ``node`` nests, counting no further than ``limit`` + 1 (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            break
        if isinstance(current, dict):
            stack.extend((value, level + 1) for value in current.values())
        elif isinstance(current, list):
            stack.extend((value, level + 1) for value in current)
    return deepest


def _body() -> dict:
    """The request's JSON object: 415 for another type, 400 for bad JSON, anything but an object, too deep a
    nesting, or text no database can store (NUL, unpaired surrogates), each with what is wrong."""
    if not request.is_json:  # application/json or any */*+json, such as ld+json and merge-patch+json
        raise Problem(415, "Send JSON (Content-Type: application/json).", "Unsupported Media Type")
    try:
        document = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise Problem(400, f"The JSON nests too deeply (at most {MAX_DEPTH} levels).", "Bad Request") from None
    except ValueError:
        raise Problem(400, "The body is not valid JSON (UTF-8).", "Bad Request") from None
    if not isinstance(document, dict):
        raise Problem(400, "The body must be a JSON object ({...}).", "Bad Request")
    if _depth(document, MAX_DEPTH) > MAX_DEPTH:
        raise Problem(400, f"The JSON nests too deeply (at most {MAX_DEPTH} levels).", "Bad Request")
    errors = text_errors(document)
    if errors:
        raise Problem(422, "The body has text that cannot be stored; nothing was saved.",
                      "Unprocessable Content", errors=errors)
    return document


def _validated(document, stored: dict | None = None) -> dict:
    record = incoming_record(document, stored)
    errors = validate(record)
    if errors:
        raise Problem(422, f"The record has {len(errors)} error(s); nothing was saved.", "Unprocessable Content",
                      errors=errors)
    return record


def _expected_revision(current: RecordState) -> int:
    """The revision the client read, from If-Match: 428 when absent, 412 when it is not the current one."""
    if not request.headers.get("If-Match"):
        raise Problem(428, "Send the record's ETag in If-Match, so nobody's edit is overwritten.",
                      "Precondition Required")
    if request.if_match.star_tag:
        raise Problem(428, "If-Match: * matches whatever is there, so it could overwrite a colleague's edit; "
                           "send the ETag of the version you read.", "Precondition Required")
    if not request.if_match.contains(current.etag.strip('"')):
        raise Problem(412, f"Record {current.id} changed since you read it (now revision {current.revision}); "
                           "reload it and apply your change again.", "Precondition Failed",
                      headers={"ETag": current.etag})
    return current.revision


def _storage_call(call, *args, **kwargs) -> RecordState:
    try:
        return call(*args, **kwargs)
    except Conflict as exc:
        raise Problem(412, f"{exc}; reload and try again.", "Precondition Failed") from None
    except Gone as exc:
        raise Problem(410, str(exc), "Gone") from None
    except NotFound as exc:
        raise Problem(404, str(exc), "Not Found") from None
    except RecordInvalid as exc:
        raise Problem(422, "The record is invalid; nothing was saved.", "Unprocessable Content",
                      errors=exc.errors) from None
    except StorageError as exc:
        raise Problem(400, str(exc), "Bad Request") from None


def _author() -> str:
    return g.user["name"]


def _message() -> str:
    return request.headers.get("Muniment-Message", "")[:500]


@blueprint.get("/openapi.json")
def openapi():
    text = openapi_document.document_text()
    return Response(text, mimetype="application/json")  # CORS: server/cors.py


# ----------------------------------------------------------------------------------------- dates
@blueprint.get("/dates")
@auth.require("editor")
def read_date():
    """A date in archivists' words read as EDTF and written back in words, for editors' scripts and the editor.

    ``language`` (en, ru, zh) chooses the words' language.
    """
    text = request.args.get("text")
    if text is None:
        raise Problem(400, "Give the date to read, for example /api/dates?text=c.%201955.", "Bad Request")
    try:
        edtf = date_words.read(text)
    except date_words.DateNotUnderstood as exc:
        raise Problem(422, str(exc), "Unprocessable Content",
                      errors=[{"pointer": "/text", "message": str(exc)}]) from None
    language = request.args.get("language", "en")
    return _json({"edtf": edtf, "words": date_words.words(edtf, language)})


# ----------------------------------------------------------------------------------------- suggestions
@blueprint.get("/languages")
@auth.require("editor")
def suggest_languages():
    """Languages matching what an archivist has typed so far, for the editor's suggestions (and scripts)."""
    query = request.args.get("q")
    if query is None:
        raise Problem(400, "Give the start of a language name or code, for example /api/languages?q=rus.",
                      "Bad Request")
    return _json({"query": query, "languages": languages.suggestions(query[:100])})


@blueprint.get("/identifiers/suggestion")
@auth.require("editor")
def suggest_identifier():
    """The identifier a new record would get from its reference code or title (free, as of now), and a reference
    code typed as the identifier offered back as one."""
    typed = request.args.get("identifier", "")[:200]
    offered = " ".join(typed.split()) if identifiers.looks_like_reference_code(typed) else None
    reference_code = request.args.get("referenceCode", "")[:200].strip() or offered or ""
    title = request.args.get("title", "")[:500]
    identifier = identifiers.suggest(reference_code, title, lambda i: state.store().records.get(i) is not None)
    basis = "referenceCode" if identifiers.slug(reference_code) else "title" if identifiers.slug(title) else "none"
    return _json({"identifier": identifier, "basis": basis, "referenceCode": offered})


# ----------------------------------------------------------------------------------------- records
@blueprint.get("/records")
@auth.require("editor")
def list_records():
    page, per_page = page_argument(), per_page_argument(50, 500)
    total, rows = state.store().records.list_records(page=page, per_page=per_page, query=request.args.get("q", ""),
                                             include_drafts=True, include_deleted=True)
    items = [{"identifier": r.id, "title": r.title, "revision": r.revision, "published": r.published,
              "deleted": r.deleted, "modified": timestamps.datestamp(r.datestamp),
              "url": state.urls().base.rstrip("/") + url_for("api.get_record", identifier=r.id)} for r in rows]
    return _json({"total": total, "page": page, "perPage": per_page, "items": items})


@blueprint.post("/records")
@auth.require("editor")
def create_record():
    record = _validated(_body())
    publish = request.args.get("publish", "false").lower() in ("1", "true", "yes")
    try:
        created = state.store().records.create(record, _author(), _message() or "created", published=publish)
    except Conflict:
        raise Problem(409, f"Record {record['identifier']} already exists.", "Conflict") from None
    return _record_response(created, 201)


@blueprint.get("/records/<recid:identifier>")
@auth.require("editor")
def get_record(identifier: str):
    current = existing_record(identifier)
    response = _record_response(current)
    return response.make_conditional(request)


@blueprint.put("/records/<recid:identifier>")
@auth.require("editor")
def replace_record(identifier: str):
    current = existing_record(identifier)
    expected = _expected_revision(current)
    record = _validated(_body(), current.data)
    if record.get("identifier") != identifier:
        raise Problem(422, "The identifier in the body must be the one in the URL.", "Unprocessable Content",
                      errors=[{"pointer": "/identifier", "message": f"must be {identifier!r}"}])
    return _record_response(_storage_call(state.store().records.update, identifier, record, expected, _author(),
                                          _message()))


@blueprint.patch("/records/<recid:identifier>")
@auth.require("editor")
def patch_record(identifier: str):
    if request.mimetype != MERGE_PATCH:
        raise Problem(415, f"PATCH takes a JSON Merge Patch ({MERGE_PATCH}).", "Unsupported Media Type")
    current = existing_record(identifier)
    expected = _expected_revision(current)
    patched = merge_patch(public_record(current.data), _body())
    record = _validated(patched)
    return _record_response(_storage_call(state.store().records.update, identifier, record, expected, _author(),
                                          _message()))


def _change(identifier: str, call, *args) -> Response:
    """A state change (delete, restore, publish) at the revision the client names in If-Match."""
    expected = _expected_revision(existing_record(identifier))
    return _record_response(_storage_call(call, identifier, *args, expected, _author(), _message()))


@blueprint.delete("/records/<recid:identifier>")
@auth.require("editor")
def delete_record(identifier: str):
    return _change(identifier, state.store().records.delete)


@blueprint.post("/records/<recid:identifier>/restore")
@auth.require("editor")
def restore_record(identifier: str):
    return _change(identifier, state.store().records.restore)


@blueprint.post("/records/<recid:identifier>/<any(publish, unpublish):change>")
@auth.require("editor")
def publish_record(identifier: str, change: str):
    return _change(identifier, state.store().records.set_published, change == "publish")


@blueprint.get("/records/<recid:identifier>/revisions")
@auth.require("editor")
def list_revisions(identifier: str):
    existing_record(identifier)
    return _json([revision_summary(r) for r in state.store().records.revisions(identifier)])


def revision_summary(revision) -> dict:
    return {"number": revision.number, "author": revision.author,
            "created": timestamps.datestamp(revision.created_at), "message": revision.message,
            "deleted": revision.deleted, "published": revision.published, "contentHash": revision.content_hash}


def _revision(identifier: str, number: int):
    found = state.store().records.revision(identifier, number)
    if found is None:
        raise Problem(404, f"Record {identifier} has no revision {number}.", "Not Found")
    return found


@blueprint.get("/records/<recid:identifier>/revisions/<int(max=2147483647):number>")
@auth.require("editor")
def get_revision(identifier: str, number: int):
    return _json(public_record(_revision(identifier, number).data))


@blueprint.get("/records/<recid:identifier>/diff")
@auth.require("editor")
def diff_revisions(identifier: str):
    try:
        first, second = int(request.args["from"]), int(request.args["to"])
        if not (0 < first < 2**31 and 0 < second < 2**31):
            raise ValueError
    except (KeyError, ValueError):
        raise Problem(400, "Give the two revision numbers as ?from=N&to=M.", "Bad Request") from None
    return _json({"from": first, "to": second,
                  "changes": field_diff(_revision(identifier, first).data, _revision(identifier, second).data)})


@blueprint.post("/records/<recid:identifier>/revisions/<int(max=2147483647):number>/revert")
@auth.require("editor")
def revert(identifier: str, number: int):
    current = existing_record(identifier)
    expected = _expected_revision(current)
    old = _revision(identifier, number)
    return _record_response(_storage_call(state.store().records.update, identifier, old.data, expected, _author(),
                                          _message() or f"reverted to revision {number}"))


def merge_patch(target, patch):
    """RFC 7396 JSON Merge Patch (the algorithm of its section 2)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ----------------------------------------------------------------------------------------- sets
@blueprint.get("/sets")
@auth.require("editor")
def list_sets():
    return _json(state.store().sets.all())


@blueprint.put("/sets/<spec>")
@auth.require("admin")
def put_set(spec: str):
    body = _body()
    name, description = body.get("name"), body.get("description", "")
    errors = validate_set(spec, name, description, {s["spec"] for s in state.store().sets.all()})
    if errors:
        raise Problem(422, "The set is invalid.", "Unprocessable Content", errors=errors)
    state.store().sets.put(spec, name.strip(), description)
    return _json({"spec": spec, "name": name.strip(), "description": description, "parent": set_rules.parent(spec)})


@blueprint.delete("/sets/<spec>")
@auth.require("admin")
def delete_set(spec: str):
    try:
        if not state.store().sets.delete(spec):
            raise Problem(404, f"No set {spec}.", "Not Found")
    except Conflict as exc:
        raise Problem(409, str(exc), "Conflict") from None
    return Response(status=204)


# ----------------------------------------------------------------------------------------- users and tokens
@blueprint.get("/users")
@auth.require("admin")
def list_users():
    return _json(state.store().accounts.list_users())


def _account_call(call, *args):
    try:
        return call(*args)
    except NotFound as exc:
        raise Problem(404, str(exc), "Not Found") from None
    except LastAdmin as exc:
        raise Problem(409, str(exc), "Conflict") from None
    except Conflict as exc:
        raise Problem(409, str(exc), "Conflict") from None


@blueprint.put("/users/<name>")
@auth.require("admin")
def put_user(name: str):
    """Create a user or change one's role, display name, password (ending its sessions) or disabled state."""
    body = _body()
    role, password = body.get("role"), body.get("password")
    display_name, disabled = body.get("displayName"), body.get("disabled")
    existing = state.store().accounts.user(name) if auth.valid_login_name(name) else None
    errors = auth.user_problems(name, role, password, password_required=existing is None)
    if display_name is not None and (not isinstance(display_name, str) or not display_name.strip()
                                     or len(display_name) > 200):
        errors.append({"pointer": "/displayName", "message": "1 to 200 characters of text"})
    if disabled is not None and not isinstance(disabled, bool):
        errors.append({"pointer": "/disabled", "message": "true or false"})
    if errors:
        raise Problem(422, "The user is invalid.", "Unprocessable Content", errors=errors)
    access = state.store().accounts
    _account_call(access.save_user, name, role, auth.hash_password(password) if password is not None else None,
                  display_name.strip() if display_name else None)
    if disabled is not None:
        _account_call(access.set_disabled, name, disabled)
    found = access.user(name)
    return _json({"name": name, "role": found["role"], "displayName": found["display_name"],
                  "disabled": found["disabled"]})


@blueprint.delete("/users/<name>")
@auth.require("admin")
def delete_user(name: str):
    """Remove a user's access for good (password, tokens, sessions); the history keeps its display name."""
    _account_call(state.store().accounts.delete_user, name)
    return Response(status=204)


def _require_user(name: str) -> None:
    if state.store().accounts.user(name) is None:
        raise Problem(404, f"no user {name}", "Not Found")


@blueprint.post("/users/<name>/logout")
@auth.require("admin")
def end_user_sessions(name: str):
    _require_user(name)
    state.store().accounts.end_sessions(name)
    return Response(status=204)


@blueprint.delete("/users/<name>/tokens")
@auth.require("admin")
def revoke_user_tokens(name: str):
    _require_user(name)
    return _json({"revoked": state.store().accounts.revoke_tokens(name)})


@blueprint.get("/tokens")
@auth.require("editor")
def list_tokens():
    """Your tokens; an admin may ask for everyone's with ?all=true."""
    everyone = request.args.get("all") == "true" and g.user["role"] == "admin"
    return _json(state.store().accounts.list_tokens(None if everyone else _author()))


@blueprint.post("/tokens")
@auth.require("editor")
def create_token():
    body = _body() if request.content_length else {}
    expires, problem = auth.token_expiry(body.get("expiresInDays", ""))
    if problem:
        raise Problem(422, problem, "Unprocessable Content",
                      errors=[{"pointer": "/expiresInDays", "message": problem}])
    token = auth.new_token()
    token_id = state.store().accounts.add_token(_author(), auth.token_digest(token), str(body.get("label", ""))[:200],
                                        expires)
    return _json({"id": token_id, "token": token, "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ")
                  if expires else None, "note": "Shown once; keep it safe."}, 201)


@blueprint.delete("/tokens/<int(max=2147483647):token_id>")
@auth.require("editor")
def revoke_token(token_id: int):
    """Revoke one of your tokens; an admin may revoke anyone's."""
    owner = None if g.user["role"] == "admin" else _author()
    if not state.store().accounts.revoke_token(owner, token_id):
        raise Problem(404, f"You have no token {token_id}.", "Not Found")
    return Response(status=204)
