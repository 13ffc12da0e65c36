"""The one textual form of a moment in Muniment's outputs: UTC to the second with a ``Z``.

OAI-PMH datestamps, PROV times, listing ``modified`` values and IIIF ``navDate`` all use it.
"""
from __future__ import annotations

from datetime import datetime

DATESTAMP = "%Y-%m-%dT%H:%M:%SZ"


def datestamp(moment: datetime) -> str:
    """A naive UTC datetime (as stored) in OAI-PMH's seconds granularity."""
    return moment.strftime(DATESTAMP)


def day_start(day: str) -> str:
    """An ISO day (YYYY-MM-DD) as the start of that day in UTC (IIIF navDate)."""
    return f"{day}T00:00:00Z"
