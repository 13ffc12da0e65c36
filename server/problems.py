"""RFC 9457 problem details for every error the server answers (docs/architecture.md, "URLs")."""
from __future__ import annotations

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """An HTTP error with a problem-details body; ``errors`` carries validation pointers."""

    def __init__(self, status: int, detail: str, title: str | None = None, errors: list | None = None,
                 headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.errors = errors
        self.extra_headers = headers or {}


def problem_response(status: int, title: str, detail: str, errors: list | None = None,
                     headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
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
        return problem_response(error.code, getattr(error, "title", None) or error.name, error.description,
                                getattr(error, "errors", None), headers)
