"""Long command-line work shows its progress and ends with a summary of outcomes."""
from __future__ import annotations

import io

from server.progress import Progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_a_plain_line_every_few_seconds_and_a_summary():
    clock, out = Clock(), io.StringIO()
    progress = Progress(100, ("created", "updated", "unchanged", "failed"), stream=out, interval=5, clock=clock)
    for n in range(100):
        clock.now = n * 0.2  # 5 files a second
        progress.count("created" if n % 10 else "unchanged")
        progress.advance()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # at 5, 10 and 15 seconds
    assert lines[0] == "26 of 100 (5/s, about 14 s left)"  # 26 files in 5 s: 5.2/s, 74 left
    clock.now = 20.0
    assert progress.summary() == "90 created, 0 updated, 10 unchanged, 0 failed in 20.0 s"


def test_a_terminal_gets_a_bar_with_count_rate_and_time_left():
    clock, out = Clock(), Terminal()
    progress = Progress(50, ("valid", "invalid"), stream=out, clock=clock)
    for n in range(50):
        clock.now = n * 0.1
        progress.count("valid")
        progress.advance()
    summary = progress.summary()
    shown = out.getvalue()
    assert "50/50" in shown and "/s" in shown and summary.startswith("50 valid, 0 invalid")


def test_the_summary_ends_with_what_needs_attention():
    clock, out = Clock(), io.StringIO()
    progress = Progress(2, ("created", "skipped"), stream=out, clock=clock)
    progress.count("created")
    progress.count("skipped")
    progress.note("letters/1951.txt: record 1951-letter was edited by ann since it was last imported")
    progress.advance(2)
    clock.now = 1.5
    assert progress.summary().splitlines() == [
        "1 created, 1 skipped in 1.5 s",
        "  letters/1951.txt: record 1951-letter was edited by ann since it was last imported"]
