"""Proactive content negotiation (RFC 9110 section 12.5.1) with media type parameters, for JSON-LD profiles.

werkzeug parses the Accept header (``request.accept_mimetypes``: each media range with its q-value); its own
``best_match`` compares parameters as plain strings, so ``application/ld+json;profile="A B"`` (JSON-LD 1.1
allows a space-separated list of profile IRIs) would match neither A nor B. Here each range's parameters are
parsed again with werkzeug's header parser and the ``profile`` list is read as a list.

The rule: an offer's quality is the q-value of the most specific range that matches it (type/subtype with a
profile we serve, then type/subtype, then type/*, then */*); the offer with the highest quality above zero wins,
ties going to the server's order of preference. A range naming only profiles we do not serve is read as the
plain media type, so it gets the default form (a profile is a hint about form; the data is the same). No
Accept header at all means the first offer. When nothing offered is acceptable the answer is 406, a problem
document naming what is available.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from werkzeug.http import parse_options_header

from .problems import Problem


@dataclass(frozen=True)
class Offer:
    """A representation a view can give: a media type and, for JSON-LD forms, the profile IRI it fulfils."""
    media_type: str
    profile: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type value, naming the profile so a client can tell which form it got."""
        return f'{self.media_type}; profile="{self.profile}"' if self.profile else self.media_type


def _ranges() -> list[tuple[str, frozenset[str], float]]:
    """(media range, profile IRIs, q) for each range of the Accept header."""
    ranges = []
    for value, quality in request.accept_mimetypes:
        media_range, params = parse_options_header(value)
        ranges.append((media_range.lower(), frozenset(params.get("profile", "").split()), quality))
    return ranges


def _specificity(media_range: str, profiles: frozenset[str], offer: Offer, served: frozenset[str]) -> int:
    """How specifically ``media_range`` names ``offer`` (higher is more specific), or -1 if it does not match."""
    if media_range == "*/*":
        return 0
    kind, _, subtype = media_range.partition("/")
    offer_kind, _, offer_subtype = offer.media_type.partition("/")
    if kind != offer_kind:
        return -1
    if subtype == "*":
        return 1
    if subtype != offer_subtype:
        return -1
    known = profiles & served
    if not known:  # no profile, or only profiles we do not serve: the plain media type
        return 2
    return 3 if offer.profile in known else -1


def preferred(offers: list[Offer]) -> Offer | None:
    """The offer the client prefers, the first offer when it sends no Accept, None when none is acceptable."""
    ranges = _ranges()
    if not ranges:
        return offers[0]
    served = frozenset(o.profile for o in offers if o.profile)
    best, best_quality = None, 0.0
    for offer in offers:
        matches = [(_specificity(r, p, offer, served), q) for r, p, q in ranges]
        matches = [m for m in matches if m[0] >= 0]
        if not matches:
            continue
        quality = max(matches)[1]  # the most specific range decides (the highest q among equally specific)
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def choose(offers: list[Offer]) -> Offer:
    """The preferred offer, or a 406 problem listing every media type (with its profile) that is available."""
    chosen = preferred(offers)
    if chosen is None:
        available = list(dict.fromkeys(o.content_type for o in offers))
        raise Problem(406, "None of the media types this resource is available in is acceptable to the "
                      f"request's Accept header ({request.headers.get('Accept', '')!r}).", "Not Acceptable",
                      headers={"Vary": "Accept"}, members={"available": available})
    return chosen
