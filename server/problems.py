"""RFC 9457 problem details for every error the server answers (docs/architecture.md, "URLs")."""
from __future__ import annotations

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """An HTTP error with a problem-details body; ``errors`` carries validation pointers."""

    def __init__(self, status: int, detail: str, title: str | None = None, errors: list | None = None,
                 headers: dict | None = None, members: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.errors = errors
        self.extra_headers = headers or {}
        self.members = members or {}  # extension members (RFC 9457 section 3.2), e.g. a 406's "available"


def problem_response(status: int, title: str, detail: str, errors: list | None = None,
                     headers: dict | None = None, members: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path,
            **(members or {})}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_html() -> bool:
    """A browser: it names text/html in Accept and prefers it to JSON (scripts and harvesters keep JSON)."""
    accept = request.accept_mimetypes
    if request.path.startswith("/api/") or "text/html" not in accept.values():  # the API speaks JSON only;
        return False  # */* alone (curl, scripts) is not a browser
    return accept.best_match(["text/html", "application/json", PROBLEM_JSON]) == "text/html"


def error_page(status: int, title: str, detail: str, headers: dict | None = None) -> Response:
    """The same error as a page in the site's layout, with a way back, for people."""
    body = render_template("error.html", status=status, title=title, detail=detail)
    response = Response(body, status=status, mimetype="text/html")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if getattr(error, "response", None) is not None and not isinstance(error, Problem):
            return error.response
        headers = dict(getattr(error, "extra_headers", {}) or {})
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        title = getattr(error, "title", None) or error.name
        # A 406 means the client accepts none of our types: it gets the problem document (which lists them),
        # never an HTML page it did not ask for.
        if wants_html() and error.code != 406:
            return error_page(error.code, title, error.description, headers)
        return problem_response(error.code, title, error.description, getattr(error, "errors", None), headers,
                                getattr(error, "members", None))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        """A bug: logged with its traceback; the client learns only that it was ours, never the details."""
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        detail = "Something went wrong on our side. It has been logged; please try again later."
        if wants_html():
            return error_page(500, InternalServerError().name, detail)
        return problem_response(500, InternalServerError().name, detail)
