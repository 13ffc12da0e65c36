"""The injected clock: create_app({"CLOCK": fn}) stamps every write and is the OAI-PMH interface's "now"."""
from __future__ import annotations

from datetime import datetime

from metadata.importers import archive_file

from tests.conftest import make_app
from tests.support.clock import ManualClock
from tests.support.oai import NS, Harvester
from tests.support.paths import seed_file


def test_writes_and_responses_follow_the_app_clock(migrated_url, tmp_path):
    clock = ManualClock(datetime(2001, 2, 3, 4, 5, 6))
    app = make_app(migrated_url, tmp_path, CLOCK=clock)
    store = app.extensions["muniment"]["store"]
    try:
        store.records.save(archive_file.parse_file(seed_file()), "import")
        store.accounts.put_user("alice", "hash", "editor")
        store.accounts.add_token("alice", "digest", "a token")
        clock.advance(60)
        current = store.records.get("113439")
        store.records.update("113439", dict(current.data, title={"en": "Edited"}), current.revision, "alice")
        assert store.records.get("113439").datestamp == datetime(2001, 2, 3, 4, 6, 6)
        assert [r.created_at for r in store.records.revisions("113439")] == [datetime(2001, 2, 3, 4, 5, 6),
                                                                    datetime(2001, 2, 3, 4, 6, 6)]
        assert store.accounts.list_users()[0]["created_at"] == datetime(2001, 2, 3, 4, 5, 6)
        assert store.accounts.list_tokens("alice")[0]["created_at"] == datetime(2001, 2, 3, 4, 5, 6)
        assert store.harvest.earliest_datestamp() == datetime(2001, 2, 3, 4, 6, 6)

        harvester = Harvester(app.test_client(), tmp_path)
        root = harvester.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
        assert root.findtext("o:responseDate", namespaces=NS) == "2001-02-03T04:06:06Z"
        # The list's `until` is frozen a second before the clock's now: the record written this second waits.
        assert root.find("o:error", NS).get("code") == "noRecordsMatch"
        clock.advance()
        (header,) = harvester.get(verb="ListIdentifiers", metadataPrefix="oai_dc").iterfind(".//o:header", NS)
        assert header.findtext("o:datestamp", namespaces=NS) == "2001-02-03T04:06:06Z"
    finally:
        store.engine.dispose()
