"""Fixtures: an app and store on a fresh SQLite file, and on a fresh PostgreSQL database when configured.

PostgreSQL runs when MUNIMENT_TEST_POSTGRES_URL names a server (CI sets it): each test session creates its
own database there and drops it at the end.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from metadata.storage import migrate
from metadata.storage import engine_url
from metadata.importers import archive_file
from server import auth, create_app

from tests.support.paths import seed_file

# Every app a test builds keeps its files (SQLite, secret key, caches) outside the checkout, even one made
# without a DATA_DIR override (an editable install's instance folder is inside the checkout).
os.environ.setdefault("MUNIMENT_DATA_DIR", tempfile.mkdtemp(prefix="muniment-test-data-"))

PASSWORD = "correct horse battery staple"
POSTGRES_URL = os.environ.get("MUNIMENT_TEST_POSTGRES_URL")
BASE_URL = "http://muniment.test/"
BACKENDS = ["sqlite", pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="MUNIMENT_TEST_POSTGRES_URL is not set")])]


@contextmanager
def postgres_database():
    """A PostgreSQL database made for the caller and dropped afterwards (its URL)."""
    admin = create_engine(engine_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"muniment_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    """The test session's own PostgreSQL database (function-scoped tests reset its schema)."""
    with postgres_database() as url:
        yield url


def _fresh_postgres(request) -> str:
    """A clean database for one test: the session database with every table dropped."""
    url = request.getfixturevalue("postgres_server")
    engine = create_engine(engine_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "postgres":
        return _fresh_postgres(request)
    return f"sqlite:///{tmp_path / 'muniment.db'}"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'muniment.db'}"


def make_app(url: str, tmp_path, **overrides):
    app = create_app({"DATABASE_URL": url, "BASE_URL": BASE_URL, "SECRET_KEY": "test-secret",
                      "DATA_DIR": str(tmp_path / "data"), **overrides})
    app.config["TESTING"] = True
    migrate.upgrade(app.extensions["muniment"]["store"].engine)
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    app.extensions["muniment"]["store"].engine.dispose()


@pytest.fixture
def sqlite_app(sqlite_url, tmp_path):
    app = make_app(sqlite_url, tmp_path)
    yield app
    app.extensions["muniment"]["store"].engine.dispose()


@pytest.fixture
def store(app):
    return app.extensions["muniment"]["store"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seed_text() -> str:
    return seed_file().read_text("utf-8")


@pytest.fixture
def editor_client(app, store):
    """A test client logged in as an editor, with the seed stored (the editor tests' common start)."""
    store.accounts.put_user("ann", auth.hash_password(PASSWORD), "editor")
    store.records.save(archive_file.parse_file(seed_file()), "import")
    client = app.test_client()
    response = client.post("/login", data={"name": "ann", "password": PASSWORD, "next": "/edit"})
    assert response.status_code == 302
    return client
