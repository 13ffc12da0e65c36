"""For web search engines: ``/robots.txt`` and ``/sitemap.xml`` listing every published record page.

The Sitemaps protocol allows 50,000 URLs per file; past that, ``/sitemap.xml`` becomes an index of parts
(``/sitemap/1.xml`` ...). Drafts and deleted records are never listed.
"""
from __future__ import annotations

import math
from xml.sax.saxutils import escape

from flask import Blueprint

from metadata.record import timestamps

from .. import state
from ..http import digest, representation
from ..problems import Problem

blueprint = Blueprint("crawlers", __name__)

SITEMAP_LIMIT = 50_000
RECORDS_PER_PART = SITEMAP_LIMIT - 1  # the first part also lists the front page
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@blueprint.get("/robots.txt")
def robots():
    urls = state.urls()
    text = ("User-agent: *\nDisallow: /edit\nDisallow: /login\nDisallow: /api/\n"
            f"Sitemap: {urls.sitemap()}\n")
    return representation(text, "text/plain", f"robots-{digest(text)}", max_age=3600)


@blueprint.get("/sitemap.xml")
def sitemap():
    total, _ = state.store().collections.published(limit=0)
    if total <= RECORDS_PER_PART:
        return _urlset(0)
    urls = state.urls()
    parts = "".join(f"<sitemap><loc>{escape(urls.sitemap(n))}</loc></sitemap>"
                    for n in range(1, math.ceil(total / RECORDS_PER_PART) + 1))
    return _xml(f'<sitemapindex xmlns="{_NS}">{parts}</sitemapindex>')


@blueprint.get("/sitemap/<int:part>.xml")
def sitemap_part(part: int):
    total, _ = state.store().collections.published(limit=0)
    if not 1 <= part <= math.ceil(total / RECORDS_PER_PART):
        raise Problem(404, f"The sitemap has no part {part}.", "Not Found")
    return _urlset((part - 1) * RECORDS_PER_PART)


def _urlset(offset: int):
    urls = state.urls()
    _, rows = state.store().collections.published(offset=offset, limit=RECORDS_PER_PART)
    entries = [f"<url><loc>{escape(urls.base)}</loc></url>"] if offset == 0 else []
    entries += [f"<url><loc>{escape(urls.record(r.id))}</loc><lastmod>{timestamps.datestamp(r.datestamp)}"
                "</lastmod></url>" for r in rows]
    return _xml(f'<urlset xmlns="{_NS}">{"".join(entries)}</urlset>')


def _xml(body: str):
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return representation(text, "application/xml", f"sitemap-{digest(text)}",
                          state.store().serving.latest_change(), max_age=600)
