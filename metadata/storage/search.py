"""The search index and the public search: full text in each engine's own machinery, facets from mentions.

Tokens come from ``metadata.record.search_terms`` (Python), so both databases match the same tokens:

- SQLite keeps them in four FTS5 tables, one per field (``search_fts_title``, ``_summary``, ``_text``,
  ``_other``; rowid = the ``search_documents.doc`` of the record; no row for an empty field), created by the
  migration on SQLite only. One table per field, not one with four columns: a field's hits (the relevance
  tiers) are then one read of that field's postings, where a column filter read the whole row's postings of
  every matching record again, once per field;
- PostgreSQL keeps a ``tsvector`` per record in ``search_vectors`` (GIN index), built from a tsvector literal
  with the tiers as weights A-D, so no text search configuration touches the tokens; and, generated from it,
  each field's own vector (``ts_filter`` by weight), each with its GIN index, so that a field's hits are an
  index lookup (a weighted query on the whole vector re-reads every matching row). Each
  pair of neighbouring words is a lexeme too, so a phrase is a lookup rather than a check of positions in
  every candidate's vector (``_tsvector``, ``_ts_term``), and the rows are kept narrow (``NARROW_ROW``).

Both are written in the record's own write transaction (``write_search``), so the index is never stale nor
ahead. A result's tier is the best field holding any of the query's terms; results are ordered by tier, then
date (lower bound, undated last), then id, in byte order on both engines.

PostgreSQL limits a tsvector (positions past 16,383 are clamped, 256 positions per lexeme, 1 MiB in all, 2,046
bytes a lexeme): a two-word phrase is found anywhere by its pair, but a longer one (or a quoted CJK run), or
two words whose pair the vector had no room for, past position 16,383 of a very long text can match on SQLite
and not on PostgreSQL; and a longer phrase whose words stand at clamped positions in two fields can match on
PostgreSQL only. Records of archival documents stay far below.
"""
from __future__ import annotations

import json
import sys
from array import array
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from pyroaring import BitMap
from sqlalchemy import Column, Integer, MetaData, Table, and_, bindparam, select, text, union
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection

from metadata.record import search_fields, search_terms
from metadata.record.search_terms import Query, Term
from metadata.record.text import first_text
from metadata.storage.database import Database
from metadata.storage.search_accelerator import Accelerator
from metadata.storage.search_generation import note_change
from metadata.storage.serving import latest_change_in
from metadata.storage.tables import records, revisions, search_documents

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
# PostgreSQL moves every vector but the smallest out of the table's rows (into TOAST), so a word's records are
# read from a table of about 100 bytes a row: a word in 63,000 of 100,000 records read 16,600 pages of a
# 184 MB table in 40 ms, and 1,300 pages of a 10 MB one in 9 ms. Only a phrase's check reads the vectors.
NARROW_ROW = 128
PROBE_LIMIT = 300  # fewer candidate docs than this: ask the index about them alone (measured at 100,000 records)
SMALL_ANSWER = 2_000  # a field's answer of at most this many docs is read whole even when few docs are asked about
UNSURE_LIMIT = 50  # PostgreSQL: text vectors read out of TOAST to settle a text tier by elimination, at most
# PostgreSQL: the docs a whole answer may hold before a probe of the candidates is read instead, for each
# candidate: probing one checks its vector out of TOAST (12-50 us), reading one more doc of an answer 0.1-0.2 us. A
# word in 2,070 records under two filters took 15-24 ms to probe against 2 to read (and keep).
PROBE_DOCS = 100


def is_sqlite(conn) -> bool:
    return conn.dialect.name == "sqlite"


FTS_TABLES = tuple(f"search_fts_{name}" for name in search_fields.TIERS)  # SQLite: one per field
FTS_TABLE_DEFINITION = "fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')"  # the tokens are ours


def create_engine_index(conn) -> None:
    """The engine's own full-text tables (the migrations call this)."""
    if is_sqlite(conn):
        for table in FTS_TABLES:
            conn.execute(text(f"CREATE VIRTUAL TABLE {table} USING {FTS_TABLE_DEFINITION}"))
    else:
        conn.execute(text("CREATE TABLE search_vectors (doc INTEGER PRIMARY KEY REFERENCES search_documents (doc), "
                          f"vector tsvector NOT NULL) WITH (toast_tuple_target = {NARROW_ROW})"))
        for field in search_fields.TIERS:
            add_field_vector(conn, field)
        create_vector_indexes(conn)


def add_field_vector(conn, field: str) -> None:
    """PostgreSQL: the field's own vector, generated from the record's by the field's weight (no write changes)."""
    weight = WEIGHTS[search_fields.TIERS.index(field)].lower()
    conn.execute(text(f"ALTER TABLE search_vectors ADD COLUMN {field}_vector tsvector "
                      f"GENERATED ALWAYS AS (ts_filter(vector, '{{{weight}}}')) STORED"))


# PostgreSQL: the GIN index of the record's vector and of each field's.
_VECTOR_INDEXES = {"ix_search_vectors_vector": "vector",
                   **{f"ix_search_vectors_{field}": f"{field}_vector" for field in search_fields.TIERS}}


def vector_columns(conn) -> set[str]:
    """PostgreSQL: the columns ``search_vectors`` has (migrations add the fields' vectors one by one)."""
    return set(conn.execute(text("SELECT column_name FROM information_schema.columns "
                                 "WHERE table_schema = current_schema() AND table_name = 'search_vectors'")).scalars())


def create_vector_indexes(conn) -> None:
    """Each vector column's GIN index (those columns the schema has yet: migration 0013 builds the indexes of
    a table that has no ``other_vector`` before 0014)."""
    have = vector_columns(conn)
    for name, column in _VECTOR_INDEXES.items():
        if column in have:
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON search_vectors USING gin ({column})"))


def drop_vector_indexes(conn) -> None:
    """Before every vector is written again: GIN builds an index of 100,000 vectors several times faster than
    it takes them one at a time."""
    for name in _VECTOR_INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


def drop_engine_index(conn) -> None:
    for table in (*FTS_TABLES, "search_fts") if is_sqlite(conn) else ("search_vectors",):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


def index_tiers(data: dict) -> list[list[str]]:
    """The record's index tokens by tier (title, summary, text, other)."""
    texts = search_fields.fields(data)
    return [[t for s in texts[name] for t in search_terms.tokens(s)] for name in search_fields.TIERS]


PAIR = " "  # joins two neighbouring tokens into one lexeme (no token holds white space)
# PostgreSQL's limits: a lexeme of at most 2,046 bytes, and less than 1 MiB of lexemes and positions in a vector
# (each lexeme's bytes, aligned to two, then two bytes for its count of positions and two for each).
MAX_LEXEME_BYTES = 2046
MAX_VECTOR_BYTES = (1 << 20) - 1
# A lexeme no token or pair can be (tokens are word characters, a control character is none), in a vector that
# could not hold every pair of its words (a text of half a million characters, two neighbouring words of a
# kilobyte each): a phrase also matches such a record by the positions of its words (``_ts_term``), so none is
# lost.
PAIRS_INCOMPLETE = "\x01pairs"
# At a position of its own in each field: PostgreSQL keeps one weight a position (1A,1B,1C,1D is 1A), and each
# field's own vector must hold the marker for a phrase to be found there as it is in the record's.
_INCOMPLETE_POSITIONS = [f"{n}{weight}" for n, weight in enumerate(WEIGHTS, 1)]


def pair_lexemes(tokens) -> list[str | None]:
    """The pair lexeme of each two neighbouring tokens, None where either is CJK: a CJK run's tokens are its
    characters and their bigrams in turn, so "中国 国" holds nothing the bigram 中国 does not, and a phrase of
    CJK characters is their bigrams at their positions (checked on the vectors)."""
    words = [None if search_terms.is_cjk(t) else t for t in tokens]
    return [a + PAIR + b if a and b else None for a, b in zip(words, words[1:])]


def _stored_bytes(lexeme: str, positions) -> int:
    """What a lexeme takes of a vector's 1 MiB in PostgreSQL, at most (its positions counted once each, as it
    keeps them; one byte of alignment always)."""
    return len(lexeme.encode()) + 1 + 2 + 2 * len(set(positions))


def _tsvector(tiers: list[list[str]]) -> str:
    """A tsvector literal: each tier's tokens at consecutive positions (as FTS5 counts them within a column),
    tiers apart by a gap so no phrase runs from one field into the next, weighted A (title) to D (other).

    Each pair of neighbouring words in a tier is a lexeme too ("a b", at the tier's first position, for its
    weight; no pair of CJK tokens, see ``pair_lexemes``): a two-word phrase is then one index lookup, where
    ``a <-> b`` made PostgreSQL read the vector of every record holding both words (out of TOAST, 65-540 ms for
    a phrase of common words at 100,000 records), and a longer phrase reads only the records holding all its
    pairs. Pairs that would pass PostgreSQL's limits are left out, and the vector then holds
    ``PAIRS_INCOMPLETE`` in every field."""
    positions: dict[str, list[str]] = {}
    pairs: dict[str, list[str]] = {}
    at = 1
    for weight, tokens in zip(WEIGHTS, tiers):
        first = f"{min(at, _MAX_POSITION)}{weight}"
        for token in tokens:
            held = positions.setdefault(token, [])
            if len(held) < _MAX_POSITIONS_PER_LEXEME:
                held.append(f"{min(at, _MAX_POSITION)}{weight}")
            at += 1
        for pair in dict.fromkeys(filter(None, pair_lexemes(tokens))):
            pairs.setdefault(pair, []).append(first)
        at += 2
    room = MAX_VECTOR_BYTES - sum(_stored_bytes(t, p) for t, p in positions.items()) \
        - _stored_bytes(PAIRS_INCOMPLETE, WEIGHTS)
    for pair, held in pairs.items():
        size = _stored_bytes(pair, held)
        if len(pair.encode()) > MAX_LEXEME_BYTES or size > room:
            positions[PAIRS_INCOMPLETE] = _INCOMPLETE_POSITIONS
            continue
        room -= size
        positions[pair] = held
    return " ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(p)
                    for t, p in positions.items())


def write_search(conn: Connection, identifier: str, data: dict, replace: bool,
                 tiers: list[list[str]] | None = None) -> None:
    """Index the record (in the caller's transaction), replacing what was indexed for it before; ``tiers``
    are its ``index_tiers`` when they were computed before the transaction."""
    tiers = index_tiers(data) if tiers is None else tiers
    key = search_fields.sort_key(first_text(data["title"]))
    doc = conn.execute(_DOC_OF, {"b_id": identifier}).scalar_one_or_none() if replace else None
    replaced = doc is not None
    if doc is None:
        doc = conn.execute(search_documents.insert(), {"record_id": identifier, "title_key": key}
                           ).inserted_primary_key[0]
    else:
        conn.execute(_RETITLE, {"b_doc": doc, "title_key": key})
    note_change(conn, identifier)
    _write_engine_row(conn, doc, tiers, replace=replaced)


def _write_engine_row(conn: Connection, doc: int, tiers: list[list[str]], replace: bool) -> None:
    """The doc's tokens into the engine's own index: a row per non-empty field (SQLite), or its tsvector
    (PostgreSQL, an upsert); ``replace`` removes SQLite's rows of the doc first."""
    if not is_sqlite(conn):
        conn.execute(_VECTOR_UPSERT, {"doc": doc, "v": _tsvector(tiers)})
        return
    if replace:
        for delete in _FTS_DELETES:
            conn.execute(delete, {"doc": doc})
    for insert, tokens in zip(_FTS_INSERTS, tiers):
        if tokens:
            conn.execute(insert, {"doc": doc, "tokens": " ".join(tokens)})


def reindex_incomplete(conn: Connection) -> int:
    """PostgreSQL: write again the vectors marked ``PAIRS_INCOMPLETE`` (from their records' current revisions),
    whose marker an older ``_tsvector`` put at one position for every weight, so that only the title's vector
    held it. Returns how many were written."""
    marked = conn.execute(text("DELETE FROM search_vectors WHERE vector @@ CAST(:marker AS tsquery)"),
                          {"marker": _ts_token(PAIRS_INCOMPLETE, False)}).rowcount
    return refill_engine_index(conn) if marked else 0


def refill_engine_index(conn: Connection, batch: int = 500) -> int:
    """Write the engine's full-text row of each search document that has none, from its record's current
    revision: a backup carries ``search_documents`` but not FTS5's shadow tables nor the tsvectors, which are
    the engine's own and made from the records (a backup of a schema before the index was indexed by the
    migration that added it). Returns the number of documents indexed."""
    source = search_documents.join(records, records.c.id == search_documents.c.record_id).join(
        revisions, and_(revisions.c.record_id == records.c.id, revisions.c.number == records.c.revision))
    indexed = (union(*(select(text("rowid")).select_from(text(table)) for table in FTS_TABLES)) if is_sqlite(conn)
               else select(search_vectors.c.doc))
    query = (select(search_documents.c.doc, revisions.c.data).select_from(source)
             .where(search_documents.c.doc.not_in(indexed)).order_by(search_documents.c.doc))
    done, after = 0, 0
    while True:
        rows = conn.execute(query.where(search_documents.c.doc > after).limit(batch)).all()
        if not rows:
            return done
        for doc, data in rows:
            _write_engine_row(conn, doc, index_tiers(json.loads(data)), replace=False)
        done += len(rows)
        after = rows[-1].doc


# The write statements, built once (see Records._write).
_DOC_OF = select(search_documents.c.doc).where(search_documents.c.record_id == bindparam("b_id"))
_RETITLE = search_documents.update().where(search_documents.c.doc == bindparam("b_doc"))
_FTS_DELETES = [text(f"DELETE FROM {table} WHERE rowid = :doc") for table in FTS_TABLES]
_FTS_INSERTS = [text(f"INSERT INTO {table} (rowid, tokens) VALUES (:doc, :tokens)") for table in FTS_TABLES]
_VECTOR_UPSERT = text("INSERT INTO search_vectors (doc, vector) VALUES (:doc, CAST(:v AS tsvector)) "
                      "ON CONFLICT (doc) DO UPDATE SET vector = excluded.vector")


# ---- query translation ----------------------------------------------------------------------------------------

def _fts_term(term: Term) -> str:
    quoted = ['"' + t.replace('"', '""') + '"' for t in term.tokens]
    if not term.together:
        return "(" + " AND ".join(quoted) + ")"
    return '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"' + (" *" if term.prefix else "")


def _fts_atoms(term: Term) -> list[str]:
    """The FTS5 expressions whose docs, intersected, are the term's docs within one field: the phrase (or word,
    or prefix), or each token of a CJK term whose tokens may stand anywhere."""
    if term.together:
        return [_fts_term(term)]
    return [_fts_term(Term((token,))) for token in term.tokens]


def _ts_token(token: str, prefix: bool) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")


def _ts_term(term: Term) -> str:
    """A term as tsquery: a word; a CJK term's tokens each anywhere; a phrase of two words as its pair lexeme
    (exact, from the index alone); a longer phrase, or one with CJK characters, as its pairs of words (the
    index narrows to the records holding them) and the phrase itself (``<->``, checked against those records'
    vectors). A record whose vector could not hold all its pairs (``PAIRS_INCOMPLETE``) is checked by the
    phrase alone, as is every record for a pair too long to be a lexeme."""
    tokens, last = term.tokens, len(term.tokens) - 1
    words = [_ts_token(t, term.prefix and i == last) for i, t in enumerate(tokens)]
    if not term.together or last == 0:
        return "(" + " & ".join(words) + ")"
    phrase = "(" + " <-> ".join(words) + ")"
    pairs = [_ts_token(pair, term.prefix and i == last - 1) for i, pair in enumerate(pair_lexemes(tokens))
             if pair and len(pair.encode()) <= MAX_LEXEME_BYTES]
    if not pairs:
        return "(" + phrase + ")"
    incomplete = _ts_token(PAIRS_INCOMPLETE, False)
    if last == 1:
        return f"({pairs[0]} | ({incomplete} & {phrase}))"
    return f"((({' & '.join(pairs)}) | {incomplete}) & {phrase})"


def _ts(terms, joiner: str) -> str:
    return "(" + f" {joiner} ".join(_ts_term(t) for t in terms) + ")"


class _Matcher:
    """The docs the engine's full-text index finds for one query: all it matches, and each field's hits.

    SQLite asks each field's table about each atom of the query (a word, phrase or prefix; each token of a
    CJK term) and combines the answers here: a term is in a field when all its atoms are in that field's
    table, a record matches when each included term is in some field (a CJK term's tokens each in some field)
    and no excluded one is. PostgreSQL answers the whole expression from one tsvector per record."""

    def __init__(self, conn, query: Query, cache: dict):
        self.conn = conn
        self.sqlite = is_sqlite(conn)
        self.query = query
        self.cache = cache
        self.planned = False  # PostgreSQL: whether this transaction's plans were told to use the index

    def _docs(self, expression: str, within: BitMap | None = None, table: str = "") -> BitMap:
        """The docs the index matches for ``expression`` in ``table`` (SQLite: a field's FTS5 table; PostgreSQL:
        a vector column, the record's by default); with ``within``, the whole answer when it is small, else
        only those of ``within`` (a few hundred index probes beat reading every match). Whole answers are kept
        in the accelerator's cache of this generation: the same words are asked again and again."""
        key = (table, expression)
        if key in self.cache:
            return self.cache[key]
        if within is not None:
            bound = SMALL_ANSWER if self.sqlite else max(SMALL_ANSWER, PROBE_DOCS * len(within))
            small = self._small(expression, table, bound)
            return small if small is not None else self._probe(expression, within, table)
        found = self.cache[key] = self._fetch(*self._select(expression, table))
        return found

    def _select(self, expression: str, table: str) -> tuple[str, tuple]:
        if self.sqlite:
            return f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expression,)
        return f"SELECT doc FROM search_vectors WHERE {table or 'vector'} @@ CAST(%s AS tsquery)", (expression,)

    def _small(self, expression: str, table: str, bound: int | None = None) -> BitMap | None:
        """The whole answer (kept) when it has at most ``bound`` docs (``SMALL_ANSWER`` by default); None when
        it has more. A rare word's whole answer costs less than probing: SQLite's probes cost 1-2 ms a table, and
        PostgreSQL checks each candidate's whole vector, read out of TOAST (300 candidates: 6-14 ms; a rare
        word's answer: 1)."""
        bound = SMALL_ANSWER if bound is None else bound
        key = (table, expression)
        if key in self.cache:
            found = self.cache[key]
            return found if len(found) <= bound else None
        sql, params = self._select(expression, table)
        found = self._fetch(sql + f" LIMIT {bound + 1}", params)
        if len(found) > bound:
            return None
        self.cache[key] = found
        return found

    def _probe(self, expression: str, within: BitMap, table: str) -> BitMap:
        """The docs of ``within`` the index matches (not kept: an answer for these docs alone)."""
        sql, params = self._select(expression, table)
        if self.sqlite:
            return self._fetch(sql + " AND rowid IN (" + ",".join(map(str, within)) + ")", params)  # integers
        return self._fetch(sql + " AND doc = ANY(%s)", (*params, list(within)))

    def _fetch(self, sql: str, params: tuple) -> BitMap:
        # The driver's own cursor in the connection's transaction: the rows are many, and each row through
        # SQLAlchemy's result costs several times the engine's own work.
        cursor = self.conn.connection.cursor()
        try:
            if not self.sqlite and not self.planned:
                # PostgreSQL's planner prices "@@" as cheap and scans the whole table for a common word, which
                # reads every record's vector out of TOAST (650 ms for a word in 60,000 of 100,000 records);
                # the GIN index answers the same from the index and the narrow heap (58 ms). For this read
                # transaction only.
                cursor.execute("SET LOCAL enable_seqscan = off")
                self.planned = True
            if self.sqlite:
                # One JSON array instead of a row per doc: FTS5 finds 100,000 docs in 2 ms, but handing them to
                # Python a row at a time took 80 ms. The array is made in 4 ms and read by numpy's parser of
                # separated numbers in 1 (json.loads took 3.4), into a C array that pyroaring takes whole (from
                # a list or numpy's array it goes number by number: 0.4-3 ms).
                cursor.execute(f"SELECT json_group_array(rowid) FROM ({sql})", params)
                docs = np.fromstring(cursor.fetchone()[0][1:-1], dtype=np.uint32, sep=",")
                return BitMap(array("I", docs.tobytes()))
            # Likewise one value: the docs as big-endian 4-byte integers (63,000 docs: 47 ms as rows, 13 as one
            # bytea), turned around in place where the machine's integers are little-endian.
            cursor.execute(f"SELECT string_agg(int4send(doc), ''::bytea) FROM ({sql}) AS found", params)
            docs = array("I", cursor.fetchone()[0] or b"")
            if sys.byteorder == "little":
                docs.byteswap()
            return BitMap(docs)
        finally:
            cursor.close()

    def _in_field(self, term: Term, field: int, within: BitMap | None) -> BitMap:
        """SQLite: the docs whose field ``field`` holds the term."""
        return BitMap.intersection(*(self._docs(atom, within, FTS_TABLES[field]) for atom in _fts_atoms(term)))

    def _anywhere(self, term: Term, within: BitMap | None) -> BitMap:
        """SQLite: the docs that hold the term (a CJK term's tokens each in any field, as in one row)."""
        return BitMap.intersection(*(BitMap.union(*(self._docs(atom, within, table) for table in FTS_TABLES))
                                     for atom in _fts_atoms(term)))

    def matching(self, within: BitMap) -> BitMap:
        """The docs of ``within`` that hold every included term and no excluded one."""
        if not within:
            return within
        probe = within if len(within) <= PROBE_LIMIT else None
        found = within
        if self.sqlite:
            for term in self.query.include:
                if found:
                    found = found & self._anywhere(term, probe)
            for term in self.query.exclude:
                if found:
                    found = found - self._anywhere(term, probe)
            return found
        if self.query.include:
            found = found & self._docs(_ts(self.query.include, "&"), probe)
        if self.query.exclude:
            found = found - self._docs(_ts(self.query.exclude, "|"), probe)
        return found

    def in_tier(self, number: int, among: BitMap) -> BitMap:
        """The docs of ``among`` whose field ``number`` (title, summary, text) holds any included term: on
        SQLite from that field's table, on PostgreSQL from that field's own vector (an unweighted query on
        its GIN index), read whole and kept like every answer; PostgreSQL's text tier may come from the
        other fields instead (``_text_by_elimination``)."""
        if self.sqlite:
            return among & BitMap.union(*(self._in_field(term, number, None) for term in self.query.include))
        field = search_fields.TIERS[number]
        expression = _ts(self.query.include, "|")
        if number == 2:
            found = self._text_by_elimination(expression, among)
            if found is not None:
                return found
        return among & self._docs(expression, table=f"{field}_vector")

    def _text_by_elimination(self, expression: str, among: BitMap) -> BitMap | None:
        """PostgreSQL: the text tier of ``among`` without reading every text that holds the terms, or None
        (then the text's whole answer is read, as it is when kept already).

        ``among`` are matches with no included term in the title or summary, so each of their terms is in the
        text or in the other fields, when a term's every token must stand in one field (a word, phrase or
        prefix; not a CJK run's bigrams, which may stand in different fields). A doc then misses the text tier
        only when every term is in its other fields: the text tier is ``among`` less those, but for the docs
        whose text may hold a term as well (a few, asked about alone). A word in 27,000 Russian texts and in no
        name: its text answer took 8-11 ms, the other fields' (empty) 0.2."""
        if ("text_vector", expression) in self.cache or any(len(_fts_atoms(t)) > 1 for t in self.query.include):
            return None
        unsure = among  # the docs whose other fields hold every term: their text may hold one too
        for term in self.query.include:
            held = self._small(_ts([term], "&"), "other_vector")
            if held is None:  # a term in thousands of names: the text is read instead
                return None
            unsure = unsure & held
        if len(unsure) > UNSURE_LIMIT:
            return None
        return (among - unsure) | (self._probe(expression, unsure, "text_vector") if unsure else BitMap())


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
    changed: datetime | None = None  # when any record last changed: the listing's Last-Modified


class Search:
    """The public search over published, live records (drafts and tombstones never show).

    Matching is the engine's full-text index; which matches are public and pass the filters, the facet counts,
    the date histogram and the page's order come from this process's ``Accelerator``, caught up with the
    database before each search."""

    def __init__(self, db: Database):
        self.db = db
        self.accelerator = Accelerator()

    def search(self, query_text: str = "", filters: Filters | None = None, *, sort: str = "relevance",
               page: int = 1, per_page: int = 50, facet_limit: int = 30) -> Results:
        filters = filters or Filters()
        query = search_terms.parse(query_text)
        with self.db.reading() as conn:
            with self.accelerator.lock:
                page_ids, facets, dates, total = self._find(conn, query, filters, sort, page, per_page, facet_limit)
            # The page's records with their current revisions' data (for the snippets), in one statement.
            rows = {r.id: r for r in conn.execute(_PAGE_ROWS, {"ids": list(page_ids)})} if page_ids else {}
            changed = latest_change_in(conn)
        hits = [Hit(i, rows[i].title, rows[i].created, tier,
                    search_fields.snippet(json.loads(rows[i].data), query.words, tier if query.include else None))
                for i, tier in page_ids.items() if i in rows]
        return Results(total, hits, facets, dates, changed)

    def value_label(self, parameter: str, key: str) -> str | None:
        """The label most public records give the value ``key`` of the facet ``parameter`` (an active filter's
        chip), from the accelerator: counting the mentions in SQL took 10 ms for a value in thousands of records."""
        kind, role = FACET_KINDS[parameter]
        with self.db.reading() as conn:
            with self.accelerator.lock:
                return self.accelerator.current(conn).label((kind, role, key))

    def _find(self, conn, query: Query, filters: Filters, sort: str, page: int, per_page: int, facet_limit: int):
        """(record id -> tier of the page's hits in order, facets, dates, total), from the accelerator."""
        state = self.accelerator.current(conn)
        found = state.public
        for parameter, keys in filters.facets.items():
            kind, role = FACET_KINDS[parameter]
            for key in keys:
                found = found & state.with_value((kind, role, key))
        if filters.only_undated:
            found = found & state.undated
        elif filters.year_from is not None or filters.year_to is not None:
            found = found & state.in_years(filters.year_from, filters.year_to, filters.include_undated)
        matcher = _Matcher(conn, query, self.accelerator.matches)
        if query:
            found = matcher.matching(found)
        skip = (page - 1) * per_page
        if sort == "relevance" and query.include:
            page_docs = self._by_tier(state, matcher, found, skip, per_page)
        else:
            page_docs = [(doc, 0) for doc in state.first(found, "date" if sort == "relevance" else sort,
                                                         skip, per_page)]
        ids = {state.rows[doc].id: tier for doc, tier in page_docs}
        return ids, state.facets(found, facet_limit), state.dates(found), len(found)

    @staticmethod
    def _by_tier(state, matcher: _Matcher, found: BitMap, skip: int, count: int) -> list[tuple[int, int]]:
        """The page of a relevance order: the title hits by date, then the summary's, the text's, the rest; a
        field's hits are asked for only when the page reaches them."""
        page: list[tuple[int, int]] = []
        left = found
        for tier in range(4):
            if not left or len(page) >= count:
                break
            docs = matcher.in_tier(tier, left) if tier < 3 else left
            left = left - docs
            if skip >= len(docs):
                skip -= len(docs)
                continue
            page.extend((doc, tier) for doc in state.first(docs, "date", skip, count - len(page)))
            skip = 0
        return page


# The page's records and their current revisions' data: one statement (the records' columns, then the data).
_PAGE_ROWS = (select(records.c.id, records.c.title, records.c.created, revisions.c.data)
              .join(revisions, and_(revisions.c.record_id == records.c.id, revisions.c.number == records.c.revision))
              .where(records.c.id.in_(bindparam("ids", expanding=True))))
