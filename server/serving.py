"""Running the app under gunicorn from the ``muniment serve`` command (each worker builds its own app)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


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


def serve(host: str, port: int, workers: int, config: dict | None = None) -> None:
    MunimentServer({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-",
                    "worker_class": "sync", "timeout": 60}, config).run()
