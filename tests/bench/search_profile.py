"""CPU profile of the public search and of importing with indexing, in-process (for a loaded machine).

Wall-clock latency on a shared machine says more about the neighbours than about Muniment, so this script
measures CPU time (``time.process_time``) and profiles with cProfile, all in one process:

- import: ``IMPORT`` varied generated records (tests/bench/generate.py ``varied``) written through the normal
  write path (``save_many``: validation, revision, every derived output, mentions and the search index) into
  a fresh SQLite database: CPU ms per record, then the same again under cProfile for its top functions;
- queries: N varied records loaded once into tests/bench/.data/ (reused by later runs), then the query mix of
  tests/bench/search_bench.py (facets in every answer) sent through the Flask test client with
  ``Accept: application/json``: CPU ms per query (mean and p95), then the mix again under cProfile.

Run: `.venv/bin/python tests/bench/search_profile.py [N] [IMPORT]` (defaults 2000 and 200; 0 skips a part).
"""
from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.oai_bench import DATA  # noqa: E402
from tests.bench.search_bench import load, queries  # noqa: E402

TOP = int(__import__("os").environ.get("PROFILE_TOP", "15"))


def _profile() -> cProfile.Profile:
    return cProfile.Profile(time.process_time)  # CPU seconds: the neighbours' load does not count


def _top(profile: cProfile.Profile, title: str, order: str = "tottime") -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(order).print_stats(TOP)
    print(f"--- {title}: top {TOP} by {order} (CPU seconds)")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def _import(count: int) -> None:
    from metadata.storage import migrate
    from server import create_app
    from tests.bench.generate import varied

    for profiled in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/import.db", "SECRET_KEY": "bench"})
            store = app.extensions["muniment"]["store"]
            migrate.upgrade(store.engine)
            batch = list(varied(count))
            profile = _profile() if profiled else None
            started = time.process_time()
            if profile:
                profile.enable()
            for _ in store.records.save_many(batch, "bench", batch_size=200):
                pass
            if profile:
                profile.disable()
            cpu = time.process_time() - started
            store.engine.dispose()
        if profile:
            _top(profile, f"import of {count} varied records")
            _top(profile, f"import of {count} varied records", "cumulative")
        else:
            print(f"import: {count} records, CPU {cpu * 1000 / count:.1f} ms per record "
                  f"({count / cpu:.0f} records per CPU second)")


def _queries(count: int) -> None:
    from server import create_app

    url = f"sqlite:///{DATA / f'search-zipf-{count}.db'}"
    DATA.mkdir(exist_ok=True)
    load(url, count)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BASE_URL": "http://127.0.0.1/"})
    client = app.test_client()
    mix = ["/records?" + urlencode(args, doseq=True) for args in queries(random.Random(11), count)]
    for path in mix[:10]:  # warm caches (stemmer, templates, SQLite pages)
        client.get(path, headers={"Accept": "application/json"})
    spent = []
    for path in mix:
        started = time.process_time()
        response = client.get(path, headers={"Accept": "application/json"})
        spent.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, (path, response.data[:200])
    browse = []
    for _ in range(20):
        started = time.process_time()
        client.get("/records", headers={"Accept": "application/json"})
        browse.append((time.process_time() - started) * 1000)
    p95 = statistics.quantiles(spent, n=100, method="inclusive")[94]
    print(f"queries (N={count}): {len(mix)} with facets, CPU mean {statistics.mean(spent):.1f} ms, "
          f"p50 {statistics.median(spent):.1f} ms, p95 {p95:.1f} ms; browse-all CPU median "
          f"{statistics.median(browse):.1f} ms")
    profile = _profile()
    profile.enable()
    for path in mix:
        client.get(path, headers={"Accept": "application/json"})
    profile.disable()
    _top(profile, f"{len(mix)} queries")
    _top(profile, f"{len(mix)} queries", "cumulative")
    app.extensions["muniment"]["store"].engine.dispose()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    imported = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    if count:
        _queries(count)
    if imported:
        _import(imported)


if __name__ == "__main__":
    main()
