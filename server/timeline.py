"""The front page's timeline: records per year as a small bar chart, drawn on the server as SVG.

No script and no chart library: a list of bars with their geometry, which the template writes out as SVG
rectangles, each with a title (its year and count) and a link to that year's records.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 600, 80, 1


@dataclass(frozen=True)
class Bar:
    year: int
    count: int
    x: float
    width: float
    y: float
    height: float


def bars(years: list[tuple[int, int]]) -> list[Bar]:
    """One bar per year from the first to the last year that has records (empty years stay as gaps)."""
    if not years:
        return []
    counts = dict(years)
    first, last = min(counts), max(counts)
    span = last - first + 1
    width = WIDTH / span
    tallest = max(counts.values())
    drawn = []
    for index, year in enumerate(range(first, last + 1)):
        count = counts.get(year, 0)
        if not count:
            continue
        height = max(HEIGHT * count / tallest, 2)
        drawn.append(Bar(year, count, round(index * width, 2), round(max(width - GAP, 1), 2),
                         round(HEIGHT - height, 2), round(height, 2)))
    return drawn
