"""Submitting the server's HTML forms as a browser would (every named control with its value)."""
from __future__ import annotations

from lxml import html


def form_fields(page: str, index: int = -1, action: str | None = None) -> tuple[str, dict]:
    """(action URL, fields) of a form in ``page``: the last one, or the one whose action contains ``action``."""
    document = html.fromstring(page)
    forms = document.forms
    form = next(f for f in forms if action in (f.action or "")) if action else forms[index]
    return form.action, dict(form.form_values())
