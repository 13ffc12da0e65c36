"""EDTF dates: validation and sortable bounds, through the `edtf` library.

Records keep the archivist's EDTF string (``1949-07-18``, ``1955~``, ``194X``); catalogues and viewers
need plain lower/upper dates to sort and to fill IIIF ``navDate``, which ``bounds`` derives.
"""
from __future__ import annotations

import time

import edtf


def is_edtf(value: str) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        edtf.parse_edtf(value)
    except Exception:  # the library raises several parser error types
        return False
    return True


def bounds(value: str) -> tuple[str, str]:
    """The earliest and latest ISO day (YYYY-MM-DD) an EDTF value can denote."""
    parsed = edtf.parse_edtf(value)
    lower, upper = parsed.lower_strict(), parsed.upper_strict()
    return _iso(lower), _iso(upper)


def _iso(moment: time.struct_time) -> str:
    return f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}"
