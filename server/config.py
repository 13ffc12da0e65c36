"""The one place configuration is read: ``MUNIMENT_*`` environment variables, overridable by create_app(config).

Every setting has a default that works on a fresh machine (SQLite in Flask's instance folder, a secret key
generated once and kept there), so ``make run`` needs no set-up.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from metadata.storage import utc_now


@dataclass(frozen=True)
class Settings:
    database_url: str
    base_url: str = "http://127.0.0.1:5000/"
    repository_name: str = "Muniment"
    repository_description: str = ""
    admin_email: str = "archivist@muniment.example.org"
    secret_key: str = ""
    oai_repository_id: str = "muniment.example.org"
    oai_page_size: int = 100
    provider_name: str = "Muniment"
    provider_homepage: str = ""
    default_rights: str = ""
    font_latin: str = ""
    font_cjk: str = ""
    max_request_bytes: int = 5 * 1024 * 1024

    @property
    def base(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


# Documented in README.md ("Configuration"); each is MUNIMENT_<NAME>.
ENV_PREFIX = "MUNIMENT_"


def _secret_key(instance_path: Path) -> str:
    """A random key kept in the instance folder, so sessions and OAI tokens survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def clock(overrides: dict | None = None) -> Callable[[], datetime]:
    """Where the app reads "now": the real UTC clock, or ``create_app({"CLOCK": fn})``'s ``fn``.

    Only tests set it (to a clock they move by hand instead of sleeping past OAI-PMH's one-second
    datestamps), so it is deliberately not a MUNIMENT_* variable.
    """
    return (overrides or {}).get("CLOCK") or utc_now


def load(instance_path: str | Path, overrides: dict | None = None, environ=None) -> Settings:
    environ = os.environ if environ is None else environ
    instance_path = Path(instance_path)
    values: dict = {}
    for field in fields(Settings):
        raw = environ.get(ENV_PREFIX + field.name.upper())
        if raw is not None and raw != "":
            values[field.name] = int(raw) if field.type in ("int", int) else raw
    for key, value in (overrides or {}).items():
        name = key.lower().removeprefix(ENV_PREFIX.lower())
        if name in {f.name for f in fields(Settings)}:
            values[name] = value
    if "database_url" not in values:
        instance_path.mkdir(parents=True, exist_ok=True)
        values["database_url"] = f"sqlite:///{instance_path / 'muniment.db'}"
    if not values.get("secret_key"):
        values["secret_key"] = _secret_key(instance_path)
    settings = Settings(**values)
    if not settings.provider_homepage:
        settings = Settings(**{**values, "provider_homepage": settings.base})
    return settings
