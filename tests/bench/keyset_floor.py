"""The floor for the OAI benchmark: a bare Flask route paging stored oai_dc XML by keyset, no protocol.

It does what any Python OAI server must (one indexed query of 100 stored payloads, concatenated into one
response) and nothing else: no argument checks, no headers, no signed token. Served by gunicorn like Muniment.
"""
from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, Response, request
from sqlalchemy import and_, select, tuple_

from metadata.storage import make_engine
from metadata.storage.tables import derived, records

app = Flask(__name__)
engine = make_engine(os.environ["MUNIMENT_DATABASE_URL"])


@app.get("/floor")
def floor():
    query = select(records.c.id, records.c.datestamp, derived.c.content).join(
        derived, and_(derived.c.record_id == records.c.id, derived.c.format == "oai_dc"))
    after = request.args.get("after")
    if after:
        stamp, _, identifier = after.partition("|")
        query = query.where(tuple_(records.c.datestamp, records.c.id) >
                            tuple_(datetime.fromisoformat(stamp), identifier))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(records.c.datestamp, records.c.id).limit(101)).all()
    page = rows[:100]
    body = "".join(f"<record><id>{r.id}</id>{r.content}</record>" for r in page)
    if len(rows) > 100:
        body += f"<resumptionToken>{page[-1].datestamp.isoformat(' ')}|{page[-1].id}</resumptionToken>"
    return Response(f"<list>{body}</list>", mimetype="text/xml")
