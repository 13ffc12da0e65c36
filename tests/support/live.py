"""A real Muniment server for tests: `muniment serve` (gunicorn) on a free port of 127.0.0.1."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from .paths import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def muniment_server(database_url: str, workdir: Path, port: int | None = None, **settings):
    """Yields the server's base URL (ending in '/'); MUNIMENT_* settings come from keyword arguments."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "MUNIMENT_DATABASE_URL": database_url, "MUNIMENT_BASE_URL": base,
           "MUNIMENT_SECRET_KEY": "live-test", "PYTHONPATH": str(REPO),
           **{f"MUNIMENT_{key.upper()}": str(value) for key, value in settings.items()}}
    server = subprocess.Popen([sys.executable, "-c", "from server.cli import main; main()", "serve",
                               "--port", str(port), "--workers", "2"], env=env, cwd=workdir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(150):
            try:
                if requests.get(base + "healthz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a worker still booting
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start: " + server.stderr.read().decode())
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
