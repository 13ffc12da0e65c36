"""Search benchmark (discovery issue): latency of the public search with facets through HTTP.

Loads N varied generated records (English, Russian and Chinese texts, people, places, subjects, dates:
tests/bench/generate.py ``varied``) through the normal write path (``save_many``, which indexes each record in
its transaction) into tests/bench/.data/ (reused by later runs), timing the import. Serves them with
`muniment serve` (gunicorn, 2 workers) and sends, over one keep-alive connection with Accept: application/json,
a mix of at least 200 queries (single words in three languages, Russian inflected forms, Chinese characters,
phrases, prefixes, exclusions, and queries with two active filters), facets included in every answer, printing
each query's hit count; `/healthz` is timed in the same run, interleaved. The browse-all page (no query, all
facets) is timed separately.

Prints: p50/p95 of the mix, p95 of /healthz and the ratio, browse-all p50/p95, the index size, the import rate.
Targets: p95 <= 50 ms and <= 15x /healthz p95; browse-all <= 150 ms; import >= 200 records/s.
Run: `.venv/bin/python tests/bench/search_bench.py [N]` (default 100000; set MUNIMENT_BENCH_POSTGRES_URL to also
run against PostgreSQL).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.oai_bench import DATA, free_port, start, stop  # noqa: E402

TARGET_P95_MS, TARGET_RATIO, TARGET_BROWSE_MS, TARGET_IMPORT = 50, 15, 150, 200


def load(url: str, count: int) -> float | None:
    """Load up to ``count`` records; the import rate (records/s) when any were loaded in this run."""
    from metadata.storage import migrate
    from metadata.storage.preparation import available_cores
    from server import create_app
    from tests.bench.generate import varied

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    store = app.extensions["muniment"]["store"]
    migrate.upgrade(store.engine)
    have = store.harvest.count()
    rate = None
    if have < count:
        started = time.perf_counter()
        for n, _ in enumerate(store.records.save_many(varied(count - have, start=have), "bench", batch_size=500,
                                                      workers=available_cores()), 1):
            if n % 10000 == 0:
                print(f"  loaded {have + n} records ({n / (time.perf_counter() - started):.0f}/s)", flush=True)
        rate = (count - have) / (time.perf_counter() - started)
        print(f"  loaded {count - have} records at {rate:.0f} records/s (with indexing and every derived output)")
    if url.startswith("sqlite"):
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif rate:
        # What autovacuum does to a live database in its own time: a freshly loaded one still has its GIN
        # indexes' pending lists to read through and no statistics (p95 97.7 ms before, 55.5 after).
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    store.engine.dispose()
    return rate


def index_size(url: str) -> str:
    from sqlalchemy import text

    from metadata.storage import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        if url.startswith("sqlite"):
            try:
                size = conn.execute(text("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search%' "
                                         "OR name LIKE 'sqlite_autoindex_search%'")).scalar_one()
            except Exception:  # SQLite built without dbstat
                return "unknown (no dbstat)"
        else:
            size = conn.execute(text("SELECT pg_total_relation_size('search_vectors') + "
                                     "pg_total_relation_size('search_documents')")).scalar_one()
    engine.dispose()
    return f"{size / 2**20:.1f} MiB"


def queries(rng: random.Random, count: int) -> list[dict]:
    """The mix: words taken evenly from each vocabulary's ranks (most are in a few dozen records) and from its
    few real words (some in most records), phrases of two words that stand together in one of the ``count``
    loaded records, prefixes with an exclusion, and words with two filters."""
    from tests.bench.generate import _EN, _ZH, CHINESE, ENGLISH, PEOPLE, PLACES, RUSSIAN, SUBJECTS, varied
    from metadata.record.urls import UrlBuilder

    urls = UrlBuilder("http://127.0.0.1/")  # the server's base is irrelevant: facet values are matched by IRI
    mix: list[dict] = []
    ru_forms = ["книги", "книгами", "библиотеки", "договора", "переговорах", "школы", "газеты", "письма"]
    for n in range(60):
        mix.append({"q": rng.choice(_EN if n % 2 else ENGLISH)})
    for n in range(30):
        mix.append({"q": rng.choice(ru_forms) if n % 2 else rng.choice(RUSSIAN) + rng.choice(["ами", "ой", "у"])})
    for n in range(30):
        word = rng.choice(_ZH if n % 2 else CHINESE)
        mix.append({"q": word[:rng.choice([1, len(word)])]})
    for _ in range(30):
        version = next(varied(1, start=rng.randrange(count)))["hasVersion"][0]
        body = version["text"].split("\n\n", 1)[1]
        if version["language"] == ["lang:zh"]:  # three characters that stand together
            at = rng.randrange(len(body) - 3)
            mix.append({"q": f'"{body[at:at + 3]}"'})
        else:
            text = body.split()
            at = rng.randrange(len(text) - 1)
            mix.append({"q": f'"{text[at]} {text[at + 1]}"'})
    for _ in range(15):
        mix.append({"q": f"{rng.choice(ENGLISH)[:4]}* -{rng.choice(ENGLISH)}"})
    for _ in range(45):
        filters = [("place", urls.place(rng.choice(PLACES))), ("subject", urls.subject(rng.choice(SUBJECTS))),
                   ("creator", urls.agent(rng.choice(PEOPLE)))]
        chosen = dict(rng.sample(filters, 2))
        if rng.random() < 0.3:
            decade = 1900 + 10 * rng.randrange(10)
            chosen = {next(iter(chosen)): next(iter(chosen.values())), "from": decade, "to": decade + 9}
        mix.append({"q": rng.choice(ENGLISH + RUSSIAN), **chosen})
    return mix


def get(conn: http.client.HTTPConnection, path: str, accept: str = "application/json") -> tuple[float, bytes]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
    return elapsed, body


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def run(url: str, label: str, count: int) -> None:
    rate = load(url, count)
    port = free_port()
    env = {"MUNIMENT_DATABASE_URL": url, "MUNIMENT_SECRET_KEY": "bench", "MUNIMENT_BASE_URL": "http://127.0.0.1/"}
    server = start([sys.executable, "-c", "from server.cli import main; main()", "serve", "--port", str(port),
                    "--workers", "2"], env, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mix = queries(random.Random(11), count)
        # Warm the worker (its accelerator, built on the first search) and the connection with queries of
        # another draw, so that none of the measured ones is answered from a cache it filled itself.
        for args in queries(random.Random(12), count)[:10]:
            get(conn, "/records?" + urlencode(args, doseq=True))
        search_ms, health_ms = [], []
        for args in mix:
            elapsed, body = get(conn, "/records?" + urlencode(args, doseq=True))
            search_ms.append(elapsed)
            print(f"  {elapsed:7.1f} ms  {json.loads(body)['total']:>7} hits  {urlencode(args, doseq=True)}")
            health_ms.append(get(conn, "/healthz", "*/*")[0])
        browse = [get(conn, "/records")[0] for _ in range(30)]
    finally:
        stop(server)
    p50, p95, h95 = p(search_ms, 50), p(search_ms, 95), p(health_ms, 95)
    print(f"{label} (N={count}): {len(mix)} queries with facets: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"(target {TARGET_P95_MS}); /healthz p95 {h95:.1f} ms; ratio {p95 / h95:.1f}x (target {TARGET_RATIO}x)")
    print(f"{label}: browse-all page (no query, all facets): p50 {p(browse, 50):.1f} ms, p95 {p(browse, 95):.1f} ms "
          f"(target {TARGET_BROWSE_MS})")
    print(f"{label}: index size {index_size(url)}; import rate "
          + (f"{rate:.0f} records/s (target {TARGET_IMPORT})" if rate else "n/a (database reused)"))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    DATA.mkdir(exist_ok=True)
    run(f"sqlite:///{DATA / f'search-zipf-{count}.db'}", "SQLite", count)
    postgres = os.environ.get("MUNIMENT_BENCH_POSTGRES_URL")
    if postgres:
        run(postgres, "PostgreSQL", count)


if __name__ == "__main__":
    main()
