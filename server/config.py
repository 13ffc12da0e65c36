"""The one place configuration is read: ``MUNIMENT_*`` environment variables, overridable by create_app(config).

Every setting has a default that works on a fresh machine (SQLite in the data directory, a secret key
generated once and kept there), so ``make run`` needs no set-up. The data directory (``MUNIMENT_DATA_DIR``)
defaults to Flask's instance folder; set it when the code lives in a checkout or a read-only place.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from metadata.formats.cataloguing import AGENCY_CODE, DEFAULT_AGENCY
from metadata.storage import utc_now
from metadata.storage.preparation import available_cores


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
    data_dir: str = ""  # the SQLite database, the secret key and caches; Flask's instance folder by default
    response_cache_bytes: int = 32 * 1024 * 1024  # per worker, for each in-memory response cache
    image_cache_bytes: int = 1024 * 1024 * 1024  # the rendered page images and PDFs on disk, all workers
    proxy_addresses: str = "127.0.0.1,::1"  # where trusted reverse proxies connect from
    trusted_proxies: int = 0  # how many reverse proxies in front may set X-Forwarded-For/-Proto (ProxyFix)
    cataloging_agency: str = DEFAULT_AGENCY  # MARC organization code: MARC 003/040, MODS recordContentSource
    import_workers: int = 0  # processes reading and preparing files for `muniment import`; 0: one per core, for big imports

    def import_workers_for(self, files: int) -> int:
        """Worker processes for an import of ``files`` files: as set, else one per core once the import is big
        enough to gain from them (starting the processes costs more than a few files take)."""
        if self.import_workers > 0:
            return self.import_workers
        return available_cores() if files >= AUTOMATIC_WORKERS_FROM else 1

    @property
    def base(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


AUTOMATIC_WORKERS_FROM = 64  # files: smaller imports stay in one process unless MUNIMENT_IMPORT_WORKERS says

# Documented in README.md ("Configuration"); each is MUNIMENT_<NAME>.
ENV_PREFIX = "MUNIMENT_"


def _secret_key(data_dir: Path) -> str:
    """A random key kept in the data directory, so sessions and OAI tokens survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


PASSWORD_METHOD = "scrypt"  # Werkzeug's scrypt at its full work factor (N = 32,768, r = 8, p = 1)


def password_method(overrides: dict | None = None) -> str:
    """How the app hashes passwords (and the hash an unknown name's login is checked against): Werkzeug's
    scrypt at full cost, or ``create_app({"PASSWORD_METHOD": m})``'s ``m``.

    Only tests set it, to a cheaper work factor (Django advises the same for test settings): the suite logs in
    hundreds of times at 50 ms a check. Like CLOCK it is deliberately not a MUNIMENT_* variable, so no
    deployment can weaken its stored passwords by its environment.
    """
    return (overrides or {}).get("PASSWORD_METHOD") or PASSWORD_METHOD


def clock(overrides: dict | None = None) -> Callable[[], datetime]:
    """Where the app reads "now": the real UTC clock, or ``create_app({"CLOCK": fn})``'s ``fn``.

    Only tests set it (to a clock they move by hand instead of sleeping past OAI-PMH's one-second
    datestamps), so it is deliberately not a MUNIMENT_* variable.
    """
    return (overrides or {}).get("CLOCK") or utc_now


def load(instance_path: str | Path, overrides: dict | None = None, environ=None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict = {}
    for field in fields(Settings):
        raw = environ.get(ENV_PREFIX + field.name.upper())
        if raw is not None and raw != "":
            try:
                values[field.name] = int(raw) if field.type in ("int", int) else raw
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{field.name.upper()} must be a whole number, not {raw!r}") from None
    for key, value in (overrides or {}).items():
        name = key.lower().removeprefix(ENV_PREFIX.lower())
        if name in {f.name for f in fields(Settings)}:
            values[name] = value
    data_dir = Path(values.get("data_dir") or instance_path)
    values["data_dir"] = str(data_dir)
    if "database_url" not in values:
        data_dir.mkdir(parents=True, exist_ok=True)
        values["database_url"] = f"sqlite:///{data_dir / 'muniment.db'}"
    if not values.get("secret_key"):
        values["secret_key"] = _secret_key(data_dir)
    settings = Settings(**values)
    if not AGENCY_CODE.match(settings.cataloging_agency):
        raise ValueError(f"{ENV_PREFIX}CATALOGING_AGENCY must be a MARC organization code (letters first, then "
                         f"letters, digits, '-' or ':', at most 16), not {settings.cataloging_agency!r}")
    if not settings.provider_homepage:
        settings = Settings(**{**values, "provider_homepage": settings.base})
    return settings
