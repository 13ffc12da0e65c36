"""Which derived outputs are built when a record is written (DESIGN.md section 1), one serializer each."""
from __future__ import annotations

from metadata.formats import FORMATS

from .config import Settings


def derivers(settings: Settings) -> dict:
    return {prefix: fmt.serialize for prefix, fmt in FORMATS.items()}
