"""Storage: the database tables, migrations and the ``Store`` with one part per concern (see store.py).

Callers outside storage import from here: the Store, the engine factory and the values and errors it hands out.
"""
from metadata.storage.database import engine_url, make_engine, utc_now
from metadata.storage.states import Conflict, Gone, HarvestItem, NotFound, RecordState, Revision, StorageError
from metadata.storage.store import Store

__all__ = ["Conflict", "Gone", "HarvestItem", "NotFound", "RecordState", "Revision", "StorageError", "Store",
           "engine_url", "make_engine", "utc_now"]
