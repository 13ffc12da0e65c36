"""Loading files into the archive: read a file, key each record, and let the store decide what to write.

The command line (``muniment import``) is a thin layer over ``import_file``, and anything else that imports
files (a web upload, a script) calls the same function: a file is read whole (any problem fails the whole
file, nothing of it stored), each record gets its import key (keys.py), and ``store.imports`` applies the
rules of stable identity: created, updated, unchanged, or skipped with the reason (an archivist's edit or a
deletion is never overwritten unless forced).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from metadata.importers import files, keys
from metadata.storage import preparation
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
    return _apply(store, _read(path, fmt, draft), author, force)


@dataclass(frozen=True)
class _FileRead:
    """A file read and keyed (each record prepared when a worker read it), or the problem that failed it."""
    path: Path
    items: list[ImportItem] = field(default_factory=list)
    problem: str | None = None


def _read(path, fmt: str, draft: bool, prepare: bool = False) -> _FileRead:
    """Read and key every record of one file; with ``prepare`` (in a worker of ``import_files``), also validate
    each and compute what its write needs ahead (``preparation.prepare_or_invalid``)."""
    path = Path(path)
    try:
        entries = files.read_entries(path, fmt)
    except files.ImportProblem as exc:
        return _FileRead(path, problem=str(exc))
    except Exception as exc:  # noqa: BLE001 (an unreadable file fails alone; the import goes on)
        return _FileRead(path, problem=f"{path}: {exc}")
    kind = files.detect_format(path, fmt)
    items = []
    for record, marked in entries:
        prepared = None
        if prepare:
            prepared = preparation.prepare_or_invalid(record)
            if isinstance(prepared, Exception):  # the file fails, nothing of it stored, as without workers
                return _FileRead(path, problem=f"{path}: {prepared}")
        items.append(ImportItem(record, keys.key_for(record, path.name, kind),
                                published=marked is not False and not draft, prepared=prepared))
    return _FileRead(path, items)


def _apply(store, read: _FileRead, author: str, force: bool) -> FileImport:
    if read.problem:
        return FileImport(read.path, problem=read.problem)
    try:
        return FileImport(read.path, list(store.imports.apply(read.items, author, read.path.name, force=force)))
    except StorageError as exc:  # a concurrent writer won, or the database refused: the file failed, say why
        return FileImport(read.path, problem=f"{read.path}: {exc}")


def _read_in_worker(job: tuple) -> _FileRead:
    path, fmt, draft = job
    return _read(path, fmt, draft, prepare=True)


def import_files(store, paths, fmt: str = "auto", *, author: str = "import", draft: bool = False,
                 force: bool = False, workers: int = 1) -> Iterator[FileImport]:
    """``import_file`` of each path, in order, each file its own transaction. With ``workers`` > 1, forked
    processes read the files ahead of the writer and validate and prepare their records
    (``metadata.storage.preparation``), so a large folder is read on every core while the writer writes. A
    database error fails the file it happened in, and the import goes on with the next."""
    def applied(read: _FileRead) -> FileImport:
        try:
            return _apply(store, read, author, force)
        except Exception as exc:  # noqa: BLE001 (database errors: report per file, keep going)
            return FileImport(read.path, problem=f"{read.path}: {exc}")

    if workers > 1 and preparation.can_fork():
        # A file at a time, two a worker ahead: a file may hold thousands of records, so files bound the memory.
        reads = preparation.in_workers(_read_in_worker, ((p, fmt, draft) for p in paths),
                                       store.records.stamp_free, workers, ahead=2 * workers, chunk=1)
    else:
        reads = (_read(p, fmt, draft) for p in paths)
    for read in reads:
        yield applied(read)
