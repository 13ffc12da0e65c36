"""What a record's stored rows hold besides its revision, computed from the record's data alone.

The write path (store.py) stores these values and ``muniment check`` recomputes them to compare, so both use
the functions here and cannot disagree about what "consistent" means.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from metadata.record import dates
from metadata.record.text import first_text
from metadata.record.urls import STORED

Deriver = Callable[[dict], "str | dict[str, str]"]


def listing_values(data: dict) -> dict:
    """The records row's copies of the data used for listings and date ranges."""
    lower, upper = dates.bounds(data["created"])
    return dict(title=first_text(data["title"]), created=data["created"], date_lower=lower, date_upper=upper)


def derived_outputs(derivers: Mapping[str, Deriver], data: dict) -> dict[str, str]:
    """Every stored output of a record by format name: each deriver gives one text, or several named texts
    (a manifest and its page layout)."""
    found: dict[str, str] = {}
    for name, build in derivers.items():
        output = build(data)
        found.update(output if isinstance(output, dict) else {name: output})
    return found


def set_specs(data: dict) -> set[str]:
    """The sets a record says it is part of (its ``isPartOf`` IRIs that name sets of this archive)."""
    return {STORED.set_spec(iri) for iri in data.get("isPartOf") or []} - {None}
