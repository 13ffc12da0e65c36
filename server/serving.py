"""Running the app under gunicorn from the ``muniment serve`` command (each worker builds its own app).

The serving model is gunicorn's threaded worker (gthread): a few processes (``--workers``, about one per
core, since the interpreter lock lets a process use one core) each with a pool of ``--threads`` threads.
With the sync worker one client that sends its headers slowly (one line every few seconds) holds a whole
process, and two such sockets stalled every request. gthread waits for a connection's first bytes in its
event loop, but once a request has begun a thread reads the rest of it, so a slow client costs a thread, not
a process: with 64 threads per worker, 50 slow connections leave threads free for everyone else, and an idle
thread costs little (its stack is reserved, not used). CPU-bound work (OAI pages, manifests) still runs on
``workers`` cores; threads add a small hand-off cost per request and let keep-alive connections be reused.
In production, nginx in front buffers whole requests and drops clients that stall (docs/nginx.conf), so the
app never sees a slow client at all.
"""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

THREADS = 64


class MunimentServer(BaseApplication):
    def __init__(self, options: dict, config: dict | None = None):
        self.options = options
        self.app_config = config
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app(self.app_config)


def options(host: str, port: int, workers: int, threads: int = THREADS) -> dict:
    """gunicorn's settings for ``muniment serve``."""
    return {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
            "accesslog": "-", "timeout": 60, "keepalive": 5}


def serve(host: str, port: int, workers: int, config: dict | None = None, threads: int = THREADS) -> None:
    MunimentServer(options(host, port, workers, threads), config).run()
