"""EDTF validation and bounds: the fast path for plain dates agrees with the EDTF library."""
from __future__ import annotations

import edtf
import pytest

from metadata.record import dates


@pytest.mark.parametrize("value, lower, upper", [
    ("1949-07-18", "1949-07-18", "1949-07-18"),
    ("1950-02", "1950-02-01", "1950-02-28"),
    ("1952-02", "1952-02-01", "1952-02-29"),
    ("1950", "1950-01-01", "1950-12-31"),
    ("1955~", "1955-01-01", "1955-12-31"),
    ("194X", "1940-01-01", "1949-12-31"),
    ("1949-07-18/1949-07-20", "1949-07-18", "1949-07-20"),
    ("1949-07?", "1949-07-01", "1949-07-31"),
])
def test_bounds(value, lower, upper):
    assert dates.is_edtf(value)
    assert dates.bounds(value) == (lower, upper)
    parsed = edtf.parse_edtf(value)
    assert dates._iso(parsed.lower_strict()[:3]) == lower and dates._iso(parsed.upper_strict()[:3]) == upper


@pytest.mark.parametrize("value", ["1949-02-30", "1949-13", "18 July 1949", "", "19490718", "1949-7-1"])
def test_invalid(value):
    assert not dates.is_edtf(value)


def _library_accepts(value: str) -> bool:
    try:
        edtf.parse_edtf(value)
    except Exception:  # the library raises several parser error types
        return False
    return True


@pytest.mark.parametrize("value", [
    *(f"{y}{q}" for y in ("1962", "0001", "9999", "1900") for q in "~?%"),
    *(f"1949-{m:02d}{q}" for m in (0, 1, 2, 12, 13, 20) for q in "~?%"),
    *(f"{ymd}{q}" for ymd in ("1949-07-18", "1949-02-29", "1948-02-29", "1949-02-30", "1949-04-31", "1949-12-31",
                              "1949-13-01", "1949-00-10", "1949-07-00", "1949-07-32") for q in "~?%"),
    "196X", "19XX", "000X", "999X", "1X", "1XXX", "XXXX", "196XX", "19X5", "196X~", "19XX?", "1962~~", "1962?~",
])
def test_the_common_level_1_forms_are_judged_as_the_library_judges_them(value):
    # Qualified dates and years with unspecified digits skip the library (25 ms a new value); where the fast
    # path answers, it must answer as the library does, and forms it does not know still reach the library.
    fast = dates._common_level_1(value)
    assert fast is None or fast == _library_accepts(value), (value, fast)
    assert dates.is_edtf(value) == _library_accepts(value)
