"""The public search: relevance on the samples and the seed, identical answers on SQLite and PostgreSQL, facet
counts equal to counts made directly in the database, drafts never shown, the index kept in the record's
transaction, and the HTTP interface (HTML and JSON) with its arguments."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest
from pyroaring import BitMap
from hypothesis import given, settings, strategies as st
from sqlalchemy import text

from metadata.importers import files
from metadata.record import search_terms
from metadata.record.urls import STORED_BASE
from metadata.storage import search, search_accelerator
from metadata.storage.search import FACET_KINDS, FTS_TABLES, Filters
from tests.conftest import BACKENDS, BASE_URL, POSTGRES_URL, make_app, module_app, postgres_database
from tests.support.paths import seed_file

SEED = "113439"
LETTER = "1951-03-letter-anna-sokolova-to-the-irkutsk-regional-library"
NOTICE = "990002"

# (query, the record that must come first, how many records it finds)
RELEVANCE = [
    ("negotiations", SEED, 1),                     # a word of the seed's translation, inflected differently
    ('"Chinese Communist Party"', SEED, 1),        # a phrase
    ("David Wolff", SEED, 1),                      # the translator's name (other tier)
    ("книги", LETTER, 1),                          # a Russian inflected form of книгами
    ("阅览室", None, 2),                            # Chinese characters, no segmentation (the notice, the memo)
    ("图书", NOTICE, 2),                            # two characters
    ("stalin -mao", None, 0),                      # exclusion: the seed names both
    ("negoti*", SEED, 1),                          # a prefix
    ("LIBRARY", None, None),                       # case-insensitive, several records
    ("cafe", None, None),
]
QUERIES = [q for q, _, _ in RELEVANCE] + ["", "library reading", "-library", "1949", "the"]


def load(store, drafts=()):
    for path in files.expand_paths(["samples", str(seed_file())]):
        list(store.records.save_many(files.read_file(path), "test"))
    for record in drafts:
        store.records.create(record, "test", published=False)


@pytest.fixture(scope="module", params=BACKENDS)
def library(request, tmp_path_factory):
    """One store per backend over the samples and the seed, for the tests here that only read it."""
    tmp = tmp_path_factory.mktemp("search")
    with module_app(request.param, tmp) as app:
        store = app.extensions["muniment"]["store"]
        load(store)
        yield store


@pytest.fixture
def loaded(app, store):
    """The samples and the seed in the test's own database, for a test that writes besides."""
    load(store)
    return store


def ids(results):
    return [h.id for h in results.hits]


@pytest.mark.parametrize("query, first, count", RELEVANCE)
def test_relevance_on_the_samples_and_the_seed(library, query, first, count):
    results = library.search.search(query)
    if count is not None:
        assert results.total == count, (query, ids(results))
    if first is not None:
        assert ids(results)[0] == first
        assert "<mark>" in results.hits[0].snippet


def test_title_hits_rank_above_summary_and_text_hits(library):
    results = library.search.search("library")
    tiers = [h.tier for h in results.hits]
    assert tiers == sorted(tiers) and len(set(tiers)) > 1, tiers
    assert results.hits[0].tier == 0


def test_every_sort_orders_as_documented(library):
    dated = library.search.search("", sort="date").hits
    lowers = [library.records.get(h.id).data["created"] for h in dated]
    assert ids(library.search.search("", sort="-date"))[0] == dated[-1].id or len(set(lowers)) == 1
    titled = [h.title.casefold() for h in library.search.search("", sort="title").hits]
    assert titled == sorted(titled)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="MUNIMENT_TEST_POSTGRES_URL is not set")
@pytest.mark.parametrize("small_answer", [search.SMALL_ANSWER, 0, 1, 2])
def test_the_same_queries_give_the_same_ids_in_the_same_order_on_both_databases(tmp_path, small_answer,
                                                                                 monkeypatch):
    # Below SMALL_ANSWER a field's answer is read whole; past it PostgreSQL may settle the text tier by
    # elimination (the docs whose other fields hold every term, asked about alone): the samples' answers are
    # all small, so smaller bounds take every path here.
    monkeypatch.setattr(search, "SMALL_ANSWER", small_answer)
    answers = []
    with postgres_database() as pg_url:
        for url in (f"sqlite:///{tmp_path / 'same.db'}", pg_url):
            app = make_app(url, tmp_path)
            store = app.extensions["muniment"]["store"]
            load(store)
            answers.append({(q, sort): (r.total, ids(r), [h.snippet for h in r.hits], r.facets, r.dates)
                            for q in QUERIES for sort in ("relevance", "date", "-date", "title")
                            for r in [store.search.search(q, sort=sort)]})
            store.engine.dispose()
    assert answers[0] == answers[1]


def _direct_count(store, kind, role, key, query_ids):
    sql = text("SELECT COUNT(DISTINCT m.record_id) FROM mentions m JOIN records r ON r.id = m.record_id "
               "WHERE m.kind = :kind AND m.role = :role AND m.key = :key AND r.published AND NOT r.deleted")
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT m.record_id FROM mentions m WHERE m.kind = :kind AND m.role = :role "
                                 "AND m.key = :key"), {"kind": kind, "role": role, "key": key}).scalars().all()
        total = conn.execute(sql, {"kind": kind, "role": role, "key": key}).scalar_one()
    return len(set(rows) & query_ids) if query_ids is not None else total


@pytest.mark.parametrize("few_results", [0, search_accelerator.FEW_RESULTS], ids=["by-records", "by-values"])
@pytest.mark.parametrize("query", ["", "library", "1949"])
def test_facet_counts_equal_counts_made_in_the_database(library, query, few_results, monkeypatch):
    # FEW_RESULTS = 0 counts every result's own mentions; the samples' few values otherwise send every result
    # to the way for many (gathered, or by the records a result lacks when it holds most)
    monkeypatch.setattr(search_accelerator, "FEW_RESULTS", few_results)
    results = library.search.search(query, per_page=1000)
    found = set(ids(results)) if query else None
    assert sum(len(v) for v in results.facets.values()) > 3
    for name, values in results.facets.items():
        kind, role = FACET_KINDS[name]
        for key, _, count in values:
            assert count == _direct_count(library, kind, role, key, found), (name, key)
    # the date histogram: a record counts in each decade its interval overlaps; undated apart
    with library.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, date_lower, date_upper FROM records WHERE published AND NOT deleted")
                            ).all()
    rows = [r for r in rows if found is None or r.id in found]
    for decade, count in results.dates["decades"]:
        assert count == sum(1 for r in rows if r.date_lower and r.date_upper and
                            r.date_lower <= f"{decade + 9:04d}-12-31" and r.date_upper >= f"{decade:04d}-01-01")
    assert results.dates["undated"] == sum(1 for r in rows if not (r.date_lower and r.date_upper))


def test_filters_combine_and_a_facet_narrows_to_its_count(library):
    everything = library.search.search("")
    key, _, count = everything.facets["translation"][0]
    narrowed = library.search.search("", Filters({"translation": (key,)}))
    assert narrowed.total == count
    place_key, _, _ = everything.facets["type"][0]
    both = library.search.search("", Filters({"translation": (key,), "type": (place_key,)}))
    assert both.total <= narrowed.total
    assert library.search.search("", Filters({"translation": ("xx",)})).total == 0


@pytest.mark.parametrize("small_answer", [0, 1, search.SMALL_ANSWER], ids=["probe", "probe-past-one", "whole"])
@pytest.mark.parametrize("query", ["library", '"reading room"', "图书", "the -1949"])
def test_words_among_filtered_records_are_found_alike_by_probing_or_by_their_whole_answer(
        library, query, small_answer, monkeypatch):
    # With a filter the candidates are few: a word's answer is read whole when it has at most SMALL_ANSWER docs
    # (on PostgreSQL, or PROBE_DOCS for each candidate) and kept, otherwise the index is asked about the
    # candidates alone. Either way, the same records.
    found = library.search.search(query, per_page=1000)
    unfiltered = set(ids(found))
    language, _, _ = library.search.search("").facets["language"][0]  # Chinese: two records, one found each time
    filters = Filters({"language": (language,)})
    in_language = set(ids(library.search.search("", filters, per_page=1000)))
    library.search.accelerator.matches.clear()  # no answer kept by an earlier search
    if small_answer < search.SMALL_ANSWER:  # PostgreSQL reads more before it probes, by the candidates' number
        monkeypatch.setattr(search, "PROBE_DOCS", 0)
    monkeypatch.setattr(search, "SMALL_ANSWER", small_answer)
    narrowed = library.search.search(query, filters, per_page=1000)
    assert set(ids(narrowed)) == unfiltered & in_language
    assert 0 < narrowed.total < len(in_language)


def test_a_filtered_word_is_read_whole_on_postgresql_where_probing_its_candidates_costs_more(library, monkeypatch):
    # Past SMALL_ANSWER SQLite probes the candidates (1-2 ms a table); PostgreSQL, whose probe reads each
    # candidate's vector out of TOAST, first reads up to PROBE_DOCS docs for each candidate, and keeps them.
    language, _, _ = library.search.search("").facets["language"][0]
    library.search.accelerator.matches.clear()
    monkeypatch.setattr(search, "SMALL_ANSWER", 0)
    found = library.search.search("library", Filters({"language": (language,)}))
    assert ids(found) == [NOTICE]
    whole = library.search.accelerator.matches.get(("", search._ts(search_terms.parse("library").include, "&")))
    if library.engine.dialect.name == "postgresql":
        assert len(whole) == 3  # the three records holding the word, not the one candidate found
    else:
        assert whole is None  # SQLite keeps its answers per field table


def _undated_record():
    from metadata.importers import archive_file

    record = archive_file.parse_file(seed_file())
    record = __import__("json").loads(__import__("json").dumps(record).replace("/records/113439", "/records/open1"))
    record["identifier"] = "open1"
    record["created"] = "../1950"
    record["title"] = {"en": "Before fifty"}
    return record


def test_date_range_overlaps_intervals_and_undated_only_with_include(loaded):
    loaded.records.create(_undated_record(), "test")
    in_1940s = loaded.search.search("", Filters(year_from=1940, year_to=1949))
    assert SEED in ids(in_1940s) and "album-194x" in ids(in_1940s) and "open1" not in ids(in_1940s)
    with_undated = loaded.search.search("", Filters(year_from=1940, year_to=1949, include_undated=True))
    assert set(ids(with_undated)) == set(ids(in_1940s)) | {"open1"}
    assert ids(loaded.search.search("", Filters(only_undated=True))) == ["open1"]
    assert loaded.search.search("").dates["undated"] == 1
    assert ids(loaded.search.search("", Filters(year_from=1949, year_to=1949))) == ["album-194x", SEED] or \
        set(ids(loaded.search.search("", Filters(year_from=1949, year_to=1949)))) == {"album-194x", SEED}


def _draft():
    record = copy.deepcopy(_undated_record())
    record = __import__("json").loads(__import__("json").dumps(record).replace("/records/open1", "/records/draft1")
                                      .replace("david-wolff", "secret-person").replace("David Wolff",
                                                                                        "Zebediah Secretperson"))
    record["identifier"] = "draft1"
    record["created"] = "1949"
    record["title"] = {"en": "Unpublished quokkaword"}
    return record


def test_drafts_never_appear_in_search_or_facets(app, store):
    load(store, drafts=[_draft()])
    assert store.search.search("quokkaword").total == 0
    assert store.search.search("Zebediah").total == 0
    everything = store.search.search("")
    assert "draft1" not in ids(store.search.search("", per_page=1000))
    assert all("secret-person" not in key for key, _, _ in everything.facets["translator"])
    client = app.test_client()
    listing = client.get("/records?q=quokkaword", headers={"Accept": "application/json"}).get_json()
    assert listing["total"] == 0
    page = client.get("/records", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Zebediah" not in page and "quokkaword" not in page


def test_the_index_changes_in_the_record_transaction_and_survives_rebuild(app, store):
    load(store)
    current = store.records.get(SEED)
    changed = copy.deepcopy(current.data)
    changed["title"] = {"en": "Cable about a wombatword"}
    store.records.update(SEED, changed, current.revision, "test")
    assert ids(store.search.search("wombatword")) == [SEED]
    assert store.search.search("wombatword").hits[0].tier == 0
    assert "Liu Shaoqi to Mao" not in store.search.search("cable").hits[0].title
    state = store.records.get(SEED)
    store.records.delete(SEED, state.revision, "test")
    assert store.search.search("wombatword").total == 0
    state = store.records.get(SEED)
    store.records.restore(SEED, state.revision, "test")
    before = {q: ids(store.search.search(q)) for q in QUERIES}
    with store.engine.begin() as conn:
        for table in FTS_TABLES if conn.dialect.name == "sqlite" else ("search_vectors",):
            conn.execute(text(f"DELETE FROM {table}"))
    assert store.search.search("wombatword").total == 0
    store.records.rebuild()
    assert {q: ids(store.search.search(q)) for q in QUERIES} == before


def test_tokens_fold_stem_and_split_cjk():
    assert search_terms.tokens("Negotiations, NEGOTIATION") == ["negoti", "negoti"]
    assert search_terms.tokens("книгами") == search_terms.tokens("книги")
    assert search_terms.tokens("Café Über") == ["cafe", "uber"]
    assert search_terms.tokens("中国人") == ["中", "中国", "国", "国人", "人"]
    query = search_terms.parse('"Sino-Soviet talks" -stalin 中国人 negoti*')
    assert query.include[0].tokens == ("sino", "soviet", "talk") and query.include[0].together
    assert query.exclude[0].tokens == ("stalin",)
    assert query.include[1].tokens == ("中国", "国人") and not query.include[1].together
    assert query.include[2].prefix


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéабвгдеёжзийклмнопрстуфхцчшщъыьэюя", min_size=1, max_size=16))
def test_the_stemmers_in_use_stem_as_snowballs_own_python_does(word):
    # snowballstemmer hands stemming to PyStemmer's C build when it is installed (200 times faster); both must be
    # the same Snowball release, or a record indexed where one is installed would not be found where the other is.
    from snowballstemmer import english_stemmer, russian_stemmer

    assert search_terms._ENGLISH.stemWord(word) == english_stemmer.EnglishStemmer().stemWord(word)
    assert search_terms._RUSSIAN.stemWord(word) == russian_stemmer.RussianStemmer().stemWord(word)
    assert type(search_terms._ENGLISH).__module__ == "Stemmer"  # the C build is the one in use


def test_json_answer_has_total_items_and_facets(app, store):
    load(store)
    client = app.test_client()
    response = client.get("/records?q=library&sort=date", headers={"Accept": "application/json"})
    assert response.status_code == 200 and "Accept" in response.headers["Vary"]
    listing = response.get_json()
    assert listing["total"] == len(listing["items"]) > 1
    item = listing["items"][0]
    assert set(item) >= {"id", "title", "date", "dateWords", "snippet", "links"}
    assert item["id"].startswith(BASE_URL) and "<mark>" in "".join(i["snippet"] for i in listing["items"])
    assert {"creator", "recipient", "translator", "contributor", "place", "subject", "language", "translation",
            "set", "type"} <= set(listing["facets"])
    value = listing["facets"]["translation"]["values"][0]
    narrowed = client.get(value["href"], headers={"Accept": "application/json"}).get_json()
    assert narrowed["total"] == value["count"]
    assert narrowed["active"] and client.get(narrowed["active"][0]["remove"],
                                             headers={"Accept": "application/json"}).get_json()["total"] >= \
        narrowed["total"]
    bucket = listing["dates"]["buckets"][0]
    assert client.get(bucket["href"], headers={"Accept": "application/json"}).get_json()["total"] == bucket["count"]


def test_html_page_shows_results_facets_and_removable_chips(app, store):
    load(store)
    client = app.test_client()
    page = client.get("/records?q=library&language=ru", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<mark>" in page and "Active filters" in page and "Original language: ru" in page
    assert 'aria-current="true"' in page


@pytest.mark.parametrize("query, message", [("sort=best", "'sort'"), ("from=1950&to=1940", "'from'"),
                                            ("from=nineteen", "'from'"), ("undated=yes", "'undated'")])
def test_bad_arguments_are_explained(app, store, query, message):
    response = app.test_client().get(f"/records?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and message in response.get_json()["detail"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc XYZ éß İ ﬁ 中国人の カ한 Книгаёй _-'’1½²\u0301\u3000\u2028\x85\t\n.,", max_size=60))
def test_index_tokens_are_the_tokens_of_each_word_run(text):
    # ``tokens`` cuts the text at white space and remembers each chunk's tokens (the write path's speed); it must
    # give exactly the tokens of the word runs ``pieces`` finds in the whole text, in order, twice over.
    expected = [token for piece in search_terms.pieces(text)
                for token in (search_terms.cjk_tokens(piece.text) if piece.cjk else [search_terms.word_token(piece.text)])
                if token]
    assert search_terms.tokens(text) == expected
    assert search_terms.tokens(text) == expected  # from the remembered chunks


def _variant(identifier: str, text_: str, title: str | None = None, summary: str | None = None) -> dict:
    """The seed cable under another identifier, its first version's text (and title, summary) replaced."""
    record = copy.deepcopy(files.read_file(seed_file())[0])
    record["identifier"] = identifier
    record["id"] = record["id"].replace("113439", identifier)
    for version in record["hasVersion"]:
        version["id"] = version["id"].replace("113439", identifier)
        version["isVersionOf"] = record["id"]
        if version.get("translationOfWork"):
            version["translationOfWork"] = record["id"]
    record["hasVersion"][0]["text"] = text_
    if title is not None:
        record["title"] = {"en": title}
    if summary is not None:
        record["abstract"] = {"en": summary}
    return record


@pytest.mark.parametrize("small_answer", [search.SMALL_ANSWER, 0, 1, 2])
@pytest.mark.parametrize("query", ["quokka", "袋鼠园"])
def test_texts_holding_a_term_rank_above_records_naming_it_elsewhere(app, store, query, small_answer, monkeypatch):
    # The text tier (by date), then the records holding the term only in their other fields (a citation here).
    # PostgreSQL finds the text tier by elimination when the other fields' answer is small (at most
    # SMALL_ANSWER): the matches less those whose other fields hold the term, these asked about alone; else it
    # reads the text's answer. "quokka" is in two citations: bounds 0 and 1 take the text's answer, 2 and the
    # default elimination. A Chinese word is its bigrams anywhere in the record: "cited" holds one in its text
    # and the other in its citation, so no field holds the word, and such a query is never settled by elimination.
    monkeypatch.setattr(search, "SMALL_ANSWER", small_answer)
    for identifier, created, text_, citation in (
            ("cited", "1900", "Nothing of note, but 袋鼠 here.", "On the quokka, a 鼠园 history"),
            ("both", "1920", "A quokka in the text, 袋鼠园.", "The quokka of 袋鼠园, cited"),
            ("told", "1950", "A quokka in the text only, 袋鼠园.", "Nothing of note"),
            ("retold", "1960", "The quokka again, 袋鼠园 again.", "Nothing of note")):
        record = _variant(identifier, text_)
        record["created"], record["bibliographicCitation"] = created, citation
        store.records.create(record, "test")
    results = store.search.search(query)
    assert ids(results) == ["both", "told", "retold", "cited"]
    assert [h.tier for h in results.hits] == [2, 2, 2, 3]


def test_a_quoted_chinese_phrase_needs_its_characters_together(app, store):
    # Unquoted, Chinese matches by its characters' bigrams anywhere in a record (no segmentation); quoted, the
    # characters must stand together, as a phrase of words must.
    for identifier, text_ in (("together", "他们去图书馆读书。"), ("apart", "图书很多，书馆很远。")):
        store.records.create(_variant(identifier, text_), "test")
    assert sorted(ids(store.search.search("图书馆"))) == ["apart", "together"]
    assert ids(store.search.search('"图书馆"')) == ["together"]
    assert sorted(ids(store.search.search('"书馆"'))) == ["apart", "together"]  # two characters: together in both
    assert search_terms.parse('"图书馆"').include[0].together


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=8), st.lists(st.text(max_size=12), min_size=1, max_size=3))
def test_search_links_encode_as_urlencode_does(name, values):
    # The results page builds its hundred links with quote_plus directly (urlencode's checks cost more than the
    # encoding); the links must read exactly as before.
    from urllib.parse import urlencode

    from server.search_request import _QUERY_SAFE, _encoded

    assert _encoded(name, values) == urlencode([(name, value) for value in values], safe=_QUERY_SAFE)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="MUNIMENT_TEST_POSTGRES_URL is not set")
def test_a_postgresql_search_reads_matches_from_the_gin_index(tmp_path):
    # PostgreSQL's planner prices "@@" as cheap and would scan the table, reading every record's vector out of
    # TOAST; in the search's read transaction it is told to use the GIN index (on a table this small it would
    # otherwise always scan).
    from sqlalchemy import text as sql

    from metadata.storage.search import _Matcher

    with postgres_database() as url:
        app = make_app(url, tmp_path)
        store = app.extensions["muniment"]["store"]
        load(store)
        query = search_terms.parse("library")
        with store.db.reading() as conn:
            plan = "\n".join(conn.execute(sql("EXPLAIN SELECT doc FROM search_vectors WHERE vector @@ 'librari'"))
                             .scalars())
            assert "Seq Scan" in plan  # what the planner does by itself
            matcher = _Matcher(conn, query, {})
            assert matcher.matching(BitMap(range(1, 1000)))
            plan = "\n".join(conn.execute(sql("EXPLAIN SELECT doc FROM search_vectors WHERE vector @@ 'librari'"))
                             .scalars())
            assert "Bitmap Index Scan on ix_search_vectors_vector" in plan
        store.engine.dispose()


def test_a_chip_names_a_filter_value_its_role_never_gives(app, store):
    """A filter on a person in a role they never have (a link kept from another search) finds nothing, and its
    chip still names the person, as the person's mentions in other roles name them."""
    load(store)
    person = BASE_URL + "agents/anna-sokolova"
    assert store.search.value_label("recipient", person.replace(BASE_URL, STORED_BASE)) is None  # not a recipient
    page = app.test_client().get("/records", query_string={"recipient": person},
                                 headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Recipient: Anna Sokolova" in page
    assert "Creator: Anna Sokolova" in app.test_client().get(
        "/records", query_string={"creator": person}, headers={"Accept": "text/html"}).get_data(as_text=True)


def test_the_first_hit_is_counted_in_the_words_snippets_read():
    """``first_word_with`` counts words as ``iter_pieces`` reads them (NFC), so a snippet that skips that many
    lands on the hit even in text written decomposed (e + combining acute is one word, not two)."""
    text = "e\u0301toile library"
    skip = search_terms.first_word_with(text, frozenset({"librari"}))
    assert skip == 1
    assert [piece.text for piece in search_terms.iter_pieces(text, skip)] == ["library"]
    assert search_terms.first_word_with(text, frozenset({"reading"})) is None


@pytest.mark.parametrize("at", [0, 1, search_terms._FIRST_WORDS - 1, search_terms._FIRST_WORDS,
                                search_terms._FIRST_WORDS * 3 + 5, None])
def test_the_first_hit_is_found_in_any_batch_of_words(at):
    # first_word_with stems a batch of words at a time and stops at the first batch holding a hit
    words = [f"filler{n}" for n in range(search_terms._FIRST_WORDS * 4)]
    if at is not None:
        words[at] = "Libraries"
        words[-1] = "library"  # a later hit never counts
    assert search_terms.first_word_with(" ".join(words), frozenset({"librari"})) == at


def _unaccented(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="azAZ09йёЙЁяжшщъьэюéèçñßﬁİı한́̈ -", max_size=12))
def test_unaccent_gives_what_the_full_normalization_gives(text):
    # Words of unchanging letters (lower-case Latin, Cyrillic but й and ё) skip the normalization: the same result
    assert search_terms.unaccent(text) == _unaccented(text)


def test_the_letters_unaccent_leaves_alone_are_those_normalization_leaves_alone():
    unchanged = [c for c in map(chr, range(0x30000)) if search_terms._UNCHANGED.fullmatch(c)]
    assert len(unchanged) == 10 + 26 + 31 and all(_unaccented(c) == c for c in unchanged)


PHRASES = [  # (query, the records it finds, in order)
    ('"wombat quoll"', ["title-pair", "text-pair", "text-pairs-apart", "text-three"]),  # the title's hit first
    ("wombat-quol*", ["title-pair", "text-pair", "text-pairs-apart", "text-three"]),  # two tokens, the last a prefix
    ('"quoll numbat"', ["text-pairs-apart", "text-three"]),
    ('"wombat quoll numbat"', ["text-three"]),  # not the record that holds both its pairs, apart
    ('"numbat wombat"', []),                    # neighbours nowhere
    ('"quoll bilby"', []),                      # the title's last word, the summary's first
    ('wombat -"quoll numbat"', ["title-pair", "text-pair"]),
    ('"鸭嘴兽"', ["text-cjk"]),                   # a quoted Chinese run: its tokens in order
    ('"wombat \uff9e"', ["title-pair", "text-pair", "text-pairs-apart", "text-three"]),  # a mark with no token
]


@pytest.mark.parametrize("query, found", PHRASES, ids=[q for q, _ in PHRASES])
def test_phrases_match_neighbours_within_one_field(app, store, query, found):
    """Phrases are looked up by their pairs of neighbouring tokens on PostgreSQL (and by FTS5's positions on
    SQLite): the same records either way, including a three-word phrase whose pairs a record holds apart."""
    for identifier, text_, title in (
            ("title-pair", "Nothing of the kind here.", "The wombat quoll cable"),
            ("text-pair", "A wombat quoll stood there.", None),
            ("text-three", "A wombat quoll numbat passed by.", None),
            ("text-pairs-apart", "A wombat quoll, then a quoll numbat; never the three in one run.", None),
            ("text-cjk", "他们看见了鸭嘴兽。", None),
            ("field-edge", "Nothing of the kind here.", "A title ending in quoll")):
        summary = "bilby at the start of the summary" if identifier == "field-edge" else None
        store.records.create(_variant(identifier, text_, title, summary), "test")
    assert ids(store.search.search(query)) == found


def test_phrases_match_in_texts_past_postgresqls_limits_for_pairs(app, store):
    """A text whose pairs of words would pass PostgreSQL's 1 MiB for a vector (10,000 generated words of 60
    letters, 610,000 characters), and two neighbouring words of 1,100 characters each (a pair past its 2,046
    bytes), are stored without those pairs and marked, so a phrase still finds them, by position, on PostgreSQL
    as on SQLite (within PostgreSQL's 16,383 positions)."""
    import random

    from metadata.storage.search import PAIR, PAIRS_INCOMPLETE, _tsvector, index_tiers

    rng = random.Random(7)
    vocabulary = ["".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(30))
                  for _ in range(4000)]
    words = [rng.choice(vocabulary) for _ in range(10_000)]
    long_text = " ".join(words)
    late_pair = " ".join(words[8_000:8_002])  # stored pairs run out some 6,000 words in
    wide_words = "x" * 1100 + " " + "y" * 1100
    cited_pair = "quokkaish numbatlike"
    long_record = _variant("long-text", long_text)
    long_record["bibliographicCitation"] = f"A note on the {cited_pair} letters."
    store.records.create(long_record, "test")
    store.records.create(_variant("wide-words", f"Before {wide_words} after."), "test")
    def vector_of(identifier):
        return _tsvector(index_tiers(store.records.get(identifier).data))

    for identifier in ("long-text", "wide-words"):
        assert f"'{PAIRS_INCOMPLETE}'" in vector_of(identifier)
    assert PAIR.join(search_terms.tokens(late_pair)) not in vector_of("long-text")  # left out, yet found:
    found = store.search.search(f'"{late_pair}"')
    assert ids(found) == ["long-text"] and found.hits[0].tier == 2
    # A phrase of its citation (the other fields' pairs come last, so they are left out too): found there, in
    # the last tier, on PostgreSQL as on SQLite, so each field's own vector holds the marker
    cited = store.search.search(f'"{cited_pair}"')
    assert ids(cited) == ["long-text"] and cited.hits[0].tier == 3
    assert ids(store.search.search(f'"{wide_words}"')) == ["wide-words"]
    assert ids(store.search.search(f'"before {wide_words}"')) == ["wide-words"]
    assert ids(store.search.search('"wombat quoll"')) == []


def test_a_phrase_becomes_its_pairs_of_neighbours_in_the_tsquery():
    from metadata.storage.search import _ts, _tsvector

    def tsquery(text_):
        return _ts(search_terms.parse(text_).include, "&")

    assert tsquery("wombat") == "(('wombat'))"
    assert tsquery('"wombat quoll"') == "(('wombat quoll' | ('\x01pairs' & ('wombat' <-> 'quoll'))))"
    assert tsquery("wombat-quol*") == "(('wombat quol':* | ('\x01pairs' & ('wombat' <-> 'quol':*))))"
    assert tsquery('"wombat quoll numbat"') == (
        "(((('wombat quoll' & 'quoll numbat') | '\x01pairs') & ('wombat' <-> 'quoll' <-> 'numbat')))")
    assert tsquery("鸭嘴兽") == "(('鸭嘴' & '嘴兽'))"  # unquoted CJK: its bigrams anywhere
    assert tsquery('"鸭嘴"') == "((('鸭' <-> '鸭嘴' <-> '嘴')))"  # quoted: in order, and no pairs of CJK tokens
    assert tsquery('"the 鸭嘴"') == "((('the' <-> '鸭' <-> '鸭嘴' <-> '嘴')))"
    assert tsquery('"one two 鸭"') == "(((('one two') | '\x01pairs') & ('one' <-> 'two' <-> '鸭')))"
    # Each field's pairs at the field's first position, with its weight; none across the gap between fields.
    assert _tsvector([["wombat", "quoll"], ["quoll", "numbat"], [], []]) == (
        "'wombat':1A 'quoll':2A,5B 'numbat':6B 'wombat quoll':1A 'quoll numbat':5B")
    assert _tsvector([["鸭", "鸭嘴", "嘴", "wombat", "quoll"], [], [], []]) == (
        "'鸭':1A '鸭嘴':2A '嘴':3A 'wombat':4A 'quoll':5A 'wombat quoll':1A")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="MUNIMENT_TEST_POSTGRES_URL is not set")
def test_migration_0013_writes_pairs_into_narrow_rows(tmp_path):
    """A PostgreSQL database indexed before 0013 (vectors without pairs, rows at the default width) is indexed
    again: a phrase is found by its pair and the table keeps its vectors out of its rows."""
    from metadata.storage import Store, make_engine, migrate
    from metadata.storage.search import NARROW_ROW

    with postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine, "0012")
        Store(engine).records.save(files.read_file(seed_file())[0], "import")
        with engine.begin() as conn:  # as a database indexed before 0013 holds it
            conn.execute(text("UPDATE search_vectors SET vector = ts_delete(vector, "
                              "array(SELECT lexeme FROM unnest(vector) WHERE lexeme LIKE '% %'))"))
            conn.execute(text("ALTER TABLE search_vectors RESET (toast_tuple_target)"))
        assert Store(engine).search.search('"Communist Party"').total == 0  # what the new query needs is missing
        migrate.upgrade(engine)
        with engine.connect() as conn:
            pairs = conn.execute(text("SELECT count(*) FROM search_vectors, unnest(vector) AS u "
                                      "WHERE u.lexeme = 'communist parti'")).scalar_one()
            options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'search_vectors'")).scalar()
        assert pairs == 1 and options == [f"toast_tuple_target={NARROW_ROW}"]
        assert ids(Store(engine).search.search('"Communist Party"')) == [SEED]
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="MUNIMENT_TEST_POSTGRES_URL is not set")
def test_migration_0014_gives_the_other_fields_their_own_indexed_vector(tmp_path, monkeypatch):
    """A PostgreSQL database made before 0014 (no vector of the other fields) gets it, generated and indexed,
    and a text tier found by elimination reads it."""
    from metadata.storage import Store, make_engine, migrate

    with postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine, "0012")
        Store(engine).records.save(files.read_file(seed_file())[0], "import")
        with engine.begin() as conn:  # as a database made before 0014 holds it (0013 then indexes what it has)
            conn.execute(text("ALTER TABLE search_vectors DROP COLUMN other_vector"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            named = conn.execute(text("SELECT count(*) FROM search_vectors "
                                      "WHERE other_vector @@ 'wolff'::tsquery")).scalar_one()
            indexed = conn.execute(text("SELECT indexdef FROM pg_indexes "
                                        "WHERE indexname = 'ix_search_vectors_other'")).scalar_one()
        assert named == 1 and "gin (other_vector)" in indexed
        monkeypatch.setattr(search, "SMALL_ANSWER", 0)  # the text's answer is never small: by elimination
        found = Store(engine).search.search("negotiations")
        assert ids(found) == [SEED] and found.hits[0].tier == 2
        engine.dispose()


def test_the_listing_is_last_modified_when_any_record_last_changed(migrated_url, tmp_path):
    # Read in the search's own transaction; an edit to any record moves it, and a client holding the page gets a 304
    from email.utils import format_datetime, parsedate_to_datetime

    from tests.support.clock import ManualClock

    clock = ManualClock(datetime(2001, 2, 3, 4, 5, 6))
    app = make_app(migrated_url, tmp_path, CLOCK=clock)
    store, client = app.extensions["muniment"]["store"], app.test_client()
    try:
        load(store)
        json_accept = {"Accept": "application/json"}
        first = client.get("/records?q=library", headers=json_accept)
        assert parsedate_to_datetime(first.headers["Last-Modified"]).replace(tzinfo=None) == datetime(2001, 2, 3, 4, 5, 6)
        again = client.get("/records?q=library", headers={**json_accept, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        clock.advance(3600)
        current = store.records.get(NOTICE)  # not a hit of the query: the listing still changes its date
        store.records.update(NOTICE, dict(current.data, title={"en": "Edited"}), current.revision, "test")
        later = client.get("/records?q=stalin", headers=json_accept)
        assert later.headers["Last-Modified"] == format_datetime(datetime(2001, 2, 3, 5, 5, 6, tzinfo=timezone.utc),
                                                                 usegmt=True)
    finally:
        store.engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="MUNIMENT_TEST_POSTGRES_URL is not set")
def test_migration_0015_marks_every_field_of_a_vector_without_all_its_pairs(tmp_path):
    """A vector marked PAIRS_INCOMPLETE the old way (position 1 for every weight, which PostgreSQL keeps as the
    title's alone) is written again with the marker in every field's own vector."""
    from metadata.storage import Store, make_engine, migrate
    from metadata.storage.search import PAIRS_INCOMPLETE, _tsvector, index_tiers

    with postgres_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine, "0014")
        store = Store(engine)
        store.records.save(_variant("wide-words", "Before " + "x" * 1100 + " " + "y" * 1100 + " after."), "test")
        old_form = _tsvector(index_tiers(store.records.get("wide-words").data)).replace(
            "1A,2B,3C,4D", "1A,1B,1C,1D")
        marker = f"'{PAIRS_INCOMPLETE}'"
        fields = ("title_vector", "summary_vector", "text_vector", "other_vector")

        def marked():
            with engine.connect() as conn:
                return [conn.execute(text(f"SELECT count(*) FROM search_vectors WHERE {f} @@ CAST(:m AS tsquery)"),
                                     {"m": marker}).scalar_one() for f in fields]

        assert marked() == [1, 1, 1, 1]
        with engine.begin() as conn:  # as an older write left it
            conn.execute(text("UPDATE search_vectors SET vector = CAST(:v AS tsvector)"), {"v": old_form})
        assert marked() == [1, 0, 0, 0]
        migrate.upgrade(engine)
        assert marked() == [1, 1, 1, 1]
        assert ids(Store(engine).search.search('"before ' + "x" * 1100 + '"')) == ["wide-words"]
        engine.dispose()
