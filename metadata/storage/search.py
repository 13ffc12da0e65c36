"""The search index and the public search: full text in each engine's own machinery, facets from mentions.

Tokens come from ``metadata.record.search_terms`` (Python), so both databases match the same tokens:

- SQLite keeps them in an FTS5 table ``search_fts`` (columns title, summary, text, other; rowid = the
  ``search_documents.doc`` of the record), created by the migration on SQLite only;
- PostgreSQL keeps a ``tsvector`` per record in ``search_vectors`` (GIN index), built from a tsvector literal
  with the tiers as weights A-D, so no text search configuration touches the tokens.

Both are written in the record's own write transaction (``write_search``), so the index is never stale nor
ahead. A result's tier is the best field holding any of the query's terms; results are ordered by tier, then
date (lower bound, undated last), then id, in byte order on both engines.

PostgreSQL limits a tsvector (positions past 16,383 are clamped, 256 positions per lexeme): phrases deep inside
very long texts can match on SQLite and not on PostgreSQL. Records of archival documents stay far below.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import (Column, Integer, MetaData, Table, and_, bindparam, case, column, exists, func, literal,
                        literal_column, or_, select, text)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection

from metadata.record import search_fields, search_terms
from metadata.record.search_terms import Query, Term
from metadata.record.text import first_text
from metadata.storage.database import Database
from metadata.storage.tables import mentions, records, revisions, search_documents

# PostgreSQL only; on SQLite the FTS5 virtual table plays this part (neither is in tables.py, whose tables
# exist on both engines: the migration creates the one that fits).
_engine_metadata = MetaData()
search_vectors = Table(
    "search_vectors", _engine_metadata,
    Column("doc", Integer, primary_key=True),  # references search_documents.doc (see create_engine_index)
    Column("vector", TSVECTOR, nullable=False),
)
WEIGHTS = "ABCD"  # title, summary, text, other
_MAX_POSITION = 16383
_MAX_POSITIONS_PER_LEXEME = 256

FACET_KINDS = {  # URL parameter -> (mentions kind, role)
    "creator": ("agent", "creator"), "recipient": ("agent", "recipient"), "translator": ("agent", "translator"),
    "contributor": ("agent", "contributor"), "place": ("place", ""), "subject": ("subject", ""),
    "language": ("language", ""), "translation": ("translation-language", ""), "set": ("set", ""),
    "type": ("type", ""),
}
SORTS = ("relevance", "date", "-date", "title")


def is_sqlite(conn) -> bool:
    return conn.dialect.name == "sqlite"


def create_engine_index(conn) -> None:
    """The engine's own full-text table (the migration calls this)."""
    if is_sqlite(conn):
        conn.execute(text("CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, text, other, "
                          "tokenize = 'unicode61 remove_diacritics 0')"))
    else:
        conn.execute(text("CREATE TABLE search_vectors (doc INTEGER PRIMARY KEY REFERENCES search_documents (doc), "
                          "vector tsvector NOT NULL)"))
        conn.execute(text("CREATE INDEX ix_search_vectors_vector ON search_vectors USING gin (vector)"))


def drop_engine_index(conn) -> None:
    conn.execute(text("DROP TABLE IF EXISTS search_fts" if is_sqlite(conn) else "DROP TABLE IF EXISTS search_vectors"))


def index_tiers(data: dict) -> list[list[str]]:
    """The record's index tokens by tier (title, summary, text, other)."""
    texts = search_fields.fields(data)
    return [[t for s in texts[name] for t in search_terms.tokens(s)] for name in search_fields.TIERS]


def _tsvector(tiers: list[list[str]]) -> str:
    """A tsvector literal: each tier's tokens at consecutive positions (as FTS5 counts them within a column),
    tiers apart by a gap so no phrase runs from one field into the next, weighted A (title) to D (other)."""
    positions: dict[str, list[str]] = {}
    at = 1
    for weight, tokens in zip(WEIGHTS, tiers):
        for token in tokens:
            held = positions.setdefault(token, [])
            if len(held) < _MAX_POSITIONS_PER_LEXEME:
                held.append(f"{min(at, _MAX_POSITION)}{weight}")
            at += 1
        at += 2
    return " ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(p)
                    for t, p in positions.items())


def write_search(conn: Connection, identifier: str, data: dict, replace: bool,
                 tiers: list[list[str]] | None = None) -> None:
    """Index the record (in the caller's transaction), replacing what was indexed for it before; ``tiers``
    are its ``index_tiers`` when they were computed before the transaction."""
    tiers = index_tiers(data) if tiers is None else tiers
    key = search_fields.sort_key(first_text(data["title"]))
    doc = conn.execute(_DOC_OF, {"b_id": identifier}).scalar_one_or_none() if replace else None
    if doc is None:
        doc = conn.execute(search_documents.insert(), {"record_id": identifier, "title_key": key}
                           ).inserted_primary_key[0]
    else:
        conn.execute(_RETITLE, {"b_doc": doc, "title_key": key})
    if is_sqlite(conn):
        conn.execute(_FTS_DELETE, {"doc": doc})
        conn.execute(_FTS_INSERT, {"doc": doc, **{f"t{i}": " ".join(tokens) for i, tokens in enumerate(tiers)}})
    else:
        conn.execute(_VECTOR_UPSERT, {"doc": doc, "v": _tsvector(tiers)})


# The write statements, built once (see Records._write).
_DOC_OF = select(search_documents.c.doc).where(search_documents.c.record_id == bindparam("b_id"))
_RETITLE = search_documents.update().where(search_documents.c.doc == bindparam("b_doc"))
_FTS_DELETE = text("DELETE FROM search_fts WHERE rowid = :doc")
_FTS_INSERT = text("INSERT INTO search_fts (rowid, title, summary, text, other) VALUES (:doc, :t0, :t1, :t2, :t3)")
_VECTOR_UPSERT = text("INSERT INTO search_vectors (doc, vector) VALUES (:doc, CAST(:v AS tsvector)) "
                      "ON CONFLICT (doc) DO UPDATE SET vector = excluded.vector")


# ---- query translation ----------------------------------------------------------------------------------------

def _fts_term(term: Term) -> str:
    quoted = ['"' + t.replace('"', '""') + '"' for t in term.tokens]
    if not term.together:
        return "(" + " AND ".join(quoted) + ")"
    return '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"' + (" *" if term.prefix else "")


def _fts(terms, joiner: str, column: str | None = None) -> str:
    body = "(" + f" {joiner} ".join(_fts_term(t) for t in terms) + ")"
    return f"{{{column}}} : {body}" if column else body


def _ts_token(token: str, prefix: bool, weight: str) -> str:
    flags = ("*" if prefix else "") + weight
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'" + (":" + flags if flags else "")


def _ts_term(term: Term, weight: str = "") -> str:
    last = len(term.tokens) - 1
    parts = [_ts_token(t, term.prefix and i == last, weight) for i, t in enumerate(term.tokens)]
    return "(" + (" <-> " if term.together else " & ").join(parts) + ")"


def _ts(terms, joiner: str, weight: str = "") -> str:
    return "(" + f" {joiner} ".join(_ts_term(t, weight) for t in terms) + ")"


class _Matcher:
    """The engine's version of "the record's document matches" and "its tier" for one query."""

    def __init__(self, conn, query: Query):
        self.sqlite = is_sqlite(conn)
        self.query = query
        self._n = 0
        self.params: dict[str, str] = {}

    def _param(self, value: str) -> str:
        self._n += 1
        name = f"sq{self._n}"
        self.params[name] = value
        return name

    def _fts_docs(self, expression: str):
        return text(f"SELECT rowid FROM search_fts WHERE search_fts MATCH :{self._param(expression)}").columns(
            column("rowid", Integer)).scalar_subquery()

    def _ts_match(self, expression: str, negate: bool = False):
        match = f"search_vectors.vector @@ CAST(:{self._param(expression)} AS tsquery)"
        return text(f"NOT ({match})" if negate else match)

    def condition(self):
        conditions = []
        if self.query.include:
            if self.sqlite:
                conditions.append(search_documents.c.doc.in_(self._fts_docs(_fts(self.query.include, "AND"))))
            else:
                conditions.append(self._ts_match(_ts(self.query.include, "&")))
        if self.query.exclude:
            if self.sqlite:
                conditions.append(search_documents.c.doc.not_in(self._fts_docs(_fts(self.query.exclude, "OR"))))
            else:
                conditions.append(self._ts_match(_ts(self.query.exclude, "|"), negate=True))
        return and_(True, *conditions)

    def tier(self):
        if not self.query.include:
            return literal(0)
        whens = []
        for number, name in enumerate(search_fields.TIERS[:3]):
            if self.sqlite:
                hit = search_documents.c.doc.in_(self._fts_docs(_fts(self.query.include, "OR", name)))
            else:
                hit = self._ts_match(_ts(self.query.include, "|", WEIGHTS[number]))
            whens.append((hit, number))
        return case(*whens, else_=3)


# ---- searching ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What a search asks for besides words: facet values (parameter -> keys), a year range, undated."""
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    include_undated: bool = False  # undated and open-ended records match a date range too
    only_undated: bool = False  # the undated bucket itself


@dataclass
class Hit:
    id: str
    title: str
    created: str | None
    tier: int
    snippet: str


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]]  # parameter -> (key, label, count), most first
    dates: dict  # {"decades": [(decade, count)], "years": [(year, count)], "undated": n}


def _undated():
    return or_(records.c.date_lower.is_(None), records.c.date_upper.is_(None))


def _date_condition(filters: Filters):
    if filters.only_undated:
        return _undated()
    if filters.year_from is None and filters.year_to is None:
        return None
    dated = [records.c.date_lower.is_not(None), records.c.date_upper.is_not(None)]
    if filters.year_to is not None:
        dated.append(records.c.date_lower <= f"{filters.year_to:04d}-12-31")
    if filters.year_from is not None:
        dated.append(records.c.date_upper >= f"{filters.year_from:04d}-01-01")
    return or_(and_(*dated), _undated()) if filters.include_undated else and_(*dated)


def _bytewise(column, sqlite: bool):
    """Order by code points on both engines (SQLite's default; PostgreSQL's "C" collation)."""
    return column if sqlite else column.collate("C")


class Search:
    """The public search over published, live records (drafts and tombstones never show)."""

    def __init__(self, db: Database):
        self.db = db

    def search(self, query_text: str = "", filters: Filters | None = None, *, sort: str = "relevance",
               page: int = 1, per_page: int = 50, facet_limit: int = 30) -> Results:
        filters = filters or Filters()
        query = search_terms.parse(query_text)
        with self.db.reading() as conn:
            sqlite = is_sqlite(conn)
            matcher = _Matcher(conn, query)
            source = records.join(search_documents, search_documents.c.record_id == records.c.id)
            if not sqlite and query:
                source = source.join(search_vectors, search_vectors.c.doc == search_documents.c.doc)
            where = [records.c.published.is_(True), records.c.deleted.is_(False)]
            if query:
                where.append(matcher.condition())
            for parameter, keys in filters.facets.items():
                kind, role = FACET_KINDS[parameter]
                for key in keys:
                    where.append(exists().where(mentions.c.record_id == records.c.id, mentions.c.kind == kind,
                                                mentions.c.role == role, mentions.c.key == key))
            dated = _date_condition(filters)
            if dated is not None:
                where.append(dated)
            condition = and_(*where)
            params = matcher.params
            total = conn.execute(select(func.count()).select_from(source).where(condition), params).scalar_one()
            tier = matcher.tier() if sort == "relevance" and query.include else literal(0)
            params = matcher.params
            lower = _bytewise(records.c.date_lower, sqlite)
            ident = _bytewise(records.c.id, sqlite)
            order = {"relevance": [tier, lower.asc().nulls_last(), ident],
                     "date": [lower.asc().nulls_last(), ident],
                     "-date": [_bytewise(records.c.date_upper, sqlite).desc().nulls_last(), ident],
                     "title": [_bytewise(search_documents.c.title_key, sqlite), ident]}[sort]
            rows = conn.execute(select(records.c.id, records.c.title, records.c.created, records.c.revision,
                                       tier.label("tier")).select_from(source).where(condition)
                                .order_by(*order).limit(per_page).offset((page - 1) * per_page), params).all()
            hits = self._hits(conn, rows, query)
            ids = select(records.c.id).select_from(source).where(condition)
            facets = self._facets(conn, ids, params, facet_limit)
            dates = self._dates(conn, source, condition, params)
        return Results(total, hits, facets, dates)

    @staticmethod
    def _hits(conn, rows, query: Query) -> list[Hit]:
        if not rows:
            return []
        import json

        wanted = {(r.id, r.revision) for r in rows}
        found = conn.execute(select(revisions.c.record_id, revisions.c.number, revisions.c.data).where(
            revisions.c.record_id.in_([r.id for r in rows]))
            .where(revisions.c.number.in_({r.revision for r in rows}))).all()
        data = {f.record_id: json.loads(f.data) for f in found if (f.record_id, f.number) in wanted}
        return [Hit(r.id, r.title, r.created, r.tier,
                    search_fields.snippet(data[r.id], query.words, r.tier if query.include else None))
                for r in rows]

    @staticmethod
    def _facets(conn, ids, params, limit: int) -> dict[str, list[tuple[str, str, int]]]:
        kinds = {kind for kind, _ in FACET_KINDS.values()}
        # SQLite would otherwise walk every mention of these kinds by the (kind, key) index and test each
        # against the results; "+kind" keeps that index out, so it reads only the results' own mentions by
        # the primary key (record_id first): the most expensive statement of a search, 10-60% cheaper.
        kind = literal_column("+mentions.kind") if is_sqlite(conn) else mentions.c.kind
        rows = conn.execute(select(mentions.c.kind, mentions.c.role, mentions.c.key, func.min(mentions.c.label),
                                   func.count()).where(mentions.c.record_id.in_(ids), kind.in_(kinds))
                            .group_by(mentions.c.kind, mentions.c.role, mentions.c.key), params).all()
        by_kind = {value: name for name, value in FACET_KINDS.items()}
        facets: dict[str, list[tuple[str, str, int]]] = {name: [] for name in FACET_KINDS}
        for kind, role, key, label, count in rows:
            name = by_kind.get((kind, role))
            if name is not None:
                facets[name].append((key, label, count))
        for name, values in facets.items():
            values.sort(key=lambda v: (-v[2], v[1].casefold(), v[0]))
            del values[limit:]
        return facets

    @staticmethod
    def _dates(conn, source, condition, params) -> dict:
        """Decade and year counts, a record counting in every decade (year) its interval overlaps, so picking
        a bucket finds exactly its count; and the undated (or open-ended) records."""
        lower_year = func.substr(records.c.date_lower, 1, func.length(records.c.date_lower) - 6)
        upper_year = func.substr(records.c.date_upper, 1, func.length(records.c.date_upper) - 6)
        # One statement for both: an undated or open-ended record groups under a NULL year (substr of NULL).
        rows = conn.execute(select(lower_year, upper_year, func.count()).select_from(source)
                            .where(condition).group_by(lower_year, upper_year), params).all()
        undated = sum(count for low, high, count in rows if low is None or high is None)
        decades: Counter = Counter()
        years: Counter = Counter()
        for low, high, count in rows:
            if low is None or high is None:
                continue
            low, high = int(low), int(high)
            for decade in range(low - low % 10, high + 1, 10):
                decades[decade] += count
            if high - low < 200:
                for year in range(low, high + 1):
                    years[year] += count
        return {"decades": sorted(decades.items()), "years": sorted(years.items()), "undated": undated}
