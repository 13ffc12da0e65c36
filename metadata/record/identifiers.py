"""The record identifier rule, taken from the record schema so that routes, importers, the OAI-PMH
identifier parser and the API description cannot disagree with what validation accepts; and the one rule that
makes a new record's identifier from its reference code or title."""
from __future__ import annotations

import json
import re
import unicodedata
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


RESERVED = ("collection", "image", "top")  # the schema's "not" list: path segments the IIIF routes use


def slug(text: str) -> str:
    """The identifier form of a reference code or title: accents dropped, every run of anything but letters,
    digits, - and _ made one hyphen ("MSA/LIB/4/2" -> "MSA-LIB-4-2", "Lettre à Staline" -> "Lettre-a-Staline");
    "" when nothing usable is left (a title only in Cyrillic or Chinese)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9_-]+", "-", plain).strip("-_")[:100].strip("-_")


def suggest(reference_code: str = "", title: str = "", taken=lambda identifier: False) -> str:
    """The one rule for a new record's identifier, used by the editor (as the archivist types, and when the field
    is left blank) and by spreadsheet rows without one: the reference code slugged, else the title slugged, else
    "record"; "-2", "-3" ... appended while ``taken(candidate)`` says another record has it."""
    base = slug(reference_code) or slug(title) or "record"
    candidate, n = base, 1
    while taken(candidate) or candidate.casefold() in RESERVED:
        n += 1
        candidate = numbered(base, n)
    return candidate


def looks_like_reference_code(text: str) -> bool:
    """Whether ``text``, typed as an identifier, is really an archival reference code ("MSA/LIB/4/2",
    "GB 0012 MSA/LIB/4"): not an identifier, but parts separated by slashes, so the editor offers it as the
    reference code instead of refusing it."""
    written = " ".join(str(text).split())
    return (not is_identifier(written) and "/" in written and bool(slug(written))
            and re.fullmatch(r"[\w .:/()-]+", written) is not None)
