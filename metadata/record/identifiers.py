"""The record identifier rule, taken from the record schema so that routes, importers, the OAI-PMH
identifier parser and the API description cannot disagree with what validation accepts."""
from __future__ import annotations

import json
import re
from functools import lru_cache

from metadata.record.urls import STORED
from metadata.record.validation import load_schema


@lru_cache(maxsize=1)
def pattern() -> str:
    """The identifier pattern without anchors, for embedding in routes and larger expressions."""
    anchored = load_schema()["$defs"]["identifier"]["pattern"]
    return anchored.removeprefix("^").removesuffix("$")


@lru_cache(maxsize=1)
def max_length() -> int:
    """The longest identifier the pattern allows: its first character and the most its repeat takes."""
    return 1 + int(re.search(r"\{0,(\d+)\}", pattern()).group(1))


def is_identifier(text: str) -> bool:
    """True for a whole string that is a record identifier (a trailing newline is not one)."""
    return re.fullmatch(pattern(), text) is not None


def renamed(record: dict, identifier: str) -> dict:
    """``record`` under another identifier: its ``identifier`` and every IRI under its record IRI (the record's
    own ``id``, its versions, ``isVersionOf``) moved to the new one; everything else as it was.

    An importer mints an identifier from what a file says (a document number, else its date and title); when a
    corrected file names a record that already exists under another identifier, the record keeps the old one.
    """
    old = record.get("identifier")
    if old == identifier:
        return record
    text = json.dumps(record, ensure_ascii=False)
    prefix = json.dumps(STORED.record(old))[:-1]  # '"https://…/records/OLD' without its closing quote
    new_prefix = json.dumps(STORED.record(identifier))[:-1]
    text = re.sub(re.escape(prefix) + r'(?=["/#])', lambda _: new_prefix, text)
    moved = json.loads(text)
    moved["identifier"] = identifier
    return moved


def numbered(identifier: str, n: int) -> str:
    """The ``n``th alternative to a taken identifier (``1951-letter-2``), within the identifier's length."""
    suffix = f"-{n}"
    return identifier[:max_length() - len(suffix)].rstrip("-_") + suffix
