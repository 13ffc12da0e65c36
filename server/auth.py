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

from flask import g, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from metadata.storage import utc_now

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


def check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        raise Problem(403, "The form's CSRF token is missing or expired; reload the page and try again.",
                      "Forbidden")


def require(role: str = "editor"):
    """Route decorator: 401 for anonymous requests, 403 for too small a role, then CSRF for session writes."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                raise Problem(401, "Log in or send an API token to do this.", "Unauthorized",
                              headers={"WWW-Authenticate": 'Bearer realm="muniment"'})
            if ROLES.get(user["role"], 0) < ROLES[role]:
                raise Problem(403, f"This needs the {role} role.", "Forbidden")
            if request.method in UNSAFE and not g.via_token:
                check_csrf()
            return view(*args, **kwargs)
        wrapper.required_role = role
        return wrapper
    return decorate


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
    window_start = utc_now() - timedelta(seconds=LOGIN_WINDOW_SECONDS)
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
