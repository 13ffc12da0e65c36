"""Real Muniment servers for tests, on a free port of 127.0.0.1: `muniment serve` (gunicorn) in its own process,
for the tests of serving itself, and the same app served over HTTP from a thread of the test's process, for the
browser tests, where a second process's start (a second of imports) and graceful stop (a second more) were most
of each test's time."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

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
        for _ in range(600):
            try:
                if requests.get(base + "healthz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a worker still booting
                time.sleep(0.05)
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


def serve_in_thread(httpd) -> None:
    """Serve a socketserver (``http.server``'s or Werkzeug's) from a daemon thread; ``stop_serving`` ends it.
    It checks for shutdown every 50 ms: at the default half second, each server a test stopped cost it that."""
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def stop_serving(httpd) -> None:
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its line per request on stderr."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def app_in_thread(app_for, workdir: Path, **config):
    """An app built by ``app_for(config)`` (config gets DATA_DIR and the BASE_URL of a free port, plus
    ``config``) and served over HTTP from a thread, one thread per connection; yields (base URL, app). The
    caller fills the app's store before the first request, the same way as before a `muniment serve`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    app = app_for({"BASE_URL": base, "DATA_DIR": str(workdir / "data"), **config})
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
    serve_in_thread(server)
    try:
        yield base, app
    finally:
        stop_serving(server)
        app.extensions["muniment"]["store"].engine.dispose()
