"""IIIF manifest benchmark (IIIF issue): GET manifest requests/s against the framework floor, and the time
to build a manifest on write.

Serves the imported seed under gunicorn (2 sync workers) on 127.0.0.1 and drives it with wrk (16
connections, no gzip) for the seed's manifest and for a constant-bytes route of the same app that returns a
payload of the same size, in the same run. Target: manifest >= 0.8 x the floor.
Run: `.venv/bin/python tests/bench/manifest_bench.py` (needs Debian's `wrk`: `apt-get install wrk`).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.oai_bench import free_port, start, stop  # noqa: E402
from tests.support.paths import SEED  # noqa: E402

DURATION = os.environ.get("MUNIMENT_BENCH_SECONDS", "5")
ROUNDS = 3  # floor and manifest alternate; the median of the rounds' ratios is reported (2 cores are noisy)


def wrk(url: str) -> float:
    output = subprocess.run(["wrk", "-t2", "-c16", f"-d{DURATION}s", url], capture_output=True, text=True,
                            check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def build_time() -> float:
    from manifests.builder import Options, build
    from metadata.importers import archive_file

    record = archive_file.parse_file(SEED)
    options = Options()
    build(record, options)  # fonts loaded once, as in a running server
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        build(record, options)
        timings.append(time.perf_counter() - started)
    return median(timings) * 1000


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    from metadata.storage import migrate
    from metadata.importers import archive_file
    from server import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        app = create_app({"DATABASE_URL": url, "BASE_URL": base, "SECRET_KEY": "bench"})
        store = app.extensions["muniment"]["store"]
        migrate.upgrade(store.engine)
        store.records.save(archive_file.parse_file(SEED), "bench")
        manifest = app.test_client().get("/iiif/113439/manifest").data
        store.engine.dispose()
        env = {"MUNIMENT_DATABASE_URL": url, "MUNIMENT_BASE_URL": base, "MUNIMENT_SECRET_KEY": "bench",
               "MUNIMENT_BENCH_PAYLOAD": str(len(manifest))}
        server = start([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                        "tests.bench.manifest_app:app"], env, port)
        try:
            wrk(base + "bench/constant")  # warm both workers
            rounds = [(wrk(base + "bench/constant"), wrk(base + "iiif/113439/manifest")) for _ in range(ROUNDS)]
        finally:
            stop(server)
    ratios = sorted(ours / floor for floor, ours in rounds)
    floor, ours = median(f for f, _ in rounds), median(o for _, o in rounds)
    print(f"GET manifest ({len(manifest):,} bytes): {ours:,.0f} requests/s; constant-bytes route of the same size: "
          f"{floor:,.0f} requests/s (medians of {ROUNDS} alternating {DURATION} s rounds); ratio {median(ratios):.2f} "
          f"(rounds {', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.8); gunicorn 2 workers, wrk 16 connections")
    print(f"building the seed's manifest on write (layout of {len(archive_file.parse_file(SEED)['hasVersion'][0]['text']):,} "
          f"characters into pages, iiif-prezi3 model): {build_time():.1f} ms (median of 30)")


if __name__ == "__main__":
    main()
