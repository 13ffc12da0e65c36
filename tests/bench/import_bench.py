"""Import benchmark (foundation issue): bulk-import N generated records through the normal write path.

Prints records/s (validation, revision, change event and every derived output written, batched
transactions) with one worker process per core preparing records beside the writer (``save_many(workers=...)``,
the bulk path) and, as the baseline in the same run, with none (``workers=1``); and the peak RSS of a child
process for two sizes of N, to show memory is flat in N.
Target: >= 200 records/s into SQLite.  Run: `.venv/bin/python tests/bench/import_bench.py [N]`.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
TARGET = 200.0


def run_once(count: int, workers: int) -> dict:
    from metadata.storage import migrate
    from server import create_app
    from tests.bench.generate import records

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench"})
        store = app.extensions["muniment"]["store"]
        migrate.upgrade(store.engine)
        started = time.perf_counter()
        written = sum(1 for _ in store.records.save_many(records(count), "bench", "benchmark import", batch_size=200,
                                                         workers=workers))
        elapsed = time.perf_counter() - started
        store.engine.dispose()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest worker process
    return {"records": written, "seconds": round(elapsed, 2), "per_second": round(written / elapsed, 1),
            "peak_rss_mib": round(peak_kib / 1024, 1), "worker_rss_mib": round(worker_kib / 1024, 1)}


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        print(json.dumps(run_once(int(sys.argv[2]), int(sys.argv[3]))))
        return
    large = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    from metadata.storage.preparation import available_cores

    workers = available_cores()

    def child(count: int, with_workers: int) -> dict:
        output = subprocess.run([sys.executable, __file__, "--child", str(count), str(with_workers)],
                                capture_output=True, text=True, check=True).stdout
        return json.loads(output.strip().splitlines()[-1])

    small, big, serial = child(large // 5, workers), child(large, workers), child(large, 1)
    print(f"import into SQLite, {big['records']} records, {workers} worker processes: {big['per_second']} records/s "
          f"({big['per_second'] / TARGET:.2f} x the 200 records/s target), {big['seconds']} s")
    print(f"  the same without workers (baseline, same run): {serial['per_second']} records/s "
          f"(workers give {big['per_second'] / serial['per_second']:.2f} x)")
    print(f"peak RSS of the writer: {small['peak_rss_mib']} MiB at N={small['records']}, {big['peak_rss_mib']} MiB at "
          f"N={big['records']} (ratio {big['peak_rss_mib'] / small['peak_rss_mib']:.2f} for 5x the records); "
          f"of the largest worker: {small['worker_rss_mib']} and {big['worker_rss_mib']} MiB")


if __name__ == "__main__":
    main()
