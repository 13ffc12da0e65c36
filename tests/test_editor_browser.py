"""The web editor in Debian's Chromium (Playwright) against a real server: an archivist logs in, corrects
the cable's title and adds a subject, and sees both in the manifest and in OAI-PMH GetRecord; a validation
error is shown beside its field with focus on it; of two browsers editing one record, the second gets the
conflict page."""
from __future__ import annotations

import pytest
import requests

from metadata.importers import archive_file
from server import create_app

from tests.conftest import PASSWORD, password_hash, upgrade
from tests.support.browser import log_in
from tests.support.live import app_in_thread
from tests.support.paths import seed_file

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    """The editor over SQLite with the seed and two editors, served from a thread of this process."""
    url = f"sqlite:///{tmp_path / 'editor.db'}"
    with app_in_thread(create_app, tmp_path, DATABASE_URL=url, SECRET_KEY="x") as (base, app):
        store = app.extensions["muniment"]["store"]
        upgrade(store.engine)
        store.accounts.put_user("ann", password_hash(), "editor")
        store.accounts.put_user("bob", password_hash(), "editor")
        store.records.save(archive_file.parse_file(seed_file()), "import")
        yield base


def _log_in(browser, base: str, name: str):
    return log_in(browser, base, name, PASSWORD)


def test_edit_title_and_subject_then_see_them_in_manifest_and_oai(server, browser):
    page = _log_in(browser, server, "ann")
    page.get_by_role("link", name="113439").click()
    page.locator("#title\\.0\\.text").fill("Cable from Liu Shaoqi to Mao Zedong")
    page.get_by_role("button", name="Add a subject").click()
    page.locator("#subject\\.0\\.label").fill("Soviet loans")
    page.get_by_label("What changed").fill("title and subject")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=Saved as revision 2")
    manifest = requests.get(server + "iiif/113439/manifest").json()
    assert manifest["label"] == {"en": ["Cable from Liu Shaoqi to Mao Zedong"]}
    assert {"label": {"en": ["Subjects"]}, "value": {"none": ["Soviet loans"]}} in manifest["metadata"]
    oai = requests.get(server + "oai", params={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                               "identifier": "oai:muniment.example.org:113439"}).text
    assert "Cable from Liu Shaoqi to Mao Zedong" in oai and "Soviet loans" in oai


def test_validation_error_beside_the_field_with_focus(server, browser):
    page = _log_in(browser, server, "ann")
    page.goto(server + "edit/records/113439")
    page.locator("#created").fill("the day after the war")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#err-created")
    assert "write a date such as 18 July 1949, c. 1955 or 1940s" in page.inner_text("#err-created")
    # The page's script moves the focus once it has run, which can be after the error is in the DOM: wait for it
    # (a page that never focuses the field fails here on the timeout).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'created'", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "created"
    assert page.locator("#created").input_value() == "the day after the war"


def test_second_editor_gets_the_conflict_page(server, browser):
    ann = _log_in(browser, server, "ann")
    bob = _log_in(browser, server, "bob")
    ann.goto(server + "edit/records/113439")
    bob.goto(server + "edit/records/113439")
    ann.locator("#title\\.0\\.text").fill("Ann's title")
    ann.get_by_role("button", name="Save", exact=True).click()
    ann.wait_for_selector("text=Saved as revision 2")
    bob.locator("#title\\.0\\.text").fill("Bob's title")
    bob.get_by_role("button", name="Save", exact=True).click()
    bob.wait_for_selector("text=Someone saved this record first")
    text = bob.inner_text("body")
    assert "Ann's title" in text and "Bob's title" in text
    assert requests.get(server + "records/113439.jsonld").json()["title"] == {"en": "Ann's title"}
