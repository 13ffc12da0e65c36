"""The one entry point to storage: a ``Store`` holds the database and one part per concern.

- ``records``: writes and full reads of records and their history (``Records``);
- ``serving``: the cheap header and stored-output reads behind every public request (``Serving``);
- ``harvest``: OAI-PMH keyset pages (``Harvest``); ``collections``: IIIF collection listings (``Collections``);
- ``sets``: set names and descriptions (``Sets``); ``accounts``: users, tokens, login failures (``Accounts``);
- ``mentions``: which public records mention a person, place, subject, set or language (``Mentions``);
- ``search``: the public full-text search with facets (``Search``; its index is written with each record);
- ``imports``: importing files with stable identity, leaving archivists' edits alone (``Imports``);
- ``entities``: authority control for people, places and subjects (``Entities``; edits reach every record).

Each part is small and reads or writes through the same ``Database``, so the transaction rules and the clock
are defined once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.engine import Engine

from metadata.storage.accounts import Accounts
from metadata.storage.collections import Collections
from metadata.storage.database import Clock, Database, utc_now
from metadata.storage.entities import Entities
from metadata.storage.harvest import Harvest
from metadata.storage.imports import Imports
from metadata.storage.mentions import Mentions
from metadata.storage.records import Deriver, Records
from metadata.storage.search import Search
from metadata.storage.serving import Serving
from metadata.storage.sets import Sets


class Store:
    """Muniment's storage for one database."""

    def __init__(self, engine: Engine, derivers: Mapping[str, Deriver] | None = None, clock: Clock = utc_now,
                 stamp_free: Iterable[str] = ()):
        self.db = Database(engine, clock)
        self.records = Records(self.db, derivers, stamp_free)
        self.serving = Serving(self.db)
        self.harvest = Harvest(self.db)
        self.collections = Collections(self.db)
        self.sets = Sets(self.db)
        self.accounts = Accounts(self.db)
        self.mentions = Mentions(self.db)
        self.search = Search(self.db)
        self.imports = Imports(self.db, self.records)
        self.entities = Entities(self.db, self.records)

    @property
    def engine(self) -> Engine:
        return self.db.engine
