"""Generated records for benchmarks: variations of the seed cable with distinct ids, dates and texts."""
from __future__ import annotations

import json
from collections.abc import Iterator

from metadata.importers import archive_file
from metadata.record.urls import STORED

from tests.support.paths import seed_file


def records(count: int, start: int = 0, text_bytes: int | None = None) -> Iterator[dict]:
    """``count`` valid records derived from the seed; each differs in id, date, title and text."""
    template = archive_file.parse_file(seed_file())
    text = template["hasVersion"][0]["text"]
    if text_bytes is not None:
        text = (text * (text_bytes // len(text) + 1))[:text_bytes]
    blob = json.dumps(template)
    for n in range(start, start + count):
        identifier = f"gen-{n:07d}"
        record = json.loads(blob.replace(STORED.record("113439"), STORED.record(identifier)))
        record["identifier"] = identifier
        record["created"] = f"{1900 + n % 100}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        record["title"] = {"en": f"Generated document {n}"}
        record["hasVersion"][0]["text"] = f"Document {n}.\n\n" + text
        yield record
