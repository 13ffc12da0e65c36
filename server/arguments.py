"""Request arguments every interface reads the same way: page numbers and the revision a form was loaded at.

One rule each, so the public list, the API and the editor cannot answer the same bad value differently.
"""
from __future__ import annotations

from flask import request

from .problems import Problem

MAX_PAGE = 10**6
MAX_REVISION = 2**31 - 1


def _positive(name: str, text: str, largest: int) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= largest:
        raise Problem(400, f"'{name}' must be a whole number from 1 to {largest:,}.", "Bad Request")
    return int(text)


def page_argument(name: str = "page") -> int:
    """The 1-based page asked for in the query string (1 when absent); 400 for anything else."""
    text = request.args.get(name)
    return 1 if text is None else _positive(name, text, MAX_PAGE)


def per_page_argument(default: int, largest: int) -> int:
    text = request.args.get("per_page")
    return default if text is None else _positive("per_page", text, largest)


def revision_argument() -> int:
    """The revision number a form was loaded at (If-Match for forms); 400 when missing or not a number."""
    return _positive("revision", request.form.get("revision", ""), MAX_REVISION)
