"""Loading files into the archive: read a file, key each record, and let the store decide what to write.

The command line (``muniment import``) is a thin layer over ``import_file``, and anything else that imports
files (a web upload, a script) calls the same function: a file is read whole (any problem fails the whole
file, nothing of it stored), each record gets its import key (keys.py), and ``store.imports`` applies the
rules of stable identity: created, updated, unchanged, or skipped with the reason (an archivist's edit or a
deletion is never overwritten unless forced).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from metadata.importers import files, keys
from metadata.storage.imports import ImportItem, ImportOutcome
from metadata.storage.states import StorageError


@dataclass(frozen=True)
class FileImport:
    """What importing one file did: an outcome per record, or the problem that failed the whole file."""
    path: Path
    outcomes: list[ImportOutcome] = field(default_factory=list)
    problem: str | None = None


def import_file(store, path, fmt: str = "auto", *, author: str = "import", draft: bool = False,
                force: bool = False) -> FileImport:
    """Import one file into ``store``. A new record is published unless ``draft`` or the file marks it draft
    (an export's ``bibo:status``); existing records keep their state."""
    path = Path(path)
    try:
        entries = files.read_entries(path, fmt)
    except files.ImportProblem as exc:
        return FileImport(path, problem=str(exc))
    kind = files.detect_format(path, fmt)
    items = [ImportItem(record, keys.key_for(record, path.name, kind), published=marked is not False and not draft)
             for record, marked in entries]
    try:
        return FileImport(path, list(store.imports.apply(items, author, path.name, force=force)))
    except StorageError as exc:  # a concurrent writer won, or the database refused: the file failed, say why
        return FileImport(path, problem=f"{path}: {exc}")
