"""The editing API described in OpenAPI 3.1, with the record schema itself as the request/response body."""
from __future__ import annotations

import copy
import json

from metadata.record import identifiers
from metadata.record.validation import load_schema

PROBLEM = {"$ref": "#/components/responses/Problem"}
ID = {"name": "identifier", "in": "path", "required": True,
      "schema": {"type": "string", "pattern": f"^{identifiers.pattern()}$"}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The record's current ETag; required (428 without, 412 when stale)."}
MESSAGE = {"name": "Muniment-Message", "in": "header", "required": False, "schema": {"type": "string"},
           "description": "A note kept with the revision."}
RECORD_HEADERS = {name: {"schema": {"type": "string"}} for name in
                  ("ETag", "Muniment-Revision", "Muniment-Published", "Muniment-Deleted")}


def _record_response(description: str) -> dict:
    return {"description": description, "headers": RECORD_HEADERS,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Record"}}}}


SEARCH_FACETS = ["creator", "recipient", "translator", "contributor", "place", "subject", "language", "translation",
                 "set", "type"]
_LINK = {"type": "string", "format": "uri"}
SEARCH_RESULTS = {"type": "object", "required": ["total", "page", "pages", "items", "facets", "dates"], "properties": {
    "total": {"type": "integer"}, "page": {"type": "integer"}, "pages": {"type": "integer"},
    "perPage": {"type": "integer"}, "query": {"type": "string"}, "sort": {"type": "string"},
    "next": _LINK, "prev": _LINK, "self": _LINK,
    "items": {"type": "array", "items": {"type": "object", "required": ["id", "title", "dateWords", "snippet", "links"],
                                         "properties": {
        "id": _LINK, "identifier": {"type": "string"}, "title": {"type": "string"},
        "date": {"type": ["string", "null"], "description": "EDTF"},
        "dateWords": {"type": "string", "description": "the date in words, e.g. circa 1955"},
        "snippet": {"type": "string", "description": "HTML: a passage with the hits in <mark>"},
        "links": {"type": "object", "properties": {"html": _LINK, "jsonld": _LINK, "manifest": _LINK}}}}},
    "facets": {"type": "object", "additionalProperties": {"type": "object", "properties": {
        "title": {"type": "string"}, "values": {"type": "array", "items": {"type": "object", "required": [
            "value", "label", "count", "href"], "properties": {
            "value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"},
            "active": {"type": "boolean"}, "href": _LINK}}}}}},
    "dates": {"type": "object", "properties": {
        "unit": {"type": "string", "enum": ["decade", "year"]},
        "buckets": {"type": "array", "items": {"type": "object", "properties": {
            "start": {"type": "integer"}, "end": {"type": "integer"}, "count": {"type": "integer"}, "href": _LINK}}},
        "undated": {"type": "object", "properties": {"count": {"type": "integer"}, "href": _LINK}}}},
    "active": {"type": "array", "items": {"type": "object", "properties": {
        "label": {"type": "string"}, "remove": _LINK}}}}}


_LANG_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
ENTITY = {"type": "object", "required": ["kind", "key", "iri", "preferredName", "name", "revision"], "properties": {
    "kind": {"enum": ["agent", "place", "subject"]}, "key": {"type": "string"}, "iri": _LINK, "url": _LINK,
    "preferredName": {"type": "string"}, "name": _LANG_MAP,
    "variants": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    "sameAs": {"type": "array", "items": {"type": "string"}}, "type": {"enum": ["Person", "Organization", "Agent"]},
    "sortName": {"type": "string"}, "mergedInto": {"type": "string"}, "revision": {"type": "integer"},
    "records": {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}],
                "description": "in lists, how many live records use it; for one entity, their identifiers"},
    "rewritten": {"type": "array", "items": {"type": "string"},
                  "description": "after a change: the records that got a new revision"}}}
ENTITY_FIELDS = {"type": "object", "properties": {
    "name": {**_LANG_MAP, "description": "the preferred name per language (at least one)"},
    "variants": ENTITY["properties"]["variants"],
    "sameAs": {"type": "array", "items": {"type": "string"}, "description": "Wikidata "
               "(https://www.wikidata.org/entity/Q…), VIAF (http://viaf.org/viaf/…), LCNAF "
               "(http://id.loc.gov/authorities/names/n…) or GeoNames (https://sws.geonames.org/…) IRIs; others are 422"},
    "type": ENTITY["properties"]["type"], "sortName": {"type": "string"}}}
KIND_PARAM = {"name": "kind", "in": "path", "required": True, "schema": {"enum": ["agent", "place", "subject"]}}
KEY_PARAM = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "the last segment of the entity's IRI (…/agents/KEY)"}


def _entity_paths() -> dict:
    """The authority API (server/views/entities_api.py)."""
    one = "/api/entities/{kind}/{key}"
    changed = {"description": "The entity after the change, with the records rewritten", "headers": {
        "ETag": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": ENTITY}}}
    return {
        "/api/entities": {"get": {
            "summary": "Find people, places or subjects by any of their names (the record form's picker)",
            "description": "Matches preferred and variant names, ignoring case and accents; names starting "
                           "with q first, then the most used. Each entity once; merged ones are left out.",
            "parameters": [{"name": "kind", "in": "query", "schema": {"enum": ["agent", "place", "subject"]}},
                           {"name": "q", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
                "kind": {"type": "string"}, "query": {"type": "string"},
                "items": {"type": "array", "items": ENTITY}}}), **_errors(400, 401, 403)}}},
        one: {
            "get": {"summary": "One entity and the records using it", "parameters": [KIND_PARAM, KEY_PARAM],
                    "responses": {"200": _json(ENTITY), **_errors(401, 403, 404)}},
            "put": {"summary": "Change an entity's names, variants, links, type or sort name; every record "
                               "using it gets a new revision",
                    "parameters": [KIND_PARAM, KEY_PARAM, {**IF_MATCH, "description": "The entity's ETag "
                                                           "(optional; 412 when stale)"}, MESSAGE],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": ENTITY_FIELDS}}},
                    "responses": {"200": changed, **_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)}}},
        one + "/revisions": {"get": {
            "summary": "The entity's revisions", "parameters": [KIND_PARAM, KEY_PARAM],
            "responses": {"200": _json({"type": "array", "items": {"type": "object"}}), **_errors(401, 403, 404)}}},
        one + "/merge": {"post": {
            "summary": "Merge this entity into another: its records use that one and its IRI redirects (301)",
            "parameters": [KIND_PARAM, KEY_PARAM, MESSAGE],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["into"], "properties": {"into": {"type": "string"}}}}}},
            "responses": {"200": changed, **_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)}}},
        one + "/split": {"post": {
            "summary": "Move the chosen records to a new entity called name (two people of one name)",
            "parameters": [KIND_PARAM, KEY_PARAM, MESSAGE],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["records", "name"], "properties": {
                    "records": {"type": "array", "items": {"type": "string"}}, "name": {"type": "string"}}}}}},
            "responses": {"201": {**changed, "description": "The new entity, with the records moved to it"},
                          **_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)}}},
    }


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(code): PROBLEM for code in codes}


def _write(summary: str, body: dict | None = None, extra: tuple = (), params: list | None = None) -> dict:
    operation = {"summary": summary, "parameters": [ID, IF_MATCH, MESSAGE] + (params or []),
                 "responses": {"200": _record_response("The record after the change."),
                               **_errors(400, 401, 403, 404, 410, 412, 413, 415, 422, 428, *extra)}}
    if body is not None:
        operation["requestBody"] = body
    return operation


def _schemas() -> dict:
    """The record schema split into components, its $defs refs rewritten to point at them."""
    schema = load_schema()
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
    schema = json.loads(text)
    definitions = schema.pop("$defs")
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return {"Record": schema, **definitions}


def document() -> dict:
    record_body = {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Record"}}}}
    merge_body = {"required": True, "content": {"application/merge-patch+json": {"schema": {"type": "object"}}}}
    revision = {"type": "object", "required": ["number", "author", "created"], "properties": {
        "number": {"type": "integer"}, "author": {"type": "string"}, "created": {"type": "string"},
        "message": {"type": "string"}, "deleted": {"type": "boolean"}, "published": {"type": "boolean"},
        "contentHash": {"type": "string"}}}
    number = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    spec_param = {"name": "spec", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Muniment editing API", "version": "1.0.0",
                 "description": "Archival records as compacted JSON-LD. Writes need If-Match with the current "
                                "ETag; errors are RFC 9457 problem details."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/records": {
                "get": {"summary": "List records, drafts and deleted ones included",
                        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}},
                                       {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                                       {"name": "per_page", "in": "query",
                                        "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
                        "responses": {"200": _json({"type": "object", "required": ["total", "items"],
                                                    "properties": {"total": {"type": "integer"},
                                                                   "items": {"type": "array"}}}),
                                      **_errors(400, 401, 403)}},
                "post": {"summary": "Create a record (a draft unless ?publish=true)",
                         "parameters": [{"name": "publish", "in": "query", "schema": {"type": "boolean"}}, MESSAGE],
                         "requestBody": record_body,
                         "responses": {"201": _record_response("Created."), **_errors(400, 401, 403, 409, 413, 415, 422)}},
            },
            "/api/records/{identifier}": {
                "get": {"summary": "One record", "parameters": [ID],
                        "responses": {"200": _record_response("The record."), "304": {"description": "Not modified"},
                                      **_errors(401, 403, 404)}},
                "put": _write("Replace a record", record_body),
                "patch": _write("Change fields with a JSON Merge Patch", merge_body),
                "delete": _write("Delete a record (a tombstone is kept)"),
            },
            "/api/records/{identifier}/restore": {"post": _write("Restore a deleted record")},
            "/api/records/{identifier}/publish": {"post": _write("Publish a draft")},
            "/api/records/{identifier}/unpublish": {"post": _write("Withdraw a record from publication")},
            "/api/records/{identifier}/revisions": {
                "get": {"summary": "The record's revisions", "parameters": [ID],
                        "responses": {"200": _json({"type": "array", "items": revision}), **_errors(401, 403, 404)}}},
            "/api/records/{identifier}/revisions/{number}": {
                "get": {"summary": "The record as it was at one revision", "parameters": [ID, number],
                        "responses": {"200": _json({"$ref": "#/components/schemas/Record"}), **_errors(401, 403, 404)}}},
            "/api/records/{identifier}/revisions/{number}/revert": {
                "post": _write("Make an old revision current again (a new revision)", params=[number])},
            "/api/records/{identifier}/diff": {
                "get": {"summary": "Field-level changes between two revisions",
                        "parameters": [ID, {"name": "from", "in": "query", "required": True, "schema": {"type": "integer"}},
                                       {"name": "to", "in": "query", "required": True, "schema": {"type": "integer"}}],
                        "responses": {"200": _json({"type": "object", "required": ["changes"], "properties": {
                            "from": {"type": "integer"}, "to": {"type": "integer"},
                            "changes": {"type": "array", "items": {"type": "object", "required": ["op", "path"]}}}}),
                            **_errors(400, 401, 403, 404)}}},
            "/records": {"get": {
                "summary": "Search the published records (the public search page, as JSON)",
                "description": "Send Accept: application/json. `q` searches every field and the full text of every "
                               "version in every language: words (English and Russian match inflected forms, "
                               "Chinese and Japanese match by characters), \"quoted phrases\", -word to exclude, "
                               "word* for prefixes. Facet parameters may repeat and combine; entity facets take "
                               "the entity's IRI. A record matches from/to (years) when its date interval overlaps "
                               "them; undated and open-ended records only with undated=include (undated=only "
                               "gives just them). Drafts are never searched.",
                "security": [],
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}},
                               {"name": "sort", "in": "query",
                                "schema": {"type": "string", "enum": ["relevance", "date", "-date", "title"]}},
                               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                               {"name": "from", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                                          "maximum": 9999}},
                               {"name": "to", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                                        "maximum": 9999}},
                               {"name": "undated", "in": "query",
                                "schema": {"type": "string", "enum": ["include", "only"]}}]
                + [{"name": name, "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
                    "style": "form", "explode": True} for name in SEARCH_FACETS],
                "responses": {
                    "200": {"description": "The results (the HTML page unless JSON is asked for)", "content": {
                        "application/json": {"schema": SEARCH_RESULTS}, "text/html": {"schema": {"type": "string"}}}},
                    "400": {"description": "An argument that cannot be (problem details; an HTML page for browsers)",
                            "content": {"application/problem+json": {"schema": {"type": "object"}},
                                        "text/html": {"schema": {"type": "string"}}}}}}},
            "/api/dates": {"get": {
                "summary": "Read a date in archivists' words as EDTF, and write it back in words",
                "description": "Accepts \"18 July 1949\", \"July 18, 1949\", \"March 1950\", \"c. 1955\", "
                               "\"1940s\", \"194-?\", \"18–20 July 1949\", \"before 1950\" (../1950), "
                               "\"after 1962\" (1962/..), \"undated\" (XXXX), Russian and Chinese forms, and EDTF "
                               "itself. Text that is not a date is a 422 problem whose detail says what to write.",
                "parameters": [
                    {"name": "text", "in": "query", "required": True,
                     "schema": {"type": "string", "maxLength": 100}, "example": "c. 1955"},
                    {"name": "language", "in": "query", "required": False,
                     "schema": {"type": "string", "default": "en"},
                     "description": "Language of the words: en, ru or zh (others fall back to en)."}],
                "responses": {"200": _json({"type": "object", "required": ["edtf", "words"], "properties": {
                    "edtf": {"type": "string"}, "words": {"type": "string"}}}), **_errors(400, 401, 403, 422)}}},
            "/api/languages": {"get": {
                "summary": "Languages matching what has been typed so far, best first (the editor's suggestions)",
                "description": "Matches ISO 639-1 codes and ISO 639-2 codes (\"ru\", \"rus\"), and the start of a "
                               "language's name in English or in the language itself (\"Russ\", \"рус\", "
                               "\"中\") or of a word in it, ignoring case and accents; among equal matches the "
                               "more widely spoken language comes first. At most 10; none for empty text. Every "
                               "code, name and native name returned is accepted wherever a record's language is "
                               "typed in words (the editor, spreadsheets, archive files).",
                "parameters": [{"name": "q", "in": "query", "required": True,
                                "schema": {"type": "string", "maxLength": 100}, "example": "Russ"}],
                "responses": {"200": _json({"type": "object", "required": ["query", "languages"], "properties": {
                    "query": {"type": "string"},
                    "languages": {"type": "array", "maxItems": 10, "items": {
                        "type": "object", "required": ["code", "name", "nativeName"], "properties": {
                            "code": {"type": "string", "description": "ISO 639-1, as records store it"},
                            "name": {"type": "string", "description": "in English"},
                            "nativeName": {"type": "string", "description": "in the language itself"}}}}}}),
                    **_errors(400, 401, 403)}}},
            "/api/identifiers/suggestion": {"get": {
                "summary": "The identifier a new record would get from its reference code or title",
                "description": "The reference code slugged (\"MSA/LIB/4/2\" becomes \"MSA-LIB-4-2\"), else the "
                               "title, else \"record\", with -2, -3 ... when a record (live or deleted) has it "
                               "already: the rule the editor uses when the identifier is left blank. An "
                               "`identifier` that is really a reference code is returned as `referenceCode` and "
                               "used as one when `referenceCode` is empty.",
                "parameters": [
                    {"name": "referenceCode", "in": "query", "required": False,
                     "schema": {"type": "string", "maxLength": 200}, "example": "MSA/LIB/4/2"},
                    {"name": "title", "in": "query", "required": False, "schema": {"type": "string",
                                                                                   "maxLength": 500}},
                    {"name": "identifier", "in": "query", "required": False,
                     "schema": {"type": "string", "maxLength": 200},
                     "description": "what was typed as the identifier, to be offered as a reference code"}],
                "responses": {"200": _json({"type": "object", "required": ["identifier", "basis", "referenceCode"],
                                            "properties": {
                    "identifier": {"type": "string"},
                    "basis": {"type": "string", "enum": ["referenceCode", "title", "none"]},
                    "referenceCode": {"type": ["string", "null"],
                                      "description": "the typed identifier, when it is a reference code"}}}),
                    **_errors(401, 403)}}},
            **_entity_paths(),
            "/api/sets": {"get": {"summary": "Sets (collections)",
                                  "responses": {"200": _json({"type": "array"}), **_errors(401, 403)}}},
            "/api/sets/{spec}": {
                "put": {"summary": "Create or rename a set (admins)", "parameters": [spec_param],
                        "requestBody": {"required": True, "content": {"application/json": {"schema": {
                            "type": "object", "required": ["name"], "properties": {
                                "name": {"type": "string"}, "description": {"type": "string"}}}}}},
                        "responses": {"200": _json({"type": "object"}), **_errors(400, 401, 403, 413, 415, 422)}},
                "delete": {"summary": "Remove an empty set (admins)", "parameters": [spec_param],
                           "responses": {"204": {"description": "Removed"}, **_errors(401, 403, 404, 409)}}},
            "/api/users": {"get": {"summary": "Users (admins)",
                                   "responses": {"200": _json({"type": "array"}), **_errors(401, 403)}}},
            "/api/users/{name}": {
                "put": {"summary": "Create a user or reset a password and role (admins)",
                        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                        "requestBody": {"required": True, "content": {"application/json": {"schema": {
                            "type": "object", "required": ["role", "password"], "properties": {
                                "role": {"enum": ["editor", "admin"]}, "password": {"type": "string", "minLength": 10}}}}}},
                        "responses": {"200": _json({"type": "object"}), **_errors(400, 401, 403, 413, 415, 422)}}},
            "/api/tokens": {
                "get": {"summary": "Your API tokens", "responses": {"200": _json({"type": "array"}), **_errors(401, 403)}},
                "post": {"summary": "Create an API token (shown once)",
                         "requestBody": {"required": False, "content": {"application/json": {"schema": {
                             "type": "object", "properties": {"label": {"type": "string"}}}}}},
                         "responses": {"201": _json({"type": "object", "required": ["id", "token"]}, "Created"),
                                       **_errors(400, 401, 403, 413, 415)}}},
            "/api/tokens/{token_id}": {
                "delete": {"summary": "Revoke one of your tokens",
                           "parameters": [{"name": "token_id", "in": "path", "required": True,
                                           "schema": {"type": "integer"}}],
                           "responses": {"204": {"description": "Revoked"}, **_errors(401, 403, 404)}}},
        },
        "components": {
            "schemas": {**_schemas(), "Problem": {
                "type": "object", "required": ["title", "status"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}, "instance": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object", "required": ["pointer", "message"],
                                                          "properties": {"pointer": {"type": "string"},
                                                                         "message": {"type": "string"}}}}}}},
            "responses": {"Problem": {"description": "An error (RFC 9457 problem details)", "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
        },
    }


def document_text() -> str:
    return json.dumps(copy.deepcopy(document()), ensure_ascii=False, indent=2)
