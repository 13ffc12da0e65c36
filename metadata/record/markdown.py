"""Markdown texts to safe HTML (raw HTML in a text is escaped, never passed through)."""
from __future__ import annotations

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": False})


def to_html(text: str) -> str:
    return _RENDERER.render(text)
