"""Browser-side defences every response gets, and which proxies may say who the client is.

HTML pages carry a Content-Security-Policy that allows only this server's own scripts and stylesheets
(no inline code, so an injected ``<script>`` or ``style=`` does nothing) and no framing by other sites;
every response says ``nosniff`` so a browser never guesses a type the server did not send.
"""
from __future__ import annotations

from flask import Flask, Response, request

from metadata.record.text import unstorable

from .problems import Problem
from .proxies import TrustedProxies

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def trust_proxies(app: Flask, count: int, addresses: str) -> None:
    """Take the client address and scheme from the last ``count`` proxies' X-Forwarded-* headers, and only on
    connections from ``addresses`` (the proxies', MUNIMENT_PROXY_ADDRESSES); with 0 (no proxy) those headers
    are ignored, so a client cannot choose the address it is throttled under."""
    if count > 0:
        allowed = frozenset(a.strip() for a in addresses.split(",") if a.strip())
        app.wsgi_app = TrustedProxies(app.wsgi_app, count, allowed)


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
RECORD_FORMS = {"editor.new_record", "editor.edit_record"}


def refuse_unstorable_input() -> None:
    """400 for a path, query or form value no database can take as text (NUL): every view may then pass
    them to SQL as they are. OAI-PMH answers its own badArgument for these, so it is left to itself."""
    if request.path == "/oai":
        return
    values = [request.path, *request.args.keys(), *request.args.values()]
    # The record form shows such a value beside its field instead, keeping what was typed.
    keeps_typed_form = request.endpoint in RECORD_FORMS
    if request.method == "POST" and request.mimetype in FORMS and not keeps_typed_form:
        values += [*request.form.keys(), *request.form.values()]
    for value in values:
        problem = unstorable(value)
        if problem:
            raise Problem(400, f"The request has a value that {problem}.", "Bad Request")
