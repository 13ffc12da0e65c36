"""Fixtures: an app and store on a fresh SQLite file, and on a fresh PostgreSQL database when configured.

PostgreSQL runs when MUNIMENT_TEST_POSTGRES_URL names a server (CI sets it): each test session creates its
own database there and drops it at the end.

Speed without sharing state: every test still gets its own fresh database, but the Alembic chain (about a
quarter of a second on SQLite, half a second on PostgreSQL, for each of hundreds of tests) runs once per
session. A SQLite database ``make_app`` is handed that does not exist yet is a copy of a template file
migrated at the start; a PostgreSQL test that asks for ``app`` gets the session database emptied by TRUNCATE
when its schema is still exactly the migrated one (otherwise dropped and migrated again). A test that asks
only for ``database_url`` still gets a blank database, for tests of the migrations themselves.
"""
from __future__ import annotations

import functools
import gc
import os
import shutil
import tempfile
import uuid
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from metadata.storage import engine_url, make_engine, migrate, tables
from metadata.importers import archive_file
from server import create_app

from tests.support.browser import CHROMIUM_ARGS, chromium_path, require
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


def pytest_collection_finish(session):
    """Keep the garbage collector's passes short and few in a test process (a tenth of its time or more before).

    Collecting imports every test module (Hypothesis, SQLAlchemy, Playwright, the app: 400,000 objects), none
    of it ever garbage, and each full pass walked all of it, a tenth of a second; and a test process allocates
    in bursts (an app per test and its hundred URL rules, hundreds of records written), so at Python's default
    of a pass every 700 allocations a quarter of ``create_app`` was collecting. ``gc.freeze`` exempts what
    collection built; a pass every 50,000 allocations leaves the rest to be collected as before, less often.
    Nothing a test checks depends on when cyclic garbage goes (memory is measured in the servers' processes)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000)


@contextmanager
def postgres_database():
    """A PostgreSQL database made for the caller and dropped afterwards (its URL)."""
    admin = create_engine(engine_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"muniment_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A commit need not wait for its WAL to reach the disk: the tests never survive a crash of the server,
        # and on a slow disk the wait was a millisecond a commit. Everything else (isolation, locks, triggers,
        # constraints) is PostgreSQL's as deployed.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def module_database(backend: str, folder: Path):
    """A database of its own for a module-scoped fixture (a context manager of its URL): a PostgreSQL database
    made and dropped around it, or a SQLite file in ``folder``."""
    return postgres_database() if backend == "postgres" else nullcontext(f"sqlite:///{folder / 'module.db'}")


@contextmanager
def module_app(backend: str, folder: Path, **overrides):
    """An app over a database of its own (``module_database``) for a module-scoped fixture to fill and share;
    its connections are closed before the database is dropped."""
    with module_database(backend, folder) as url:
        app = make_app(url, folder, **overrides)
        try:
            yield app
        finally:
            app.extensions["muniment"]["store"].engine.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    """The test session's own PostgreSQL database (function-scoped tests reset its schema)."""
    with postgres_database() as url:
        yield url


# Fixtures whose test gets the newest schema at once (make_app would migrate a blank database straight away):
# `app`, and `migrated_url` for fixtures that build their own app with other settings.
_WANT_HEAD = {"app", "migrated_url"}


def _fresh_postgres(request) -> str:
    """A clean database for one test: the session database, blank, or at the newest schema with no rows when
    the test asks for a fixture of _WANT_HEAD."""
    url = request.getfixturevalue("postgres_server")
    _AT_HEAD.discard(url)
    engine = _admin_engine(url)
    want_head = bool(_WANT_HEAD & set(request.fixturenames))
    if want_head and _emptied_at_head(engine):
        _AT_HEAD.add(url)
        return url
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    if want_head:
        migrate.upgrade(engine)
        _AT_HEAD.add(url)
        if not _SCHEMA_AT_HEAD:
            with engine.connect() as conn:
                _SCHEMA_AT_HEAD.append(conn.execute(_PG_SCHEMA_FINGERPRINT).scalar())
    return url


@functools.cache
def _admin_engine(url: str):
    """The session database's engine for resetting it between tests, kept (a new one per test cost a connect)."""
    return create_engine(engine_url(url))


# PostgreSQL databases the next make_app need not migrate: just emptied at the newest schema.
_AT_HEAD: set[str] = set()
_SQLITE_TEMPLATE: list[Path] = []  # the session's migrated SQLite file, made on first use
_SCHEMA_AT_HEAD: list[str] = []  # the PostgreSQL schema's fingerprint right after migrating to head

# Everything a test could change about the schema (tables, columns and their types, defaults, indexes,
# constraints, triggers, functions, the Alembic revision): equal fingerprints mean TRUNCATE restores the
# freshly migrated state.
_PG_SCHEMA_FINGERPRINT = text("""
SELECT md5(coalesce(string_agg(item, '|' ORDER BY item), '')) FROM (
  SELECT c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text
         || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS item
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT relkind::text || ' ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
  UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT conname || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT tgname || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT proname || md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'revision ' || version_num FROM alembic_version) AS schema""")


def _emptied_at_head(engine) -> bool:
    """Empty every table (sequences restarted) if the schema is exactly the migrated one; say whether it was.

    DELETE, children before parents, rather than TRUNCATE: a test leaves a few rows, and TRUNCATE gives every
    table and index a new file, thirty milliseconds a test where deleting a few rows takes one or two."""
    with engine.begin() as conn:
        if conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
            return False
        if not _SCHEMA_AT_HEAD or conn.execute(_PG_SCHEMA_FINGERPRINT).scalar() != _SCHEMA_AT_HEAD[0]:
            return False
        present = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                        "AND tablename <> 'alembic_version'")).scalars())
        ordered = [table.name for table in reversed(tables.metadata.sorted_tables) if table.name in present]
        sequences = conn.execute(text("SELECT quote_ident(sequencename) FROM pg_sequences "
                                      "WHERE schemaname = 'public'")).scalars().all()
        conn.exec_driver_sql("; ".join(
            [f'DELETE FROM "{name}"' for name in sorted(present - set(ordered)) + ordered]
            + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]))
    return True


def _sqlite_template() -> Path:
    if not _SQLITE_TEMPLATE:
        path = Path(tempfile.mkdtemp(prefix="muniment-test-template-")) / "migrated.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()  # the last connection checkpoints the WAL into the file: the file alone is complete
        _SQLITE_TEMPLATE.append(path)
    return _SQLITE_TEMPLATE[0]


def upgrade(engine) -> None:
    """``migrate.upgrade`` for a test's new database: a SQLite file that does not exist yet (nothing has
    connected) becomes a copy of the session's migrated template instead, the same schema without running
    every migration again. Any other database is migrated as usual."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:" and not any(Path(f"{path}{end}").exists() for end in ("", "-wal", "-journal")):
        shutil.copyfile(_sqlite_template(), path)
        return
    migrate.upgrade(engine)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "postgres":
        return _fresh_postgres(request)
    return f"sqlite:///{tmp_path / 'muniment.db'}"


@pytest.fixture
def migrated_url(database_url) -> str:
    """``database_url`` for a test that builds its own app: on PostgreSQL the session database at the newest
    schema with no rows; on SQLite a file not made yet, which make_app makes as a copy of the migrated template
    (so make_app migrates nothing; a CLI command opening it first migrates it, as on a new install)."""
    return database_url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'muniment.db'}"


def make_app(url: str, tmp_path, **overrides):
    """An app over ``url`` at the newest schema (see ``upgrade``; the PostgreSQL fixture may have emptied the
    session database at the newest schema already)."""
    app = create_app({"DATABASE_URL": url, "BASE_URL": BASE_URL, "SECRET_KEY": "test-secret",
                      "DATA_DIR": str(tmp_path / "data"), "PASSWORD_METHOD": TEST_PASSWORD_METHOD, **overrides})
    app.config["TESTING"] = True
    if url in _AT_HEAD:
        _AT_HEAD.discard(url)  # once: what the test does next may change the schema
    else:
        upgrade(app.extensions["muniment"]["store"].engine)
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


# The tests' apps hash passwords with scrypt at a 32nd of the work factor a deployment uses (N = 1,024 instead of
# 32,768; config.password_method): every login still runs scrypt and checks the password, in a few milliseconds
# instead of a twentieth of a second, and an unknown name's check costs the same. Checking the tests' thousands of
# logins had been an eighth of the suite's time. (Django's own advice for test settings is the same: a fast
# hasher.) An app made without the override hashes at full cost, as test_accounts checks.
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """A password's hash for a test's users, made as the tests' apps make it, once per session."""
    return generate_password_hash(password, method=TEST_PASSWORD_METHOD)


@pytest.fixture
def editor_client(app, store):
    """A test client logged in as an editor, with the seed stored (the editor tests' common start)."""
    store.accounts.put_user("ann", password_hash(), "editor")
    store.records.save(archive_file.parse_file(seed_file()), "import")
    client = app.test_client()
    response = client.post("/login", data={"name": "ann", "password": PASSWORD, "next": "/edit"})
    assert response.status_code == 302
    return client


class _SharedChromium:
    """One Chromium for each run of consecutive browser tests in a test process, not one per test (starting it
    takes seconds) nor one per module (seven starts, each a second of processor time). Not one per process:
    Playwright's sync API marks its event loop as running while it is open (``asyncio.run`` then refuses), so
    it is closed as soon as the next test is not a browser test (``pytest_runtest_teardown``), and every
    other test runs with no event loop of Playwright's open. Browser modules are collected first
    (``pytest_collection_modifyitems``), so a process usually runs them in one stretch."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    def get(self):
        if self._browser is not None and not self._browser.is_connected():
            self.close()  # it crashed: the rest of the stretch gets a new one
        if self._browser is None:
            require(chromium_path())
            from playwright.sync_api import sync_playwright

            if self._playwright is None:
                self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(executable_path=chromium_path(),
                                                                 args=CHROMIUM_ARGS)
            except BaseException:
                self.close()  # a failed launch leaves no event loop running for the next test
                raise
        return self._browser

    def close(self) -> None:
        playwright, browser = self._playwright, self._browser
        self._playwright = self._browser = None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


_CHROMIUM = _SharedChromium()


def pytest_collection_modifyitems(items):
    """Browser modules first, then the rest, each group by its number of tests, most first (pytest-xdist's own
    order for ``--dist loadfile``, which `make test` turns off with ``--no-loadscope-reorder`` so that this one
    holds): the shared Chromium then serves each process's browser modules in one stretch, and the heaviest
    files start first, which keeps the two processes' ends close together. A stable sort: a module's tests stay
    together and in their order."""
    def module(item) -> str:
        return item.nodeid.split("::", 1)[0]

    counts = Counter(module(item) for item in items)
    browser = {module(item) for item in items if item.getparent(pytest.Module).get_closest_marker("browser")}
    items.sort(key=lambda item: (module(item) not in browser, -counts[module(item)]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the test's own fixtures (its browser contexts) are torn down first
    if nextitem is None or "chromium" not in nextitem.fixturenames:
        _CHROMIUM.close()


def pytest_sessionfinish(session):
    _CHROMIUM.close()  # a run stopped early (-x, --maxfail) may end inside a stretch


@pytest.fixture
def chromium():
    """The shared Chromium (``_SharedChromium``), started for the first browser test of a stretch."""
    return _CHROMIUM.get()


@pytest.fixture
def browser(chromium):
    """The shared Chromium for one test: the test opens its own contexts (cookies, storage, pages), and
    they are all closed after it, so tests share nothing but the browser process."""
    yield chromium
    for context in chromium.contexts:
        context.close()
