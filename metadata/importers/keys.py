"""The import key: what makes a record made from an archive file the same record when the file comes again.

An archive file is corrected and imported again (a misspelt title, a better summary, a date read anew). Its
record must stay the same record: same identifier, a new revision. The identifier minted from the file is no
help, since for a file without a document number it is made from the date and the title, which a correction
changes. So each file-made record keeps an **import key**, taken from what identifies the document in the
archive and never from its description:

1. the archive's document number, from the document URL in the citation (``document:113439``), else the
   document URL itself (``url:https://...``);
2. else its archival reference: the record's reference code or the archival source the citation names
   (``reference:Muniment sample collection, fond 12, ...``);
3. else the file's name (``file:letter-1951.txt``).

The title never keys: two files with the same title are two documents unless one of the above says otherwise.

Muniment's own JSON-LD and JSON Lines name each record's identifier, and the identifier is their key: such
records have no key of their own here (``None``), and an import finds them by identifier.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from metadata.importers.archive_file import document_number
from metadata.storage.tables import IMPORT_KEY_LENGTH as MAX_LENGTH
_SPACES = re.compile(r"\s+")


def archive_file_key(record: dict, file_name: str) -> str:
    """The import key of a record read from an archive file named ``file_name`` (rules above)."""
    url = record.get("page")
    number = document_number(url)
    if number:
        return _bounded(f"document:{number}")
    if url:
        return _bounded(f"url:{url.strip()}")
    reference = archival_reference(record)
    if reference:
        return _bounded(f"reference:{reference}")
    return _bounded(f"file:{PurePath(file_name).name}")


def archival_reference(record: dict) -> str | None:
    """The record's archival reference: its reference code, else the archival source its citation names (not
    a printed edition, which many documents share). Runs of white space count as one space."""
    reference = record.get("referenceCode")
    source = record.get("source")
    if not reference and isinstance(source, dict) and source.get("type") == "ArchivalResource":
        reference = source.get("identifier")
    if not isinstance(reference, str) or not reference.strip():
        return None
    return _SPACES.sub(" ", reference).strip()


def key_for(record: dict, file_name: str, fmt: str) -> str | None:
    """The import key of a record read from a file of format ``fmt`` ('seed' or 'jsonld'); None for JSON-LD,
    whose records are found by the identifier they carry."""
    return archive_file_key(record, file_name) if fmt == "seed" else None


def _bounded(key: str) -> str:
    """The key within MAX_LENGTH UTF-8 bytes (so within the column and PostgreSQL's index row limit too): a
    longer one keeps its start and a digest of the whole, so two long keys stay apart."""
    data = key.encode("utf-8")
    if len(data) <= MAX_LENGTH:
        return key
    digest = hashlib.sha256(data).hexdigest()
    return f"{data[:MAX_LENGTH - len(digest) - 1].decode('utf-8', 'ignore')}#{digest}"
