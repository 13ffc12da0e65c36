"""The public search's facets, date histogram and orders, kept in memory per process and never stale.

Counting facets with SQL grows with the results (browsing all of 100,000 records groups ~800,000 mention rows),
so each process keeps, for every record with a search document (its ``doc``):

- compressed bitmaps (``pyroaring``) of the docs of each facet value, one per label the value is given (the
  SQL facet showed the smallest label among the results' mentions, and so does ``facets``);
- the docs of each (lower year, upper year) group of dates, for the histogram and the year filter;
- the three orders (relevance and date ascending, date descending, title) as sorted lists.

Matching stays in the database's own full-text index; the accelerator answers everything after it: which of
the matching docs are public and pass the filters, their counts per facet value and year, and the first page.

Before every search ``current`` reads the database's search generation (``search_generation``) and catches up
with the records changed since (or rebuilds when far behind), so several app servers on one database never
show a stale state, and a draft (unpublished) or deleted record is never public here.
"""
from __future__ import annotations

import gc
import heapq
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from itertools import islice

import numpy as np
from pyroaring import BitMap
from sortedcontainers import SortedList
from sqlalchemy import select

from metadata.storage import search_generation
from metadata.storage.tables import mentions, records, search_documents

REFRESH_LIMIT = 5_000  # more changed records than this since the last search: rebuild instead
# How facets are counted, by the number of results (measured at 100,000 records and 6,189 facet values): fewer
# than one per FEW_RESULTS values, by their own mentions (0.08 ms for 20 results, 0.7 for 200, 2.4 for 700);
# more, by gathering each result's entries from ``_Entries`` (0.4-0.7 ms from 20 to 1,500 results, 1.3 ms for
# 30,000: the ranking's pass over every value is most of it), or the entries of the docs a result lacks when it
# holds most. (A bitmap intersection per value took 2-4 ms for all records, 6-14 ms for 1,500-6,000 scattered.)
FEW_RESULTS = 40
MATCH_CACHE = 256  # full-text answers kept per process (at most ~16 KB each per 100,000 records)


def facet_kinds() -> dict[tuple[str, str], str]:
    from metadata.storage.search import FACET_KINDS

    return {value: name for name, value in FACET_KINDS.items()}


def _year(date: str) -> str:
    return date[:-6]  # "YYYY-MM-DD" (or a longer or signed year): what SQL's substr(d, 1, length(d) - 6) keeps


def _descending(date: str) -> tuple:
    """A key that sorts date strings from the latest down (a shorter string after its extensions, as in SQL)."""
    return tuple(-ord(c) for c in date) + (1,)


@dataclass(frozen=True, slots=True)
class _Row:
    """What the accelerator holds of one record."""
    id: str
    public: bool
    lower: str | None
    upper: str | None
    title_key: str
    facets: tuple  # ((kind, role, key), label) of its mentions that are facets


class _Column:
    """One facet's values as parallel lists (an entry per value and label, numbered as ``_Entries`` counts
    them), so that ranking looks only at those that can reach the top.

    A value given one label (nearly all) is one entry; a value given several labels has one entry per label,
    and its entries are summed, its label the smallest of those with results."""

    def __init__(self):
        self.keys: list[str] = []
        self.labels: list[str] = []
        self.folded: list[str] = []  # each label case-folded: the order's second key
        self.docs: list[BitMap] = []
        self.several: list[list[int]] = []  # the entries of each value with several labels

    def add(self, key: str, labels: dict[str, BitMap]) -> None:
        first = len(self.keys)
        for label, docs in labels.items():
            self.keys.append(key)
            self.labels.append(label)
            self.folded.append(label.casefold())
            self.docs.append(docs)
        if len(labels) > 1:
            self.several.append(list(range(first, len(self.keys))))

    def top(self, limit: int, counts: list[int]) -> list[tuple[str, str, int]]:
        """The first ``limit`` values by their count among the results (``counts``: each entry's)."""
        merged = []  # (count, label) of each value with several labels; its entries leave ``counts``
        for entries in self.several:
            found = [(counts[i], self.labels[i]) for i in entries if counts[i]]
            for i in entries:
                counts[i] = 0
            if found:
                merged.append((sum(c for c, _ in found), min(label for _, label in found), self.keys[entries[0]]))
        totals = counts + [count for count, _, _ in merged]
        top = heapq.nlargest(limit, totals)
        threshold = max(top[-1], 1) if top else 1  # the limit-th largest count: nothing below it can be shown
        ranked = [(-counts[i], self.folded[i], self.keys[i], self.labels[i])
                  for i, count in enumerate(counts) if count >= threshold]
        ranked += [(-count, label.casefold(), key, label) for count, label, key in merged if count >= threshold]
        return _first(ranked, limit)


class _Entries:
    """Each doc's facet entries (the places in every ``_Column`` whose docs hold it) in compressed sparse rows:
    ``entries[starts[doc]:starts[doc + 1]]``, numbered through the columns one after another. The entries of
    many results are then gathered and counted in a few array operations (numpy) instead of one bitmap
    intersection per entry. Made from the columns once per change (about 90 ms at 100,000 records)."""

    def __init__(self, columns: dict[str, _Column]):
        self.spans: dict[str, tuple[int, int]] = {}  # facet parameter -> (its first entry, how many)
        docs, entries, total = [], [], 0
        for name, column in columns.items():
            self.spans[name] = (total, len(column.docs))
            for bitmap in column.docs:
                held = np.frombuffer(bitmap.to_array(), dtype=np.uint32)
                docs.append(held)
                entries.append(np.full(len(held), total, dtype=np.int32))
                total += 1
        docs_of = np.concatenate(docs) if docs else np.zeros(0, dtype=np.uint32)
        order = np.argsort(docs_of, kind="stable")
        self.entries = np.concatenate(entries)[order] if entries else np.zeros(0, dtype=np.int32)
        self.size = int(docs_of.max()) + 1 if len(docs_of) else 0  # docs past the last with entries have none
        self.starts = np.searchsorted(docs_of[order], np.arange(self.size + 1))
        self.total = total
        # Every doc with entries, and the count of each entry among all of them: a result holding most docs is
        # counted as these counts less those of the docs it lacks (browsing everything gathers next to nothing).
        self.universe = BitMap().union(*(bitmap for column in columns.values() for bitmap in column.docs))
        self.everywhere = np.bincount(self.entries, minlength=total)

    def counts(self, result: BitMap) -> dict[str, list[int]]:
        """facet parameter -> the count among ``result`` of each of its column's entries."""
        if len(result) * 2 > len(self.universe):
            counted = (self.everywhere - self._gathered(self.universe - result)).tolist()
        else:
            counted = self._gathered(result).tolist()
        return {name: counted[first:first + length] for name, (first, length) in self.spans.items()}

    def _gathered(self, docs_bitmap: BitMap) -> np.ndarray:
        """The count of each entry among ``docs_bitmap``, from those docs' rows."""
        docs = np.frombuffer(docs_bitmap.to_array(), dtype=np.uint32)
        docs = docs[docs < self.size]
        starts = self.starts[docs]
        lengths = self.starts[docs + 1] - starts
        # the positions of every result's entries: each row's start, then one on for each further entry
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.bincount(self.entries[positions], minlength=self.total)


def _first(ranked: list[tuple[int, str, str, str]], limit: int) -> list[tuple[str, str, int]]:
    """The first ``limit`` of (-count, case-folded label, key, label) entries, as (key, label, count): the
    facet order, most first, then by label, then key."""
    return [(key, label, -count) for count, _, key, label in heapq.nsmallest(limit, ranked)]


class _State:
    """The in-memory index of one generation."""

    def __init__(self):
        self.generation = -1
        self.rows: dict[int, _Row] = {}  # doc -> row
        self.doc_of: dict[str, int] = {}  # record id -> doc
        self.public = BitMap()
        self.values: dict[tuple, dict[str, BitMap]] = {}  # (kind, role, key) -> label -> docs
        self.groups: dict[tuple[str, str], BitMap] = {}  # (lower year, upper year) of dated docs -> docs
        self.group_sample: dict[tuple[str, str], tuple[str, str]] = {}  # one (lower, upper) of the group
        self.undated = BitMap()
        self._columns: dict | None = None  # ``values`` laid out per facet for counting, until the next change
        self._entries: _Entries | None = None  # and each doc's entries of those columns, until the next change
        self.by_date = SortedList()  # (undated, lower, id, doc): relevance within a tier, and "date"
        self.by_date_desc = SortedList()  # (undated, descending upper, id, doc): "-date"
        self.by_title = SortedList()  # (title key, id, doc): "title"

    # ---- keeping it --------------------------------------------------------------------------------------------

    def add(self, doc: int, row: _Row) -> None:
        self._columns = self._entries = None
        self.rows[doc] = row
        self.doc_of[row.id] = doc
        if row.public:
            self.public.add(doc)
        for value, label in row.facets:
            self.values.setdefault(value, {}).setdefault(label, BitMap()).add(doc)
        if row.lower is None or row.upper is None:
            self.undated.add(doc)
        else:
            group = (_year(row.lower), _year(row.upper))
            self.groups.setdefault(group, BitMap()).add(doc)
            self.group_sample.setdefault(group, (row.lower, row.upper))
        for order, key in self._order_keys(doc, row):
            order.add(key)

    def remove(self, doc: int) -> None:
        row = self.rows.pop(doc, None)
        if row is None:
            return
        self._columns = self._entries = None
        del self.doc_of[row.id]
        self.public.discard(doc)
        for value, label in row.facets:
            labels = self.values[value]
            labels[label].discard(doc)
            if not labels[label]:
                del labels[label]
                if not labels:
                    del self.values[value]
        if row.lower is None or row.upper is None:
            self.undated.discard(doc)
        else:
            group = (_year(row.lower), _year(row.upper))
            self.groups[group].discard(doc)
            if not self.groups[group]:
                del self.groups[group], self.group_sample[group]
        for order, key in self._order_keys(doc, row):
            order.remove(key)

    def _order_keys(self, doc: int, row: _Row):
        return ((self.by_date, _date_order(doc, row)), (self.by_date_desc, _date_desc_order(doc, row)),
                (self.by_title, _title_order(doc, row)))

    # ---- answering -----------------------------------------------------------------------------------------------

    def with_value(self, value: tuple) -> BitMap:
        labels = self.values.get(value)
        return BitMap.union(*labels.values()) if labels else BitMap()

    def label(self, value: tuple) -> str | None:
        """The label most public records give a facet value (then the smallest); None when none mentions it."""
        counted = [(-self.public.intersection_cardinality(docs), label)
                   for label, docs in (self.values.get(value) or {}).items()]
        counted = [(count, label) for count, label in counted if count]
        return min(counted)[1] if counted else None

    def in_years(self, year_from: int | None, year_to: int | None, include_undated: bool) -> BitMap:
        """The docs whose interval overlaps the years, as the SQL condition compares date strings (one group's
        members compare alike: they share the year and differ only in "-MM-DD")."""
        chosen = []
        for group, (lower, upper) in self.group_sample.items():
            if year_to is not None and not lower <= f"{year_to:04d}-12-31":
                continue
            if year_from is not None and not upper >= f"{year_from:04d}-01-01":
                continue
            chosen.append(self.groups[group])
        if include_undated:
            chosen.append(self.undated)
        return BitMap.union(*chosen) if chosen else BitMap()

    def facets(self, result: BitMap, limit: int) -> dict[str, list[tuple[str, str, int]]]:
        """parameter -> (key, label, count) of the values the results mention, most first (then by label
        case-folded, then key); a value's label is the smallest of those its results give it."""
        if len(result) * FEW_RESULTS < len(self.values):  # few results: count their own mentions
            found: dict[tuple, list] = {}  # value -> [count, smallest label]
            for doc in result:
                for value, label in self.rows[doc].facets:
                    held = found.setdefault(value, [0, label])
                    held[0] += 1
                    held[1] = min(held[1], label)
            by_kind = facet_kinds()
            facets: dict[str, list] = {name: [] for name in by_kind.values()}
            for (kind, role, key), (count, label) in found.items():
                facets[by_kind[(kind, role)]].append((-count, label.casefold(), key, label))
            return {name: _first(values, limit)
                    for name, values in facets.items()}
        columns = self.columns()
        if self._entries is None:
            self._entries = _Entries(columns)
        counts = self._entries.counts(result)
        return {name: column.top(limit, counts[name]) for name, column in columns.items()}

    def columns(self) -> dict[str, _Column]:
        """``values`` per facet parameter, as ranking and the gathered rows (``_Entries``) read them, made once
        per change."""
        if self._columns is None:
            by_kind = facet_kinds()
            self._columns = {name: _Column() for name in by_kind.values()}
            for (kind, role, key), labels in self.values.items():
                self._columns[by_kind[(kind, role)]].add(key, labels)
        return self._columns

    def dates(self, result: BitMap) -> dict:
        """Decade and year counts, a record counting in every decade (year) its interval overlaps, so picking
        a bucket finds exactly its count; and the undated (or open-ended) records."""
        decades: Counter = Counter()
        years: Counter = Counter()
        for (low, high), docs in self.groups.items():
            count = docs.intersection_cardinality(result)
            if not count:
                continue
            low, high = int(low), int(high)
            for decade in range(low - low % 10, high + 1, 10):
                decades[decade] += count
            if high - low < 200:
                for year in range(low, high + 1):
                    years[year] += count
        return {"decades": sorted(decades.items()), "years": sorted(years.items()),
                "undated": self.undated.intersection_cardinality(result)}

    def first(self, docs: BitMap, sort: str, skip: int, count: int) -> list[int]:
        """Docs ``skip`` to ``skip + count`` of ``docs`` in the order ``sort``: walking the kept order when the
        docs are many (the page is found early), sorting them when few."""
        order = {"date": self.by_date, "-date": self.by_date_desc, "title": self.by_title}[sort]
        end = skip + count
        if not docs or skip >= len(docs):
            return []
        if end * len(self.rows) / len(docs) < len(docs) * 4:
            walked = (key[-1] for key in order if key[-1] in docs)
            return list(islice(walked, skip, end))
        keys = {"date": self._date_key, "-date": self._date_desc_key, "title": self._title_key}[sort]
        return heapq.nsmallest(end, docs, key=keys)[skip:]

    def _date_key(self, doc: int):
        return _date_order(doc, self.rows[doc])

    def _date_desc_key(self, doc: int):
        return _date_desc_order(doc, self.rows[doc])

    def _title_key(self, doc: int):
        return _title_order(doc, self.rows[doc])


# The keys of the three kept orders (each sorting a page of few docs computes only its own).
def _date_order(doc: int, row: _Row) -> tuple:
    return (row.lower is None, row.lower or "", row.id, doc)


def _date_desc_order(doc: int, row: _Row) -> tuple:
    return (row.upper is None, () if row.upper is None else _descending(row.upper), row.id, doc)


def _title_order(doc: int, row: _Row) -> tuple:
    return (row.title_key, row.id, doc)


def _load(conn, ids: set[str] | None) -> dict[int, _Row]:
    """The rows of the records ``ids`` (every record when None) that have a search document."""
    kinds = facet_kinds()
    source = records.join(search_documents, search_documents.c.record_id == records.c.id)
    query = select(search_documents.c.doc, records.c.id, records.c.published, records.c.deleted,
                   records.c.date_lower, records.c.date_upper, search_documents.c.title_key).select_from(source)
    facet_query = select(mentions.c.record_id, mentions.c.kind, mentions.c.role, mentions.c.key, mentions.c.label
                         ).where(mentions.c.kind.in_({kind for kind, _ in kinds}))
    if ids is not None:
        query = query.where(records.c.id.in_(ids))
        facet_query = facet_query.where(mentions.c.record_id.in_(ids))
    found: dict[str, list] = {}
    same: dict = {}  # one object per distinct value and label: 100,000 records repeat a few thousand of each
    # Streamed: PostgreSQL's driver would otherwise hold all ~800,000 mention rows of 100,000 records at once.
    for record_id, kind, role, key, label in conn.execute(facet_query.execution_options(stream_results=True)):
        if (kind, role) in kinds:
            value = (kind, role, key)
            pair = (same.setdefault(value, value), same.setdefault(label, label))
            found.setdefault(record_id, []).append(same.setdefault(pair, pair))
    return {doc: _Row(record_id, bool(published) and not deleted, lower, upper, title_key,
                      tuple(found.get(record_id, ())))
            for doc, record_id, published, deleted, lower, upper, title_key in conn.execute(query)}


class Accelerator:
    """One process's in-memory search state for one database, caught up before each use."""

    def __init__(self):
        self._state = _State()
        self.lock = threading.Lock()  # held while a search reads or refreshes the state
        # full-text answers of this generation (expression -> docs), bounded, emptied when the generation moves
        self.matches: _Bounded = _Bounded(MATCH_CACHE)

    def current(self, conn) -> _State:
        """The state as of the database's current generation (call with ``lock`` held)."""
        newest = search_generation.current(conn)
        state = self._state
        if newest == state.generation:
            return state
        changed = None  # rebuild, unless the change log says what changed since; also when the generation went
        if 0 <= state.generation < newest and newest - state.generation <= REFRESH_LIMIT:  # back (a restore)
            changed = search_generation.changed_since(conn, state.generation, newest)
        if changed is None or len(changed) > REFRESH_LIMIT:
            state = _State()
            for doc, row in _load(conn, None).items():
                state.add(doc, row)
            self._state = None  # the old state goes now (by reference counting: it holds no cycles)
            # The state is a few hundred thousand long-lived objects. Frozen, the cyclic garbage collector no
            # longer walks them in each full collection (about 120 ms at 100,000 records, a pause that fell in
            # the middle of a search now and then); reference counting still frees them after the next rebuild.
            # Garbage cycles are collected first, or they would be frozen too and never freed (one collection
            # per rebuild, beside the seconds the rebuild takes).
            gc.collect()
            gc.freeze()
        else:
            for record_id in changed:
                doc = state.doc_of.get(record_id)
                if doc is not None:
                    state.remove(doc)
            for doc, row in _load(conn, changed).items():
                state.remove(doc)
                state.add(doc, row)
        state.generation = newest
        self._state = state
        self.matches.clear()
        return state


class _Bounded(OrderedDict):
    """A dict that forgets its least recently used entries beyond ``size``."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __getitem__(self, key):
        self.move_to_end(key)
        return super().__getitem__(key)

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if len(self) > self.size:
            self.popitem(last=False)
