"""Serving benchmark (issue 9, items 1-3) on a real `muniment serve` (2 gthread workers, SQLite):

1. peak worker memory (VmHWM) with four requests at once for the reading PDF of a 1,000,000-character record
   (built once, under its lock, page by page; with ``--distinct`` four different such records, four builds),
   and /healthz latency meanwhile; targets: < 300 MiB a worker, < 1.2 GiB for all workers, /healthz < 1 s;
2. the page-image cache's size on disk after 2,000 distinct image sizes, against its configured bound;
3. /healthz latency (p50, max) with 50 slow connections open (one header line every 5 s); target < 1 s.

Run: `.venv/bin/python tests/bench/serving_bench.py [--distinct]` (`make bench` runs it without).
"""
from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.live import muniment_process  # noqa: E402
from tests.test_serving import Slowloris, _peak_mib, _save  # noqa: E402

CHARACTERS = 1_000_000
IMAGE_CACHE_BYTES = 32 * 1024 * 1024
SIZES = 2_000
IMAGE_PAGES = 20


def healthz_while(base: str, busy) -> list[float]:
    """/healthz latencies (s), one request every 0.2 s while ``busy()`` is true (inf for a timeout)."""
    found = []
    while busy():
        started = time.monotonic()
        try:
            requests.get(base + "healthz", timeout=10).raise_for_status()
            found.append(time.monotonic() - started)
        except requests.RequestException:
            found.append(float("inf"))
        time.sleep(0.2)
    return found


def spread(latencies: list[float]) -> str:
    return f"p50 {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms " \
           f"({len(latencies)} requests)"


def pdfs_at_once(url: str, workdir: Path, identifiers: list[str]) -> None:
    """Four requests at once for the PDFs of ``identifiers`` (the same record four times unless --distinct),
    on a fresh server and cache: the workers' peak memory, /healthz meanwhile, then one more from the file."""
    with muniment_process(url, workdir, data_dir=workdir / f"data-{len(set(identifiers))}") as server:
        before = {pid: _peak_mib(pid) for pid in server.workers()}
        started = time.monotonic()
        with ThreadPoolExecutor(len(identifiers)) as pool:
            futures = [pool.submit(requests.get, f"{server.base}iiif/{i}/reading.pdf", timeout=3600)
                       for i in identifiers]
            latencies = healthz_while(server.base, lambda: not all(f.done() for f in futures))
            responses = [f.result() for f in futures]
        elapsed = time.monotonic() - started
        peaks = {pid: _peak_mib(pid) for pid in server.workers()}
        again = time.monotonic()
        cached = requests.get(f"{server.base}iiif/{identifiers[0]}/reading.pdf", timeout=600)
        again = time.monotonic() - again
    assert [r.status_code for r in responses] == [200] * len(identifiers) and cached.status_code == 200
    pages = len(pypdf.PdfReader(io.BytesIO(cached.content)).pages)
    what = "the same record" if len(set(identifiers)) == 1 else "different records"
    print(f"{len(identifiers)} requests at once for the reading PDF of {CHARACTERS:,}-character records ({what}): "
          f"{pages} pages, {len(cached.content) / 2**20:.0f} MiB, all answered in {elapsed:.0f} s; "
          f"the same PDF again from its file in {again:.2f} s")
    print(f"  peak worker RSS: {', '.join(f'{v:.0f}' for v in peaks.values())} MiB (at start: "
          f"{', '.join(f'{v:.0f}' for v in before.values())}); largest {max(peaks.values()):.0f} MiB, "
          f"target < 300 MiB; total {sum(peaks.values()):.0f} MiB, target < 1,229 MiB (1.2 GiB)")
    print(f"  /healthz meanwhile: {spread(latencies)}  target < 1 s")


def image_sizes(url: str, workdir: Path, identifier: str) -> None:
    with muniment_process(url, workdir, data_dir=workdir / "data-images",
                          image_cache_bytes=IMAGE_CACHE_BYTES) as server:
        pages = IMAGE_PAGES  # 100 widths on each of 20 pages: 2,000 distinct (page, width)
        asks = [(1 + n % pages, 20 + 9 * (n // pages)) for n in range(SIZES)]
        assert len(set(asks)) == SIZES

        def fetch(ask):
            page, width = ask
            return requests.get(f"{server.base}iiif/image/{identifier}/{page}/full/{width},/0/default.jpg",
                                timeout=60).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(fetch, asks))
        elapsed = time.monotonic() - started
        root = workdir / "data-images" / "cache" / "iiif"
        files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
        size = sum(p.stat().st_size for p in files)
    assert statuses == [200] * SIZES
    print(f"{SIZES:,} distinct image sizes over {pages} pages in {elapsed:.0f} s: cache {size / 2**20:.1f} MiB "
          f"in {len(files)} files  bound {IMAGE_CACHE_BYTES / 2**20:.0f} MiB (MUNIMENT_IMAGE_CACHE_BYTES)")


def slow_clients(url: str, workdir: Path) -> None:
    with muniment_process(url, workdir) as server:
        slow = Slowloris(server.port, 50)
        try:
            end = time.monotonic() + 20
            latencies = healthz_while(server.base, lambda: time.monotonic() < end)
        finally:
            slow.close()
    print(f"/healthz with 50 slow connections open (a header line every 5 s, 20 s): {spread(latencies)}  "
          f"target < 1 s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir}/bench.db"
        started = time.monotonic()
        distinct = "--distinct" in sys.argv
        identifiers = _save(url, workdir, text_bytes=CHARACTERS, count=4 if distinct else 1)
        print(f"loaded {len(identifiers)} record(s) of {CHARACTERS:,} characters in "
              f"{time.monotonic() - started:.0f} s")
        slow_clients(url, workdir)
        image_sizes(url, workdir, identifiers[0])
        pdfs_at_once(url, workdir, identifiers if distinct else identifiers * 4)


if __name__ == "__main__":
    main()
