"""EDTF dates read the way RDA cataloguers write them, and as MARC 008 date codes.

Records keep the archivist's EDTF (``1949-07-18``, ``1955~``, ``194X``); a catalogue wants the date of
production as an RDA statement in 264 $c (``[1949 July 18]``, ``[approximately 1955]``,
``[between 1940 and 1949?]``: bracketed because the cataloguer supplies it, not the document) and the 008
type of date with its two years (``s`` a single known date, ``q`` questionable: approximate, uncertain or a
range, ``n`` unknown). Both readings live here so they cannot disagree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from metadata.record import date_words, dates

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAY = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[~?%])?$")
_UNSPECIFIED = re.compile(r"^(?P<digits>\d{2,3})(?P<x>X{1,2})(?P<q>[~?%])?$")
_OPEN = {"", ".."}


@dataclass(frozen=True)
class Fixed:
    """008/06-14: type of date, date 1 and date 2 (four characters each)."""
    kind: str
    date1: str
    date2: str

    def __str__(self) -> str:
        return f"{self.kind}{self.date1}{self.date2}"


UNDATED = Fixed("n", "uuuu", "uuuu")


def _day(match: re.Match) -> str:
    """'1949 July 18', '1951 March', '1949': RDA's order for a date of production."""
    parts = [match["y"]]
    if match["m"]:
        parts.append(_MONTHS[int(match["m"]) - 1])
        if match["d"]:
            parts.append(str(int(match["d"])))
    return " ".join(parts)


def _qualified(text: str, qualifier: str | None) -> str:
    if qualifier == "~":
        return f"approximately {text}"
    if qualifier == "?":
        return f"{text}?"
    if qualifier == "%":
        return f"approximately {text}?"
    return text


def _side(value: str) -> str | None:
    """One EDTF date (no interval) as RDA words, without brackets; None when it is no form this reads."""
    match = _DAY.match(value)
    if match:
        return _qualified(_day(match), match["q"])
    match = _UNSPECIFIED.match(value)
    if match:
        width = len(match["x"])
        first = int(match["digits"]) * 10 ** width
        return f"between {first} and {first + 10 ** width - 1}?"
    return None


def date_statement(value: str) -> str:
    """The RDA date of production for an EDTF value, as 264 $c gives it: always bracketed, never EDTF."""
    if fixed_dates(value).kind == "b" or any(y is not None and y > 9999 for y in dates.years(value)):
        return f"[{date_words.words(value)}]"  # before the Common Era or past 9999: the one writer of date words
    if "/" in value:
        start, _, end = value.partition("/")
        if start in _OPEN and end not in _OPEN and _side(end):
            return f"[not after {_side(end)}]"
        if end in _OPEN and start not in _OPEN and _side(start):
            return f"[not before {_side(start)}]"
        if _side(start) and _side(end):
            return f"[{_side(start)}-{_side(end)}]"
    elif _side(value):
        return f"[{_side(value)}]"
    first, last = dates.years(value)
    if first is None and last is None:
        return "[date of production not identified]"
    if first is None:
        return f"[not after {last}]"
    if last is None:
        return f"[not before {first}]"
    if first == last:
        return f"[{first}?]"
    return f"[between {first} and {last}?]"


def fixed_dates(value: str) -> Fixed:
    """008/06-14 for an EDTF value: ``s`` a single known date, ``q`` a questionable one (a range, an
    approximation, an open end), ``n`` no known date (``XXXX``, or a year past 9999 that four characters cannot
    hold), ``b`` a date before the Common Era; "u" marks a year nobody knows."""
    first, last = dates.years(value)
    if first is None and last is None or any(y is not None and y > 9999 for y in (first, last)):
        return UNDATED
    if any(y is not None and y <= 0 for y in (first, last)):
        return Fixed("b", "    ", "    ")
    date1 = f"{first:04d}" if first is not None else "uuuu"
    date2 = f"{last:04d}" if last is not None else "uuuu"
    if first == last and not any(q in value for q in "~?%X/"):
        return Fixed("s", date1, "    ")
    return Fixed("q", date1, date2)
