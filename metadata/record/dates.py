"""EDTF dates: validation and sortable bounds, through the `edtf` library.

Records keep the archivist's EDTF string (``1949-07-18``, ``1955~``, ``194X``); catalogues and viewers
need plain lower/upper dates to sort and to fill IIIF ``navDate``, which ``bounds`` derives.

The library's parser is thorough but slow (milliseconds per value), so the plain calendar dates that make
up most records (EDTF level 0: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) are checked with the standard
library, and everything else goes to the EDTF parser, with results cached.
"""
from __future__ import annotations

import calendar
import re
import time
from datetime import date
from functools import lru_cache

import edtf

_PLAIN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _plain_bounds(value: str) -> tuple[str, str] | None:
    """Bounds of a plain level-0 date, None if ``value`` is not one (ValueError if it is an impossible date)."""
    match = _PLAIN.match(value)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    if day is None:
        date(year, month, 1)
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    date(year, month, day)
    return value, value


@lru_cache(maxsize=4096)
def is_edtf(value: str) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        if _plain_bounds(value) is not None:
            return True
    except ValueError:
        return False
    try:
        edtf.parse_edtf(value)
    except Exception:  # the library raises several parser error types
        return False
    return True


@lru_cache(maxsize=4096)
def bounds(value: str) -> tuple[str, str]:
    """The earliest and latest ISO day (YYYY-MM-DD) an EDTF value can denote."""
    plain = _plain_bounds(value)
    if plain is not None:
        return plain
    parsed = edtf.parse_edtf(value)
    return _iso(parsed.lower_strict()), _iso(parsed.upper_strict())


def _iso(moment: time.struct_time) -> str:
    return f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}"
