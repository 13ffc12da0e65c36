"""Records as they leave and enter the server: under the configured base, with the derived history link.

One place for both directions, so the API accepts exactly the JSON it (and /records/{id}.jsonld) returns.
"""
from __future__ import annotations

import json

from metadata.storage import RecordState
from metadata.record.urls import STORED

from . import state
from .problems import Problem


def public_record(data: dict) -> dict:
    """The stored record under the configured base, linked to its revision history (PROV)."""
    return published(with_history(data))


def with_history(data: dict) -> dict:
    """The record as it is published, still under the stored base (for forms derived once for every base)."""
    return {**data, "history": STORED.history(data["identifier"])}


def published(document: dict) -> dict:
    """Any stored-form document (an entity node, a version) under the configured base."""
    return json.loads(state.urls().publish(json.dumps(document, ensure_ascii=False)))


def public_json(data: dict, indent: int | None = 2) -> str:
    return json.dumps(public_record(data), ensure_ascii=False, indent=indent)


def incoming_record(document) -> dict:
    """A record sent by a client, rewritten to the stored base; the derived history link is dropped."""
    if not isinstance(document, dict):
        return document
    record = state.urls().internalize(document)
    record.pop("history", None)
    return record


def existing_record(identifier: str) -> RecordState:
    """The record's current state, drafts and tombstones included; a 404 problem when there is none."""
    current = state.store().records.get(identifier)
    if current is None:
        raise Problem(404, f"No record {identifier}.", "Not Found")
    return current
