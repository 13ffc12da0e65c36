"""The record identifier rule, taken from the record schema so that routes, importers, the OAI-PMH
identifier parser and the API description cannot disagree with what validation accepts."""
from __future__ import annotations

import re
from functools import lru_cache

from metadata.record.validation import load_schema


@lru_cache(maxsize=1)
def pattern() -> str:
    """The identifier pattern without anchors, for embedding in routes and larger expressions."""
    anchored = load_schema()["$defs"]["identifier"]["pattern"]
    return anchored.removeprefix("^").removesuffix("$")


def is_identifier(text: str) -> bool:
    """True for a whole string that is a record identifier (a trailing newline is not one)."""
    return re.fullmatch(pattern(), text) is not None
