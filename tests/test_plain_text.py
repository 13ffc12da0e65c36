"""Plain text from the archive's Markdown texts: what text/plain renderings and annotation bodies carry."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from metadata.record.markdown import to_plain_text


@pytest.mark.parametrize("source, plain", [
    ("A Telegram about the Meeting  \nDelegation  \n(18 July 1949)", "A Telegram about the Meeting\nDelegation\n(18 July 1949)"),
    ("#### b. Regarding the matter", "b. Regarding the matter"),
    ("## Closing ##", "Closing"),
    ("It was **finished** in *ten* days, by `noon`.", "It was finished in ten days, by noon."),
    ("See [the report](https://example.org/r) and <https://example.org/x>.", "See the report and https://example.org/x."),
    ("> quoted line", "quoted line"),
    ("A line break\\\nafter a backslash", "A line break\nafter a backslash"),
    ("5 \\* 3 &amp; more", "5 * 3 & more"),
    ("1. Regarding Xinjiang\n2. Regarding Dalian", "1. Regarding Xinjiang\n2. Regarding Dalian"),
    ("[Others present were] Stalin, S[talin] [...]", "[Others present were] Stalin, S[talin] [...]"),
    ("<b>not html</b>", "<b>not html</b>"),
    ("Paragraph one.\n\n   \n\nParagraph two.", "Paragraph one.\n\n\n\nParagraph two."),
])
def test_markdown_becomes_plain_text(source, plain):
    assert to_plain_text(source) == plain


def test_plain_text_keeps_the_lines_of_its_source():
    source = "# Heading\n\nA **bold**  \nline\n\n(p. 2)\n\n- item"
    assert to_plain_text(source).count("\n") == source.count("\n")
    assert "\n".join(to_plain_text(line) for line in source.split("\n")) == to_plain_text(source)


def _parsed(line: str) -> str:
    """The inline parser's reading of ``line``, whatever the fast path would have done."""
    from metadata.record import markdown

    fast = markdown._INLINE_MARKERS
    markdown._INLINE_MARKERS = ("",)  # in every line: all go to the parser
    try:
        return markdown._inline_text(line)
    finally:
        markdown._INLINE_MARKERS = fast


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab []()!:'\"-.…[]", max_size=40))
def test_lines_skipped_by_the_fast_path_read_as_the_parser_reads_them(line):
    # Brackets, parentheses, exclamation marks and colons without inline syntax: the fast path keeps the line as
    # it is, and the parser must agree; lines that hold "](" go to the parser anyway.
    from metadata.record import markdown

    assert markdown._inline_text(line) == _parsed(line)


@pytest.mark.parametrize("line", ["[sic] the [illegible] word", "S[talin] and [...]", "[p. 3] [1]", "![x] [y]: z",
                                  "[a][b] and [c][]", "[a]: https://example.org/x"])
def test_editorial_brackets_stay_literal(line):
    from metadata.record import markdown

    assert markdown._inline_text(line) == _parsed(line) == line


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="a \\\t#>*", max_size=12))
def test_hard_breaks_are_removed_as_the_markdown_rule_says(line):
    from metadata.record import markdown

    assert markdown._without_hard_break(line) == markdown._HARD_BREAK.sub("", line).rstrip()
