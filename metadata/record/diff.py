"""What changed between two versions of a record, field by field: JSON Patch operations (RFC 6902) that also
carry the value being replaced or removed, so a history can show "was X, now Y" without a second lookup.

The API's revision diff and the editor's history and conflict pages all show this one list.
"""
from __future__ import annotations

import jsonpatch


def field_diff(before: dict, after: dict) -> list[dict]:
    """Field-level changes from ``before`` to ``after``, with ``old`` where a value was replaced or removed."""
    operations = jsonpatch.make_patch(before, after).patch
    for operation in operations:
        if operation["op"] in ("replace", "remove"):
            operation["old"] = jsonpatch.JsonPointer(operation["path"]).resolve(before)
    return operations
