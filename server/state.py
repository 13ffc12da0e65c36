"""Accessors for the per-app objects create_app builds (settings, store, URL builder)."""
from __future__ import annotations

from flask import current_app

from metadata.storage import Store
from metadata.record.urls import UrlBuilder

from .config import Settings


def settings() -> Settings:
    return current_app.extensions["muniment"]["settings"]


def store() -> Store:
    return current_app.extensions["muniment"]["store"]


def urls() -> UrlBuilder:
    return current_app.extensions["muniment"]["urls"]

