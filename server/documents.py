"""Records as they leave and enter the server: under the configured base, with the derived history link.

One place for both directions, so the API accepts exactly the JSON it (and /records/{id}.jsonld) returns.
"""
from __future__ import annotations

import json

from metadata.storage import RecordState
from metadata.record import jsonld, record_format
from metadata.record.urls import STORED

from . import state
from .problems import Problem


def public_record(data: dict) -> dict:
    """The stored record (an old revision upgraded to the current record format) under the configured base,
    linked to its revision history (PROV)."""
    record = dict(record_format.upgrade(data))
    record["history"] = STORED.history(record["identifier"])
    return published(record)


def linked_record(data: dict) -> dict:
    """The record as linked data (``jsonld.linked``: the history link, typed dates, tagged texts), still under
    the stored base (for forms derived once for every base): every RDF form is of this one document."""
    return jsonld.linked(data)


def published(document: dict) -> dict:
    """Any stored-form document (an entity node, a version) under the configured base."""
    return json.loads(state.urls().publish(json.dumps(document, ensure_ascii=False)))


def public_json(data: dict, indent: int | None = 2) -> str:
    """``/records/{id}.jsonld``: the record as linked data (typed dates, tagged texts), whose graph the N-Quads
    are."""
    return json.dumps(published(linked_record(data)), ensure_ascii=False, indent=indent)


def incoming_record(document, stored: dict | None = None) -> dict:
    """A record sent by a client (as the API or ``/records/{id}.jsonld`` gives it, or in an older record format),
    rewritten to the stored base and form; the derived history link is dropped."""
    if not isinstance(document, dict):
        return document
    return jsonld.unlinked(state.urls().internalize(document), stored)


def existing_record(identifier: str) -> RecordState:
    """The record's current state, drafts and tombstones included; a 404 problem when there is none."""
    current = state.store().records.get(identifier)
    if current is None:
        raise Problem(404, f"No record {identifier}.", "Not Found")
    return current
