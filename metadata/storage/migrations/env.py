"""Alembic environment: runs migrations on the engine Muniment hands over in ``config.attributes``.

On SQLite, batch migrations rebuild a table (create a copy, drop the old one); with foreign keys enforced,
dropping ``users`` while ``tokens`` refer to it fails, so enforcement is off while migrations run (SQLite only
honours the switch outside a transaction, hence on the driver connection before anything begins) and back on
after.
"""
from alembic import context

from metadata.storage.tables import metadata

engine = context.config.attributes["engine"]


def _sqlite_foreign_keys(connection, on: bool) -> None:
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    _sqlite_foreign_keys(connection, False)
    try:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if connection.in_transaction():  # a failed migration: end it, so the switch back takes effect
            connection.rollback()
        _sqlite_foreign_keys(connection, True)
