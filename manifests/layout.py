"""Typesetting a text into reading pages, deterministically, on write.

The layout fixes how many pages a version has (so every canvas's size is known when the manifest is built)
and which slice of the text each page carries: joining the pages' ``text`` gives back the version's text
exactly, so the supplementing annotations can be read in order as the whole text. Page markers in the text
("(p. 2)", "(с. 2)") start a new page. Pixels are drawn later, from the stored layout, by ``render``.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate
from dataclasses import dataclass, field

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



@lru_cache(maxsize=16)
def _char_widths(font):
    """A width function for ``font``: a piece's width is the sum of its characters' (kerning is ignored,
    which the slack in TEXT_WIDTH absorbs), and each piece's width is remembered, since words recur."""
    char_width = lru_cache(maxsize=65536)(font.getlength)
    pieces: dict[str, float] = {}

    def width(piece: str) -> float:
        found = pieces.get(piece)
        if found is None:
            if len(pieces) > 200_000:
                pieces.clear()
            found = pieces[piece] = sum(char_width(ch) for ch in piece)
        return found

    return width


def _wrap(line: str, measure, limit: int, cjk: bool) -> list[tuple[str, int]]:
    """Greedy wrapping by measured width: (shown row, characters of ``line`` it consumes) pairs whose
    lengths add up to ``len(line)``. CJK text may break between any two characters.

    Widths are summed once (``accumulate``) and each row's end found by bisection, so a long paragraph
    costs one width lookup per word; a word's trailing space may overhang the limit, as in print."""
    if not line.strip():
        return [("", len(line))]
    units = list(line) if cjk else re.findall(r"\s*\S+\s*", line)
    ends = list(accumulate(map(measure, units)))
    lengths = list(accumulate(map(len, units)))
    slack = measure(" ")
    rows: list[tuple[str, int]] = []
    first, base, consumed = 0, 0.0, 0
    while first < len(units):
        last = bisect_right(ends, base + limit + slack, lo=first)  # units[first:last] fit
        if last == first:  # a single unit wider than the page: cut it by characters
            unit = units[first][:]
            cut = len(unit)
            while cut > 1 and measure(unit[:cut]) > limit:
                cut -= 1
            if cut < len(unit):
                rows.append((unit[:cut].strip(), cut))
                units[first] = unit[cut:]
                consumed += cut
                ends = ends[:first] + list(accumulate(map(measure, units[first:]), initial=base))[1:]
                continue
            last = first + 1
        used = lengths[last - 1] - consumed
        rows.append((line[consumed:consumed + used].strip(), used))
        consumed += used
        base = ends[last - 1]
        first = last
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
