"""Who is asking: API tokens (Bearer) and browser sessions, roles, CSRF, and login rate limiting.

Roles: anonymous readers; ``editor`` creates, edits, publishes, deletes and restores records and sees drafts;
``admin`` also manages users and sets. Authentication is checked before CSRF, so an anonymous write is a 401
whatever it carries. Passwords are hashed with scrypt (Werkzeug), tokens stored as SHA-256 digests. Failed logins are counted in
the database (per address and per name, see throttle), so app servers sharing it share the limit.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import wraps

import json

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash


from . import state, throttle
from .problems import Problem

ROLES = {"editor": 1, "admin": 2}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=state.password_method())


@functools.cache
def dummy_hash(method: str) -> str:
    """What an unknown name's login is checked against, made with the app's own method so that it costs what
    a real user's check costs (create_app makes it, so the first such login costs no more than the others)."""
    return generate_password_hash("not a password", method=method)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "mnt_" + secrets.token_urlsafe(32)


TOKEN_DAYS = range(1, 3651)


def token_expiry(days) -> tuple:
    """(expiry time or None, problem message) for a token meant to last ``days`` days ("" or None: forever)."""
    if days in ("", None):
        return None, ""
    if isinstance(days, str) and days.isascii() and days.isdigit() and len(days) < 6:
        days = int(days)
    if not isinstance(days, int) or isinstance(days, bool) or days not in TOKEN_DAYS:
        return None, "A token lasts 1 to 3650 days; give no expiry for a token that does not expire."
    return state.now() + timedelta(days=days), ""


def current_user() -> dict | None:
    """The user behind this request (token first, then session); None when anonymous.

    A session counts only while its user may still get in and its epoch is the user's current one: logging
    out, a password reset and disabling bump the epoch, which ends every session of that user at once."""
    if "user" in g:
        return g.user
    user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = state.store().accounts.token_user(token_digest(header[7:].strip()))
        if user is None:
            raise Problem(401, "The API token is unknown, expired or revoked.", "Unauthorized",
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        g.via_token = True
    elif isinstance(session.get("user"), str):
        found = state.store().accounts.session_user(session["user"], session.get("epoch"))
        user = {"name": found["name"], "role": found["role"]} if found else None
        if found is None:
            session.clear()
    g.user = user
    return user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid() -> bool:
    """Whether this request carries the session's CSRF token (header for scripts, form field for pages)."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    return csrf_matches(sent)


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
def csrf_matches(sent) -> bool:
    """Whether a sent CSRF token is this session's (compared as bytes: any text, ASCII or not, is safe)."""
    expected = session.get("csrf", "")
    if not sent or not isinstance(sent, str) or not isinstance(expected, str):
        return False
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


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


NAME_LENGTH = 255  # the users table's column


def user_problems(name, role, password, *, password_required: bool = True) -> list[dict]:
    """Problems with a user about to be saved, as ``{pointer, message}``. Passwords are taken exactly as
    typed (never stripped), but one of only spaces is no password."""
    errors = []
    if not isinstance(name, str) or not name.strip():
        errors.append({"pointer": "/name", "message": "a user needs a name"})
    elif len(name) > NAME_LENGTH:
        errors.append({"pointer": "/name", "message": f"at most {NAME_LENGTH} characters"})
    elif not name.isprintable():
        errors.append({"pointer": "/name", "message": "letters, digits, spaces and punctuation only"})
    if role not in ROLES:
        errors.append({"pointer": "/role", "message": f"must be one of {', '.join(ROLES)}"})
    if password is None and not password_required:
        return errors
    if not isinstance(password, str) or len(password) < 10:
        errors.append({"pointer": "/password", "message": "at least 10 characters"})
    elif not password.strip():
        errors.append({"pointer": "/password", "message": "a password cannot be only spaces"})
    return errors


def login(name: str, password: str) -> dict | None:
    """The user if the password is right; None otherwise (the same for an unknown user). Throttled."""
    access = state.store().accounts
    address = f"address|{request.remote_addr}"
    # The name as a digest: any length or character a client sends fits the key column.
    who = "name|" + hashlib.sha256(name.lower().encode("utf-8", "surrogatepass")).hexdigest()
    throttle.check(access, address, who)
    found = access.user(name) if valid_login_name(name) else None
    # Check a hash even for unknown users, so timing does not tell which names exist.
    hashed = found["password_hash"] if found and found["password_hash"] else dummy_hash(state.password_method())
    if not check_password_hash(hashed, password) or found is None or found["disabled"]:
        throttle.failed(access, address, who)
        return None
    access.clear_failures(who)
    session.clear()
    session["user"] = found["name"]
    session["epoch"] = found["session_epoch"]
    session.permanent = True
    csrf_token()
    return {"name": found["name"], "role": found["role"]}


def valid_login_name(name) -> bool:
    """Whether ``name`` could be a user's name at all (others, such as one with a NUL, match nobody)."""
    return isinstance(name, str) and 0 < len(name) <= NAME_LENGTH and "\0" not in name


def logout() -> None:
    """End every session of the user, not just this browser's (a copied cookie stops working too)."""
    user = current_user()
    if user is not None:
        state.store().accounts.end_sessions(user["name"])
    session.clear()
