"""Compiled templates shared by every app in one process.

Flask gives each app its own Jinja environment, and each environment compiles a template (parse, generate
Python, compile) the first time it renders it. One process can build many apps: the CLI builds one per
command, a test suite one per test (about 1,500), and compiling the record page's templates again each time
was a tenth of the suite's time. Jinja's bytecode cache is made for exactly this: an app that meets a template
another app compiled loads its code object instead. A bucket carries the checksum of the source it was
compiled from, so a template changed on disk is compiled afresh, never served stale. Jinja keys it by template
name and file alone, which holds because every app is made by the one factory with the same Jinja options and
filters: an app given others (Jinja folds filters on constants while compiling) would need its own cache."""
from __future__ import annotations

import threading

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class SharedTemplateCode(BytecodeCache):
    """Template code objects kept in this process's memory, keyed as Jinja keys them (name and file)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()  # apps render from several threads

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # ignored by the bucket when the source's checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


TEMPLATE_CODE = SharedTemplateCode()
