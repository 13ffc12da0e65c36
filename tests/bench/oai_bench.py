"""OAI-PMH harvest benchmark (OAI-PMH issue).

Loads N generated records once through the storage layer's batch path into tests/bench/.data/ (reused by
later runs), serves them with `muniment serve` (gunicorn, 2 workers) on 127.0.0.1, and harvests the whole
repository with ListRecords/oai_dc, 100 records a page, no gzip, one sequential raw HTTP client. In the same
run it harvests a bare Flask route that pages the same stored XML by keyset (the floor a Python server can
reach) and reports our rate against it and against the issue's target.

Prints: records/s, the ratio to the bare route, the latency of the last pages against the first, and the
server workers' RSS at the start, middle and end of the harvest (flat in the page index).
Run: `.venv/bin/python tests/bench/oai_bench.py [N]` (default 100000; set MUNIMENT_BENCH_POSTGRES_URL to also
run against PostgreSQL).
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
DATA = Path(__file__).with_name(".data")
TARGET = 20_000
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def load(url: str, count: int) -> None:
    from metadata.storage import migrate
    from metadata.storage.preparation import available_cores
    from server import create_app
    from tests.bench.generate import records

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    store = app.extensions["muniment"]["store"]
    migrate.upgrade(store.engine)
    have = store.harvest.count()
    if have < count:
        started = time.perf_counter()
        for n, _ in enumerate(store.records.save_many(records(count - have, start=have), "bench", batch_size=1000,
                                                      workers=available_cores()), 1):
            if n % 10000 == 0:
                print(f"  loaded {have + n} records ({n / (time.perf_counter() - started):.0f}/s)", flush=True)
        print(f"  loaded {count - have} records in {time.perf_counter() - started:.0f} s", flush=True)
    if url.startswith("sqlite"):
        # Fold the bulk load's write-ahead log into the database, as a long-running server would have.
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        # Vacuum and analyze the bulk load, as autovacuum soon does under a running server: freshly loaded
        # PostgreSQL tables have no visibility map or statistics yet (the first pages then took 40-200 ms).
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    store.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, env={**os.environ, **env, "PYTHONPATH": str(REPO)}, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def worker_rss_mib(process: subprocess.Popen) -> float:
    """Largest RSS among the gunicorn processes (master and workers)."""
    pids = [process.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                                           text=True).stdout.split()]
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return max(sizes)


def harvest(port: int, first_path: str, next_path, process: subprocess.Popen | None = None) -> dict:
    """Walk a list with one connection; time every page; sample server RSS at 0, 50 and 100 percent."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path, records, times, rss = first_path, 0, [], []
    started = time.perf_counter()
    while path:
        t0 = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        times.append(time.perf_counter() - t0)
        assert response.status == 200, body[:200]
        records += body.count(b"<record>")
        match = TOKEN.search(body)
        path = next_path(match.group(1).decode()) if match else None
        if process is not None and len(times) in (1, 500, 999_999):
            rss.append(worker_rss_mib(process))
    elapsed = time.perf_counter() - started
    if process is not None:
        rss.append(worker_rss_mib(process))
    first, last = sum(times[:20]) / 20, sum(times[-20:]) / 20
    return {"records": records, "pages": len(times), "seconds": elapsed, "rate": records / elapsed,
            "first_ms": first * 1000, "last_ms": last * 1000, "rss": rss}


def warm(url: str) -> None:
    """Read the SQLite file once, so both servers start from a warm page cache (as a running server has)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for part in (path, Path(f"{path}-wal")):
            if part.exists():
                with open(part, "rb") as handle:
                    while handle.read(1 << 24):
                        pass


def run(url: str, label: str) -> None:
    warm(url)
    env = {"MUNIMENT_DATABASE_URL": url, "MUNIMENT_SECRET_KEY": "bench", "MUNIMENT_OAI_PAGE_SIZE": "100"}
    port = free_port()
    server = start([sys.executable, "-c", "from server.cli import main; main()", "serve", "--port", str(port),
                    "--workers", "2"], env, port)
    try:
        time.sleep(1.2)  # every record lies before the frozen `until`
        ours = harvest(port, "/oai?verb=ListRecords&metadataPrefix=oai_dc",
                       lambda token: "/oai?verb=ListRecords&resumptionToken=" + quote(token), server)
    finally:
        stop(server)
    port = free_port()
    floor_server = start([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                          "tests.bench.keyset_floor:app"], env, port)
    try:
        floor = harvest(port, "/floor", lambda token: "/floor?after=" + quote(token))
    finally:
        stop(floor_server)
    print(f"{label}: full ListRecords oai_dc harvest of {ours['records']} records in {ours['pages']} pages: "
          f"{ours['rate']:,.0f} records/s ({ours['rate'] / TARGET:.2f} x the {TARGET:,} target; "
          f"{ours['rate'] / floor['rate']:.2f} x the bare keyset route's {floor['rate']:,.0f} records/s "
          f"measured in this run)")
    print(f"{label}: page latency, first 20 pages {ours['first_ms']:.2f} ms, last 20 pages {ours['last_ms']:.2f} ms "
          f"(ratio {ours['last_ms'] / ours['first_ms']:.2f}; target <= 1.2)")
    print(f"{label}: server RSS (largest gunicorn process) at pages 1, 500 and the end: "
          + ", ".join(f"{r:.1f} MiB" for r in ours["rss"]))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    DATA.mkdir(exist_ok=True)
    sqlite_url = f"sqlite:///{DATA / f'oai-{count}.db'}"
    print(f"loading {count} records into {sqlite_url} (once; reused by later runs)", flush=True)
    load(sqlite_url, count)
    run(sqlite_url, "SQLite")
    postgres = os.environ.get("MUNIMENT_BENCH_POSTGRES_URL")
    if postgres:
        print(f"loading {count} records into PostgreSQL", flush=True)
        load(postgres, count)
        run(postgres, "PostgreSQL")


if __name__ == "__main__":
    main()
