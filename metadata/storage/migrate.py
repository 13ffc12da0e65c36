"""Schema migrations: Alembic, configured in code so no alembic.ini has to be found at run time."""
from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (idempotent).

    A database already at the newest revision is left alone without starting Alembic's environment (env.py,
    a migration context, a transaction, and the migration scripts read again): the scripts are read once per
    process, for ``head()``, and a process that upgrades more than once (the tests; a CLI command after the
    server's own check) reads them only that once."""
    if revision == "head" and current(engine) == head():
        return
    command.upgrade(alembic_config(engine), revision)


def head() -> str:
    """The newest migration's revision id, as Alembic reads it from the versions folder."""
    return _scripts().get_current_head()


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (only done on an empty database, where nothing can be lost)."""
    command.downgrade(alembic_config(engine), revision)


@functools.cache
def _scripts():
    """The migration scripts, read once per process (they cannot change while it runs)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def known(revision: str) -> bool:
    return any(script.revision == revision for script in _scripts().walk_revisions())


def is_ancestor(older: str, newer: str) -> bool:
    """Whether ``older`` comes before ``newer`` in the migration chain (a revision is not its own ancestor)."""
    return any(script.revision == older for script in _scripts().iterate_revisions(newer, "base")
               if script.revision != newer)
