"""Plain values of a record: the text of a language map, and the canonical bytes a record is hashed by.

Serializers, listings and storage all need "the title as one string" and "has this record changed"; both
answers are defined here once so they cannot drift apart.
"""
from __future__ import annotations

import hashlib
import json
import re


def first_text(language_map) -> str:
    """The English value of a language map, else its first value (for sorting and plain listings)."""
    if not language_map:
        return ""
    return language_map.get("en") or next(iter(language_map.values()))


def canonical_json(data: dict) -> str:
    """One serialization per record content: sorted keys, no spaces, characters as they are."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(data: dict) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


_SURROGATE = re.compile("[\ud800-\udfff]")  # one C-level scan: every string of every record is checked


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored as text everywhere, or None: a NUL (PostgreSQL text refuses it) or a
    lone surrogate (no UTF-8 encoding exists for it)."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if _SURROGATE.search(text):
        return "must not contain unpaired surrogate characters"
    return None
