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

from metadata.record import timestamps

_PLAIN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _plain_bounds(value: str) -> tuple[str, str] | None:
    """Bounds of a plain level-0 date, None if ``value`` is not one (ValueError if it is an impossible date)."""
    match = _PLAIN.match(value)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    if day is None and month is not None and month > 20:  # a season (1950-21, spring): the library decides
        return None
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    if day is None:
        date(year, month, 1)
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    date(year, month, day)
    return value, value


_QUALIFIED = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)[~?%]$")  # 1962~, 1949-07?, 1949-07-18%
_UNSPECIFIED_YEAR = re.compile(r"^\d{2}(?:\dX|XX)$")  # 196X, 19XX


def _common_level_1(value: str) -> bool | None:
    """Whether a qualified calendar date or a year with unspecified last digits is EDTF (None for any other
    form). These are most archival dates past level 0, and the library takes some 25 ms to parse each new one:
    a page of search results with twenty of them waited half a second. ``tests/test_dates.py`` checks these
    answers against the library's."""
    qualified = _QUALIFIED.match(value)
    if qualified:
        try:
            return True if _plain_bounds(qualified.group(1)) is not None else None  # a season: the library's
        except ValueError:  # not a calendar date; the library has its own view of some (it takes 1949-02-29~)
            return None
    return True if _UNSPECIFIED_YEAR.match(value) else None


@lru_cache(maxsize=4096)
def is_edtf(value: str) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        if _plain_bounds(value) is not None:
            return True
    except ValueError:
        return False
    common = _common_level_1(value)
    if common is not None:
        return common
    try:
        edtf.parse_edtf(value)
    except Exception:  # the library raises several parser error types
        return False
    return True


@lru_cache(maxsize=4096)
def years(value: str) -> tuple[int | None, int | None]:
    """The earliest and latest year an EDTF value can denote, as integers (year 0 is 1 BC, -100 is 101 BC).

    None stands for no bound: an open end (``../1950``, ``[..1950]``, ``1962/..``) or an unknown year
    (``XXXX``: "undated"). MARC's fixed field and the writer of words need the years as they are.
    """
    lower, upper = _ends(value)
    return (lower[0] if lower else None), (upper[0] if upper else None)


@lru_cache(maxsize=4096)
def bounds(value: str) -> tuple[str | None, str | None]:
    """The earliest and latest ISO day (YYYY-MM-DD) an EDTF value can denote, for sorting and IIIF navDate.

    None where there is no bound (see ``years``). Years outside 0000-9999, which YYYY-MM-DD cannot write, are
    clamped to its first or last day: a date BC sorts before every other, a year past 9999 after them, and the
    stored columns (ten characters) and navDate stay well-formed.
    """
    plain = _plain_bounds(value)
    if plain is not None:
        return plain
    lower, upper = _ends(value)
    return (_iso(lower) if lower else None), (_iso(upper) if upper else None)


EDTF_DATATYPE = "http://id.loc.gov/datatypes/edtf/EDTF"
XSD = "http://www.w3.org/2001/XMLSchema#"


def datatype(value: str) -> str:
    """The RDF datatype of a date value, one rule for every date property (``created``, a source's ``issued``).

    A plain calendar date is typed by its precision, as RDF tools compare and sort it: ``1949-07-18`` is an
    ``xsd:date``, ``1949-07`` an ``xsd:gYearMonth``, ``1949`` an ``xsd:gYear``. Anything else EDTF can say (an
    approximate, uncertain or unspecified date, an interval, a season, a year outside 0001-9999) keeps the
    Library of Congress EDTF datatype, whose lexical space is the EDTF string as written.
    """
    try:
        plain = _plain_bounds(value)
    except ValueError:  # an impossible calendar date (1949-02-30) is no xsd:date either
        plain = None
    if plain is None or value.startswith("0000"):
        return EDTF_DATATYPE
    return XSD + {4: "gYear", 7: "gYearMonth", 10: "date"}[len(value)]


def nav_date(value: str) -> str | None:
    """IIIF ``navDate`` (xsd:dateTime) for an EDTF value: its earliest day; None when it has no sensible one.

    Undated values and open starts (``../1950``) have no earliest day, and years outside 1-9999 have no
    four-digit Common Era form (date-time parsers, iiif-prezi3's among them, refuse year 0); their manifests and
    collection entries leave navDate out rather than invent one.
    """
    year = years(value)[0]
    if year is None or not 1 <= year <= 9999:
        return None
    return timestamps.day_start(bounds(value)[0])


Day = tuple[int, int, int]


def _ends(value: str) -> tuple[Day | None, Day | None]:
    """(year, month, day) of the earliest and latest moment, None for an open or unknown end."""
    plain = _plain_bounds(value)
    if plain is not None:
        return tuple(tuple(int(p) for p in end.split("-")) for end in plain)
    parsed = edtf.parse_edtf(value)
    lower, upper = parsed.lower_strict(), parsed.upper_strict()
    first, slash, last = value.partition("/")
    last = last if slash else first
    lower = None if not isinstance(lower, time.struct_time) or _open_start(value, first) else lower
    upper = None if not isinstance(upper, time.struct_time) or _open_end(value, last) else upper
    return ((lower.tm_year, lower.tm_mon, lower.tm_mday) if lower else None,
            (upper.tm_year, upper.tm_mon, upper.tm_mday) if upper else None)


def _open_start(value: str, first: str) -> bool:
    """No earliest year: ``../1950``, ``/1950`` (unknown start), ``[..1950]``, or an unknown year ``XXXX``."""
    return first in ("", "..") or value.startswith(("[..", "{..")) or first.lstrip("[{").startswith("XXXX")


def _open_end(value: str, last: str) -> bool:
    return last in ("", "..") or value.endswith(("..]", "..}")) or last.lstrip("[{").startswith("XXXX")


def _iso(day: Day) -> str:
    year, month, mday = day
    if year < 0:
        return "0000-01-01"
    if year > 9999:
        return "9999-12-31"
    return f"{year:04d}-{month:02d}-{mday:02d}"
