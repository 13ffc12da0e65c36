"""Muniment's app plus one constant-bytes route: the framework floor for the manifest benchmark.

The route returns a payload of MUNIMENT_BENCH_PAYLOAD bytes (the manifest's size) from memory, so the
benchmark can compare a manifest GET with the least any route of the same app can cost.
"""
from __future__ import annotations

import os

from flask import Response

from server import create_app

app = create_app()
PAYLOAD = b"{" + b" " * max(int(os.environ.get("MUNIMENT_BENCH_PAYLOAD", "2")) - 2, 0) + b"}"


@app.get("/bench/constant")
def constant():
    return Response(PAYLOAD, mimetype="application/ld+json")
