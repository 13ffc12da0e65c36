"""Typesetting a text into reading pages, deterministically, on write.

The layout fixes how many pages a version has (so every canvas's size is known when the manifest is built)
and which slice of the text each page carries: joining the pages' ``text`` gives back the version's text
exactly, so the supplementing annotations can be read in order as the whole text. Page markers in the text
("(p. 2)", "(с. 2)") start a new page. Pixels are drawn later, from the stored layout, by ``render``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import asdict, dataclass, field

from .fonts import CJK_LANGUAGES, FontSet

WIDTH, HEIGHT = 1000, 1414  # A4 proportions
MARGIN = 90
FONT_SIZE = 24
HEADING_SIZE = 26
LINE_HEIGHT = 38
LINES_PER_PAGE = (HEIGHT - 2 * MARGIN) // LINE_HEIGHT
TEXT_WIDTH = WIDTH - 2 * MARGIN - 20  # slack for kerning, which layout does not measure
PAGE_MARKER = re.compile(r"^\s*\((?:p|pp|с|стр|页)\.?\s*\d+[a-z]?\)\s*$", re.IGNORECASE)
HEADING = re.compile(r"^\s*#{1,6}\s+")


@dataclass
class Page:
    """One reading page: display lines as (style, text), and the exact slice of the source it shows."""
    language: str
    version: str | None
    text: str = ""
    lines: list[list[str]] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=16)
def _char_widths(font):
    """Width of a character in ``font``, cached: a row's width is the sum of its characters' (kerning is
    ignored, which the slack in TEXT_WIDTH absorbs), so typesetting a long text costs microseconds a word."""
    return lru_cache(maxsize=65536)(font.getlength)


def _wrap(line: str, width_of, limit: int, cjk: bool) -> list[tuple[str, int]]:
    """Greedy wrapping by measured width: (shown row, characters of ``line`` it consumes) pairs whose
    lengths add up to ``len(line)``. CJK text may break between any two characters."""
    if not line.strip():
        return [("", len(line))]
    units = list(line) if cjk else re.findall(r"\s*\S+\s*", line)

    def measure(unit: str) -> float:
        return sum(width_of(ch) for ch in unit)

    rows: list[tuple[str, int]] = []
    current, used, width = "", 0, 0.0
    for unit in units:
        unit_width = measure(unit)
        if current and width + measure(unit.rstrip()) > limit:
            rows.append((current.strip(), used))
            current, used, width = "", 0, 0.0
        while unit_width > limit and len(unit) > 1:  # a single word wider than the page
            cut = len(unit) - 1
            while cut > 1 and measure(unit[:cut]) > limit:
                cut -= 1
            rows.append((unit[:cut].strip(), cut))
            unit = unit[cut:]
            unit_width = measure(unit)
        current += unit
        used += len(unit)
        width += unit_width
    rows.append((current.strip(), used))
    return rows


def paginate(text: str, language: str, fonts: FontSet, version: str | None = None) -> list[Page]:
    """Pages of ``text``, each with the exact slice of the text its rows show."""
    cjk = language.split("-")[0] in CJK_LANGUAGES
    body = fonts.font(language, FONT_SIZE)
    bold = fonts.font(language, HEADING_SIZE, bold=True)
    pages: list[Page] = []
    starts: list[int] = []  # where each page's slice of the text begins

    def new_page(at: int) -> Page:
        pages.append(Page(language, version))
        starts.append(at)
        return pages[-1]

    page = new_page(0)
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        style = "marker" if PAGE_MARKER.match(line) else ("h" if HEADING.match(line) else "p")
        prefix = len(HEADING.match(line).group(0)) if style == "h" else 0
        rows = _wrap(line[prefix:], _char_widths(bold if style == "h" else body), TEXT_WIDTH, cjk)
        if style == "marker" and page.lines:
            page = new_page(offset)
        position = offset
        for n, (row, used) in enumerate(rows):
            if len(page.lines) >= LINES_PER_PAGE:
                page = new_page(position)
            if row or page.lines:  # no blank lines at the top of a page
                page.lines.append([style, row])
            position += used + (prefix if n == 0 else 0)
        offset += len(raw)
    for i, begin in enumerate(starts):
        pages[i].text = text[begin:starts[i + 1] if i + 1 < len(starts) else len(text)]
    return pages


def title_page(lines: list[tuple[str, str]], language: str, fonts: FontSet) -> Page:
    """A single typeset page of (style, text) items: title, date, summary, citation of a record with no text."""
    body = fonts.font(language, FONT_SIZE)
    bold = fonts.font(language, HEADING_SIZE, bold=True)
    cjk = language.split("-")[0] in CJK_LANGUAGES
    page = Page(language, None, text="\n\n".join(text for _, text in lines))
    for style, text in lines:
        for row, _ in _wrap(text, _char_widths(bold if style == "h" else body), TEXT_WIDTH, cjk):
            if len(page.lines) < LINES_PER_PAGE:
                page.lines.append([style, row])
        if len(page.lines) < LINES_PER_PAGE:
            page.lines.append(["p", ""])
    return page
