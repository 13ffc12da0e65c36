"""The metadata formats Muniment disseminates over OAI-PMH: prefix, schema, namespace and serializer.

Each serializer is a plain function of a stored record (with the moments it entered the catalogue and last
changed, and the cataloguing agency's MARC code) returning an XML element as text; the store keeps its output
per record (derived on write), and the OAI-PMH interface only looks them up.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from metadata.formats import dublin_core, marc21, mods, qualified_dc
from metadata.record.urls import STORED


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    serialize: Callable[..., str]  # (record, stamps=None, agency=DEFAULT_AGENCY)
    # Whether the output says when the record entered the catalogue or changed. Only a format that says it does
    # not is made before the write transaction (bulk saves), so a new format is safe until it says so.
    uses_stamps: bool = True


FORMATS: dict[str, MetadataFormat] = {f.prefix: f for f in [
    MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", dublin_core.OAI_DC,
                   dublin_core.oai_dc, uses_stamps=False),
    MetadataFormat("marc21", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", marc21.MARC,
                   marc21.marc21),
    MetadataFormat("mods", "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd", mods.MODS, mods.mods),
    MetadataFormat("qdc", f"{STORED.base}{qualified_dc.SCHEMA_PATH}", qualified_dc.NAMESPACE,
                   qualified_dc.qualified_dc, uses_stamps=False),
]}
