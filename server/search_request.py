"""The public search's request and answer: reading its URL arguments and presenting results and facets.

Every state of a search is its URL (``q``, ``sort``, ``page``, one parameter per facet value, ``from``, ``to``,
``undated``), so any page can be shared; the HTML page and the JSON answer are built from the same
``SearchPage``. Facet values for entities travel as their public IRIs and are stored under the placeholder base.
"""
from __future__ import annotations

import math
from urllib.parse import quote_plus

from flask import g, request, url_for

from metadata.record import date_words
from metadata.record.urls import STORED_BASE
from metadata.storage.search import FACET_KINDS, SORTS, Filters, Results

from . import state
from .arguments import page_argument
from .problems import Problem

PER_PAGE = 20
MAX_YEAR = 9999
FACET_TITLES = {"creator": "Creator", "recipient": "Recipient", "translator": "Translator",
                "contributor": "Contributor", "place": "Place", "subject": "Subject",
                "language": "Original language", "translation": "Translation language", "set": "Collection",
                "type": "Record type"}
_ENTITY_FACETS = {"creator", "recipient", "translator", "contributor", "place", "subject", "set"}


def _year(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_YEAR:
        raise Problem(400, f"'{name}' must be a year from 0 to {MAX_YEAR}, such as 1949.", "Bad Request")
    return int(value)


def read_arguments() -> tuple[str, Filters, str, int]:
    """(query, filters, sort, page) from the request; 400 with a plain reason for values that cannot be."""
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        raise Problem(400, f"'sort' must be one of {', '.join(SORTS)}.", "Bad Request")
    facets = {}
    for name in FACET_KINDS:
        values = [v for v in request.args.getlist(name) if v]
        if name in _ENTITY_FACETS:
            values = [_stored(v) for v in values]
        if values:
            facets[name] = tuple(dict.fromkeys(values))
    undated = request.args.get("undated", "")
    if undated not in ("", "include", "only"):
        raise Problem(400, "'undated' must be 'include' or 'only'.", "Bad Request")
    year_from, year_to = _year("from"), _year("to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise Problem(400, "'from' must not be after 'to'.", "Bad Request")
    filters = Filters(facets, year_from, year_to, include_undated=undated == "include",
                      only_undated=undated == "only")
    return request.args.get("q", "").strip(), filters, sort, page_argument()


# The characters werkzeug leaves unescaped in a query string it builds (werkzeug.urls), so links read as before.
_QUERY_SAFE = "!$'()*,/:;?@"


def _encoded(name: str, values: list[str]) -> str:
    """``name=value&name=value`` as ``urlencode`` writes it (each part through ``quote_plus``), without its
    per-call checks: a results page makes a hundred links or more."""
    key = quote_plus(name, safe=_QUERY_SAFE)
    return "&".join(key + "=" + quote_plus(value, safe=_QUERY_SAFE) for value in values)


def _current() -> tuple[str, dict[str, str], dict[str, list[str]]]:
    """This search's path, its arguments each encoded, and their values (the page left out), made once per
    request, since every facet value and date bucket of the page is a link."""
    if "search_links" not in g:
        args = request.args.to_dict(flat=False)
        args.pop("page", None)
        g.search_links = (state.urls().base.rstrip("/") + url_for("records.record_list"),
                          {name: _encoded(name, values) for name, values in args.items()}, args)
    return g.search_links


def link(changes: dict[str, list[str] | None]) -> str:
    """The absolute URL of this search with some arguments replaced (None removes) and the page reset; a link
    encodes only the arguments it changes."""
    path, current, _ = _current()
    parts = dict(current)
    for name, values in changes.items():
        if values is None:
            parts.pop(name, None)
        else:
            parts[name] = _encoded(name, values)
    query = "&".join(part for part in parts.values() if part)
    return f"{path}?{query}" if query else path


def _toggle(name: str, value: str, on: bool) -> str:
    values = [v for v in _current()[2].get(name, ()) if v != value] + ([value] if on else [])
    return link({name: values or None})


def present(query: str, filters: Filters, sort: str, page: int, results: Results) -> dict:
    """The search as plain data: what JSON clients get and the HTML page draws."""
    urls = state.urls()
    pages = max(math.ceil(results.total / PER_PAGE), 1)
    items = [{"id": urls.record(h.id), "identifier": h.id, "title": h.title, "date": h.created,
              "dateWords": date_words.words(h.created) if h.created else "undated",
              "snippet": h.snippet,
              "links": {"html": urls.record(h.id), "jsonld": urls.record_format(h.id, "jsonld"),
                        "manifest": urls.manifest(h.id)}} for h in results.hits]
    facets = {}
    for name, values in results.facets.items():
        chosen = set(request.args.getlist(name))
        facets[name] = {"title": FACET_TITLES[name], "values": []}
        for key, label, count in values:
            shown = urls.publish(key) if name in _ENTITY_FACETS else key
            active = shown in chosen
            facets[name]["values"].append({"value": shown, "label": label, "count": count, "active": active,
                                           "href": _toggle(name, shown, not active)})
    span = _span(filters)
    histogram = results.dates["years"] if span is not None and span <= 10 else results.dates["decades"]
    step = 1 if histogram is results.dates["years"] else 10
    dates = {"unit": "year" if step == 1 else "decade",
             "buckets": [{"start": start, "end": start + step - 1, "count": count,
                          "href": link({"from": [str(start)], "to": [str(start + step - 1)]})}
                         for start, count in histogram if count],
             "undated": {"count": results.dates["undated"], "href": link({"undated": ["only"],
                                                                           "from": None, "to": None})}}
    listing = {"total": results.total, "page": page, "pages": pages, "perPage": PER_PAGE, "query": query,
               "sort": sort, "items": items, "facets": facets, "dates": dates, "active": _chips(filters),
               "self": link({})}
    if page < pages:
        listing["next"] = link({"page": [str(page + 1)]})
    if page > 1:
        listing["prev"] = link({"page": [str(page - 1)]})
    return listing


def _span(filters: Filters) -> int | None:
    if filters.year_from is None or filters.year_to is None:
        return None
    return filters.year_to - filters.year_from + 1


def _chips(filters: Filters) -> list[dict]:
    """The active filters, each with the URL that removes it."""
    chips = []
    for name in FACET_KINDS:
        for value in dict.fromkeys(v for v in request.args.getlist(name) if v):
            chips.append({"label": f"{FACET_TITLES[name]}: {_label(name, value)}", "remove": _toggle(name, value, False)})
    if filters.year_from is not None or filters.year_to is not None:
        low = "" if filters.year_from is None else str(filters.year_from)
        high = "" if filters.year_to is None else str(filters.year_to)
        chips.append({"label": f"Date: {low}–{high}", "remove": link({"from": None, "to": None})})
    if filters.include_undated or filters.only_undated:
        chips.append({"label": "Undated records" + (" included" if filters.include_undated else " only"),
                      "remove": link({"undated": None})})
    if request.args.get("q", "").strip():
        chips.append({"label": f"Words: {request.args['q'].strip()}", "remove": link({"q": None})})
    return chips


def _stored(iri: str) -> str:
    """An entity IRI a filter names, under the stored base as mentions and the accelerator key it."""
    base = state.urls().base
    return STORED_BASE + iri[len(base):] if iri.startswith(base) else iri


def _label(name: str, value: str) -> str:
    if name in _ENTITY_FACETS:
        stored = _stored(value)
        # The facet's own role first (from memory); a value the role never names (a filter typed or kept from
        # another search) is named as the kind's mentions name it, in any role.
        return (state.store().search.value_label(name, stored)
                or state.store().mentions.label(FACET_KINDS[name][0], stored) or value)
    return value
