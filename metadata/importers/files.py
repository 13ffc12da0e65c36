"""Reading records from files: the archive's seed format and Muniment's own JSON-LD (single or JSON Lines).

Every problem names the file and line (or JSON pointer) so an archivist can fix the file; a file is taken
whole or not at all.

An exported record carries its publication state as ``"bibo:status": {"id": "...bibo/status/draft"}`` (or
``.../published``), the BIBO vocabulary's document status, so a draft exported from one archive is never
published by importing it into another. The marker is not part of the record: it is taken off before the
record is validated and stored.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from metadata.importers import archive_file
from metadata.record import identifiers, jsonld, record_format
from metadata.record.urls import UrlBuilder
from metadata.record.validation import validate

SEED_SUFFIXES = {".txt"}
JSON_SUFFIXES = {".jsonld", ".json", ".jsonl", ".ndjson"}
_RECORD_URL = re.compile(rf"^(?P<base>https?://.+/)records/{identifiers.pattern()}$")


class ImportProblem(ValueError):
    """A file that cannot be imported; str() is 'FILE:LINE: message'."""

    def __init__(self, path, line: int | None, message: str):
        self.path, self.line, self.problem = str(path), line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def expand_paths(paths) -> list[Path]:
    """Files named, and the importable files inside directories named (sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in SEED_SUFFIXES | JSON_SUFFIXES and p.is_file())
        else:
            found.append(path)
    return found


def detect_format(path: Path, requested: str = "auto") -> str:
    if requested != "auto":
        return requested
    return "jsonld" if path.suffix in JSON_SUFFIXES else "seed"


def internalize(document: dict) -> dict:
    """A record published under any base URL, rewritten to the stored base (its own ``id`` tells the base)."""
    match = _RECORD_URL.match(str(document.get("id", "")))
    if not match:
        return jsonld.unlinked(document)
    return jsonld.unlinked(UrlBuilder(match.group("base")).internalize(document))


STATUS_KEY = "bibo:status"
_STATUS = {"http://purl.org/ontology/bibo/status/draft": False, "http://purl.org/ontology/bibo/status/published": True}
_STATUS_IRI = {published: iri for iri, published in _STATUS.items()}


def read_file(path, fmt: str = "auto") -> list[dict]:
    """Every record in one file, validated; ImportProblem on the first file-level problem found."""
    return [record for record, _ in read_entries(path, fmt)]


def read_entries(path, fmt: str = "auto") -> list[tuple[dict, bool | None]]:
    """Every record in one file with the publication state it is marked with (None: not marked)."""
    path = Path(path)
    if not path.is_file():
        raise ImportProblem(path, None, "no such file")
    fmt = detect_format(path, fmt)
    if fmt == "seed":
        try:
            found = [(1, archive_file.parse_file(path))]
        except archive_file.SeedFormatError as exc:
            raise ImportProblem(path, exc.line, exc.problem) from None
    elif fmt == "jsonld":
        found = list(_read_json(path))
    else:
        raise ImportProblem(path, None, f"unknown format {fmt!r} (use seed or jsonld)")
    entries = []
    for line, record in found:
        record, published = _split_status(path, line, record)
        record = record_format.upgrade(record)  # files in record format 1 are read as they will be stored
        errors = validate(record)
        if errors:
            detail = "; ".join(f"{e['pointer'] or '/'}: {e['message']}" for e in errors[:5])
            raise ImportProblem(path, line, f"invalid record: {detail}")
        entries.append((record, published))
    return entries


def _split_status(path: Path, line: int, document) -> tuple[dict, bool | None]:
    """The record without its state marker, and the state (None when unmarked)."""
    if not isinstance(document, dict) or STATUS_KEY not in document:
        return document, None
    document = dict(document)
    marker = document.pop(STATUS_KEY)
    iri = marker.get("id") if isinstance(marker, dict) else None
    if not isinstance(iri, str) or iri not in _STATUS:
        raise ImportProblem(path, line, f"{STATUS_KEY} must be {{\"id\": \"{_STATUS_IRI[False]}\"}} or "
                                        f"{{\"id\": \"{_STATUS_IRI[True]}\"}}, not {json.dumps(marker)}")
    return document, _STATUS[iri]


def _read_json(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportProblem(path, None, f"not UTF-8 text (byte {exc.start})") from None
    if path.suffix in {".jsonl", ".ndjson"}:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield number, internalize(_decode(path, line, number))
        return
    document = _decode(path, text, 0)
    for item in document if isinstance(document, list) else [document]:
        yield 1, internalize(item)


def _decode(path: Path, text: str, line_offset: int):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = exc.lineno + max(line_offset - 1, 0)
        raise ImportProblem(path, line, f"invalid JSON: {exc.msg} (column {exc.colno})") from None


def export_line(record: dict, urls: UrlBuilder, published: bool | None = None) -> str:
    """One record as a JSON line under the published base (what ``read_file`` reads back), marked with its
    publication state when one is given."""
    if published is not None:
        record = {**record, STATUS_KEY: {"id": _STATUS_IRI[published]}}
    return urls.publish(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
