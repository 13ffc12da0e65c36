"""Progress of long command-line work (importing a folder, validating files) and its closing summary.

On a terminal a progress bar shows the count, the rate and the time left; elsewhere (a log, a pipe, CI) a
plain line every few seconds says the same, so a long import never looks hung. The summary counts each
outcome ("4,998 created, 1 updated, 1 unchanged, 0 skipped, 0 failed in 13.1 s"), then lists what needs a
person's attention (each record skipped, with its file and why).
"""
from __future__ import annotations

import sys
import time
from collections import Counter

import click


class Progress:
    def __init__(self, total: int, outcomes: tuple[str, ...], *, stream=None, interval: float = 5.0,
                 clock=time.monotonic):
        self.total, self.outcomes, self.interval, self.clock = total, outcomes, interval, clock
        self.stream = stream or sys.stderr
        self.counts: Counter = Counter()
        self.started = self.last_line = clock()
        self.done = 0
        self.notes: list[str] = []
        self.bar = None
        if self.interactive:
            self.bar = click.progressbar(length=total, file=self.stream, show_pos=True, show_eta=True,
                                         item_show_func=lambda _: self._rate_text())
            self.bar.__enter__()

    @property
    def interactive(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def _rate_text(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        return f"{self.done / elapsed:,.0f}/s"

    def count(self, outcome: str, n: int = 1) -> None:
        """Tally ``n`` results with ``outcome`` for the summary (records created, files invalid ...)."""
        self.counts[outcome] += n

    def note(self, line: str) -> None:
        """A line for the end of the summary (a record skipped and why), not lost under the progress bar."""
        self.notes.append(line)

    def advance(self, count: int = 1) -> None:
        """``count`` more units of the total (files) are finished."""
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
        elif self.clock() - self.last_line >= self.interval:
            self.last_line = self.clock()
            elapsed = self.clock() - self.started
            rate = self.done / max(elapsed, 1e-9)
            left = (self.total - self.done) / rate if rate else 0
            click.echo(f"{self.done:,} of {self.total:,} ({rate:,.0f}/s, about {left:,.0f} s left)",
                       file=self.stream)

    def summary(self) -> str:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        elapsed = self.clock() - self.started
        parts = [f"{self.counts[o]:,} {o}" for o in self.outcomes]
        return "\n".join([f"{', '.join(parts)} in {elapsed:.1f} s"] + [f"  {line}" for line in self.notes])
