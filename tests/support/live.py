"""A real Muniment server for tests: `muniment serve` (gunicorn) on a free port of 127.0.0.1."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .paths import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    base: str  # ends in '/'
    port: int
    pid: int  # gunicorn's master; its children are the workers
    log: Path | None  # gunicorn's access log (stdout), when asked for

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [int(pid) for pid in children]


@contextmanager
def muniment_process(database_url: str, workdir: Path, port: int | None = None, log: Path | None = None,
                     workers: int = 2, **settings):
    """A running `muniment serve` (its base URL, port, pid and log); MUNIMENT_* settings come from keyword
    arguments. Its data directory is ``workdir/data`` unless DATA_DIR is given."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}/"
    settings.setdefault("data_dir", workdir / "data")
    env = {**os.environ, "MUNIMENT_DATABASE_URL": database_url, "MUNIMENT_BASE_URL": base,
           "MUNIMENT_SECRET_KEY": "live-test", "PYTHONPATH": str(REPO),
           **{f"MUNIMENT_{key.upper()}": str(value) for key, value in settings.items()}}
    stdout = open(log, "wb") if log else subprocess.DEVNULL
    server = subprocess.Popen([sys.executable, "-c", "from server.cli import main; main()", "serve",
                               "--port", str(port), "--workers", str(workers)], env=env, cwd=workdir,
                              stdout=stdout, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(150):
            try:
                if requests.get(base + "healthz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a worker still booting
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start: " + server.stderr.read().decode())
        yield LiveServer(base, port, server.pid, log)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        if log:
            stdout.close()


@contextmanager
def muniment_server(database_url: str, workdir: Path, port: int | None = None, **settings):
    """Yields the server's base URL (ending in '/'); MUNIMENT_* settings come from keyword arguments."""
    with muniment_process(database_url, workdir, port, **settings) as server:
        yield server.base
