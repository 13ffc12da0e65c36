"""Markdown texts to safe HTML (raw HTML in a text is escaped, never passed through) and to plain text.

Images are not rendered: a summary's ``![x](https://elsewhere/pixel)`` would make every reader's browser
fetch from a site of the author's choosing (a tracking pixel), so it stays a plain link.

Plain text is what a ``text/plain`` rendering or annotation body carries: what a reader sees, without the
Markdown that marks it up. It is made line by line, so a text's plain form has the same lines as its
source, and a slice of lines converts the same way alone as inside the whole (the reading-page layout
relies on that to cut the plain text into pages).
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": False}).disable("image")

# An ATX heading's opening run of #s (up to three spaces of indentation), and its optional closing run.
HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_BLOCKQUOTE = re.compile(r"^ {0,3}>[ \t]?")
_HARD_BREAK = re.compile(r"(?: {2,}|\\)$")  # trailing double space or backslash: a Markdown line break
_INDENT = re.compile(r"^[ \t]*")
# What can start inline Markdown in CommonMark (escapes, code, emphasis, links and images, autolinks and raw
# HTML, entities). A line holding none of them is its own plain text, and most lines of prose are such lines:
# skipping the inline parser for them keeps typesetting and indexing a long text cheap. Plain substring tests,
# which Python runs in C, not a regular expression: a character class costs ~18 ns a character in ``re``.
#
# Square brackets alone are not among them: a line is parsed alone, so no reference definition is ever in scope
# and brackets make a link (or image) only as an inline link, "[text](target)". Editorial brackets ("[sic]",
# "[illegible]", "[p. 3]") fill archival transcriptions and stay literal text, as the parser would leave them.
_INLINE_MARKERS = ("\\", "`", "*", "_", "<", ">", "&", "](", "\r")  # and a bare CR, which the parser reads as a break


def to_html(text: str) -> str:
    return _RENDERER.render(text)


def to_plain_text(text: str) -> str:
    """``text`` without its Markdown syntax: heading #s, blockquote >s, emphasis and code marks, link
    targets (a link reads as its text, an image as its alt text), backslash escapes, entities, and the
    trailing spaces or backslash of a hard line break. List markers stay (they are read, numbered items).
    Line for line: the result has exactly the lines of ``text``."""
    return "\n".join(_plain_line(line) for line in text.split("\n"))


def _plain_line(line: str) -> str:
    line = line.rstrip("\r")
    heading = HEADING.match(line)
    if heading:
        line = _CLOSING_HASHES.sub("", line[heading.end():])
    else:
        while _BLOCKQUOTE.match(line):
            line = line[_BLOCKQUOTE.match(line).end():]
    line = _without_hard_break(line)
    indent = _INDENT.match(line).group(0)
    body = line[len(indent):]
    return indent + _inline_text(body) if body else ""


def _without_hard_break(line: str) -> str:
    """``line`` without a Markdown hard break (a trailing backslash, or two or more trailing spaces) and without
    trailing white space: what ``_HARD_BREAK.sub("", line).rstrip()`` gives, without scanning the whole line."""
    if line.endswith("\\"):
        line = line[:-1]
    elif line.endswith("  "):
        line = line.rstrip(" ")
    return line.rstrip()


def _inline_text(source: str) -> str:
    if not any(map(source.__contains__, _INLINE_MARKERS)):
        return source
    (block,) = _RENDERER.parseInline(source)
    parts: list[str] = []
    for token in block.children or []:
        if token.type in ("text", "code_inline", "html_inline", "text_special"):
            parts.append(token.content)
        elif token.type == "image":
            parts.append("".join(child.content for child in token.children or []))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)
