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


def entered(conn, identifier: str):
    """When the record's first revision was written: when it entered the catalogue."""
    return conn.execute(select(func.min(revisions.c.created_at))
                        .where(revisions.c.record_id == identifier)).scalar_one()


def stamps(conn, identifier: str) -> Stamps:
    """The record's first revision time and its current datestamp (written before its outputs are)."""
    changed = conn.execute(select(records.c.datestamp).where(records.c.id == identifier)).scalar_one()
    return Stamps(entered(conn, identifier), changed)


def derived_outputs(derivers: Mapping[str, Deriver], data: dict, when: Stamps | None,
                    ready: Mapping[str, "str | dict[str, str]"] | None = None) -> dict[str, str]:
    """Every stored output of a record by format name: each deriver gives one text, or several named texts
    (a manifest and its page layout). ``ready`` holds what some derivers already gave for this very record
    (computed before the write transaction), by deriver name."""
    found: dict[str, str] = {}
    for name, build in derivers.items():
        output = ready[name] if ready and name in ready else build(data, when)
        found.update(output if isinstance(output, dict) else {name: output})
    return found


def by_deriver(derivers: Mapping[str, Deriver], data: dict, when: Stamps | None) -> dict[str, "str | dict[str, str]"]:
    """Each deriver's own result (one text or several named texts), by deriver name: what ``ready`` takes."""
    return {name: build(data, when) for name, build in derivers.items()}


def set_specs(data: dict) -> set[str]:
    """The sets a record says it is part of (its ``isPartOf`` IRIs that name sets of this archive)."""
    return {STORED.set_spec(iri) for iri in data.get("isPartOf") or []} - {None}
