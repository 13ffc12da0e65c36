"""Who is asking: API tokens (Bearer) and browser sessions, roles, CSRF, and login rate limiting.

Roles: anonymous readers; ``editor`` creates, edits, publishes, deletes and restores records and sees drafts;
``admin`` also manages users and sets. Authentication is checked before CSRF, so an anonymous write is a 401
whatever it carries. Passwords are hashed with scrypt (Werkzeug), tokens stored as SHA-256 digests. Failed logins are counted in
the database (per address and name), so app servers sharing it share the limit.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import wraps

import json

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from . import state
from .problems import Problem

ROLES = {"editor": 1, "admin": 2}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_WINDOW_SECONDS = 300
LOGIN_ATTEMPTS = 5


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "mnt_" + secrets.token_urlsafe(32)


def current_user() -> dict | None:
    """The user behind this request (token first, then session); None when anonymous."""
    if "user" in g:
        return g.user
    user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = state.store().accounts.token_user(token_digest(header[7:].strip()))
        if user is None:
            raise Problem(401, "The API token is unknown or revoked.", "Unauthorized",
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        g.via_token = True
    elif session.get("user"):
        found = state.store().accounts.user(session["user"])
        user = {"name": found["name"], "role": found["role"]} if found else None
    g.user = user
    return user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid() -> bool:
    """Whether this request carries the session's CSRF token (header for scripts, form field for pages)."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not sent.isascii():
        return False
    return hmac.compare_digest(sent, expected)


def check_csrf() -> None:
    if not csrf_valid():
        raise Problem(403, "The form's CSRF token is missing or expired; reload the page and try again.",
                      "Forbidden")


def has_role(user: dict | None, role: str) -> bool:
    """Whether ``user`` holds ``role`` or a larger one (admin includes editor)."""
    return user is not None and ROLES.get(user["role"], 0) >= ROLES[role]


def _check_role(user: dict, role: str) -> None:
    if not has_role(user, role):
        raise Problem(403, f"This needs the {role} role.", "Forbidden")


def require(role: str = "editor"):
    """API route decorator: 401 for anonymous requests, 403 for too small a role, then CSRF for session writes."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                raise Problem(401, "Log in or send an API token to do this.", "Unauthorized",
                              headers={"WWW-Authenticate": 'Bearer realm="muniment"'})
            _check_role(user, role)
            if request.method in UNSAFE and not g.via_token:
                check_csrf()
            return view(*args, **kwargs)
        wrapper.required_role = role
        return wrapper
    return decorate


def page(role: str = "editor", csrf: bool = True):
    """Editor page decorator: an anonymous visitor is sent to the login page (a POST's form is kept on it and
    comes back after logging in), too small a role is a 403, and a POST needs the CSRF token when ``csrf``
    (the record form checks it itself, to show what was typed instead of an error)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return _login_first()
            _check_role(user, role)
            if csrf and request.method in UNSAFE:
                check_csrf()
            return view(*args, **kwargs)
        wrapper.required_role = role
        return wrapper
    return decorate


def _login_first():
    """A redirect to the login page; for a POST, a 401 login page that carries the posted form."""
    if request.method not in UNSAFE:
        return redirect(url_for("editor.login", next=request.full_path))
    stash = {k: request.form.getlist(k) for k in request.form if k not in ("csrf_token", "action")}
    page = render_template("login.html", title="Log in again", next=request.path, stash=json.dumps(stash),
                           message="Your session ended before this was saved. Log in again: "
                                   "what you typed is kept and shown back to you.")
    return page, 401


def user_problems(name, role, password) -> list[dict]:
    """Problems with a user about to be saved, as ``{pointer, message}``."""
    errors = []
    if not isinstance(name, str) or not name.strip():
        errors.append({"pointer": "/name", "message": "a user needs a name"})
    if role not in ROLES:
        errors.append({"pointer": "/role", "message": f"must be one of {', '.join(ROLES)}"})
    if not isinstance(password, str) or len(password) < 10:
        errors.append({"pointer": "/password", "message": "at least 10 characters"})
    return errors


def login(name: str, password: str) -> dict | None:
    """The user if the password is right; None otherwise (the same for an unknown user). Rate-limited."""
    key = f"{request.remote_addr}|{name.lower()}"[:320]
    store = state.store()
    window_start = state.now() - timedelta(seconds=LOGIN_WINDOW_SECONDS)
    if store.accounts.count_login_failures(key, window_start) >= LOGIN_ATTEMPTS:
        raise Problem(429, "Too many failed logins; wait a few minutes.", "Too Many Requests",
                      headers={"Retry-After": str(LOGIN_WINDOW_SECONDS)})
    found = state.store().accounts.user(name)
    # Check a hash even for unknown users, so timing does not tell which names exist.
    hashed = found["password_hash"] if found else _DUMMY_HASH
    if not check_password_hash(hashed, password) or found is None:
        store.accounts.add_login_failure(key)
        return None
    store.accounts.clear_login_failures(key, before=window_start)
    session.clear()
    session["user"] = found["name"]
    session.permanent = True
    csrf_token()
    return {"name": found["name"], "role": found["role"]}


def logout() -> None:
    session.clear()


_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")
