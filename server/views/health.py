"""Liveness and readiness: the database answers."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from .. import state

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    with state.store().db.reading() as conn:
        conn.execute(text("SELECT 1"))
    return jsonify(status="ok")
