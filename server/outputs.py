"""Which derived outputs are built when a record is written (docs/architecture.md, "The path of a record"), one serializer each."""
from __future__ import annotations

from functools import partial

from manifests import builder
from manifests.fonts import FontSet
from metadata.formats import FORMATS
from metadata.record.urls import UrlBuilder, STORED

from .config import Settings


def fonts(settings: Settings) -> FontSet:
    """The fonts reading pages are laid out (on write) and drawn (on request) with: one choice for both."""
    return FontSet(settings.font_latin, settings.font_cjk)


def manifest_options(settings: Settings) -> builder.Options:
    """What the manifest builder takes from configuration, with URLs under the stored base."""
    homepage = UrlBuilder(settings.base).internalize({"u": settings.provider_homepage})["u"]
    return builder.Options(provider_name=settings.provider_name, provider_homepage=homepage or STORED.base,
                           default_rights=settings.default_rights,
                           fonts=fonts(settings))


def derivers(settings: Settings) -> dict:
    """Each output as a function of (record, stamps); the catalogue formats also name the cataloguing agency."""
    outputs = {prefix: partial(fmt.serialize, agency=settings.cataloging_agency) for prefix, fmt in FORMATS.items()}
    options = manifest_options(settings)
    outputs["iiif"] = lambda record, stamps: builder.build(record, options)
    return outputs


def stamp_free(derivers_by_name) -> frozenset[str]:
    """The outputs made from the record alone, not from when it was stored: a bulk save computes them in worker
    processes before the write transaction (``metadata.storage.preparation``)."""
    return frozenset({"iiif", *(prefix for prefix, fmt in FORMATS.items() if not fmt.uses_stamps)}
                     & set(derivers_by_name))
