"""The on-disk cache of rendered page images and reading PDFs, bounded in bytes.

Rendering is deterministic, so anything here can be thrown away and redrawn: the cache only saves work. It is
kept per record and content hash (``ROOT/<record>/<hash>/<name>``), shared by every worker and thread, and
bounded three ways so no client can fill the disk: only names the service chooses are stored (the listed
image sizes and the PDF; the caller scales other sizes in memory), a record's older revisions are removed as
soon as a newer one is stored, and past ``limit`` bytes the least recently used files go (a hit touches the
file's modification time, which is the recency used).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TOUCH_AFTER = 60  # seconds: a hit refreshes recency at most this often, so hot files are not rewritten


class RenderCache:
    def __init__(self, root: Path, limit: int):
        self.root = root
        self.limit = limit

    def folder(self, record_id: str, content_hash: str) -> Path:
        return self.root / record_id / content_hash[:32]

    def get(self, record_id: str, content_hash: str, name: str, make: Callable[[], bytes]) -> bytes:
        """The cached bytes of ``name``, or ``make()``'s, stored for next time."""
        path = self.folder(record_id, content_hash) / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            pass
        else:
            self._touch(path)
            return data
        data = make()
        self._store(path, lambda out: out.write(data))
        return data

    def build(self, record_id: str, content_hash: str, name: str, write: Callable[[BinaryIO], object]) -> BinaryIO:
        """An open file of ``name``, built by ``write(file)`` if missing, once: concurrent requests (threads or
        workers) for the same revision wait on a lock file instead of building it again. The file stays
        readable through its handle even if the cache removes it meanwhile."""
        path = self.folder(record_id, content_hash) / name
        found = self._open(path)
        if found is not None:
            return found
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / f".{name}.lock", "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the lock file closes
            found = self._open(path)
            if found is not None:
                return found
            handle = self._store(path, write, keep_open=True)
        return handle

    def size(self) -> int:
        """Bytes of cached files now (what the bound limits)."""
        return sum(size for _, size, _ in self._files())

    def _open(self, path: Path) -> BinaryIO | None:
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            return None
        self._touch(path)
        return handle

    def _store(self, path: Path, write: Callable[[BinaryIO], object], keep_open: bool = False):
        """Write through a temporary file renamed into place (readers never see half a file). With
        ``keep_open`` the written file is returned open for reading: it stays readable even if the cache
        removes it at once (it is larger than the whole bound, or a newer revision purged its folder)."""
        folder = path.parent
        folder.mkdir(parents=True, exist_ok=True)
        out = tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False)
        try:
            write(out)
            out.flush()
        except BaseException:
            out.close()
            _unlink(out.name)
            raise
        try:
            os.replace(out.name, path)
        except FileNotFoundError:  # a newer revision purged this folder meanwhile: serve it, keep nothing
            pass
        if keep_open:
            out.seek(0)
        else:
            out.close()
        self._purge_older(folder)
        self._bound()
        return out if keep_open else None

    def _purge_older(self, current: Path) -> None:
        """Remove the record's other revisions: once a newer revision is rendered, nobody asks for the old."""
        if not current.parent.is_dir():
            return
        for sibling in current.parent.iterdir():
            if sibling != current and sibling.is_dir():
                shutil.rmtree(sibling, ignore_errors=True)

    def _bound(self) -> None:
        files = self._files()
        total = sum(size for _, size, _ in files)
        if total <= self.limit:
            return
        for _, size, path in sorted(files):  # least recently used first
            _unlink(path)
            total -= size
            if total <= self.limit:
                break

    def _files(self) -> list[tuple[float, int, str]]:
        found = []
        for folder, _, names in os.walk(self.root):
            for name in names:
                if name.startswith("."):  # lock files and files being written
                    continue
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue
                found.append((stat.st_mtime, stat.st_size, path))
        return found

    @staticmethod
    def _touch(path: Path) -> None:
        try:
            if time.time() - path.stat().st_mtime > TOUCH_AFTER:
                os.utime(path)
        except FileNotFoundError:
            pass


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
