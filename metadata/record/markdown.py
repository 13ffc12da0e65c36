"""Markdown texts to safe HTML (raw HTML in a text is escaped, never passed through).

Images are not rendered: a summary's ``![x](https://elsewhere/pixel)`` would make every reader's browser
fetch from a site of the author's choosing (a tracking pixel), so it stays a plain link."""
from __future__ import annotations

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": False}).disable("image")


def to_html(text: str) -> str:
    return _RENDERER.render(text)
