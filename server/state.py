"""Accessors for the per-app objects create_app builds (settings, store, URL builder, clock, password method)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from metadata.storage import Store
from metadata.record.urls import UrlBuilder

from .config import Settings


def settings() -> Settings:
    return current_app.extensions["muniment"]["settings"]


def store() -> Store:
    return current_app.extensions["muniment"]["store"]


def now() -> datetime:
    """The current UTC time to the second, from the app's clock (the one the store stamps writes with)."""
    return current_app.extensions["muniment"]["clock"]()


def password_method() -> str:
    """The Werkzeug method the app hashes passwords with (config.password_method)."""
    return current_app.extensions["muniment"]["password_method"]


def urls() -> UrlBuilder:
    return current_app.extensions["muniment"]["urls"]

