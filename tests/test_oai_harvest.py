"""Harvests as harvesters run them: changes during a harvest, incremental harvests, and a real client
(Sickle) walking a real gunicorn server on 127.0.0.1 over 2,500 records in every format."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import requests
from sickle import Sickle

from tests.bench.generate import records
from metadata.storage import utc_now

from tests.conftest import make_app
from tests.support.clock import ManualClock
from tests.support.oai import NS, Harvester, error_codes, identifiers
from tests.support.live import muniment_server

REPO_ID = "archive.muniment.test"
PREFIX = f"oai:{REPO_ID}:"


def _repository(database_url: str, tmp_path, count: int, **settings):
    """An app over ``count`` generated records, its clock a second past their writes, and a validating
    harvester (OAI-PMH freezes a list's `until` a second before now)."""
    clock = ManualClock()
    app = make_app(database_url, tmp_path, OAI_REPOSITORY_ID=REPO_ID, CLOCK=clock, **settings)
    store = app.extensions["muniment"]["store"]
    list(store.records.save_many(records(count), "import"))
    clock.advance()
    return store, clock, Harvester(app.test_client(), tmp_path)


def test_changes_during_a_harvest_are_never_duplicated_and_come_next_time(migrated_url, tmp_path):
    store, clock, harvester = _repository(migrated_url, tmp_path, 10, OAI_PAGE_SIZE=3)
    first = harvester.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    started = first.findtext("o:responseDate", namespaces=NS)
    seen = identifiers(first.findall("o:ListIdentifiers/o:header", NS))
    assert len(seen) == 3
    # While the harvester pauses (in the second of its first response): edit a record already served and one
    # not yet served, delete another.
    served, pending, doomed = seen[0].removeprefix(PREFIX), "gen-0000008", "gen-0000009"
    for identifier in (served, pending):
        current = store.records.get(identifier)
        store.records.update(identifier, dict(current.data, title={"en": f"Edited {identifier}"}), current.revision, "bob")
    store.records.delete(doomed, store.records.get(doomed).revision, "carol")
    token = first.find("o:ListIdentifiers/o:resumptionToken", NS).text
    while token:
        page = harvester.get(verb="ListIdentifiers", resumptionToken=token)
        seen += identifiers(page.findall("o:ListIdentifiers/o:header", NS))
        token = page.findtext("o:ListIdentifiers/o:resumptionToken", namespaces=NS)
    assert len(seen) == len(set(seen)), Counter(seen).most_common(3)
    assert PREFIX + pending not in seen and PREFIX + doomed not in seen  # moved past the frozen until
    clock.advance()
    items, _ = harvester.walk("ListIdentifiers", metadataPrefix="oai_dc", from_=started)
    changed = {i.findtext("o:identifier", namespaces=NS): i.get("status") for i in items}
    assert changed == {PREFIX + served: None, PREFIX + pending: None, PREFIX + doomed: "deleted"}


def test_unpublishing_shows_as_deleted_in_the_next_harvest(migrated_url, tmp_path):
    clock = ManualClock()
    app = make_app(migrated_url, tmp_path, OAI_REPOSITORY_ID=REPO_ID, CLOCK=clock)
    store = app.extensions["muniment"]["store"]
    list(store.records.save_many(records(3), "import"))
    draft = next(records(1, start=50))
    store.records.create(draft, "alice", published=False)
    clock.advance()
    harvester = Harvester(app.test_client(), tmp_path)
    first = harvester.get(verb="ListRecords", metadataPrefix="marc21")
    assert len(first.findall(".//o:record", NS)) == 3  # the draft is not there
    started = first.findtext("o:responseDate", namespaces=NS)
    store.records.set_published("gen-0000001", False, 1, "alice")
    clock.advance()
    later = harvester.get(verb="ListRecords", metadataPrefix="marc21", from_=started)
    (record,) = later.findall(".//o:record", NS)
    assert record.find("o:header", NS).get("status") == "deleted"
    assert record.find("o:metadata", NS) is None
    get = harvester.get(verb="GetRecord", metadataPrefix="oai_dc", identifier=PREFIX + "gen-0000050")
    assert error_codes(get) == ["idDoesNotExist"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """`muniment serve` (gunicorn, 2 workers) on 127.0.0.1 over a SQLite database of 500 records, written
    with a clock two seconds behind, so they all lie before the frozen `until` of the server's harvests.
    Pages of 20 make a harvest 25 pages long, as 2,500 records in pages of 100 did, at a fifth of the set-up
    (every record goes through the whole write path: this fixture was the suite's slowest)."""
    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'live.db'}"
    app = make_app(url, tmp, CLOCK=ManualClock(utc_now() - timedelta(seconds=2)))
    # Short texts: no OAI-PMH format carries a record's text, and typesetting full cables into reading
    # pages would be most of this module's time.
    list(app.extensions["muniment"]["store"].records.save_many(records(500, text_bytes=2000), "import", batch_size=500))
    app.extensions["muniment"]["store"].engine.dispose()
    with muniment_server(url, tmp, oai_repository_id=REPO_ID, oai_page_size=20) as base:
        yield base.rstrip("/")


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21", "mods", "qdc"])
def test_sickle_harvests_every_record_exactly_once(live_server, prefix):
    sickle = Sickle(live_server + "/oai", max_retries=0, timeout=60)
    seen = Counter(record.header.identifier for record in sickle.ListRecords(metadataPrefix=prefix,
                                                                            ignore_deleted=False))
    assert len(seen) == 500 and set(seen.values()) == {1}
    assert PREFIX + "gen-0000234" in seen


def test_sickle_identify_and_gzip_over_http(live_server):
    identify = Sickle(live_server + "/oai").Identify()
    assert identify.repositoryName == "Muniment" and identify.deletedRecord == "persistent"
    response = requests.get(live_server + "/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
                            headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.text.count("<header>") == 20 and 'completeListSize="500"' in response.text


def test_a_last_page_emptied_by_edits_is_no_records_match(migrated_url, tmp_path):
    store, _, harvester = _repository(migrated_url, tmp_path, 4, OAI_PAGE_SIZE=3)
    first = harvester.get(verb="ListRecords", metadataPrefix="oai_dc")
    token = first.findtext("o:ListRecords/o:resumptionToken", namespaces=NS)
    last = store.records.get("gen-0000003")
    store.records.update("gen-0000003", dict(last.data, title={"en": "Changed mid-harvest"}), last.revision, "bob")
    assert error_codes(harvester.get(verb="ListRecords", resumptionToken=token)) == ["noRecordsMatch"]
