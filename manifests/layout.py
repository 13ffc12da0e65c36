"""Typesetting a text into reading pages, deterministically, on write.

The layout fixes how many pages a version has (so every canvas's size is known when the manifest is built)
and which slice of the text each page carries. Pages follow the printed pages: a page marker line ("(p. 2)",
"(с. 2)") starts the printed page it numbers, what comes before the first marker (a heading) joins the first
marked page, and a printed page longer than one reading page continues on further reading pages. Each
page's ``text`` is plain text (``markdown.to_plain_text``), without the marker line: the reading pages of
one printed page join to exactly that page's text, and those of a text without markers to its whole plain
text. Pixels are drawn later, from the stored layout, by ``render``.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate
from dataclasses import dataclass, field

from metadata.record.markdown import HEADING, to_plain_text

from .fonts import CJK_LANGUAGES, FontSet

WIDTH, HEIGHT = 1000, 1414  # A4 proportions
MARGIN = 90
FONT_SIZE = 24
HEADING_SIZE = 26
LINE_HEIGHT = 38
LINES_PER_PAGE = (HEIGHT - 2 * MARGIN) // LINE_HEIGHT
TEXT_WIDTH = WIDTH - 2 * MARGIN - 20  # slack for kerning, which layout does not measure
_UNITS = re.compile(r"\s*\S+\s*")  # a word with the spaces around it: where a Latin or Cyrillic line may break
PAGE_MARKER = re.compile(r"^\s*\((?:p|pp|с|стр|页)\.?\s*(?P<number>\d+[a-z]?)\)\s*$", re.IGNORECASE)


@dataclass
class Page:
    """One reading page: display lines as (style, text), the plain text it shows, and the printed page it
    is (``number`` from its marker, None in a text without markers; ``continued`` past its first page)."""
    language: str
    version: str | None
    text: str = ""
    lines: list[list[str]] = field(default_factory=list)
    number: str | None = None
    continued: bool = False



class _Widths(dict):
    """Widths of pieces of text in one font, remembered (words recur): ``widths[piece]`` is the sum of its
    characters' widths (kerning is ignored, which the slack in TEXT_WIDTH absorbs).

    A dict with ``__missing__`` rather than a function: ``map(widths.__getitem__, words)`` stays in C for every
    word already seen, which is nearly all of them, and a long text is typeset in a few milliseconds."""

    def __init__(self, font):
        super().__init__()
        self.char_width = lru_cache(maxsize=65536)(font.getlength)

    def __missing__(self, piece: str) -> float:
        if len(self) > 200_000:
            self.clear()
        found = self[piece] = sum(map(self.char_width, piece))
        return found


@lru_cache(maxsize=16)
def _char_widths(font) -> _Widths:
    return _Widths(font)


def _units(line: str) -> list[str]:
    """The words of a non-CJK line, each with the white space after it (the first also with any before it):
    ``_UNITS.findall(line)``. Prose separates its words by single spaces, and for such a line ``str.split``
    (in C) gives the same pieces several times faster than the regular expression."""
    if line.isprintable() and "  " not in line and not line.startswith(" ") and not line.endswith(" "):
        words = line.split(" ")
        last = words.pop()
        return [word + " " for word in words] + [last]
    return _UNITS.findall(line)


def _wrap(line: str, widths: _Widths, limit: int, cjk: bool) -> list[tuple[str, int]]:
    """Greedy wrapping by measured width: (shown row, characters of ``line`` it consumes) pairs whose
    lengths add up to ``len(line)``. CJK text may break between any two characters.

    Widths are summed once (``accumulate``) and each row's end found by bisection, so a long paragraph
    costs one width lookup per word; a word's trailing space may overhang the limit, as in print. A word
    wider than the page is cut the same way, over its characters' summed widths: re-measuring it (and the
    rest of the line) after every cut made a line of ten thousand such words take seconds to save."""
    if not line.strip():
        return [("", len(line))]
    measure = widths.__getitem__
    units = list(line) if cjk else _units(line)
    ends = list(accumulate(map(measure, units)))
    lengths = list(accumulate(map(len, units)))
    slack = measure(" ")
    rows: list[tuple[str, int]] = []
    first, base, consumed = 0, 0.0, 0
    cutting, prefix, at = -1, [], 0  # a unit wider than the page: its index, its prefixes' widths, chars cut
    while first < len(units):
        last = bisect_right(ends, base + limit + slack, lo=first)  # units[first:last] fit
        if last == first:  # a single unit wider than the page: cut it by characters, as many as fit a row
            if cutting != first:
                cutting, prefix, at = first, list(accumulate(map(widths.char_width, units[first]))), 0
            done = prefix[at - 1] if at else 0.0
            cut = max(1, bisect_right(prefix, done + limit, lo=at) - at)
            if at + cut < len(prefix):
                rows.append((units[first][at:at + cut].strip(), cut))
                at += cut
                consumed += cut
                base += prefix[at - 1] - done  # the rest of the unit starts a row: widths are 1/64ths, exact
                continue
            last = first + 1
        used = lengths[last - 1] - consumed
        rows.append((line[consumed:consumed + used].strip(), used))
        consumed += used
        base = ends[last - 1]
        first = last
    return rows


@dataclass
class PrintedPage:
    """One printed page of a text: its number and marker line (None without markers) and its lines as
    (style, plain text) pairs, without blank lines at either end."""
    number: str | None
    marker: str | None
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def _trimmed(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    first = next((i for i, (_, line) in enumerate(lines) if line.strip()), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i][1].strip()), -1)
    return lines[first:last + 1]


def printed_pages(text: str, markdown: bool = True) -> list[PrintedPage]:
    """``text`` cut at its page markers into printed pages, each line styled (``h`` for a Markdown heading)
    and made plain. What precedes the first marker (a heading, an address) joins the first marked page,
    after a blank line; a text without markers is one page with no number. A marker with nothing after it
    is kept as an empty page, so scans stay aligned with the pages they show."""
    pages = [PrintedPage(None, None)]
    for raw in text.replace("\r\n", "\n").split("\n"):
        marker = PAGE_MARKER.match(raw)
        if marker:
            pages.append(PrintedPage(marker.group("number"), raw.strip()))
            continue
        heading = markdown and HEADING.match(raw)
        pages[-1].lines.append(("h" if heading else "p", to_plain_text(raw) if markdown else raw.rstrip()))
    for page in pages:
        page.lines = _trimmed(page.lines)
    if len(pages) > 1:
        head = pages.pop(0)
        if head.lines:
            pages[0].lines = head.lines + ([("p", "")] + pages[0].lines if pages[0].lines else [])
    return pages


def paginate(text: str, language: str, fonts: FontSet, version: str | None = None,
             markdown: bool = True) -> list[Page]:
    """Reading pages of ``text``: each printed page typeset on one or more, each with its plain text."""
    return [page for printed in printed_pages(text, markdown)
            for page in _typeset(printed, language, fonts, version)]


def _typeset(printed: PrintedPage, language: str, fonts: FontSet, version: str | None) -> list[Page]:
    """The reading pages of one printed page: its marker drawn (grey) at the top of the first, its lines
    wrapped and broken across pages, each page given the exact slice of the printed page's text it shows."""
    cjk = language.split("-")[0] in CJK_LANGUAGES
    body = fonts.font(language, FONT_SIZE)
    bold = fonts.font(language, HEADING_SIZE, bold=True)
    pages: list[Page] = []
    starts: list[int] = []  # where each page's slice of the text begins

    def new_page(at: int) -> Page:
        pages.append(Page(language, version, number=printed.number, continued=bool(pages)))
        starts.append(at)
        return pages[-1]

    page = new_page(0)
    if printed.marker:
        page.lines.append(["marker", printed.marker])
    offset = 0
    for style, line in printed.lines:
        position = offset
        for row, used in _wrap(line, _char_widths(bold if style == "h" else body), TEXT_WIDTH, cjk):
            if len(page.lines) >= LINES_PER_PAGE:
                page = new_page(position)
            if row or page.lines:  # no blank lines at the top of a page
                page.lines.append([style, row])
            position += used
        offset += len(line) + 1  # and its newline
    text = printed.text
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
