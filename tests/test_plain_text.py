"""Plain text from the archive's Markdown texts: what text/plain renderings and annotation bodies carry."""
from __future__ import annotations

import pytest

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
