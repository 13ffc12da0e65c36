"""Reading-page layout, directly (the IIIF tests see it only through manifests): wrapping by measured width,
pagination, CJK text, page markers, words wider than the page, empty text, and that the pages' slices of the
text always join back to the (plain) text exactly."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from manifests import layout
from manifests.fonts import FontSet
from manifests.layout import LINES_PER_PAGE, TEXT_WIDTH, paginate, title_page
from metadata.record.markdown import to_plain_text

FONTS = FontSet()


def _width(text: str, language: str = "en", bold: bool = False) -> float:
    """A row's width as layout measures it: the sum of its characters' advances at the body (or heading) size."""
    font = FONTS.font(language, layout.HEADING_SIZE if bold else layout.FONT_SIZE, bold=bold)
    return sum(font.getlength(ch) for ch in text)


def _rows(pages) -> list[list[str]]:
    return [line for page in pages for line in page.lines]


PARAGRAPH = " ".join(["The committee met in the Kremlin and discussed the loan, the railway and the school."] * 12)


@pytest.mark.parametrize("text, language", [
    ("", "en"),
    ("One line.", "en"),
    (PARAGRAPH + "\n\n" + PARAGRAPH + "\n", "en"),
    ("## Heading\n\nBody " * 30, "en"),
    ("中华人民共和国中央人民政府" * 40 + "\n\n" + "（一）我们给联共中央斯大林写了书面报告。" * 10, "zh"),
    ("\n".join(f"Line {n}" for n in range(100)), "en"),
    ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 6, "en"),
])
def test_pages_join_back_to_the_text_exactly(text, language):
    """A text without page markers: its reading pages join to exactly its plain text (blank lines at the
    ends dropped)."""
    pages = paginate(text, language, FONTS, version="v")
    assert "".join(page.text for page in pages) == to_plain_text(text).strip("\n")
    assert all(page.language == language and page.version == "v" for page in pages)
    assert all(len(page.lines) <= LINES_PER_PAGE for page in pages)


def test_empty_text_is_one_empty_page():
    (page,) = paginate("", "en", FONTS)
    assert page.text == "" and page.lines == [] and page.version is None


def test_a_short_line_is_one_paragraph_row():
    (page,) = paginate("To the Central Committee.", "en", FONTS)
    assert page.lines == [["p", "To the Central Committee."]]


def test_wrapping_is_greedy_and_within_the_width():
    (page,) = paginate(PARAGRAPH, "en", FONTS)
    rows = [row for _, row in page.lines]
    assert len(rows) > 5
    assert " ".join(rows) == PARAGRAPH  # rows break at spaces only, and lose nothing but the break
    space = _width(" ")
    for row, following in zip(rows, rows[1:]):
        assert _width(row) <= TEXT_WIDTH + space
        # Greedy: the next row's first word would not have fitted on this one.
        assert _width(row + " " + following.split(" ")[0]) > TEXT_WIDTH
    assert _width(rows[-1]) <= TEXT_WIDTH + space


def test_a_word_wider_than_the_page_is_cut_by_characters():
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4
    assert _width(word) > TEXT_WIDTH
    (page,) = paginate(word, "en", FONTS)
    rows = [row for _, row in page.lines]
    assert len(rows) >= 2 and "".join(rows) == word
    for row in rows:
        assert _width(row) <= TEXT_WIDTH
    # Each cut is as long as fits: one more character would overflow.
    for row, following in zip(rows, rows[1:]):
        assert _width(row + following[0]) > TEXT_WIDTH


def test_a_line_of_words_wider_than_the_page_is_cut_greedily():
    """Several wide words in one line, one cut after another (a wide word starts a row; the rest of one ends
    its last row): nothing lost, no row too wide, every row that ends inside a word as full as it can be."""
    words = [letter * 130 + "ing" for letter in "mwil"] + ["short", "words", "ü" * 200]
    line = " ".join(words)
    (page,) = paginate(line, "en", FONTS)
    rows = [row for _, row in page.lines]
    assert "".join(rows).replace(" ", "") == line.replace(" ", "")
    assert all(_width(row) <= TEXT_WIDTH for row in rows)
    at, cuts = 0, 0
    for row, following in zip(rows, rows[1:]):
        at = line.index(row, at) + len(row)
        if line[at] != " ":  # a cut inside a word: one more character would not have fitted
            cuts += 1
            assert _width(row + following[0]) > TEXT_WIDTH, row
        else:  # a break at a space: the next word (or the piece of it that starts the next row) did not fit
            assert _width(row + " " + following.split(" ")[0]) > TEXT_WIDTH, row
    assert cuts >= 2 * len("mwil") + 1


def test_cjk_text_breaks_between_any_two_characters():
    text = "中华人民共和国中央人民政府委员会" * 12  # no spaces at all
    (page,) = paginate(text, "zh", FONTS)
    rows = [row for _, row in page.lines]
    assert len(rows) >= 2 and "".join(rows) == text
    for row, following in zip(rows, rows[1:]):
        assert _width(row, "zh") <= TEXT_WIDTH
        assert _width(row + following[0], "zh") > TEXT_WIDTH


def test_lines_fill_pages_in_order():
    lines = [f"Line {n}" for n in range(2 * LINES_PER_PAGE + 5)]
    pages = paginate("\n".join(lines), "en", FONTS)
    assert [len(page.lines) for page in pages] == [LINES_PER_PAGE, LINES_PER_PAGE, 5]
    assert [row for _, row in _rows(pages)] == lines
    assert pages[1].text.startswith(f"Line {LINES_PER_PAGE}\n")


def test_no_blank_line_at_the_top_of_a_page():
    text = "\n".join(f"Line {n}" for n in range(LINES_PER_PAGE)) + "\n\nNext page."
    pages = paginate(text, "en", FONTS)
    assert len(pages) == 2
    assert pages[1].lines == [["p", "Next page."]]  # the blank line fell at the break and is not drawn
    assert "".join(page.text for page in pages) == text


@pytest.mark.parametrize("marker, number", [("(p. 2)", "2"), ("(pp. 3)", "3"), ("(P. 12a)", "12a"), ("(с. 2)", "2"),
                                            ("(стр. 4)", "4"), ("(页 5)", "5"), ("  (p.7)  ", "7")])
def test_a_page_marker_starts_the_page_it_numbers(marker, number):
    """The heading before the first marker joins that page; the next marker starts the next page; the
    marker is drawn (grey) but is not part of the page's text."""
    pages = paginate(f"LETTER\r\n\r\n{marker}\r\n\r\nThe harvest is larger.\r\n\r\n(p. 99)\r\n\r\nMore.\r\n",
                     "en", FONTS)
    assert [(page.number, page.continued) for page in pages] == [(number, False), ("99", False)]
    assert pages[0].lines == [["marker", marker.strip()], ["p", "LETTER"], ["p", ""], ["p", "The harvest is larger."]]
    assert [page.text for page in pages] == ["LETTER\n\nThe harvest is larger.", "More."]


@pytest.mark.parametrize("line", ["(p. two)", "See (p. 2) above.", "(q. 2)", "p. 2"])
def test_text_that_only_mentions_a_page_is_not_a_marker(line):
    pages = paginate(f"LETTER\n\n{line}", "en", FONTS)
    assert len(pages) == 1 and pages[0].lines[-1] == ["p", line]


def test_a_marker_on_the_first_line_does_not_leave_an_empty_page():
    pages = paginate("(p. 1)\n\nText.\n\n(p. 2)\n\nMore.", "en", FONTS)
    assert [page.lines[0] for page in pages] == [["marker", "(p. 1)"], ["marker", "(p. 2)"]]
    assert [(page.number, page.text) for page in pages] == [("1", "Text."), ("2", "More.")]


def test_a_long_printed_page_continues_on_further_reading_pages():
    lines = [f"Line {n}" for n in range(2 * LINES_PER_PAGE)]
    pages = paginate("(p. 4)\n" + "\n".join(lines) + "\n(p. 5)\nEnd.", "en", FONTS)
    assert [(page.number, page.continued) for page in pages] == [("4", False), ("4", True), ("4", True), ("5", False)]
    assert "".join(page.text for page in pages[:3]) == "\n".join(lines)


def test_headings_are_set_in_bold_without_their_hashes():
    (page,) = paginate("### A Telegram\n\nText.", "en", FONTS)
    assert page.lines == [["h", "A Telegram"], ["p", ""], ["p", "Text."]]
    assert page.text == "A Telegram\n\nText."  # plain text: the annotation body is text/plain


def test_title_page_holds_the_items_and_never_overflows():
    page = title_page([("h", "Photograph album"), ("p", "194X")], "en", FONTS)
    assert page.lines == [["h", "Photograph album"], ["p", ""], ["p", "194X"], ["p", ""]]
    assert page.text == "Photograph album\n\n194X"
    crowded = title_page([("p", PARAGRAPH)] * 4, "en", FONTS)
    assert len(crowded.lines) == LINES_PER_PAGE


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab .,\t\u00a0\u3000-\n", min_size=1, max_size=16).filter(str.strip))
def test_words_of_a_line_are_those_of_the_regular_expression(line):
    # The split fast path for prose must cut every line exactly as the general rule does.
    assert layout._units(line) == layout._UNITS.findall(line)
