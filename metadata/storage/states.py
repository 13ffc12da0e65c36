"""What storage hands out: record states, revisions, harvest items, and the errors a write can end in.

These are plain frozen values, so views and serializers can hold them without a connection.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from metadata.record.text import first_text


class StorageError(Exception):
    pass


class NotFound(StorageError):
    pass


class Gone(StorageError):
    """The record existed and was deleted (a tombstone is kept)."""


class Conflict(StorageError):
    """Someone else changed the record first; ``current`` is the revision now stored (if any)."""

    def __init__(self, message: str, current: int | None = None):
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class RecordState:
    id: str
    revision: int
    datestamp: datetime
    deleted: bool
    published: bool
    content_hash: str
    data: dict
    ever_published: bool = True  # a never-published draft that is deleted leaves no public tombstone

    @property
    def public(self) -> str | None:
        """'live' or 'gone' for the public interfaces; None where the public may not know it exists."""
        if self.deleted:
            return "gone" if self.ever_published else None
        return "live" if self.published else None

    @property
    def etag(self) -> str:
        return f'"{self.revision}-{self.content_hash[:16]}"'

    @property
    def title(self) -> str:
        return first_text(self.data.get("title"))


@dataclass(frozen=True)
class Revision:
    record_id: str
    number: int
    data: dict
    deleted: bool
    published: bool
    author: str
    created_at: datetime
    message: str
    content_hash: str


@dataclass(frozen=True)
class HarvestItem:
    """One record as OAI-PMH sees it: header fields and the stored output of one format."""
    id: str
    datestamp: datetime
    deleted: bool  # deleted, or withdrawn from publication after having been published
    content: str | None
    specs: tuple[str, ...] = ()
