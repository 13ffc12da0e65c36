"""What a record's stored rows hold besides its revision, computed from the record's data alone.

The write path (store.py) stores these values and ``muniment check`` recomputes them to compare, so both use
the functions here and cannot disagree about what "consistent" means.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import func, select

from metadata.record import dates
from metadata.record.stamps import Stamps
from metadata.record.text import first_text
from metadata.record.urls import STORED
from metadata.storage.tables import records, revisions

# A deriver gets the record and when it entered the catalogue and last changed (MARC 005/008, MODS recordInfo).
Deriver = Callable[[dict, Stamps], "str | dict[str, str]"]


def listing_values(data: dict) -> dict:
    """The records row's copies of the data used for listings and date ranges."""
    lower, upper = dates.bounds(data["created"])
    return dict(title=first_text(data["title"]), created=data["created"], date_lower=lower, date_upper=upper)


def stamps(conn, identifier: str) -> Stamps:
    """The record's first revision time and its current datestamp (written before its outputs are)."""
    entered = conn.execute(select(func.min(revisions.c.created_at))
                           .where(revisions.c.record_id == identifier)).scalar_one()
    changed = conn.execute(select(records.c.datestamp).where(records.c.id == identifier)).scalar_one()
    return Stamps(entered, changed)


def derived_outputs(derivers: Mapping[str, Deriver], data: dict, when: Stamps) -> dict[str, str]:
    """Every stored output of a record by format name: each deriver gives one text, or several named texts
    (a manifest and its page layout)."""
    found: dict[str, str] = {}
    for name, build in derivers.items():
        output = build(data, when)
        found.update(output if isinstance(output, dict) else {name: output})
    return found


def set_specs(data: dict) -> set[str]:
    """The sets a record says it is part of (its ``isPartOf`` IRIs that name sets of this archive)."""
    return {STORED.set_spec(iri) for iri in data.get("isPartOf") or []} - {None}
