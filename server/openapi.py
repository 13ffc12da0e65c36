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
