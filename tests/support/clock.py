"""A clock tests move by hand: OAI-PMH datestamps have one-second granularity, so instead of sleeping past a
second the test advances this clock, handed to the app as create_app({"CLOCK": clock})."""
from __future__ import annotations

from datetime import datetime, timedelta

from metadata.storage import utc_now


class ManualClock:
    """Naive UTC to the second, like the store's own clock; starts at the real now, moves only on ``advance``."""

    def __init__(self, start: datetime | None = None):
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
