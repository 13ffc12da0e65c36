"""Which derived outputs are built when a record is written (DESIGN.md section 1), one serializer each."""
from __future__ import annotations

from metadata import dublin_core, jsonld

from .config import Settings


def derivers(settings: Settings) -> dict:
    return {
        "oai_dc": dublin_core.oai_dc,
        "nquads": jsonld.nquads,
    }
