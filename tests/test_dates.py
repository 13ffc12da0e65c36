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
