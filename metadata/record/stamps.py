"""When a record entered the catalogue and when it last changed: what a catalogue record says about itself.

MARC 005 and 008/00-05 and MODS recordInfo need these two moments, which are facts of storage, not of the
record's content; the store hands them to every serializer beside the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Stamps:
    entered: datetime  # UTC, the first revision's time
    changed: datetime  # UTC, the latest revision's time (the OAI-PMH datestamp)

    @classmethod
    def now(cls) -> "Stamps":
        """A record described right now and never stored (previews, direct serializer calls)."""
        moment = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
        return cls(moment, moment)
