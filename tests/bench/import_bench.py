"""Import benchmark (foundation issue): bulk-import N generated records through the normal write path.

Prints records/s (validation, revision, change event and every derived output written, batched
transactions) and the peak RSS of a child process for two sizes of N, to show memory is flat in N.
Target: >= 200 records/s into SQLite.  Run: `.venv/bin/python tests/bench/import_bench.py [N]`.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
TARGET = 200.0


def run_once(count: int) -> dict:
    from metadata.storage import migrate
    from server import create_app
    from tests.bench.generate import records

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench"})
        store = app.extensions["muniment"]["store"]
        migrate.upgrade(store.engine)
        started = time.perf_counter()
        written = sum(1 for _ in store.records.save_many(records(count), "bench", "benchmark import", batch_size=200))
        elapsed = time.perf_counter() - started
        store.engine.dispose()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"records": written, "seconds": round(elapsed, 2), "per_second": round(written / elapsed, 1),
            "peak_rss_mib": round(peak_kib / 1024, 1)}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(run_once(int(sys.argv[2]))))
        return
    large = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    results = {}
    for count in (large // 5, large):
        output = subprocess.run([sys.executable, __file__, "--child", str(count)], capture_output=True, text=True,
                                check=True).stdout
        results[count] = json.loads(output.strip().splitlines()[-1])
    small, big = results[large // 5], results[large]
    print(f"import into SQLite, {big['records']} records: {big['per_second']} records/s "
          f"({big['per_second'] / TARGET:.2f} x the 200 records/s target), {big['seconds']} s")
    print(f"peak RSS: {small['peak_rss_mib']} MiB at N={small['records']}, {big['peak_rss_mib']} MiB at "
          f"N={big['records']} (ratio {big['peak_rss_mib'] / small['peak_rss_mib']:.2f} for 5x the records)")


if __name__ == "__main__":
    main()
