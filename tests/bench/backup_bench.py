"""Backup benchmark: back up and restore SQLite databases of N/5 and N generated records (each with three
revisions), in child processes, and print the time and each child's peak RSS, to show memory is flat in N.
Run: `.venv/bin/python tests/bench/backup_bench.py [N]` (default 2000).
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


def build(url: str, count: int) -> None:
    from metadata.storage import migrate
    from server import create_app
    from tests.bench.generate import records

    store = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}).extensions["muniment"]["store"]
    migrate.upgrade(store.engine)
    for round_ in range(3):  # three revisions a record: the revisions table is the big one
        edited = (dict(r, title={"en": f"{r['title'].get('en', '')} (edit {round_})"}) for r in records(count))
        for _ in store.records.save_many(edited, "bench", f"round {round_}", batch_size=200):
            pass
    store.engine.dispose()


def child(action: str, url: str, path: str) -> dict:
    from metadata.storage import backup
    from metadata.storage.database import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    counts = (backup.write_backup if action == "backup" else backup.restore_backup)(engine, path)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"rows": sum(counts.values()), "seconds": round(elapsed, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _run(*args) -> dict:
    output = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:5])))
        return
    large = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        for count in (large // 5, large):
            source, target = f"sqlite:///{tmp}/source-{count}.db", f"sqlite:///{tmp}/target-{count}.db"
            path = f"{tmp}/backup-{count}.gz"
            build(source, count)
            made, restored = _run("--child", "backup", source, path), _run("--child", "restore", target, path)
            size = Path(path).stat().st_size / 2**20
            print(f"N={count}: {made['rows']} rows, backup {made['seconds']} s peak {made['peak_rss_mib']} MiB "
                  f"({size:.1f} MiB file); restore {restored['seconds']} s peak {restored['peak_rss_mib']} MiB")


if __name__ == "__main__":
    main()
